"""Scrapy's stats, dumped at STATS_DUMP_LEVEL (DEBUG) rather than into every INFO log."""

from __future__ import annotations

import logging

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.statscollectors import MemoryStatsCollector

logger = logging.getLogger("scrapy.statscollectors")


class LeveledStatsCollector(MemoryStatsCollector):
    """Scrapy's MemoryStatsCollector, whose end-of-run dump is logged at STATS_DUMP_LEVEL.

    The dump is some sixty lines per crawler, fourteen of them in a `crawlall`: the run's
    summary (stdout) and its manifest say what an operator needs; the dump is for debugging.
    """

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        level = crawler.settings.get("STATS_DUMP_LEVEL", "DEBUG")
        self._level = level if isinstance(level, int) else logging.getLevelName(str(level).upper())
        if not isinstance(self._level, int):
            raise ValueError(f"STATS_DUMP_LEVEL must be a logging level name, not {level!r}")

    def close_spider(self, spider: Spider | None = None, reason: str | None = None) -> None:
        if self._dump:
            logger.log(self._level, "Dumping Scrapy stats:\n%s", self, extra={"spider": self._crawler.spider})
        self._persist_stats(self._stats)
