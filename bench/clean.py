"""Cleaning throughput: Bersih's extract beside plain trafilatura.extract on the same pages, same run.

Usage: .venv/bin/python bench/clean.py [--calls 2000] [--results bench/RESULTS.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import trafilatura
from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from results import write_section  # noqa: E402

from crawler.extract import extract  # noqa: E402
from crawler.quality import gold_pages  # noqa: E402


def measure(label: str, clean, pages: list, calls: int) -> float:
    """Pages per second on one core over `calls` calls, the corpus repeated."""
    for page in pages[:3]:
        clean(page)  # warm caches: compiled rules, profiles
    started = time.process_time()
    for n in tqdm(range(calls), desc=label, unit="page", file=sys.stderr, disable=None, leave=False):
        clean(pages[n % len(pages)])
    return calls / (time.process_time() - started)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        model = cpu
    versions = f"Python {platform.python_version()}, trafilatura {trafilatura.__version__}"
    return f"{model}, {os.cpu_count()} cores, {versions}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000, help="calls per cleaner (default 2000)")
    parser.add_argument(
        "--results", type=Path, default=ROOT / "bench" / "RESULTS.md", help="where to write the table"
    )
    args = parser.parse_args(argv)
    pages = list(gold_pages())
    ours = measure("bersih", lambda p: extract(p.html, url=p.url), pages, args.calls)
    plain = measure(
        "trafilatura",
        lambda p: trafilatura.extract(p.html, url=p.url, include_comments=False),
        pages,
        args.calls,
    )
    table = "\n".join(
        [
            "| cleaner | pages/s per core | ratio |",
            "|---|---|---|",
            f"| plain `trafilatura.extract` (comments off) | {plain:.1f} | 1.00 |",
            f"| Bersih `extract` (profiles, generic rules, metadata) | {ours:.1f} | {ours / plain:.2f} |",
        ]
    )
    print(table)
    write_section(
        args.results,
        "Cleaning throughput",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}.\n\n"
        f"{len(pages)} recorded pages of `corpus/`, repeated to {args.calls} calls per cleaner, "
        "CPU time of one process.\n\n" + table,
    )
    print(f"\nWritten to {args.results}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
