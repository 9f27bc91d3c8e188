"""Exit codes that tell the truth: the one place that maps what happened in a run to the status cron sees.

Components leave what went wrong in the crawl stats; `exit_status` reads them after the crawls end.
When several apply, the first in PRECEDENCE wins, and every reason is printed on stderr.
"""

from __future__ import annotations

import sys

from scrapy.crawler import Crawler

OK = 0
NOT_STARTED = 1  # a crawl could not start: its spider or a component failed to load, the state is held
CONFIG = 2  # configuration or dependency: a folder not writable, a run id reused, Redis unreachable or
# lost, versions that differ from the run's, an input that cannot be read at all
UNHEALTHY = 3  # a health threshold, or a run stopped before it finished (SIGTERM, Ctrl-C, a limit)
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
    finish = stats.get_value("finish_reason")
    if finish != "finished" and not any(code == CONFIG for code, _ in found):
        found.append((UNHEALTHY, f"Error: {name} stopped before it finished ({finish or 'forced'})"))
    return found


def exit_status(process, crawlers: list[Crawler]) -> int:
    """The status of a process's crawls, with the reasons on stderr."""
    if process.bootstrap_failed:
        return NOT_STARTED
    found = [reason for crawler in crawlers for reason in reasons(crawler)]
    for _, line in found:
        print(line, file=sys.stderr)
    codes = {code for code, _ in found}
    return next((code for code in PRECEDENCE if code in codes), OK)
