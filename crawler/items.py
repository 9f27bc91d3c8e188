"""What the spiders hand to the pipelines: a fetched page, before cleaning."""

from __future__ import annotations

from dataclasses import dataclass, field


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
