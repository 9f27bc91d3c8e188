"""`scrapy crawl`, with an exit status that tells cron when a run failed its health thresholds."""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from crawler.health import exit_status


class Command(ScrapyCrawl):
    def long_desc(self) -> str:
        return (
            "Run a spider of the project by name. Exits 3 when the run fails its health thresholds "
            "(HEALTH_MAX_ERROR_RATE, or no article for a site that has yielded some before), with the "
            "reasons on stderr and in the run's manifest."
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one spider name (scrapy list shows them); scrapy crawlall runs them all")
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        self.exitcode = exit_status(self.crawler_process, [crawler])
