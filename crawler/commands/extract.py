"""`scrapy extract FILE...`: clean saved pages into records, without crawling."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from tqdm import tqdm

from crawler.cli import operands
from crawler.exitcodes import UNHEALTHY
from crawler.explain import explain_command
from crawler.extract import ExtractError, extract


class Command(ScrapyCommand):
    requires_project = False
    requires_crawler_process = False
    default_settings: ClassVar[dict] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--url URL] FILE... (- for standard input)"

    def short_desc(self) -> str:
        return "Clean saved HTML pages into JSON Lines records on stdout"

    def long_desc(self) -> str:
        return (
            "Clean each saved HTML page (- reads one from standard input) with Bersih's rules and print "
            "one JSON record per line, with the schema of the crawl output. The article URL defaults to "
            "the page's canonical or og:url (an Internet Archive capture's URL is read as its original's); "
            "it picks the site profile. A page that names no URL gets its profile from its own hints (site "
            "name, publisher, links), and stderr says the record has no URL and to pass --url. A file that "
            "cannot be read, is not HTML or holds no article is reported on stderr, the other files are "
            "still processed, and the exit status is 1. On a terminal, stderr shows a progress bar. An "
            "unknown option is a usage error (exit 2). Ctrl-C stops with one line on stderr and exit "
            "status 3 (stopped before it finished); the records printed by then are whole."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--url", help="the article URL, for a single file (default: from the page)")
        explain = "print the article with what cleaning removed marked by rule; FILE may be a URL"
        parser.add_argument("--explain", action="store_true", help=explain)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        names = operands(args)
        if not names:
            raise UsageError("give at least one HTML file, or - to read one from standard input")
        if opts.url and len(names) > 1:
            raise UsageError("--url names one page; give one FILE with it")
        if names.count("-") > 1:
            raise UsageError("- (standard input) can be given once")
        if opts.explain:
            self.exitcode = explain_command(names, opts.url, self.settings)
            return
        failed = done = 0
        bar = tqdm(total=len(names), desc="extract", unit="page", file=sys.stderr, disable=None, leave=False)
        try:
            for name in names:
                problem = self._one(name, opts.url)
                if problem:
                    failed += 1
                    tqdm.write(f"{_label(name)}: {problem}", file=sys.stderr)
                done += 1
                bar.update()
        except KeyboardInterrupt:
            bar.close()
            print(f"extract: interrupted after {done} of {len(names)} file(s)", file=sys.stderr)
            self.exitcode = UNHEALTHY
            return
        except BrokenPipeError:  # the reader had enough (`| head`): stop quietly, as Unix tools do
            bar.close()
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error flushing at exit
            return
        bar.close()
        if failed:
            print(f"extract: {failed} of {len(names)} file(s) gave no record", file=sys.stderr)
            self.exitcode = 1

    @staticmethod
    def _one(name: str, url: str | None) -> str | None:
        """Print the record of one file ("-": stdin); return what went wrong instead, if anything."""
        try:
            body = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
        except OSError as exc:
            return f"cannot read the file ({exc.strerror})"
        try:
            record = extract(body, url=url)
        except ExtractError as exc:
            return f"skipped, {exc} [{exc.reason}]"
        if record is None:
            return "no article text found on the page [no-article]"
        with tqdm.external_write_mode(file=sys.stdout):  # the bar steps aside on a shared terminal
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        if not record.get("url"):
            site = f"; site {record['site']} read from the page's own hints" if record.get("site") else ""
            tqdm.write(
                f"{_label(name)}: the record has no URL: the page names none (no canonical link or og:url); "
                f"pass the article's URL with --url URL, one file at a time{site}",
                file=sys.stderr,
            )
        return None


def _label(name: str) -> str:
    """How stderr names an input."""
    return "<stdin>" if name == "-" else name
