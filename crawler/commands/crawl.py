"""`scrapy crawl`, with an exit status that tells cron what went wrong (crawler/exitcodes.py)."""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Iterable

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings

from crawler.distributed.connection import distributed_problem
from crawler.exitcodes import CONFIG, exit_status, started, tell, watch_start
from crawler.settingcheck import setting_problems
from crawler.summary import print_summary


def unknown_name(what: str, name: str, known: Iterable[str], listing: str) -> str:
    """One line for a name that is not there, with the closest one (a typo is the usual cause)."""
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f"; did you mean {close[0]}?" if close else ""
    return f"no {what} named {name}{hint} ({listing} shows them)"


def refuse(lines: list[str], settings: BaseSettings) -> bool:
    """Say why a run cannot start, one line each, before anything is built; True when it cannot."""
    for line in lines:
        tell(f"Error: {line}", settings)
    return bool(lines)


class Command(ScrapyCrawl):
    def long_desc(self) -> str:
        return (
            "Run a spider of the project by name. Exits 0 when all went well; 1 when the crawl could not "
            "start (a component failed to load, the state is held or unreadable); 2 on a configuration or "
            "dependency error (a setting or spider argument not allowed, an unknown spider, an output or "
            "WARC folder that cannot be written, a run id already used, Redis unreachable or lost, a run "
            "seeded by another version of Bersih, no sitemap, feed or index page of the site reachable); "
            "3 when the run fails its health thresholds (HEALTH_MAX_ERROR_RATE, or no article for a site "
            "that has yielded some before, unless all it listed was older than -a since) or stops before "
            "it finishes; 4 when records failed to write or commit. The reasons are on stderr, one line "
            "each, and in the run's manifest. In distributed mode (DISTRIBUTED, REDIS_URL) it takes its "
            "work from Redis."
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one spider name (scrapy list shows them); scrapy crawlall runs them all")
        name, spiders = args[0], self.crawler_process.spider_loader.list()
        problems = setting_problems(self.settings)
        if not problems and name not in spiders:
            problems = [unknown_name("spider", name, spiders, "scrapy list")]
        if not problems and self.settings.getbool("DISTRIBUTED"):
            problems = [p for p in [distributed_problem(self.settings, name)] if p]
        if refuse(problems, self.settings):
            self.exitcode = CONFIG
            return
        crawler = self._create_crawler(name)
        watch_start(self.crawler_process.crawl(crawler, **opts.spargs), crawler)
        self.crawler_process.start()
        print_summary([c for c in [crawler] if started(c, "stats") is not None])  # built, so it ran
        self.exitcode = exit_status(self.crawler_process, [crawler])
