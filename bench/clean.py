"""Cleaning throughput: Bersih's extract beside plain trafilatura.extract on the same pages, same run.

Usage: .venv/bin/python bench/clean.py [--calls 2000] [--offtarget TRAFILATURA_CHECKOUT]
       [--results bench/RESULTS.md]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import trafilatura
from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from offtarget import trafilatura_pages  # noqa: E402
from results import machine, write_section  # noqa: E402

from crawler.extract import ExtractError, extract  # noqa: E402
from crawler.quality import gold_pages  # noqa: E402


def measure(label: str, clean, pages: list, calls: int) -> float:
    """Pages per second on one core over `calls` calls, the corpus repeated."""
    for page in pages[:3]:
        clean(page)  # warm caches: compiled rules, profiles
    started = time.process_time()
    for n in tqdm(range(calls), desc=label, unit="page", file=sys.stderr, disable=None, leave=False):
        clean(pages[n % len(pages)])
    return calls / (time.process_time() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000, help="calls per cleaner (default 2000)")
    parser.add_argument(
        "--results", type=Path, default=ROOT / "bench" / "RESULTS.md", help="where to write the table"
    )
    parser.add_argument(
        "--offtarget",
        type=Path,
        metavar="TRAFILATURA_CHECKOUT",
        help="also time the pages of trafilatura's evaluation set (a checkout of adbar/trafilatura)",
    )
    args = parser.parse_args(argv)
    sets = {"corpus/ (profiled outlets)": [(p.html, p.url) for p in gold_pages()]}
    if args.offtarget:
        sets["trafilatura's evaluation set (no profile)"] = [
            (page.html, page.url) for page in trafilatura_pages(args.offtarget)
        ]
    rows = ["| pages | cleaner | pages/s per core | ratio |", "|---|---|---|---|"]
    for label, pages in sets.items():
        plain = measure("trafilatura", lambda p: _plain(*p), pages, args.calls)
        ours = measure("bersih", lambda p: _bersih(*p), pages, args.calls)
        rows.append(f"| {label}, {len(pages)} | plain `trafilatura.extract` | {plain:.1f} | 1.00 |")
        rows.append(f"| {label}, {len(pages)} | Bersih `extract` | {ours:.1f} | {ours / plain:.2f} |")
    table = "\n".join(rows)
    print(table)
    write_section(
        args.results,
        "Cleaning throughput",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}.\n\n"
        f"Each set's pages repeated to {args.calls} calls per cleaner, both cleaners in the same run, "
        "CPU time of one process. Bersih's `extract` includes its metadata (dates, authors, section, "
        "tags); plain trafilatura's does not.\n\n" + table,
    )
    print(f"\nWritten to {args.results}", file=sys.stderr)
    return 0


def _plain(html: bytes | str, url: str) -> str | None:
    return trafilatura.extract(html, url=url, include_comments=False)


def _bersih(html: bytes | str, url: str) -> dict | None:
    try:
        return extract(html, url=url)
    except ExtractError:
        return None


if __name__ == "__main__":
    sys.exit(main())
