"""Reject records that are not articles, too short, too old, or off the schema."""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from importlib.resources import files

from jsonschema import Draft202012Validator
from scrapy.crawler import Crawler

from crawler.items import Article
from pipelines.errors import Rejected, count_rejection

SCHEMA_PATH = files("crawler") / "record.schema.json"


@cache
def record_validator() -> Draft202012Validator:
    """The JSON Schema every written record meets (crawler/record.schema.json)."""
    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def schema_problem(record: dict) -> str | None:
    """The first schema violation, as "field: message", or None."""
    error = next(iter(record_validator().iter_errors(record)), None)
    if error is None:
        return None
    where = ".".join(str(p) for p in error.absolute_path) or "record"
    return f"{where}: {error.message}"


class ValidatePipeline:
    """Every check has a reason name; each rejection is logged and counted in the stats."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.min_words = crawler.settings.getint("VALIDATE_MIN_WORDS")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def check(self, record: dict, since: datetime | None) -> None:
        """Raise Rejected for the first rule the record breaks."""
        url = record.get("url") or "?"
        if not record.get("title"):
            raise Rejected("no-title", url)
        if record.get("word_count", 0) < self.min_words:
            raise Rejected("too-short", url, f"{record.get('word_count', 0)} words, under {self.min_words}")
        if since and record.get("published") and datetime.fromisoformat(record["published"]) < since:
            raise Rejected("older-than-since", url, f"published {record['published']}")
        problem = schema_problem(record)
        if problem:
            raise Rejected("schema", url, problem)

    def process_item(self, item):
        if not isinstance(item, Article):
            return item
        try:
            self.check(item.record, getattr(self.crawler.spider, "since", None))
        except Rejected as error:
            count_rejection(self.crawler.stats, error)
            raise
        return item
