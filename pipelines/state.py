"""Skip articles whose text has not changed since they were written; number the revisions of the rest."""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.items import Article
from crawler.state import RunState, state_for
from pipelines.errors import Rejected


class Unchanged(Rejected):
    """A record whose text is the one already written for its URL; the manifest counts it as "skipped"."""

    outcome = "skipped"
    level = "INFO"


class StatePipeline:
    """Compare each article with the state store: drop it if unchanged, else number its revision."""

    def __init__(self, crawler: Crawler, store: RunState):
        self.crawler = crawler
        self.store = store

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StatePipeline:
        store = state_for(crawler)
        if store is None:
            raise NotConfigured  # switched off: nothing to warn about
        return cls(crawler, store)

    def process_item(self, item):
        if not isinstance(item, Article):
            return item
        known = self.store.known(item.key)
        content_hash = item.record["content_hash"]
        if known and known.content_hash == content_hash:
            self.store.saw_unchanged(item.key)
            self.crawler.stats.inc_value("bersih/skipped/unchanged")
            raise Unchanged("content-unchanged", item.url, f"same text as revision {known.revision}")
        if known and known.content_hash:
            return item.with_fields(revision=known.revision + 1, previous_content_hash=known.content_hash)
        return item

    def close_spider(self) -> None:
        self.store.close()
