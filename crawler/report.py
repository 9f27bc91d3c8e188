"""What a run did, as a table of sites and outcomes; `python -m crawler.report` for the latest run."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from crawler.outcomes import OUTCOMES

COLUMNS = ("scheduled", *OUTCOMES)


def latest_manifest(output_dir: Path) -> dict | None:
    """The manifest of the run that finished last."""
    manifests = [json.loads(p.read_text(encoding="utf-8")) for p in output_dir.glob("*.manifest.json")]
    return max(manifests, key=lambda m: m["finished_at"], default=None)


def summary(runs: list[dict]) -> str:
    """The table of sites and outcomes, then the files the runs wrote: what a run prints at its end."""
    return "\n".join([table(runs), *(line for run in runs for line in files(run))])


def table(runs: list[dict]) -> str:
    """Sites as rows, the manifest's outcomes as columns, a row of totals when there are several.

    A run is a manifest's fields: `sites` (counts per site, as counts_of gives them),
    `finish_reason`, `outputs`, `warc`; and `output_dir`, `manifest` (its path or None), and
    `note` for a run with no counts (one that did not start). Each row adds up as the manifest
    does: scheduled = written + skipped + duplicate + rejected + failed.
    """
    rows: list[list[str]] = []
    totals = dict.fromkeys(COLUMNS, 0)
    for run in runs:
        if run.get("note"):
            rows.append([run["site"], *("-" for _ in COLUMNS), run["note"]])
        for site, counts in run.get("sites", {}).items():
            rows.append([site, *(str(counts[c]) for c in COLUMNS), run.get("finish_reason") or ""])
            for column in COLUMNS:
                totals[column] += counts[column]
    if len(rows) > 1:
        rows.append(["all", *(str(totals[c]) for c in COLUMNS), ""])
    header = ["site", *COLUMNS, "ended"]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) if i in (0, len(header) - 1) else cell.rjust(w)
                  for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()
        for row in [header, *rows]
    ]  # fmt: skip
    return "\n".join(lines)


def files(run: dict) -> list[str]:
    """A run's output files, archive and manifest, one line each."""
    where = Path(run.get("output_dir") or ".")
    lines = [f"Output: {where / o['path']} ({o['records']} records)" for o in run.get("outputs", [])]
    warc = run.get("warc")
    if warc:
        for part in warc.get("parts") or [warc]:
            lines.append(f"Archive: {where / part['path']} ({part['records']} responses)")
    if run.get("manifest"):
        lines.append(f"Manifest: {run['manifest']}")
    elif not run.get("note"):
        lines.append(f"Manifest: not written ({run.get('manifest_error') or 'see the log'})")
    return lines


def describe(manifest: dict, output_dir: Path) -> str:
    """The latest run's counts, its table of sites (when the manifest has one) and its files."""
    counts = manifest["counts"]
    path = output_dir / f"{manifest['run_id']}.manifest.json"
    run = {**manifest, "output_dir": output_dir, "manifest": path}
    lines = [
        f"Run {manifest['run_id']}: {counts['scheduled']} articles scheduled, {counts['written']} written, "
        f"{counts['skipped']} skipped, {counts['duplicate']} duplicate, {counts['rejected']} rejected, "
        f"{counts['failed']} failed."
    ]
    if manifest.get("sites"):
        lines.append(table([run]))
    if not manifest["outputs"] and counts["skipped"] == counts["scheduled"] > 0:
        lines.append("Nothing new was written: the state store already holds every article, unchanged.")
    elif not manifest["outputs"]:
        lines.append("No record was written; the manifest says why for each URL.")
    return "\n".join([*lines, *files(run)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m crawler.report", description="Summarise the latest run in an output folder."
    )
    parser.add_argument("output_dir", type=Path, nargs="?", default=Path("out"), help="OUTPUT_DIR (out)")
    args = parser.parse_args(argv)
    manifest = latest_manifest(args.output_dir)
    if manifest is None:
        print(
            f"No run manifest in {args.output_dir}: the crawl did not finish; see its log.", file=sys.stderr
        )
        return 1
    print(describe(manifest, args.output_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
