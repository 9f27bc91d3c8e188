"""Skip articles whose text has not changed since they were written; number the revisions of the rest."""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.canonical import url_key
from crawler.state import RunState, Written, state_for
from pipelines.errors import Rejected


class Unchanged(Rejected):
    """A record whose text is the one already written for its URL; the manifest counts it as "skipped"."""

    outcome = "skipped"
    level = "INFO"


class StatePipeline:
    """Compare each record with the state store; leave the state it will leave, for the writer to commit."""

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
        if not isinstance(item, dict):
            return item
        key = url_key(item["url"])
        known = self.store.known(key)
        if known and known.content_hash == item["content_hash"]:
            self.store.seen_unchanged.append((key, self.store.lastmods.get(key)))
            self.crawler.stats.inc_value("bersih/skipped/unchanged")
            raise Unchanged("content-unchanged", item["url"], f"same text as revision {known.revision}")
        revision = known.revision + 1 if known and known.content_hash else 1
        if revision > 1:
            item = {**item, "revision": revision, "previous_content_hash": known.content_hash}
        self.store.pending[item["url"]] = Written(
            key=key,
            url=item["url"],
            site=item["site"],
            content_hash=item["content_hash"],
            revision=revision,
            published=item.get("published"),
            lastmod=self.store.lastmods.get(key),
        )
        return item

    def close_spider(self) -> None:
        self.store.close()
