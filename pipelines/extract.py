"""Clean each fetched page into a record with crawler.extract."""

from __future__ import annotations

from scrapy.crawler import Crawler

from crawler.extract import ExtractError, extract
from crawler.items import Page
from crawler.profiles import all_profiles
from pipelines.errors import Rejected, count_rejection


class ExtractPipeline:
    """Page -> record; pages that hold no article are rejected with the reason."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.max_bytes = crawler.settings.getint("EXTRACT_MAX_BYTES")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        return cls(crawler)

    def process_item(self, item):
        if not isinstance(item, Page):
            return item
        try:
            if item.status != 200:
                raise Rejected(f"http-{item.status}", item.url)
            record = extract(
                item.body,
                url=item.url,
                content_type=item.content_type,
                profile=all_profiles().get(item.site),
                max_bytes=self.max_bytes,
            )
            if record is None:
                raise Rejected("no-article", item.url, "no article text found on the page")
        except ExtractError as exc:
            error = Rejected(exc.reason, item.url, str(exc))
            count_rejection(self.crawler.stats, error)
            raise error from exc
        except Rejected as error:
            count_rejection(self.crawler.stats, error)
            raise
        self.crawler.stats.inc_value("bersih/extracted")
        return record
