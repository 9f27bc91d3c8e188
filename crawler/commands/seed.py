"""`scrapy seed <site>`: start a distributed run by putting the site's discovery URLs in Redis."""

from __future__ import annotations

import argparse
import asyncio
import sys

from scrapy.commands import ScrapyCommand
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError
from scrapy.spiderloader import get_spider_loader

from crawler.cli import operands
from crawler.distributed.connection import DistributedError, record_versions, redis_from_settings
from crawler.distributed.frontier import LeasingQueue
from crawler.exitcodes import CONFIG
from crawler.profiles import all_profiles


class Command(ScrapyCommand):
    requires_project = True
    # Seeding crawls nothing: no crawler process, so no Scrapy banner; the spider is only built.
    requires_crawler_process = False

    def syntax(self) -> str:
        return "<site> [<site> ...] [-a since=6h]"

    def short_desc(self) -> str:
        return "Put sites' sitemaps, feeds and index pages in Redis for distributed workers"

    def long_desc(self) -> str:
        return (
            "Start a distributed run of each site: push its discovery URLs (news sitemaps, feeds, index "
            "pages of the days asked) to the frontier in Redis (REDIS_URL), forget the request "
            "fingerprints of the site's previous run, and stamp the Bersih and rules versions that workers "
            "must match. Then start workers with `scrapy crawl <site>` in distributed mode."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-a", dest="spargs", action="append", default=[], metavar="NAME=VALUE",
                            help="spider argument, as for crawl (since=6h, dates=…)")  # fmt: skip

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        args = operands(args)
        if not args:
            raise UsageError("name the sites to seed (scrapy list shows them)")
        profiles = all_profiles()
        unknown = [a for a in args if a not in profiles]
        if unknown:
            raise UsageError(f"no profile named {', '.join(unknown)}; scrapy list -v shows them")
        spargs = dict(a.split("=", 1) for a in opts.spargs if "=" in a)
        try:
            server = redis_from_settings(self.settings)
        except DistributedError as exc:
            print(f"Error: {exc}", file=sys.stderr)
            self.exitcode = CONFIG
            return
        for site in args:
            count, key = asyncio.run(self._seed(site, server, spargs))
            print(f"Seeded {site}: {count} discovery URLs in {key} at {self.settings.get('REDIS_URL')}")

    async def _seed(self, site: str, server, spargs: dict) -> tuple[int, str]:
        crawler = Crawler(get_spider_loader(self.settings).load(site), self.settings)
        crawler.settings.set("DISTRIBUTED", True, priority="cmdline")
        spider = crawler.spidercls.from_crawler(crawler, **spargs)
        queue = LeasingQueue(server, spider, self.settings.get("SCHEDULER_QUEUE_KEY"))
        server.delete(self.settings.get("SCHEDULER_DUPEFILTER_KEY") % {"spider": site})
        record_versions(server, site, spider.profile)
        count = 0
        async for request in spider.discovery_requests():
            queue.push(request.replace(dont_filter=True))
            count += 1
        return count, queue.key
