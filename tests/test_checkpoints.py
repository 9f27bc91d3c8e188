"""Checkpoints: a long run commits as it goes, so a kill costs only the work since the last one."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import crawl_sample
from test_crash import ARTICLES, finals, warc_records
from test_crash import assert_consistent as crash_consistent
from test_durability import assert_manifest_matches_disk, in_state, lines, slow_article
from test_state import latest, manifests, own_sample


def crawl(out: Path, state: Path, *settings: str, crash: str = "") -> subprocess.CompletedProcess:
    """The sample crawl, killed with SIGKILL at `crash` (<point>@<n>) when given."""
    os.environ.pop("BERSIH_FAULT", None)
    if crash:
        os.environ["BERSIH_FAULT"] = f"crash:{crash}"
    try:
        return crawl_sample(out, f"STATE_DIR={state}", *settings)
    finally:
        os.environ.pop("BERSIH_FAULT", None)


def written(out: Path) -> list[str]:
    return [json.loads(line)["url"] for path in finals(out) for line in lines(path)]


def assert_consistent(out: Path, state: Path) -> None:
    crash_consistent(out, state, warcs=None)  # a WARC part per checkpoint that archived anything


def test_checkpoints_make_output_final_as_the_run_goes(tmp_path):
    out, state = tmp_path / "out", tmp_path / "state"
    # Checkpoints after records 2 and 4; killed at the third commit, the run's end.
    killed = crawl(out, state, "CHECKPOINT_RECORDS=2", crash="before-commit@3")
    assert killed.returncode == -9, killed.stderr[-3000:]
    assert [len(lines(p)) for p in finals(out)] == [2, 2]
    assert in_state(state) == set(written(out))
    (manifest,) = manifests(out)
    assert manifest["finish_reason"] == "checkpoint"
    assert_manifest_matches_disk(out, manifest)
    # The WARC parts finished at the checkpoints (those that archived anything) are listed and whole.
    run = manifest["run_id"]
    listed = [p["path"] for p in manifest["warc"]["parts"]]
    assert listed == [str(p.relative_to(out)) for p in sorted((out / "warc").glob(f"{run}*.warc.gz"))]
    assert listed[0] == f"warc/{run}.warc.gz"
    assert all(warc_records(out / p["path"]) == p["records"] for p in manifest["warc"]["parts"])

    resume = crawl(out, state, "CHECKPOINT_RECORDS=2")
    assert resume.returncode == 0, resume.stderr[-3000:]
    assert_consistent(out, state)
    second = latest(out)
    assert second["counts"]["written"] == 1 and second["counts"]["skipped"] == ARTICLES - 1
    first = next(m for m in manifests(out) if m["run_id"] != second["run_id"])
    assert first["finish_reason"] == "killed" and first["recovered_by"] == second["run_id"]
    assert first["counts"]["written"] == 4
    assert len(first["warc"]["parts"]) == len(list((out / "warc").glob(f"{run}*.warc.gz")))


def test_a_crawl_killed_at_every_second_commit_still_gets_everything_written(tmp_path):
    out, state = tmp_path / "out", tmp_path / "state"
    runs = []
    for _ in range(ARTICLES + 1):
        result = crawl(out, state, "CHECKPOINT_RECORDS=1", crash="after-commit@2")
        runs.append((result.returncode, len(in_state(state))))
        if result.returncode == 0:
            break
    # A run that commits each record is killed at its second commit: two more articles each
    # time, until the one whose second commit is its end (nothing new) and the one that ends.
    assert runs == [(-9, 2), (-9, 4), (-9, 5), (0, 5)], runs
    assert_consistent(out, state)


@pytest.mark.parametrize(
    "point", ["warc-finish", "before-commit", "after-commit", "between-renames", "before-manifest"]
)
def test_a_run_killed_at_each_step_of_a_checkpoint_is_put_right_by_the_resume(tmp_path, point):
    out, state = tmp_path / "out", tmp_path / "state"
    # The first checkpoint comes before the fourth record: three records in two files to rename.
    settings = ("CHECKPOINT_RECORDS=3", "OUTPUT_MAX_RECORDS=2")
    killed = crawl(out, state, *settings, crash=f"{point}@1")
    assert killed.returncode == -9, killed.stderr[-3000:]
    committed = {"warc-finish": 0, "before-commit": 0}.get(point, 3)
    assert len(in_state(state)) == committed
    resume = crawl(out, state, *settings)
    assert resume.returncode == 0, resume.stderr[-3000:]
    assert_consistent(out, state)
    second = latest(out)
    assert second["counts"]["written"] == ARTICLES - committed
    assert second["counts"]["skipped"] == committed


def test_a_checkpoint_also_comes_after_checkpoint_seconds(tmp_path):
    out, state = tmp_path / "out", tmp_path / "state"
    replay = own_sample(tmp_path)
    slow_article(replay, 3)  # written at least three seconds in: a checkpoint is due by then
    settings = ("CHECKPOINT_RECORDS=0", "CHECKPOINT_SECONDS=1")
    os.environ["BERSIH_FAULT"] = "crash:before-commit@2"
    try:
        killed = crawl_sample(out, f"STATE_DIR={state}", *settings, replay=replay)
    finally:
        os.environ.pop("BERSIH_FAULT", None)
    assert killed.returncode == -9, killed.stderr[-3000:]
    assert in_state(state) and in_state(state) == set(written(out))
    assert latest(out)["finish_reason"] == "checkpoint"
    resume = crawl_sample(out, f"STATE_DIR={state}", *settings, replay=replay)
    assert resume.returncode == 0, resume.stderr[-3000:]
    assert_consistent(out, state)
