"""The cleaning audit's cost: CPU time per page of extract(), audit off and on, same pages, same run.

Usage: .venv/bin/python bench/audit.py [--before DIR] [--calls 600] [--rounds 3] [--results bench/RESULTS.md]

Each measurement is a fresh process cleaning the pages over and over (`--calls` calls, after a
warm-up), timed by its CPU time; the variants take turns, `--rounds` times, and the median
round counts. `--before DIR` adds the code before the audit: a folder with the `crawler`
package of an earlier checkout (`git worktree add DIR <commit>`), cleaning the same pages with
the audit's arguments left out. The pages: the recorded gold pages of corpus/ (profiled outlets)
and tests/data/offtarget (pages no profile knows, cleaned by the generic rules).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETS = {
    "corpus": "corpus/ gold pages (profiled outlets)",
    "offtarget": "tests/data/offtarget (no profile)",
}


def pages(name: str) -> list[tuple[bytes, str | None]]:
    """The pages of a set, read from the files (not through the package under test)."""
    if name == "corpus":
        found = []
        for gold in sorted((ROOT / "corpus" / "gold").glob("*.json")):
            entry = json.loads(gold.read_text(encoding="utf-8"))
            found.append(((ROOT / "corpus" / "pages" / entry["file"]).read_bytes(), entry["url"]))
        return found
    offtarget = sorted((ROOT / "tests" / "data" / "offtarget").glob("*.gz"))
    return [(gzip.decompress(p.read_bytes()), None) for p in offtarget]


def worker(code: Path, name: str, audit: bool, calls: int) -> None:
    """In a process of its own: milliseconds of CPU per page, printed."""
    sys.path.insert(0, str(code))
    import crawler
    from crawler.extract import ExtractError, extract

    assert Path(crawler.__file__).resolve().is_relative_to(code.resolve()), crawler.__file__

    work = pages(name)
    options = {"audit": True} if audit else {}

    def clean(page: tuple[bytes, str | None]) -> None:
        with contextlib.suppress(ExtractError):  # a page that is not HTML costs its check alone
            extract(page[0], url=page[1], **options)

    for page in work:
        clean(page)  # warm caches: compiled rules, profiles
    started = time.process_time()
    for n in range(calls):
        clean(work[n % len(work)])
    print(json.dumps({"ms": 1000 * (time.process_time() - started) / calls}))


def measure(code: Path, name: str, audit: bool, calls: int) -> float:
    command = [sys.executable, __file__, "--worker", str(code), "--set", name, "--calls", str(calls)]
    result = subprocess.run([*command, *(["--audit"] if audit else [])], capture_output=True, text=True,
                            check=True, cwd=ROOT)  # fmt: skip
    return json.loads(result.stdout.splitlines()[-1])["ms"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="a folder with the crawler package from before the audit")
    parser.add_argument("--calls", type=int, default=600, help="calls per measurement (default 600)")
    parser.add_argument("--rounds", type=int, default=3, help="measurements per variant (default 3)")
    parser.add_argument("--results", type=Path, help="write the table into this file (bench/RESULTS.md)")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--set", choices=SETS, help=argparse.SUPPRESS)
    parser.add_argument("--audit", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.set, args.audit, args.calls)
        return 0
    variants = {"audit off": (ROOT, False), "audit on": (ROOT, True)}
    if args.before:
        variants = {"before the audit": (args.before.resolve(), False), **variants}
    rows = ["| pages | code | ms CPU per page (median) | each round | vs before |", "|---|---|---|---|---|"]
    for name, label in SETS.items():
        times: dict[str, list[float]] = {variant: [] for variant in variants}
        for _ in range(args.rounds):
            for variant, (code, audit) in variants.items():
                times[variant].append(measure(code, name, audit, args.calls))
                print(f"{name} {variant}: {times[variant][-1]:.2f} ms", file=sys.stderr)
        base = statistics.median(times["before the audit"]) if args.before else None
        for variant, found in times.items():
            median = statistics.median(found)
            ratio = f"{median / base:.3f}" if base else "-"
            each = ", ".join(f"{t:.2f}" for t in found)
            rows.append(f"| {label}, {len(pages(name))} | {variant} | {median:.2f} | {each} | {ratio} |")
    table = "\n".join(rows)
    print(table)
    if args.results:
        sys.path.insert(0, str(ROOT / "bench"))
        from results import machine, write_section

        write_section(
            args.results,
            "Cleaning audit cost",
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}.\n\n"
            f"`bench/audit.py`: {args.calls} calls of `extract()` per measurement, each in a fresh process, "
            f"the variants in turn, {args.rounds} rounds; CPU time of one process.\n\n" + table,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
