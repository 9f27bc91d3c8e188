"""What travels through the pipelines: a fetched page, then the article cleaned from it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawler.state import Written


@dataclass
class Page:
    """One fetched article page; ExtractPipeline turns it into a record."""

    url: str  # the article URL as readers share it (without ?page=all)
    fetched_url: str  # the URL actually fetched
    status: int
    content_type: str | None
    body: bytes = field(repr=False)
    site: str
    # A multi-page article: the bodies of pages 2..n, and the page count the article declares.
    more_bodies: list[bytes] = field(default_factory=list, repr=False)
    declared_pages: int | None = None
    # When the page was fetched, if not now (pages read back from a WARC archive).
    crawled_at: str | None = None
    key: str | None = None  # the article's key, as the spider scheduled it (None: from `url`)


@dataclass
class Article:
    """A cleaned article on its way to the writer: its record, and what committing it stores.

    Each pipeline reads `record` and may replace it (the state pipeline numbers its revision);
    the duplicate check leaves its `signature`. The writer commits the state of the articles that
    reached the disk from these alone: nothing a pipeline learns about an article travels
    outside the article.
    """

    record: dict[str, Any]
    key: str  # the article's key in manifests and the state store (crawler.canonical.url_key)
    signature: bytes | None = field(default=None, repr=False)  # its MinHash, kept once on disk
    # What it teaches the site memory once committed (crawler.sitememory.Lesson), None without it.
    lesson: Any = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return self.record["url"]

    def with_fields(self, **fields: Any) -> Article:
        """The same article, its record with these fields set (records are not changed in place)."""
        return replace(self, record={**self.record, **fields})

    def committed(self) -> Article:
        """The article as its commit needs it, without its text (which is on disk by then)."""
        return replace(self, record={k: self.record.get(k) for k in _STATE_FIELDS})

    def state(self, lastmod: str | None = None) -> Written:
        """The state the article leaves once written: its text's hash and revision."""
        from crawler.state import Written

        record = self.record
        return Written(
            key=self.key,
            url=self.url,
            site=record["site"],
            content_hash=record["content_hash"],
            revision=record.get("revision") or 1,
            published=record.get("published"),
            lastmod=lastmod,
        )


_STATE_FIELDS = ("url", "site", "content_hash", "revision", "published")
