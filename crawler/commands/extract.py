"""`scrapy extract FILE...`: clean saved pages into records, without crawling."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from tqdm import tqdm

from crawler.extract import ExtractError, extract


class Command(ScrapyCommand):
    requires_project = False
    requires_crawler_process = False
    default_settings: ClassVar[dict] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--url URL] FILE..."

    def short_desc(self) -> str:
        return "Clean saved HTML pages into JSON Lines records on stdout"

    def long_desc(self) -> str:
        return (
            "Clean each saved HTML page with Bersih's rules and print one JSON record per line, "
            "with the schema of the crawl output. The article URL defaults to the page's canonical "
            "or og:url (an Internet Archive capture's URL is read as its original's); it picks the "
            "site profile. A page that names no URL gets its profile from its own hints (site name, "
            "publisher, links), and stderr says the record has no URL and to pass --url. A file that "
            "cannot be read, is not HTML or holds no article is reported on stderr, the other files "
            "are still processed, and the exit status is 1."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--url", help="the article URL, for a single file (default: from the page)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if not args:
            raise UsageError("give at least one HTML file")
        if opts.url and len(args) > 1:
            raise UsageError("--url names one page; give one FILE with it")
        failed = 0
        for name in tqdm(args, desc="extract", unit="page", file=sys.stderr, disable=None, leave=False):
            problem = self._one(Path(name), opts.url)
            if problem:
                failed += 1
                print(f"{name}: {problem}", file=sys.stderr)
        if failed:
            print(f"extract: {failed} of {len(args)} file(s) gave no record", file=sys.stderr)
            self.exitcode = 1

    @staticmethod
    def _one(path: Path, url: str | None) -> str | None:
        """Print the record of one file; return what went wrong instead, if anything."""
        try:
            body = path.read_bytes()
        except OSError as exc:
            return f"cannot read the file ({exc.strerror})"
        try:
            record = extract(body, url=url)
        except ExtractError as exc:
            return f"skipped, {exc} [{exc.reason}]"
        if record is None:
            return "no article text found on the page [no-article]"
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        if not record.get("url"):
            site = f"; site {record['site']} read from the page's own hints" if record.get("site") else ""
            print(
                f"{path}: the record has no URL: the page names none (no canonical link or og:url); "
                f"pass the article's URL with --url URL, one file at a time{site}",
                file=sys.stderr,
            )
        return None
