"""One progress line per site every PROGRESS_INTERVAL seconds, counted as the manifest counts."""

from __future__ import annotations

import logging
import time
from collections import deque

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

from crawler.ledger import Ledger
from crawler.outcomes import OUTCOMES, counts_of

logger = logging.getLogger(__name__)

# The rate is taken over the last few lines: steady enough for an ETA, quick to follow a change.
RATE_WINDOW = 5


class Progress:
    """Logs "Progress <site>: done of scheduled, per outcome, rate, ETA" (in EXTENSIONS).

    It replaces Scrapy's LogStats, whose "Crawled N pages" counts responses, not articles, and
    does not name the site: `crawlall` logged one such line per site, all alike. The counts are
    the Ledger's, read with the manifest's counts_of, so the line and the manifest never differ.
    In a process of several crawls (`crawlall`, one a site), the oldest one running also logs the
    total of them all.
    """

    def __init__(self, crawler: Crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self.ledger: Ledger | None = None
        self.label = ""
        self.samples: deque[tuple[float, int]] = deque(maxlen=RATE_WINDOW + 1)
        self.task = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        interval = crawler.settings.getfloat("PROGRESS_INTERVAL")
        if interval <= 0:
            raise NotConfigured
        extension = cls(crawler, interval)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        self.ledger = self.crawler.get_extension(Ledger)
        if self.ledger is None:  # no manifest, nothing to count by
            logger.debug("No progress lines: the Ledger extension is not enabled")
            return
        self.label = getattr(getattr(spider, "profile", None), "name", None) or spider.name
        self.samples.append((time.monotonic(), 0))
        _OPEN.append(self)
        _ALL.append(self)
        self.task = create_looping_call(self.log)
        self.task.start(self.interval, now=False)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        if self in _OPEN:
            _OPEN.remove(self)

    def counts(self) -> dict[str, int]:
        """The manifest's counts as the run stands; "pending" for URLs with no outcome yet."""
        assert self.ledger is not None
        total, _ = counts_of(self.ledger.urls.values())
        total["pending"] = total["scheduled"] - sum(total[o] for o in OUTCOMES)
        return total

    def log(self) -> None:
        counts = self.counts()
        now, done = time.monotonic(), counts["scheduled"] - counts["pending"]
        self.samples.append((now, done))
        logger.info("%s", line(self.label, counts, rate_per_minute(self.samples)))
        if len(_ALL) > 1 and _OPEN[0] is self:  # the process's total, once, by its oldest open crawl
            every = [p.counts() for p in _ALL]
            total = {k: sum(c[k] for c in every) for k in counts}
            rates = [r for r in (rate_per_minute(p.samples) for p in _OPEN) if r is not None]
            label = f"all {len(_ALL)} sites ({len(_OPEN)} running)"
            logger.info("%s", line(label, total, sum(rates) if rates else None))


_OPEN: list[Progress] = []  # the crawls of this process still running, oldest first
_ALL: list[Progress] = []  # and every one that opened, for the total


def rate_per_minute(samples: deque[tuple[float, int]]) -> float | None:
    """Articles ended per minute over the samples kept, or None before there are two."""
    if len(samples) < 2:
        return None
    (first, done_first), (last, done_last) = samples[0], samples[-1]
    return (done_last - done_first) * 60 / (last - first) if last > first else None


def line(label: str, counts: dict[str, int], rate: float | None) -> str:
    """'Progress kompas: 403 of 1200 articles done (34%): 380 written, … ; 45/min, ETA 18m'."""
    done = counts["scheduled"] - counts["pending"]
    share = f" ({done / counts['scheduled']:.0%})" if counts["scheduled"] else ""
    outcomes = ", ".join(f"{counts[o]} {o}" for o in OUTCOMES)
    if rate is None:
        pace = "rate not known yet"
    elif not counts["pending"]:
        pace = f"{rate:.0f}/min, none pending"
    elif rate <= 0:
        pace = f"0/min, {counts['pending']} pending"
    else:
        pace = f"{rate:.0f}/min, ETA {duration(counts['pending'] / rate * 60)}"
    return f"Progress {label}: {done} of {counts['scheduled']} articles done{share}: {outcomes}; {pace}"


def duration(seconds: float) -> str:
    """A short human duration: 40s, 18m, 2h05m."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{round(seconds / 60)}m"
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours}h{minutes:02d}m"
