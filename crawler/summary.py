"""An end-of-run summary in the log: what was fetched, written and rejected, and why."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable

from scrapy import signals
from scrapy.crawler import Crawler

from crawler.ledger import Ledger
from crawler.outcomes import OUTCOMES

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
        ledger = next((e for e in self.crawler.extensions.middlewares if isinstance(e, Ledger)), None)
        pages = self.stats.get_value("bersih/pages", 0)
        if ledger is None:  # no manifest to agree with: the stats alone
            stats = self.stats.get_stats()
            logger.info(
                "Run summary for %s (%s): %d article pages fetched, %d written, %d rejected%s, %d failed%s",
                spider.name, reason, pages, stats.get("bersih/written", 0),
                stats.get("bersih/rejected", 0), _breakdown(stats, "bersih/rejected/"),
                stats.get("bersih/failed", 0), _breakdown(stats, "bersih/failed/"),
            )  # fmt: skip
            return
        counts, reasons = outcome_counts(ledger.urls.values())
        order = (*SHOWN_FIRST, *(o for o in OUTCOMES if o not in SHOWN_FIRST))
        parts = [f"{counts[o]} {o}{_reasons(reasons[o]) if o != 'written' else ''}" for o in order]
        logger.info(
            "Run summary for %s (%s): %d article pages fetched, %d scheduled: %s",
            spider.name, reason, pages, sum(counts.values()), ", ".join(parts),
        )  # fmt: skip


def outcome_counts(entries: Iterable[dict]) -> tuple[Counter, dict[str, Counter]]:
    """Per outcome, the URLs and their reasons, as the manifest counts them."""
    counts: Counter = Counter({o: 0 for o in OUTCOMES})
    reasons: dict[str, Counter] = {o: Counter() for o in OUTCOMES}
    for entry in entries:
        # An entry the Ledger has not closed is what its manifest calls it: failed, no-outcome.
        outcome = entry.get("outcome") or "failed"
        reason = entry.get("reason") or ("no-outcome" if not entry.get("outcome") else "")
        counts[outcome] += 1
        if reason:
            reasons.setdefault(outcome, Counter())[reason] += 1
    return counts, reasons


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
