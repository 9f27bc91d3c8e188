"""`scrapy crawl`, with an exit status that tells cron when a run failed its health thresholds."""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from crawler.distributed.connection import distributed_problem
from crawler.health import exit_status


class Command(ScrapyCrawl):
    def long_desc(self) -> str:
        return (
            "Run a spider of the project by name. Exits 3 when the run fails its health thresholds "
            "(HEALTH_MAX_ERROR_RATE, or no article for a site that has yielded some before), with the "
            "reasons on stderr and in the run's manifest. In distributed mode (DISTRIBUTED, REDIS_URL) it "
            "takes its work from Redis, and exits 2 at once when Redis is unreachable or the run there was "
            "seeded by another version of Bersih."
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one spider name (scrapy list shows them); scrapy crawlall runs them all")
        if self.settings.getbool("DISTRIBUTED"):
            problem = distributed_problem(self.settings, args[0])
            if problem:
                print(f"Error: {problem}", file=sys.stderr)
                self.exitcode = 2
                return
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        self.exitcode = exit_status(self.crawler_process, [crawler])
