"""`scrapy crawlall`: every profiled site in one process, as a scheduled run does."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from scrapy.commands import BaseRunSpiderCommand
from scrapy.crawler import Crawler

from crawler.commands.crawl import refuse, unknown_name
from crawler.distributed.connection import distributed_problem
from crawler.exitcodes import CONFIG, OK, PRECEDENCE, exit_status, started, watch_start
from crawler.profiles import all_profiles, broken_profiles
from crawler.settingcheck import setting_problems
from crawler.summary import print_summary

logger = logging.getLogger(__name__)


class Command(BaseRunSpiderCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[options]"

    def short_desc(self) -> str:
        return "Crawl every profiled site (or --sites a,b) in one process"

    def long_desc(self) -> str:
        return (
            "Crawl every site profile (or those named with --sites) at once, in one process, each with "
            "its own run id, output and manifest, and one shared state store. Spider arguments (-a since=6h) "
            "go to every site. With -s JOBDIR=DIR each site keeps its own job directory, DIR/<site>. "
            "Exits 3 when any site fails its health thresholds, with the reasons on stderr. A profile that "
            "cannot be loaded is an error: the other sites are crawled, the broken one is named on stderr "
            "with its file and problem, and the exit status is 2."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--sites", help="comma-separated profile names (default: all; see scrapy list -v)"
        )
        parser.add_argument(
            "--verified", action="store_true", help="only the profiles verified by recorded pages"
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        profiles, broken = all_profiles(), broken_profiles()
        names = [n.strip() for n in opts.sites.split(",")] if opts.sites else sorted({*profiles, *broken})
        known = {*profiles, *broken}
        problems = setting_problems(self.settings) or [
            unknown_name("profile", n, known, "scrapy list -v") for n in names if n not in known
        ]
        if not problems and self.settings.getbool("DISTRIBUTED"):  # the first problem: Redis is one for all
            chosen = (distributed_problem(self.settings, n) for n in names if n in profiles)
            problems = [p for p in [next(filter(None, chosen), None)] if p]
        if refuse(problems, self.settings):
            self.exitcode = CONFIG
            return
        # A broken profile chosen (by name, or as one of all) is an error, also under --verified:
        # whether it is verified is in the file that cannot be read. The other sites still run.
        errors = [refusal(name, broken[name]) for name in names if name in broken]
        for line in errors:
            logger.error("%s", line)  # in the log file; stderr has it at the end, with the other errors
        names = [n for n in names if n in profiles and (profiles[n].verified or not opts.verified)]
        crawlers = [self._create_crawler(name) for name in names]
        for crawler in crawlers:
            own_job_dir(crawler)
            watch_start(self.crawler_process.crawl(crawler, **opts.spargs), crawler)
        if crawlers:
            self.crawler_process.start()
        print_summary([c for c in crawlers if started(c, "stats") is not None])  # built, so they ran
        status = exit_status(self.crawler_process, crawlers) if crawlers else OK
        for line in errors:
            print(f"Error: {line}", file=sys.stderr)
        if errors:
            status = next(code for code in PRECEDENCE if code in {status, CONFIG})
        self.exitcode = status


def refusal(name: str, error: str) -> str:
    """One line for a profile that cannot be loaded: an operator must hear of a site left out."""
    return f"the {name} profile cannot be loaded, so {name} is not crawled: {' '.join(error.split())}"


def own_job_dir(crawler: Crawler) -> None:
    """Give the site its own JOBDIR/<site>: sites sharing one would mix their queues and seen requests."""
    jobdir = crawler.settings.get("JOBDIR")
    if jobdir:
        # Above the command line's priority, which the process merges into each crawler at crawl().
        priority = crawler.settings.getpriority("JOBDIR") + 1
        crawler.settings.set("JOBDIR", str(Path(jobdir) / crawler.spidercls.name), priority=priority)
