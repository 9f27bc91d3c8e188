"""A crawl's site memory: each site's template for the cleaning pool, and lessons learned once committed."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from pathlib import Path

from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings

from crawler.extract.memory import Template
from crawler.items import Article
from crawler.sitememory.policy import Lesson, Thresholds, lesson
from crawler.state import state_for

logger = logging.getLogger(__name__)


class CrawlMemory:
    """Snapshots of the sites' templates for cleaning, refreshed as the memory learns; and its learning.

    With the state store, the memory lives in it and learns from every committed article (the
    writer's commit calls learn()). Without it (`scrapy reprocess`, STATE_ENABLED off), the
    memory of STATE_DIR (or of Redis) is read as it stands, and nothing is learned.
    """

    def __init__(self, backend, thresholds: Thresholds, refresh: int, stats=None, learns: bool = True):
        self.backend = backend
        self.thresholds = thresholds
        self.refresh = max(1, refresh)
        self.stats = stats
        self.learns = learns
        self._templates: dict[str, list] = {}  # site -> [its snapshot, pages cleaned with it]

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlMemory | None:
        """The crawl's memory; None when MEMORY_ENABLED is off or there is no memory to read."""
        settings = crawler.settings
        if not settings.getbool("MEMORY_ENABLED"):
            return None
        thresholds = Thresholds.from_settings(settings)
        refresh = settings.getint("MEMORY_REFRESH")
        if settings.getbool("STATE_ENABLED"):
            state = state_for(crawler)
            if state is None:
                return None  # the state was refused: Preflight stops the run
            memory = cls(state.store.site_memory(), thresholds, refresh, crawler.stats)
            state.memory = memory
            return memory
        try:
            backend = open_memory(settings)
        except Exception as exc:  # no state to read: cleaning goes on by the rules alone
            logger.warning("No site memory to read (%s): cleaning by the rules alone", exc)
            return None
        return cls(backend, thresholds, refresh, crawler.stats, learns=False) if backend else None

    def template(self, site: str) -> Template | None:
        """The site's template as the memory knows it now (re-read every MEMORY_REFRESH pages)."""
        cached = self._templates.get(site)
        if cached is None or cached[1] >= self.refresh:
            cached = self._templates[site] = [self.snapshot(site), 0]
        cached[1] += 1
        return cached[0] if cached[0].lines else None

    def snapshot(self, site: str, now: float | None = None) -> Template:
        """The site's template read from the memory; an empty one when the memory cannot be read."""
        cutoff = (now or time.time()) - self.thresholds.window.total_seconds()
        try:
            articles, lines = self.backend.counts(site, cutoff)
        except Exception as exc:  # the store is gone: cleaning goes on by the rules alone
            logger.warning("Could not read the site memory of %s: %s", site, exc)
            articles, lines = 0, []
        return self.thresholds.template(site, articles, lines)

    def cleaned(self, article: Article, remembered: list[str]) -> Article:
        """The article with its lesson (the paragraphs it had before the memory layer removed any)."""
        if remembered and self.stats is not None:
            self.stats.inc_value("bersih/memory/articles_cleaned")
            self.stats.inc_value("bersih/memory/paragraphs_removed", len(remembered))
        if not self.learns:
            return article
        paragraphs = [*article.record["text"].split("\n"), *remembered]
        taught = lesson(article.record, article.key, paragraphs, self.thresholds.max_words)
        return replace(article, lesson=taught)

    def learn(self, lessons: list[Lesson]) -> None:
        """Learn the lessons of committed articles; a memory that cannot learn costs the run nothing else."""
        if not lessons:
            return
        now = time.time()
        try:
            new = self.backend.learn(lessons, now, now - self.thresholds.window.total_seconds())
        except Exception as exc:
            logger.warning("The site memory could not learn from %d articles: %s", len(lessons), exc)
            if self.stats is not None:
                self.stats.inc_value("bersih/memory/learn_failed", len(lessons))
            return
        if self.stats is not None:
            self.stats.inc_value("bersih/memory/learned", new)
        for site in {taught.site for taught in lessons}:
            self._templates.pop(site, None)  # the next page of the site reads what was learned


def open_memory(settings: BaseSettings):
    """The memory of the state the settings name, read only; None when there is none."""
    if settings.get("STATE_BACKEND") == "redis" or settings.getbool("DISTRIBUTED"):
        from crawler.distributed.connection import redis_from_settings
        from crawler.sitememory.redis import RedisMemory

        return RedisMemory(redis_from_settings(settings))
    from crawler.sitememory.sqlite import SqliteMemory
    from crawler.state.sqlite_store import DATABASE_NAME

    return SqliteMemory.read_only(Path(settings.get("STATE_DIR")) / DATABASE_NAME)
