"""Report broken and empty sitemaps clearly, and keep the crawl going."""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def describe_parse_error(exception: BaseException) -> str:
    """What went wrong, in words: lxml raises StopIteration for a body with no XML element."""
    cause = exception.__cause__ or exception
    if isinstance(cause, StopIteration):
        return "cannot be parsed (no XML element in it)"
    return f"cannot be parsed ({type(cause).__name__}: {cause})"


def report_broken_sitemap(crawler: Crawler, url: str, problem: str) -> None:
    """Log a warning that names the sitemap, and count it (bersih/discovery/broken_sitemap)."""
    logger.warning("Sitemap %s %s; skipped", url, problem)
    crawler.stats.inc_value("bersih/discovery/broken_sitemap")
