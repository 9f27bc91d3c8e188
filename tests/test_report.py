"""`python -m crawler.report`: what `make demo` prints after a run."""

import json
import subprocess
import sys

from conftest import ROOT


def run_report(folder):
    return subprocess.run(
        [sys.executable, "-m", "crawler.report", str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_report_names_the_output_and_its_counts(tmp_path):
    manifest = {
        "run_id": "r1", "finished_at": "2026-11-25T10:00:00+00:00",
        "counts": {"scheduled": 3, "written": 2, "skipped": 1, "duplicate": 0, "rejected": 0, "failed": 0},
        "outputs": [{"path": "kompas/2026-11-25/r1.jsonl", "records": 2, "sha256": "0" * 64}],
    }  # fmt: skip
    (tmp_path / "r1.manifest.json").write_text(json.dumps(manifest))
    result = run_report(tmp_path)
    assert result.returncode == 0
    assert "3 articles scheduled, 2 written, 1 skipped" in result.stdout
    assert f"Output: {tmp_path / 'kompas/2026-11-25/r1.jsonl'} (2 records)" in result.stdout


def test_report_without_a_manifest_says_so(tmp_path):
    result = run_report(tmp_path)
    assert result.returncode == 1
    assert "No run manifest" in result.stderr
