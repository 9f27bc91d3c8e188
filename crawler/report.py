"""Print what the latest run in an output folder did, from its manifest (used by `make demo`)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def latest_manifest(output_dir: Path) -> dict | None:
    """The manifest of the run that finished last."""
    manifests = [json.loads(p.read_text(encoding="utf-8")) for p in output_dir.glob("*.manifest.json")]
    return max(manifests, key=lambda m: m["finished_at"], default=None)


def describe(manifest: dict, output_dir: Path) -> str:
    counts = manifest["counts"]
    lines = [
        f"Run {manifest['run_id']}: {counts['scheduled']} articles scheduled, {counts['written']} written, "
        f"{counts['skipped']} skipped, {counts['duplicate']} duplicate, {counts['rejected']} rejected, "
        f"{counts['failed']} failed."
    ]
    for output in manifest["outputs"]:
        lines.append(f"Output: {output_dir / output['path']} ({output['records']} records)")
    if not manifest["outputs"] and counts["skipped"] == counts["scheduled"] > 0:
        lines.append("Nothing new was written: the state store already holds every article, unchanged.")
    elif not manifest["outputs"]:
        lines.append("No record was written; the manifest says why for each URL.")
    lines.append(f"Manifest: {output_dir / (manifest['run_id'] + '.manifest.json')}")
    return "\n".join(lines)


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
