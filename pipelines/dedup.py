"""Exact duplicates: a record whose normalised text another URL already gave."""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.canonical import url_key
from crawler.state import state_for
from pipelines.errors import Rejected

ACTIONS = ("drop", "mark")


class Duplicate(Rejected):
    """A record dropped as a copy of another; the manifest counts it as "duplicate"."""

    outcome = "duplicate"
    log_level = "INFO"


class DedupPipeline:
    """Drop (DEDUP_ACTION=drop) or mark with `duplicate_of` (mark) records whose text another URL gave.

    Within the run by content_hash; across runs through the state store.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.action = crawler.settings.get("DEDUP_ACTION")
        if self.action not in ACTIONS:
            raise NotConfigured(f"DEDUP_ACTION must be one of {', '.join(ACTIONS)}, not {self.action!r}")
        self.first_url: dict[str, str] = {}
        self.store = state_for(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        if not crawler.settings.getbool("DEDUP_ENABLED"):
            raise NotConfigured  # switched off: nothing to warn about
        return cls(crawler)

    def process_item(self, item):
        if not isinstance(item, dict):
            return item
        original = self.first_url.setdefault(item["content_hash"], item["url"])
        if original == item["url"] and self.store is not None:
            # written by an earlier run under another URL?
            original = (
                self.store.url_with_hash(item["content_hash"], other_than=url_key(item["url"])) or original
            )
        if original == item["url"]:
            return item
        self.crawler.stats.inc_value("bersih/duplicate")
        if self.action == "mark":
            return {**item, "duplicate_of": original}
        raise Duplicate("exact-duplicate", item["url"], f"same text as {original}")
