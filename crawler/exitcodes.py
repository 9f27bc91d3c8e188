"""Exit codes that tell the truth: the one place that maps what happened in a run to the status cron sees.

Components leave what went wrong in the crawl stats; `exit_status` reads them after the crawls end.
When several apply, the first in PRECEDENCE wins, and every reason is printed on stderr.
"""

from __future__ import annotations

import asyncio
import logging
import sys

from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

OK = 0
NOT_STARTED = 1  # a crawl could not start: its spider or a component failed to load, the state is held
CONFIG = 2  # configuration or dependency: a bad setting or spider argument, a folder not writable, a run
# id reused, Redis unreachable or lost, versions that differ from the run's, an input that cannot be
# read at all, no discovery source of a site reachable
UNHEALTHY = 3  # a health threshold, or a run stopped before it finished (SIGTERM, Ctrl-C, a limit); a drift
# alarm with HEALTH_FAIL_ON_DRIFT
NOT_WRITTEN = 4  # records failed to write or commit: output, state, WARC archive or manifest
PRECEDENCE = (NOT_STARTED, CONFIG, NOT_WRITTEN, UNHEALTHY)


def reasons(crawler: Crawler) -> list[tuple[int, str]]:
    """(exit code, one line) for everything that went wrong in one crawl."""
    stats, name = crawler.stats, crawler.spidercls.name
    found: list[tuple[int, str]] = []

    def note(code: int, key: str, message: str) -> None:
        value = stats.get_value(key)
        if value:
            found.append((code, message.format(name=name, value=value)))

    note(CONFIG, "bersih/start_error", "Error: {name} cannot start: {value}")
    note(CONFIG, "bersih/distributed/redis_lost", "Error: {name} lost Redis mid-run ({value})")
    note(CONFIG, "bersih/reprocess/unreadable_warc", "Error: {value} WARC files hold no readable record")
    unreachable = discovery_unreachable(crawler)
    if unreachable:
        found.append((CONFIG, f"Error: {name}: {unreachable}"))
    note(NOT_WRITTEN, "bersih/not_written", "Error: {name}: {value} records were not written (the manifest "
         "says which); the next run fetches them again")  # fmt: skip
    note(NOT_WRITTEN, "bersih/commit_failed", "Error: {name}: the state commit failed: {value}")
    note(NOT_WRITTEN, "bersih/rename_failed", "Error: {name}: committed output not renamed yet: {value}")
    note(NOT_WRITTEN, "bersih/committed_part_missing", "Error: {name}: committed output lost before its "
         "rename: {value}; its articles are fetched again")  # fmt: skip
    note(NOT_WRITTEN, "bersih/warc/failed", "Error: {name}: the WARC archive is incomplete: {value}")
    note(NOT_WRITTEN, "bersih/manifest_failed", "Error: {name}: the manifest was not written: {value}")
    for problem in stats.get_value("bersih/health_problems") or []:
        found.append((UNHEALTHY, f"Health check failed: {problem}"))
    if crawler.settings.getbool("HEALTH_FAIL_ON_DRIFT"):  # crawler/drift: README "Drift alarms"
        for alarm in stats.get_value("bersih/drift/messages") or []:
            found.append((UNHEALTHY, f"Drift alarm: {alarm}"))
    finish = stats.get_value("finish_reason")
    if finish != "finished" and not any(code == CONFIG for code, _ in found):
        found.append((UNHEALTHY, f"Error: {name} stopped before it finished ({finish or 'forced'})"))
    return found


def discovery_unreachable(crawler: Crawler) -> str | None:
    """Why none of a crawl's sitemaps, feeds and index pages could be reached, or None.

    A page that answered, even 404, was reached; that nothing was written of a site is the
    health check's. In distributed mode a worker reads only some of them, so it is not judged.
    """
    stats = crawler.stats.get_stats()
    failed = stats.get("bersih/discovery/unreachable")
    if not failed or stats.get("bersih/discovery/reached") or crawler.settings.getbool("DISTRIBUTED"):
        return None
    return (f"no sitemap, feed or index page could be reached ({failed} tried, each named in the log): "
            "check the address, the network and DNS")  # fmt: skip


def start_failure(error: BaseException) -> tuple[int, str] | None:
    """(exit code, one line) for an error that stops a crawl as it is built; None for a bug."""
    from crawler.distributed.connection import DistributedError
    from crawler.state import StateError

    if isinstance(error, UsageError):  # a spider argument, a broken profile
        return CONFIG, f"Error: {error}"
    if isinstance(error, DistributedError):
        return CONFIG, f"Error: {error}"
    if isinstance(error, StateError):  # held by another run, or unreadable
        return NOT_STARTED, f"Error: {error}"
    return None


def watch_start(started, crawler: Crawler) -> None:
    """Take the error of a crawl that fails as it is built (what `crawl()` started): one line, no traceback.

    Left alone, asyncio prints it with its traceback ("Task exception was never retrieved").
    An error that is not a known start failure is a bug: its traceback is logged.
    """

    def taken(error: BaseException) -> None:
        known = start_failure(error)
        name = crawler.spidercls.name
        if known is None:  # a bug: its traceback, and the status of a crawl that could not start
            logger.error("%s stopped on an unexpected error", name, exc_info=error)
            known = (
                NOT_STARTED,
                f"Error: {name} stopped on an unexpected error: {error!r} (a bug; see the log)",
            )
        else:
            logger.debug("%s could not start", name, exc_info=error)
        crawler._bersih_start_failure = known

    if isinstance(started, asyncio.Future):
        started.add_done_callback(
            lambda task: task.cancelled() or task.exception() is None or taken(task.exception())
        )
    else:  # a Deferred, under Twisted's CrawlerProcess
        started.addErrback(lambda failure: taken(failure.value))


def tell(line: str, settings: BaseSettings) -> None:
    """A reason on stderr; in the log file too, when the log goes to one (else stderr would have it twice)."""
    print(line, file=sys.stderr)
    if settings.get("LOG_FILE") and settings.getbool("LOG_ENABLED", True):
        logger.error("%s", line.removeprefix("Error: "))


def started(crawler: Crawler, name: str):
    """An attribute Scrapy sets as a crawl starts (stats, spider), or None: before, reading it raises."""
    try:
        return getattr(crawler, name, None)
    except RuntimeError:
        return None


def exit_status(process, crawlers: list[Crawler]) -> int:
    """The status of a process's crawls, with the reasons on stderr, each once."""
    found: list[tuple[int, str]] = []
    for crawler in crawlers:
        failure = getattr(crawler, "_bersih_start_failure", None)
        if failure:
            found.append(failure)
        elif started(crawler, "stats") is not None and started(crawler, "spider") is not None:
            found.extend(reasons(crawler))
        elif process.bootstrap_failed:
            found.append((NOT_STARTED, f"Error: {crawler.spidercls.name} could not start"))
    for line in dict.fromkeys(line for _, line in found):  # the sites of a crawlall often share one
        tell(line, process.settings)
    codes = {code for code, _ in found}
    return next((code for code in PRECEDENCE if code in codes), OK)
