"""`scrapy reprocess WARC...`: rebuild clean JSON Lines from archived responses, with no network."""

from __future__ import annotations

import argparse
from pathlib import Path

from scrapy.commands import BaseRunSpiderCommand
from scrapy.exceptions import UsageError

from crawler.cli import operands
from crawler.exitcodes import exit_status
from crawler.reprocess import ReprocessSpider
from crawler.summary import print_summary


class Command(BaseRunSpiderCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[options] WARC..."

    def short_desc(self) -> str:
        return "Rebuild clean JSON Lines from WARC archives with the current rules, offline"

    def long_desc(self) -> str:
        return (
            "Read the articles archived by earlier crawls (OUTPUT_DIR/warc/*.warc.gz), take the newest "
            "capture of each, clean it with the current rules and write JSON Lines and a manifest as a "
            "crawl does (-s OUTPUT_DIR=… to write elsewhere). Nothing is fetched. The state store is "
            "left alone, so the result is a full corpus, not only what changed; its site memory is read "
            "as it stands and cleans the pages too (MEMORY_ENABLED). A truncated WARC file "
            "is reported and the records before the damage are used; a file with no readable record at "
            "all exits 2. Exit codes as for crawl. A progress line of the articles done is logged every "
            "PROGRESS_INTERVAL seconds, and on a terminal stderr shows a progress bar; the run ends with "
            "a table of its sites and outcomes on stdout."
        )

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        """Refuse bad operands here, before Scrapy starts its crawler process and logs its banner."""
        super().process_options(args, opts)
        files = operands(args)
        if not files:
            raise UsageError("give one or more WARC files (for example out/warc/*.warc.gz)")
        missing = [a for a in files if not Path(a).is_file()]
        if missing:
            raise UsageError(f"no such file: {', '.join(missing)}")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        args = operands(args)
        assert self.crawler_process
        crawler = self._create_crawler(ReprocessSpider)
        self.crawler_process.crawl(crawler, files=args)
        self.crawler_process.start()
        print_summary([crawler])
        self.exitcode = exit_status(self.crawler_process, [crawler])
