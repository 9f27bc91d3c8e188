"""`scrapy mine SITE`: the template lines the site memory learned, with counts and example URLs."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.cli import operands
from crawler.exitcodes import CONFIG
from crawler.profiles import SITES_DIR, ProfileError
from crawler.sitememory import LineCount, Thresholds
from crawler.sitememory.crawl import open_memory
from crawler.sitememory.mining import files_under, learned, lessons_from, propose, template_lines
from crawler.sitememory.sqlite import SqliteMemory


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "SITE [--from OUTPUT_OR_WARC ...] [--write [--sites DIR]]"

    def short_desc(self) -> str:
        return "List the template lines the site memory learned for a site; propose them as patterns"

    def long_desc(self) -> str:
        return (
            'Print the lines the site memory takes as SITE\'s template (README "Site memory"), each with '
            "the articles, share, publication days and sections it was in and example URLs. Without "
            "--from, the memory of the state store (STATE_DIR, or Redis with STATE_BACKEND=redis) is "
            "read, as it stands. With --from, a fresh memory learns from JSON Lines or Parquet output "
            "(files or folders) or from WARC archives, whose pages are cleaned by the rules alone; "
            "output written with the memory on lacks the lines it removed, archives have them. The "
            "MEMORY_* settings are the thresholds. --write adds the lines to the site's profile "
            "(crawler/sites/SITE.toml, or --sites DIR) as cleaning.text_patterns, anchored to the whole "
            "paragraph and marked for review; lines its patterns already match are left out. Exits 2 "
            "on a missing file or a profile that cannot take them."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--from", dest="sources", nargs="+", type=Path, metavar="OUTPUT_OR_WARC",
                            help="learn from these output files, folders or WARC archives")  # fmt: skip
        parser.add_argument("--write", action="store_true", help="add the lines to the site's profile")
        parser.add_argument("--sites", type=Path, default=None, help="profile folder (crawler/sites)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        args = operands(args)
        if len(args) != 1:
            raise UsageError("give one site, for example: scrapy mine kompas")
        site = args[0]
        thresholds = Thresholds.from_settings(self.settings)
        if opts.sources:
            articles, lines = self._from_files(site, opts.sources, thresholds)
        else:
            try:
                memory = open_memory(self.settings)
            except Exception as exc:  # Redis unreachable or not named
                print(f"mine: cannot read the site memory: {exc}", file=sys.stderr)
                self.exitcode = CONFIG
                return
            if memory is None:
                where = self.settings.get("STATE_DIR")
                print(f"mine: no site memory in {where}: crawl first, or learn from files with --from",
                      file=sys.stderr)  # fmt: skip
                return
            cutoff = time.time() - thresholds.window.total_seconds()
            articles, lines = template_lines(memory, thresholds, site, cutoff)
        print(_table(site, articles, lines, thresholds))
        if opts.write and lines:
            self._write(site, opts.sites, lines, articles)

    def _from_files(
        self, site: str, sources: list[Path], thresholds: Thresholds
    ) -> tuple[int, list[LineCount]]:
        missing = [str(p) for p in sources if not p.exists()]
        if missing:
            raise UsageError(f"no such file or folder: {', '.join(missing)}")
        files = files_under(sources)
        if not files:
            raise UsageError(f"no output or WARC files under {', '.join(map(str, sources))}")

        def problem(message: str) -> None:
            print(f"mine: {message}", file=sys.stderr)

        lessons = lessons_from(files, site, thresholds.max_words, problem)
        return learned(SqliteMemory.in_memory(), lessons, thresholds, site)

    def _write(self, site: str, sites: Path | None, lines: list[LineCount], articles: int) -> None:
        path = Path(sites or SITES_DIR) / f"{site}.toml"
        if not path.is_file():
            print(f"mine: no profile {path} to write to; write one first (README \"Site profiles\")",
                  file=sys.stderr)  # fmt: skip
            self.exitcode = CONFIG
            return
        try:
            added = propose(path, lines, articles, f"scrapy mine {site}")
        except ProfileError as exc:
            print(
                f"mine: the proposed patterns would break the profile, nothing written: {exc}",
                file=sys.stderr,
            )
            self.exitcode = CONFIG
            return
        known = len(lines) - len(added)
        print(
            f"\nWrote {len(added)} patterns to {path} for review"
            + (f" ({known} already matched)" * bool(known))
        )


def _table(site: str, articles: int, lines: list[LineCount], thresholds: Thresholds) -> str:
    """The lines, most frequent first, with what made them template."""
    head = (
        f"{site}: {articles} articles learned; {len(lines)} template lines (thresholds {thresholds.version})"
    )
    if not lines:
        return head
    rows = [head, "", f"{'articles':>8} {'share':>6} {'days':>5} {'sect.':>5}  line"]
    for line in lines:
        rows.append(
            f"{line.articles:>8} {line.share(articles):>6.1%} {line.days:>5} {line.sections:>5}  {line.text}"
        )
        rows += [f"{'':>28}e.g. {url}" for url in line.examples]
    return "\n".join(rows)
