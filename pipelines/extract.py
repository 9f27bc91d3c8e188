"""Clean each fetched page into a record with crawler.extract, in a pool of worker processes."""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler

from crawler.canonical import url_key
from crawler.extract import stitch
from crawler.items import Article, Page
from crawler.pool import CleaningPool, clean_pages
from crawler.profiles import all_profiles, profile_for_url
from crawler.sitememory.crawl import CrawlMemory
from pipelines.errors import Rejected, count_rejection
from pipelines.layout import LayoutWatch

logger = logging.getLogger(__name__)


class ExtractPipeline:
    """Page -> Article; pages that hold no article are rejected with the reason.

    Cleaning runs in EXTRACT_WORKERS processes (default one per core; 0 cleans in the crawl
    process itself), so that the reactor keeps downloading while pages are cleaned.
    """

    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.max_bytes = settings.getint("EXTRACT_MAX_BYTES")
        self.audit = settings.getbool("CLEANING_AUDIT")  # records list what cleaning removed
        self.layout = LayoutWatch(crawler.stats)
        self.memory = CrawlMemory.from_crawler(crawler)  # the sites' learned templates (MEMORY_ENABLED)
        workers = settings.get("EXTRACT_WORKERS")
        self.pool = None
        if workers is None or int(workers) > 0:
            self.pool = CleaningPool.acquire(
                int(workers or 0),
                settings.getfloat("EXTRACT_TIMEOUT"),
                settings.getint("EXTRACT_MAX_IN_FLIGHT"),
            )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        return cls(crawler)

    async def process_item(self, item):
        if not isinstance(item, Page):
            return item
        remembered: list[str] = []  # paragraphs the site memory removed
        try:
            record = await self.clean(item, remembered)
        except Rejected as error:
            count_rejection(self.crawler.stats, error)
            raise
        self.crawler.stats.inc_value("bersih/extracted")
        if record.get("cleaning") == "fallback":
            self.crawler.stats.inc_value("bersih/cleaning/fallback")
            logger.info("Cleaning fell back to trafilatura's reading of the whole page: %s", item.url)
        article = Article(record, item.key or url_key(record["url"]))
        return self.memory.cleaned(article, remembered) if self.memory else article

    def close_spider(self) -> None:
        self.layout.report()
        if self.pool is not None:
            self.crawler.stats.set_value("bersih/cleaning/peak_in_flight", self.pool.peak_in_flight)
            self.pool.release()

    async def clean(self, item: Page, remembered: list[str] | None = None) -> dict:
        """The record of a page, or of all the pages of a multi-page article, stitched.

        The paragraphs the site memory removed are added to `remembered`.
        """
        if item.status != 200:
            raise Rejected(f"http-{item.status}", item.url)
        pages = 1 + len(item.more_bodies)
        if item.declared_pages and pages < item.declared_pages:
            raise Rejected("incomplete-article", item.url, f"{pages} of {item.declared_pages} pages fetched")
        bodies = [item.body, *item.more_bodies]
        template = self.memory.template(item.site) if self.memory else None
        job = (bodies, item.url, item.content_type, item.site, self.max_bytes, self.audit, template)
        try:
            results = await self.pool.clean(*job) if self.pool else clean_pages(*job)
        except Exception as exc:  # the pool's ExtractError: cleaner-timeout, cleaner-crashed
            raise Rejected(getattr(exc, "reason", "cleaner-error"), item.url, str(exc)) from exc
        records = []
        for number, (status, value, layout) in enumerate(results, 1):
            if status == "error":
                reason, message = value
                raise Rejected(reason, item.url, message)
            if remembered is not None:
                remembered.extend(layout.get("remembered", ()))
            if number == 1:
                self.layout.observe(all_profiles().get(item.site) or profile_for_url(item.url), layout)
            for field, reason, detail in layout.get("dates_passed_over", ()):  # future, before-founding
                self.crawler.stats.inc_value(f"bersih/dates/passed_over/{field}/{reason}")
                logger.info("Date passed over as %s for %s of %s: %s", reason, field, item.url, detail)
            if value is None:
                reason = "no-article" if number == 1 else "incomplete-article"
                raise Rejected(reason, item.url, f"no article text found on page {number} of {pages}")
            records.append(value)
        record = stitch(records) if len(records) > 1 else records[0]
        return {**record, "crawled_at": item.crawled_at} if item.crawled_at else record
