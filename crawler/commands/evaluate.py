"""`scrapy evaluate`: the quality gate, Bersih beside plain trafilatura on the gold pages."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from tqdm import tqdm

from crawler.cli import operands
from crawler.quality import DEFAULT_CORPUS, GoldPage, bersih_text, gold_pages, score, table, trafilatura_text


class Command(ScrapyCommand):
    requires_project = False
    requires_crawler_process = False
    default_settings: ClassVar[dict] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--corpus DIR] [--min-recall R] [--no-baseline]"

    def short_desc(self) -> str:
        return "Score cleaning on the gold pages, per site, beside plain trafilatura"

    def long_desc(self) -> str:
        return (
            "Clean every page of the gold corpus and count, per site, the `with` snippets found and "
            "the `without` snippets leaked, beside plain trafilatura.extract on the same pages. "
            "Exits 1 when any snippet leaks or a site's recall is under --min-recall. On a terminal, "
            "stderr shows a progress bar of the pages cleaned."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus folder (pages/, gold/)"
        )
        parser.add_argument("--min-recall", type=float, default=0.98, help="lowest per-site recall (0.98)")
        parser.add_argument("--no-baseline", action="store_true", help="skip plain trafilatura")
        parser.add_argument("-v", "--verbose", action="store_true", help="list every miss and leak")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if operands(args):
            raise UsageError("evaluate takes no file; --corpus DIR names the corpus folder")
        pages = list(gold_pages(opts.corpus))
        if not pages:
            print(f"evaluate: no gold pages under {opts.corpus}/gold", file=sys.stderr)
            self.exitcode = 2
            return
        ours = score(pages, counted(bersih_text, len(pages), "bersih"))
        baseline = (
            None if opts.no_baseline else score(pages, counted(trafilatura_text, len(pages), "trafilatura"))
        )
        print(table(ours, baseline))
        total = ours["all"]
        print(f"\nwith recall {total.recall:.3f}, leaked {total.leaked} of {total.without_total} `without`")
        if opts.verbose or total.leaked:
            for line in total.misses:
                print(f"  missed: {line}")
            for line in total.leaks:
                print(f"  leaked: {line}")
        failing = [site for site, s in ours.items() if s.leaked or s.recall < opts.min_recall]
        if failing:
            print(f"evaluate: gate failed for {', '.join(sorted(failing))}", file=sys.stderr)
            self.exitcode = 1


def counted(
    clean: Callable[[GoldPage], str | None], total: int, name: str
) -> Callable[[GoldPage], str | None]:
    """`clean`, stepping a progress bar on stderr (on a terminal only) as it cleans each page."""
    bar = tqdm(total=total, desc=name, unit="page", file=sys.stderr, disable=None, leave=False)

    def cleaned(page: GoldPage) -> str | None:
        try:
            return clean(page)
        finally:
            bar.update()
            if bar.n >= total:
                bar.close()

    return cleaned
