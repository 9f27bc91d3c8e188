"""`scrapy crawl`, with an exit status that tells cron what went wrong (crawler/exitcodes.py)."""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from crawler.distributed.connection import distributed_problem
from crawler.exitcodes import CONFIG, exit_status


class Command(ScrapyCrawl):
    def long_desc(self) -> str:
        return (
            "Run a spider of the project by name. Exits 0 when all went well; 1 when the crawl could not "
            "start; 2 on a configuration or dependency error (an output or WARC folder that cannot be "
            "written, a run id already used, Redis unreachable or lost, a run seeded by another version "
            "of Bersih); 3 when the run fails its health thresholds (HEALTH_MAX_ERROR_RATE, or no article "
            "for a site that has yielded some before) or stops before it finishes; 4 when records failed "
            "to write or commit. The reasons are on stderr and in the run's manifest. In distributed mode "
            "(DISTRIBUTED, REDIS_URL) it takes its work from Redis."
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one spider name (scrapy list shows them); scrapy crawlall runs them all")
        if self.settings.getbool("DISTRIBUTED"):
            problem = distributed_problem(self.settings, args[0])
            if problem:
                print(f"Error: {problem}", file=sys.stderr)
                self.exitcode = CONFIG
                return
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        self.exitcode = exit_status(self.crawler_process, [crawler])
