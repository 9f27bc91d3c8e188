"""Clean each fetched page into a record with crawler.extract."""

from __future__ import annotations

from scrapy.crawler import Crawler

from crawler.extract import ExtractError, extract, stitch
from crawler.items import Page
from crawler.profiles import all_profiles, profile_for_url
from pipelines.errors import Rejected, count_rejection
from pipelines.layout import LayoutWatch


class ExtractPipeline:
    """Page -> record; pages that hold no article are rejected with the reason."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.max_bytes = crawler.settings.getint("EXTRACT_MAX_BYTES")
        self.layout = LayoutWatch(crawler.stats)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        return cls(crawler)

    def process_item(self, item):
        if not isinstance(item, Page):
            return item
        try:
            record = self.clean(item)
        except ExtractError as exc:
            error = Rejected(exc.reason, item.url, str(exc))
            count_rejection(self.crawler.stats, error)
            raise error from exc
        except Rejected as error:
            count_rejection(self.crawler.stats, error)
            raise
        self.crawler.stats.inc_value("bersih/extracted")
        return record

    def close_spider(self) -> None:
        self.layout.report()

    def clean(self, item: Page) -> dict:
        """The record of a page, or of all the pages of a multi-page article, stitched."""
        if item.status != 200:
            raise Rejected(f"http-{item.status}", item.url)
        pages = 1 + len(item.more_bodies)
        if item.declared_pages and pages < item.declared_pages:
            raise Rejected("incomplete-article", item.url, f"{pages} of {item.declared_pages} pages fetched")
        profile = all_profiles().get(item.site) or profile_for_url(item.url)
        records = []
        for number, body in enumerate([item.body, *item.more_bodies], 1):
            layout: dict = {"url": item.url}
            record = extract(
                body,
                url=item.url,
                content_type=item.content_type,
                profile=profile,
                max_bytes=self.max_bytes,
                layout=layout,
            )
            if number == 1:
                self.layout.observe(profile, layout)
            if record is None:
                reason = "no-article" if number == 1 else "incomplete-article"
                raise Rejected(reason, item.url, f"no article text found on page {number} of {pages}")
            records.append(record)
        record = stitch(records) if len(records) > 1 else records[0]
        return {**record, "crawled_at": item.crawled_at} if item.crawled_at else record
