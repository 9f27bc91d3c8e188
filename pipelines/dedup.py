"""Duplicates: exact (the same normalised text) and near (MinHash LSH), in this run and earlier ones."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.items import Article
from crawler.neardup import NearDuplicates, from_bytes, signature, to_bytes
from crawler.state import state_for
from crawler.timespec import parse_duration
from pipelines.errors import Rejected

logger = logging.getLogger(__name__)

ACTIONS = ("drop", "mark")


class Duplicate(Rejected):
    """A record dropped as a copy of another; the manifest counts it as "duplicate"."""

    outcome = "duplicate"
    level = "INFO"


class SeenTexts:
    """The texts the crawls of one process have passed on, by exact hash and in a MinHash index.

    Shared by every crawler of a process over one state store (scrapy crawlall runs each site
    as its own crawler), so a story two outlets run in the same run is written once.
    """

    def __init__(self, where: object, near: NearDuplicates | None):
        self.where = where
        self.first_url: dict[str, str] = {}
        self.near = near
        self.announced: str | None = None  # distributed mode: the last signature read from the stream
        self.users = 0


_SHARED: dict[object, SeenTexts] = {}  # state store (or None) -> the texts of this process


def _acquire(crawler: Crawler, store) -> SeenTexts:
    """The process's SeenTexts for this store; the first user loads the signatures in the window."""
    where = store.store if store is not None else None
    seen = _SHARED.get(where)
    if seen is None:
        settings, near = crawler.settings, None
        if settings.getbool("NEAR_DUP_ENABLED"):
            near = NearDuplicates(settings.getfloat("NEAR_DUP_THRESHOLD"))
            # In distributed mode the announced stream holds the window's signatures: read there.
            if store is not None and not store.announces_signatures:
                since = datetime.now(UTC) - parse_duration(settings.get("NEAR_DUP_WINDOW"))
                for key, url, raw in store.signatures_since(since):
                    near.add(key, url, from_bytes(raw))
        seen = _SHARED[where] = SeenTexts(where, near)
    seen.users += 1
    return seen


def _release(seen: SeenTexts) -> None:
    seen.users -= 1
    if seen.users <= 0:
        _SHARED.pop(seen.where, None)


class DedupPipeline:
    """Drop (DEDUP_ACTION=drop) or mark with `duplicate_of` (mark) records whose text another URL gave.

    Exact copies by content_hash; near copies (syndicated or regional versions) by MinHash LSH
    over word shingles at NEAR_DUP_THRESHOLD Jaccard similarity, against this run (every site
    of a crawlall) and the articles written within NEAR_DUP_WINDOW, kept in the state store.
    Only records passed on are remembered, and the state keeps a signature only once its record
    is on disk: a dropped copy never stands in for the article it copied (in distributed mode it
    gives back at once its text claim and the announcement of its signature).
    """

    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.action = settings.get("DEDUP_ACTION")
        if self.action not in ACTIONS:
            raise NotConfigured(f"DEDUP_ACTION must be one of {', '.join(ACTIONS)}, not {self.action!r}")
        self.store = state_for(crawler)
        self.window = parse_duration(settings.get("NEAR_DUP_WINDOW"))
        self.seen = _acquire(crawler, self.store)
        self.first_url, self.near = self.seen.first_url, self.seen.near

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        if not crawler.settings.getbool("DEDUP_ENABLED"):
            raise NotConfigured  # switched off: nothing to warn about
        return cls(crawler)

    def close_spider(self) -> None:
        _release(self.seen)

    def process_item(self, item):
        if not isinstance(item, Article):
            return item
        key, url, content_hash = item.key, item.url, item.record["content_hash"]
        original = self.first_url.get(content_hash, url)
        if original == url and self.store is not None:
            # written by an earlier run under another URL?
            original = self.store.url_with_hash(content_hash, other_than=key, url=url) or original
        if original != url:
            return self._duplicate(item, "exact-duplicate", original)
        minhash = None
        if self.near is not None:
            minhash = signature(item.record["text"])
            self._learn_earlier_signatures(key, url, minhash)
            near = self.near.original_of(key, minhash)
            if near:
                if self.action == "drop":
                    self._let_go(content_hash, key, url)
                item = self._duplicate(item, "near-duplicate", near)  # raises, unless marking
        # Passed on: only now is the text this run's, and its signature the state's once written.
        self.first_url.setdefault(content_hash, url)
        if minhash is not None:
            self.near.add(key, url, minhash)
            item = replace(item, signature=to_bytes(minhash))
        return item

    def _learn_earlier_signatures(self, key: str, url: str, minhash) -> None:
        """Distributed mode: announce this signature, and index those other workers announced before it.

        The stream orders every worker's records, so of two near copies met at once by two
        workers, both agree that the one announced first is the original.
        """
        if self.store is None or not self.store.announces_signatures:
            return
        since = datetime.now(UTC) - self.window
        # Named by its heartbeat, so that its announcements are ignored once it is gone uncommitted.
        worker = getattr(getattr(self.crawler.engine, "scheduler", None), "worker_key", None)
        self.seen.announced, earlier = self.store.announce_signature(
            key, url, to_bytes(minhash), self.seen.announced, since, worker=worker
        )
        for other_key, other_url, raw in earlier:
            self.near.add(other_key, other_url, from_bytes(raw))

    def _let_go(self, content_hash: str, key: str, url: str) -> None:
        """A dropped copy must not stand for its text: give back its text claim and its announcement now."""
        if self.store is None:
            return
        try:
            self.store.let_go(content_hash, key, url)
        except Exception as exc:  # Redis gone: retried at commit; ignored once this worker is gone
            logger.warning("Could not let go of the text and signature of the copy %s: %s", url, exc)

    def _duplicate(self, item: Article, kind: str, original: str) -> Article:
        self.crawler.stats.inc_value(f"bersih/duplicate/{kind}")
        if self.action == "mark":
            return item.with_fields(duplicate_of=original)
        raise Duplicate(
            kind,
            item.url,
            f"same text as {original}" if kind == "exact-duplicate" else f"nearly the text of {original}",
        )
