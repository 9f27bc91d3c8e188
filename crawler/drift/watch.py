"""The run's quality measures per site, and its drift alarms against the site's history in the state."""

from __future__ import annotations

import logging
import sqlite3
from collections import defaultdict

import redis
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.drift.judge import Alarm, Limits, comparable, judge
from crawler.drift.measures import Tally, selector_rates
from crawler.items import Article
from crawler.run import run_id
from crawler.state import state_for

logger = logging.getLogger(__name__)


class DriftWatch:
    """Measures each site's written records; at the end, judges them against the site's earlier runs.

    Enabled in ITEM_PIPELINES at 850, where it passes items on untouched: Scrapy closes pipelines
    in reverse order, so its close_spider comes after the writer (900) committed the run's last
    records and before the state pipeline (800) closes the store that keeps the history. The
    records are counted as the item_scraped signal announces them (those the writer took); the
    selectors' hits are the cleaning's own (pipelines/layout.py LayoutWatch).

    Its alarms go to the log (warnings), to the stats (bersih/drift/alarms: how many;
    bersih/drift/messages: their lines), and to the manifest (`quality` and `drift`) and the
    summary table through `quality_of` and `drift_of`.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.limits = Limits.from_settings(crawler.settings)
        self.tallies: defaultdict[str, Tally] = defaultdict(Tally)
        self.alarms: dict[str, list[Alarm]] = {}
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DriftWatch:
        if not crawler.settings.getbool("DRIFT_ENABLED"):
            raise NotConfigured
        return cls(crawler)

    def item_scraped(self, item, response, spider) -> None:
        if isinstance(item, Article):
            self.tallies[item.record["site"]].add(item.record)

    def quality(self) -> dict[str, dict]:
        """Per site, as the run stands: its records' measures and its selectors' hit rates."""
        watch = _layout_watch(self.crawler)
        sites = {*self.tallies, *(watch.pages if watch else ())}
        return {
            site: {**self.tallies.get(site, Tally()).measures(), **selector_rates(watch, site)}
            for site in sorted(sites)
        }

    def close_spider(self) -> None:
        """Judge each site against its history, then add this run to it (while the store is open)."""
        quality = self.quality()
        store = state_for(self.crawler)
        if store is not None and quality:
            try:
                history = store.quality_history()
                for site, measures in quality.items():
                    earlier = history.recent(site)
                    found = judge(site, measures, earlier, self.limits)
                    if found:
                        self.alarms[site] = found
                    self._tell(site, measures, earlier, found)
                history.keep(run_id(self.crawler), quality)
            except (sqlite3.Error, redis.RedisError, OSError) as exc:  # the state is gone: the run goes on
                logger.warning("Could not read or keep the quality history in the state (%s): no drift "
                               "alarm this run", exc)  # fmt: skip
        messages = [alarm.message for alarms in self.alarms.values() for alarm in alarms]
        for message in messages:
            logger.warning("Drift alarm: %s", message)
        self.crawler.stats.set_value("bersih/drift/alarms", len(messages))
        if messages:
            self.crawler.stats.set_value("bersih/drift/messages", messages)

    def _tell(self, site: str, measures: dict, earlier: list[dict], found: list[Alarm]) -> None:
        """One line per site: what it was judged on, and whether it raised alarms (or why not judged)."""
        limits, records = self.limits, measures["records"]
        runs = len(comparable(earlier, limits))
        judged = records >= limits.min_records and runs >= limits.min_history
        logger.info(
            "Drift check of %s (%d records): %d earlier runs of %d records or more to compare with, %d "
            "needed: %s",
            site, records, runs, limits.min_records, limits.min_history,
            (f"{len(found)} alarm{'s' * (len(found) > 1)}" if found else "no alarm")
            if judged or found else "not judged",
        )  # fmt: skip


def _layout_watch(crawler: Crawler):
    """The cleaning's LayoutWatch (its selectors' hits), or None without the extract pipeline."""
    from pipelines.extract import ExtractPipeline

    try:
        pipeline = crawler.get_item_pipeline(ExtractPipeline)
    except RuntimeError:  # the crawl did not build its pipelines
        return None
    return pipeline.layout if pipeline is not None else None


def _watch(crawler: Crawler) -> DriftWatch | None:
    try:
        return crawler.get_item_pipeline(DriftWatch)
    except RuntimeError:  # the crawl did not build its pipelines
        return None


def quality_of(crawler: Crawler) -> dict[str, dict]:
    """The manifest's `quality`: per site, the run's measures as it stands ({} with DRIFT_ENABLED off)."""
    watch = _watch(crawler)
    return watch.quality() if watch else {}


def drift_of(crawler: Crawler) -> dict[str, list[dict]]:
    """The manifest's `drift`: per site, its alarms (none before the run's end has judged it)."""
    watch = _watch(crawler)
    if watch is None:
        return {}
    return {site: [alarm.as_dict() for alarm in alarms] for site, alarms in sorted(watch.alarms.items())}
