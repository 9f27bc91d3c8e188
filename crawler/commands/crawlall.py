"""`scrapy crawlall`: every profiled site in one process, as a scheduled run does."""

from __future__ import annotations

import argparse
from pathlib import Path

from scrapy.commands import BaseRunSpiderCommand
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError

from crawler.health import exit_status
from crawler.profiles import all_profiles


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
            "Exits 3 when any site fails its health thresholds, with the reasons on stderr."
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
        profiles = all_profiles()
        names = [n.strip() for n in opts.sites.split(",")] if opts.sites else sorted(profiles)
        unknown = [n for n in names if n not in profiles]
        if unknown:
            raise UsageError(f"no profile named {', '.join(unknown)}; scrapy list -v shows them")
        if opts.verified:
            names = [n for n in names if profiles[n].verified]
        crawlers = [self._create_crawler(name) for name in names]
        for crawler in crawlers:
            own_job_dir(crawler)
            self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        self.exitcode = exit_status(self.crawler_process, crawlers)


def own_job_dir(crawler: Crawler) -> None:
    """Give the site its own JOBDIR/<site>: sites sharing one would mix their queues and seen requests."""
    jobdir = crawler.settings.get("JOBDIR")
    if jobdir:
        # Above the command line's priority, which the process merges into each crawler at crawl().
        priority = crawler.settings.getpriority("JOBDIR") + 1
        crawler.settings.set("JOBDIR", str(Path(jobdir) / crawler.spidercls.name), priority=priority)
