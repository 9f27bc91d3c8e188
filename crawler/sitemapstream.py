"""Read a sitemap as a stream, so that its URLs reach the frontier as they are parsed and the
first articles are fetched while the rest are still being read."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from scrapy.core.scraper import Slot
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.sitemap import Sitemap


@dataclass
class SitemapReading:
    """One sitemap being read: its entries and the URLs taken from them, counted as they go."""

    url: str
    entries: int = 0
    links: int = 0
    broken: Exception | None = None  # the parse error that ended it

    def counted(self, entries: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """The entries, each counted as it is parsed (the count tells an empty sitemap)."""
        for entry in entries:
            self.entries += 1
            yield entry

    def until_broken(self, entries: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """The entries up to a parse error, which is noted rather than raised through the crawl.

        The entries before the error are kept: they are queued already.
        """
        iterator = iter(entries)
        while True:
            try:
                entry = next(iterator)
            except StopIteration:
                return
            except Exception as exc:  # lxml errors of a malformed body
                self.broken = exc
                return
            yield entry


def open_sitemap(body: bytes) -> Sitemap:
    """Scrapy's Sitemap: lxml's iterparse over the body (recover, no entities), each entry cleared once read.

    Raises ValueError for a body with no XML element, which lxml reports as StopIteration: raised
    inside a generator, that would become a RuntimeError.
    """
    try:
        return Sitemap(body)
    except StopIteration as exc:
        raise ValueError("no XML element in it") from exc


def entry_links(entry: dict[str, Any], alternate: bool) -> Iterator[tuple[str, str | None]]:
    """(url, lastmod) of an entry's loc, then (url, None) of its alternate links when they are followed."""
    if entry.get("loc"):
        yield entry["loc"], entry.get("lastmod") or None
    if alternate:
        for url in entry.get("alternate", ()):
            yield url, None


@contextmanager
def read_aside(crawler: Crawler, response: Response) -> Iterator[None]:
    """While a sitemap is read, its body does not count against SCRAPER_SLOT_MAX_ACTIVE_SIZE.

    Scrapy sends no request while the responses its scraper holds outweigh that limit (1 MB
    here), so a sitemap of 50,000 URLs (7 MB) would hold every article back until its last
    entry is queued. The body stays in memory while it is read, and is weighed again before
    Scrapy lets the response go, so that Scrapy's own accounting balances.
    """
    slot = crawler.engine.scraper.slot if crawler.crawling else None  # None: called outside a crawl
    weight = max(len(response.body) - Slot.MIN_RESPONSE_SIZE, 0)
    if slot is None or not weight:
        yield
        return
    slot.active_size -= weight
    try:
        yield
    finally:
        slot.active_size += weight
