"""One crawl's view of the state store, and the store of a process, opened on first use."""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy.crawler import Crawler

from crawler.items import Article
from crawler.state.records import NewerSchemaError, Store
from crawler.state.sqlite_store import StateStore

logger = logging.getLogger(__name__)


class RunState:
    """One crawl's view of the state store: what it saw, and what it commits once its records are on disk.

    The writer commits the articles that reached the disk, each with its own state and
    signature (crawler.items.Article); this view adds what the run saw of them: the latest
    lastmod listed for each, the articles found unchanged, and the texts it claimed in the
    store, let go unless written. Crawls in one process (scrapy crawlall) share the store and
    its lock, each with its own RunState.
    """

    def __init__(self, store: Store):
        self.store = store
        self.lastmods: dict[str, str] = {}  # key -> the latest sitemap or feed lastmod seen in this run
        self._unchanged: set[str] = set()  # keys fetched and found unchanged
        self._claims: dict[str, tuple[str, str]] = {}  # record URL -> (content_hash, key) it claimed
        self.memory = None  # the crawl's site memory (crawler.sitememory), which learns what is committed

    def __getattr__(self, name: str):
        return getattr(self.store, name)  # known(), skip_reason(), has_written(), ...

    def url_with_hash(self, content_hash: str, other_than: str, url: str | None = None) -> str | None:
        """The store's answer; a text claimed for `url` is remembered, to be let go unless written."""
        owner = self.store.url_with_hash(content_hash, other_than, url)
        if url and owner is None:
            self._claims[url] = (content_hash, other_than)
        return owner

    def saw_unchanged(self, key: str) -> None:
        """An article fetched and found as written: the next commit keeps its lastmod and fetch time."""
        self._unchanged.add(key)

    def let_go(self, content_hash: str, key: str, url: str) -> None:
        """A dropped copy must not stand for its text: give back its claim (and announcement) now."""
        self.store.release_claims([(content_hash, key, url)])
        self._claims.pop(url, None)

    def commit(self, files: list[tuple[Path, Path, list[Article]]], run_id: str, output_dir: Path) -> None:
        """Commit the articles of these files (on disk now), their signatures, and the files' renames.

        Each file is (partial name, final name, its articles); a local store keeps each file's
        record keys until a manifest lists it.
        """
        articles = [article for _, _, batch in files for article in batch]
        written = [article.state(self.lastmods.get(article.key)) for article in articles]
        signatures = [(a.key, a.url, a.signature) for a in articles if a.signature is not None]
        unchanged = [(key, self.lastmods.get(key)) for key in sorted(self._unchanged)]
        renames = [(partial, final) for partial, final, _ in files]
        extra = {}
        if self.store.keeps_outputs:
            extra["outputs"] = [(p, f, output_dir, [a.key for a in batch]) for p, f, batch in files]
        try:
            self.store.commit(written, renames, run_id, signatures, unchanged, **extra)
        except Exception:
            self._let_go(set())
            raise
        finally:
            self._unchanged = set()
        self._let_go({article.url for article in articles})
        if self.memory is not None:
            self.memory.learn([article.lesson for article in articles if article.lesson is not None])

    def _let_go(self, kept: set[str]) -> None:
        """Release the texts claimed by records not committed, so that another URL may write them."""
        released = [(h, key, url) for url, (h, key) in self._claims.items() if url not in kept]
        self._claims = {}
        try:
            self.store.release_claims(released)
        except Exception as exc:  # the store is gone; the claims go with it, or wait for the next run
            logger.warning("Could not release %d texts claimed and not written: %s", len(released), exc)

    def close(self) -> None:
        _release(self.store)


_OPEN: dict[str, list] = {}  # STATE_DIR or REDIS_URL -> [store, users], one store per process


def _release(store) -> None:
    for where, entry in list(_OPEN.items()):
        if entry[0] is store:
            entry[1] -= 1
            if entry[1] <= 0:
                del _OPEN[where]
                store.close()


def _open_store(settings):
    """The process's store for these settings: SQLite under STATE_DIR, or Redis in distributed mode."""
    from crawler.timespec import parse_duration

    window = parse_duration(settings.get("STATE_REFETCH_WINDOW"))
    if settings.get("STATE_BACKEND") == "redis":
        from crawler.distributed.connection import redis_from_settings
        from crawler.state.redis_store import RedisStateStore

        return settings.get("REDIS_URL"), RedisStateStore(redis_from_settings(settings), window)
    directory = Path(settings.get("STATE_DIR"))
    return str(directory.resolve()), StateStore(directory, window)


def state_for(crawler: Crawler) -> RunState | None:
    """The crawl's state (opened on first use), or None when STATE_ENABLED is off."""
    if not crawler.settings.getbool("STATE_ENABLED"):
        return None
    run_state = getattr(crawler, "_bersih_state", None)
    if run_state is None and getattr(crawler, "_bersih_state_refused", None):
        return None
    if run_state is None:
        settings = crawler.settings
        where = settings.get("REDIS_URL") if settings.get("STATE_BACKEND") == "redis" else None
        where = where or str(Path(settings.get("STATE_DIR")).resolve())
        entry = _OPEN.get(where)
        if entry is None:
            from crawler.preflight import state_problem

            try:
                where, store = _open_store(settings)
            except NewerSchemaError as exc:  # Preflight stops the run with it as the spider opens
                crawler._bersih_state_refused = str(exc)
                return None
            problem = state_problem(store, settings)
            if problem:  # Preflight stops the run with it as the spider opens
                store.discard() if store.is_new else store.close()
                crawler._bersih_state_refused = problem
                return None
            entry = _OPEN[where] = [store, 0]
            renamed = store.finish_renames()
            if renamed:
                logger.warning("State %s: finished %d output renames an interrupted run had committed",
                               where, renamed)  # fmt: skip
        entry[1] += 1
        run_state = crawler._bersih_state = RunState(entry[0])
    return run_state
