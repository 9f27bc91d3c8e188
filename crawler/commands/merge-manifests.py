"""`scrapy merge-manifests`: one manifest for a distributed run, from the manifests of its workers."""  # noqa: N999

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.cli import operands
from crawler.ledger import write_atomically
from crawler.outcomes import OUTCOMES, counts_of

# When workers disagree about a URL (one was cut off, another finished it), the most final wins.
PRECEDENCE = ("written", "duplicate", "skipped", "rejected", "failed")


def merge(manifests: list[dict]) -> dict:
    """Add up workers' manifests: each URL once, with the most final outcome any worker gave it."""
    urls: dict[str, dict] = {}
    written_by: Counter = Counter()
    for manifest in manifests:
        for entry in manifest["urls"]:
            key = entry["key"]
            written_by[key] += entry["outcome"] == "written"
            kept = urls.get(key)
            if kept is None or PRECEDENCE.index(entry["outcome"]) < PRECEDENCE.index(kept["outcome"]):
                urls[key] = {**entry, "worker": manifest["run_id"]}
    counts, sites = counts_of(urls.values())
    return {
        "workers": [m["run_id"] for m in manifests],
        "spiders": sorted({m["spider"] for m in manifests}),
        "started_at": min(m["started_at"] for m in manifests),
        "finished_at": max(m["finished_at"] for m in manifests),
        "counts": counts,
        "sites": sites,
        "written_more_than_once": sorted(k for k, n in written_by.items() if n > 1),
        "health": {
            "ok": all(m["health"]["ok"] for m in manifests),
            "problems": {m["run_id"]: m["health"]["problems"] for m in manifests if not m["health"]["ok"]},
        },
        "outputs": [o for m in manifests for o in m["outputs"]],
        "urls": [urls[k] for k in sorted(urls)],
    }


class Command(ScrapyCommand):
    requires_project = False
    # Adding up files crawls nothing: no crawler process, so no Scrapy banner.
    requires_crawler_process = False

    def syntax(self) -> str:
        return "MANIFEST|DIR ... [-o merged.json]"

    def short_desc(self) -> str:
        return "Add up the manifests of a distributed run's workers"

    def long_desc(self) -> str:
        return (
            "Merge the workers' manifests (files, or every *.manifest.json of folders) into one: each URL "
            "once, with the most final outcome a worker gave it, and counts that add up. Prints the counts; "
            "writes the merged manifest with -o. Exits 1 when a URL was written by more than one worker."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-o", "--output", type=Path, help="where to write the merged manifest")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        paths = [
            p
            for a in map(Path, operands(args))
            for p in (sorted(a.glob("*.manifest.json")) if a.is_dir() else [a])
        ]
        if not paths:
            raise UsageError("give the workers' manifest files, or the folders that hold them")
        try:
            manifests = [json.loads(p.read_text(encoding="utf-8")) for p in paths]
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot read a manifest: {exc}") from None
        merged = merge(manifests)
        if opts.output:
            write_atomically(opts.output, json.dumps(merged, ensure_ascii=False, indent=1))
        counts = merged["counts"]
        print(f"{len(paths)} manifests, {counts['scheduled']} URLs: "
              + ", ".join(f"{counts[o]} {o}" for o in OUTCOMES))  # fmt: skip
        if merged["written_more_than_once"]:
            print(f"Error: {len(merged['written_more_than_once'])} URLs written by more than one worker: "
                  + ", ".join(merged["written_more_than_once"][:10]), file=sys.stderr)  # fmt: skip
            self.exitcode = 1
