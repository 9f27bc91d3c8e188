"""The end of a run: one line per site in the log, and one table of all its sites on stdout."""

from __future__ import annotations

import logging
import sys
from collections import Counter
from collections.abc import Iterable, Iterator

from scrapy import signals
from scrapy.crawler import Crawler

from crawler.drift import drift_of
from crawler.ledger import Ledger
from crawler.outcomes import OUTCOMES, counts_of
from crawler.report import summary
from crawler.reprocess import ReprocessSpider

logger = logging.getLogger(__name__)

# The outcomes the line has always led with, for those who read or grep it; the rest follow.
SHOWN_FIRST = ("written", "rejected", "failed")


class RunSummary:
    """Logs one line when the spider closes (enabled in EXTENSIONS).

    Its counts are the manifest's: they are read from the Ledger's outcomes once the manifest
    is made, so that a URL the stats never counted (one that ended with no outcome) shows in
    both, and the two never disagree.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunSummary:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        return extension

    def spider_opened(self, spider) -> None:
        """Listen for the close only now, after every extension did (the Ledger among them)."""
        self.crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def spider_closed(self, spider, reason: str) -> None:
        ledger = ledger_of(self.crawler)
        pages = self.stats.get_value("bersih/pages", 0)
        got = "read" if isinstance(spider, ReprocessSpider) else "fetched"  # out of WARC archives
        if ledger is None:  # no manifest to agree with: the stats alone
            stats = self.stats.get_stats()
            logger.info(
                "Run summary for %s (%s): %d article pages %s, %d written, %d rejected%s, %d failed%s",
                spider.name, reason, pages, got, stats.get("bersih/written", 0),
                stats.get("bersih/rejected", 0), _breakdown(stats, "bersih/rejected/"),
                stats.get("bersih/failed", 0), _breakdown(stats, "bersih/failed/"),
            )  # fmt: skip
            return
        counts, reasons = outcome_counts(ledger.entries())
        order = (*SHOWN_FIRST, *(o for o in OUTCOMES if o not in SHOWN_FIRST))
        parts = [f"{counts[o]} {o}{_reasons(reasons[o]) if o != 'written' else ''}" for o in order]
        logger.info(
            "Run summary for %s (%s): %d article pages %s, %d scheduled: %s",
            spider.name, reason, pages, got, counts["scheduled"], ", ".join(parts),
        )  # fmt: skip


def outcome_counts(entries: Iterable[dict]) -> tuple[dict[str, int], dict[str, Counter]]:
    """Per outcome, the URLs (counted by the manifest's counts_of) and their reasons.

    `entries` are the Ledger's as the manifest gives them (Ledger.entries()): a URL without an
    outcome is already failed, no-outcome.
    """
    reasons: dict[str, Counter] = {o: Counter() for o in OUTCOMES}

    def noting(entries: Iterable[dict]) -> Iterator[dict]:
        for entry in entries:
            if entry.get("reason"):
                reasons.setdefault(entry["outcome"], Counter())[entry["reason"]] += 1
            yield entry

    counts, _ = counts_of(noting(entries))
    return counts, reasons


def ledger_of(crawler: Crawler) -> Ledger | None:
    """The crawl's Ledger extension, or None (switched off, or the crawl never got that far)."""
    try:
        return crawler.get_extension(Ledger)
    except RuntimeError:  # the crawl did not build its extensions
        return None


def run_of(crawler: Crawler) -> dict:
    """A crawl as the table shows it: its manifest's counts per site and its files, from its Ledger."""
    site = crawler.spidercls.name
    try:
        stats = crawler.stats.get_stats()
    except RuntimeError:  # the crawl did not get as far as its stats
        stats = {}
    ledger = ledger_of(crawler)
    if ledger is None or stats.get("bersih/start_error") or getattr(crawler, "spider", None) is None:
        return {"site": site, "note": "did not start"}
    _, sites = counts_of(ledger.entries())
    own = getattr(getattr(crawler.spider, "profile", None), "name", None)
    if own and own not in sites:  # a site with nothing scheduled is still a row, as in the manifest
        sites[own] = {"scheduled": 0, **dict.fromkeys(OUTCOMES, 0)}
    manifest = ledger.output_dir / f"{stats.get('bersih/run_id')}.manifest.json"
    failed = stats.get("bersih/manifest_failed")
    return {
        "site": site,
        "sites": dict(sorted(sites.items())),
        "finish_reason": stats.get("finish_reason"),
        "outputs": list(ledger.outputs),
        "warc": ledger.warc(),
        "output_dir": ledger.output_dir,
        "manifest": None if failed or not manifest.is_file() else manifest,
        "manifest_error": failed,
    }


def print_summary(crawlers: list[Crawler]) -> None:
    """The table of every site the command crawled, on stdout (stderr when a feed writes to stdout)."""
    if not crawlers:
        return
    out = sys.stderr if any(_feeds_stdout(c) for c in crawlers) else sys.stdout
    print(summary([run_of(c) for c in crawlers]), file=out, flush=True)
    for crawler in crawlers:  # the drift alarms under the table, one line each (crawler/drift)
        for alarm in (alarm for alarms in drift_of(crawler).values() for alarm in alarms):
            print(f"Drift alarm: {alarm['message']}", file=out, flush=True)


def _feeds_stdout(crawler: Crawler) -> bool:
    """Whether Scrapy's feed exports write items to stdout (-o -), where the table must not go."""
    return any(str(uri).startswith(("stdout:", "-")) for uri in crawler.settings.getdict("FEEDS"))


def _reasons(counter: Counter) -> str:
    """ " (reason n, reason n)", or "" when there are none."""
    return f" ({', '.join(f'{r} {n}' for r, n in sorted(counter.items()))})" if counter else ""


def _breakdown(stats: dict, prefix: str) -> str:
    """ " (reason n, reason n)" from the stats under a prefix, or "" when there are none."""
    parts = [
        f"{key.removeprefix(prefix)} {value}"
        for key, value in sorted(stats.items())
        if key.startswith(prefix)
    ]
    return f" ({', '.join(parts)})" if parts else ""
