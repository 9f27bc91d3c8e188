"""`scrapy report OUTPUT_DIR`: one static HTML page of the runs over time, their alarms, the site memory."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings

from crawler.cli import operands
from crawler.exitcodes import CONFIG
from crawler.htmlreport import Memory, counted, render
from crawler.ledger import write_atomically
from crawler.runhistory import runs_in
from crawler.sitememory import Thresholds
from crawler.sitememory.crawl import open_memory
from crawler.sitememory.mining import template_lines


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "OUTPUT_DIR [-o PAGE] [--state STATE_DIR]"

    def short_desc(self) -> str:
        return "Write one static HTML page of the runs over time, their alarms and the learned template"

    def long_desc(self) -> str:
        return (
            "Read the run manifests of OUTPUT_DIR (their heads only, never their URL entries) and the site "
            "memory of the state (STATE_DIR, or --state; Redis with STATE_BACKEND=redis), and write one "
            "self-contained HTML page, OUTPUT_DIR/report.html or -o PAGE: per site, charts over runs of "
            "articles written, failed and rejected, leak and fallback rates, field fill rates and words "
            "per article; the latest alarms (health problems and drift); the top learned template lines. "
            "It needs no server, script or network. A manifest that cannot be read is named on stderr and "
            "left out; no OUTPUT_DIR, or one with no manifest, exits 2."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-o", "--output", type=Path, metavar="PAGE", help="where to write the page")
        parser.add_argument("--state", type=Path, metavar="STATE_DIR", help="the state whose memory to show")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        args = operands(args)
        if len(args) != 1:
            raise UsageError("give one output folder, for example: scrapy report out")
        folder = Path(args[0])
        if not folder.is_dir():
            self._fail(f"no output folder {folder}: give the OUTPUT_DIR the crawls wrote to")
            return
        unread: list[str] = []

        def told(path: Path, problem: str) -> None:
            print(f"report: {path} {problem}; left out", file=sys.stderr)
            unread.append(path.name)

        runs = runs_in(folder, told)
        if not runs:
            self._fail(f"no run manifest (*.manifest.json) in {folder}: crawl into it first")
            return
        memory = self._memory(opts.state, {site for run in runs for site in run.all_sites})
        page = render(runs, memory, str(folder), unread)
        output = opts.output or folder / "report.html"
        try:
            write_atomically(output, page)
        except OSError as exc:
            self._fail(f"cannot write {output}: {exc}")
            return
        sites = {site for run in runs for site in run.all_sites}
        print(f"Report: {output} ({counted(len(runs), 'run')} of {counted(len(sites), 'site')})")

    def _fail(self, message: str) -> None:
        print(f"Error: {message}", file=sys.stderr)
        self.exitcode = CONFIG

    def _memory(self, state: Path | None, sites: set[str]) -> Memory:
        """The top template lines of the runs' sites as the site memory counts them now, or why none."""
        settings: BaseSettings = self.settings.copy()
        if state is not None:
            settings.set("STATE_DIR", str(state), priority="cmdline")
        thresholds = Thresholds.from_settings(settings)
        cutoff = time.time() - thresholds.window.total_seconds()
        memory = None
        try:
            memory = open_memory(settings)
            if memory is None:
                return Memory({}, f"no site memory in {settings.get('STATE_DIR')}")
            return Memory({site: template_lines(memory, thresholds, site, cutoff) for site in sorted(sites)})
        except Exception as exc:  # Redis unreachable, a database that cannot be read: the page goes without
            print(f"report: cannot read the site memory ({exc}); the page shows no template lines",
                  file=sys.stderr)  # fmt: skip
            return Memory({}, f"the site memory could not be read: {exc}")
        finally:
            if memory is not None:
                memory.close()
