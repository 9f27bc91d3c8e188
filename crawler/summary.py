"""An end-of-run summary in the log: what was fetched, written and rejected, and why."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class RunSummary:
    """Logs one line per outcome when the spider closes (enabled in EXTENSIONS)."""

    def __init__(self, crawler: Crawler):
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunSummary:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider, reason: str) -> None:
        stats = self.stats.get_stats()
        logger.info(
            "Run summary for %s (%s): %d article pages fetched, %d written, %d rejected%s, %d failed%s",
            spider.name,
            reason,
            stats.get("bersih/pages", 0),
            stats.get("bersih/written", 0),
            stats.get("bersih/rejected", 0),
            _breakdown(stats, "bersih/rejected/"),
            stats.get("bersih/failed", 0),
            _breakdown(stats, "bersih/failed/"),
        )


def _breakdown(stats: dict, prefix: str) -> str:
    """ " (reason n, reason n)" from the stats under a prefix, or "" when there are none."""
    parts = [
        f"{key.removeprefix(prefix)} {value}"
        for key, value in sorted(stats.items())
        if key.startswith(prefix)
    ]
    return f" ({', '.join(parts)})" if parts else ""
