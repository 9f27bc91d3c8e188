"""Exact duplicates: a record whose normalised text another URL already gave."""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from pipelines.errors import Rejected

ACTIONS = ("drop", "mark")


class Duplicate(Rejected):
    """A record dropped as a copy of another; the manifest counts it as "duplicate"."""

    outcome = "duplicate"


class DedupPipeline:
    """Drop (DEDUP_ACTION=drop) or mark with `duplicate_of` (mark) records already seen by content_hash."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.action = crawler.settings.get("DEDUP_ACTION")
        if self.action not in ACTIONS:
            raise NotConfigured(f"DEDUP_ACTION must be one of {', '.join(ACTIONS)}, not {self.action!r}")
        self.first_url: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        if not crawler.settings.getbool("DEDUP_ENABLED"):
            raise NotConfigured("DEDUP_ENABLED is off")
        return cls(crawler)

    def process_item(self, item):
        if not isinstance(item, dict):
            return item
        original = self.first_url.setdefault(item["content_hash"], item["url"])
        if original == item["url"]:
            return item
        self.crawler.stats.inc_value("bersih/duplicate")
        if self.action == "mark":
            return {**item, "duplicate_of": original}
        raise Duplicate("exact-duplicate", item["url"], f"same text as {original}")
