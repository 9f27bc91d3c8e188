"""Crash consistency: a run killed (SIGKILL) at each step of its end is put right by the next run."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import crawl_sample, run_scrapy
from test_durability import assert_manifest_matches_disk, in_state, lines
from test_state import latest, manifests
from warcio.archiveiterator import ArchiveIterator

ARTICLES = 5
SPLIT = "OUTPUT_MAX_RECORDS=2"  # three output files of the five articles: several renames to crash between


def crawl(out: Path, state: Path, fault: str = "") -> subprocess.CompletedProcess:
    os.environ.pop("BERSIH_FAULT", None)
    if fault:
        os.environ["BERSIH_FAULT"] = f"crash:{fault}"
    try:
        return crawl_sample(out, f"STATE_DIR={state}", SPLIT)
    finally:
        os.environ.pop("BERSIH_FAULT", None)


def finals(out: Path) -> list[Path]:
    return [p for p in sorted(out.rglob("*.jsonl")) if not p.name.startswith(".")]


def parts(out: Path) -> list[Path]:
    return sorted(out.rglob("*.part"))


def warc_records(path: Path) -> int:
    """Records of a WARC, read to its end (a cut or damaged archive raises)."""
    with path.open("rb") as fh:
        return sum(1 for record in ArchiveIterator(fh) if record.content_stream().read() is not None)


def assert_consistent(out: Path, state: Path, warcs: int | None = 2) -> None:
    """Each article exactly once in whole final files, each listed by exactly one manifest that matches
    the disk and none left at a checkpoint; `warcs` whole WARC files (any number when None)."""
    urls = [json.loads(line)["url"] for path in finals(out) for line in lines(path)]
    assert len(urls) == len(set(urls)) == ARTICLES, urls
    assert set(urls) == in_state(state)
    assert parts(out) == [], parts(out)
    assert list(out.glob(".*.owner")) == []
    listed = []
    for manifest in manifests(out):
        assert_manifest_matches_disk(out, manifest)
        assert manifest["finish_reason"] != "checkpoint", manifest["run_id"]
        listed += [out / o["path"] for o in manifest["outputs"]]
    assert sorted(listed) == finals(out)  # every final file in exactly one manifest
    found = sorted((out / "warc").glob("*.warc.gz"))
    assert found and (warcs is None or len(found) == warcs)  # the killed run's and the resume's, finished
    for warc in found:
        assert warc_records(warc) >= 1


def assert_killed(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == -9, result.stderr[-3000:]


@pytest.mark.parametrize(
    "point", ["before-commit", "after-commit", "between-renames", "before-manifest", "warc-finish"]
)
def test_a_run_killed_at_each_step_of_its_end_is_put_right_by_the_resume(tmp_path, point):
    out, state = tmp_path / "out", tmp_path / "state"
    killed = crawl(out, state, point)
    assert_killed(killed)
    jsonl_parts = [p for p in parts(out) if p.name.endswith(".jsonl.part")]
    warc_parts = [p for p in parts(out) if p.name.endswith(".warc.gz.part")]
    # Each point is where it says: what the disk and the state hold when the process dies.
    if point == "before-commit":
        assert len(jsonl_parts) == 3 and finals(out) == [] and in_state(state) == set()
    elif point == "after-commit":
        assert len(jsonl_parts) == 3 and finals(out) == [] and len(in_state(state)) == ARTICLES
    elif point == "between-renames":
        assert len(jsonl_parts) == 2 and len(finals(out)) == 1
    else:
        assert jsonl_parts == [] and len(finals(out)) == 3
    assert manifests(out) == []
    # The WARC is finished after the output is renamed, and the manifest is written last.
    assert len(warc_parts) == (0 if point == "before-manifest" else 1)
    resume = crawl(out, state)
    assert resume.returncode == 0, resume.stderr[-3000:]
    assert_consistent(out, state)
    second = latest(out)
    if warc_parts:  # finished by the resume, whole records kept
        warc = warc_parts[0].with_name(warc_parts[0].name[1 : -len(".part")])
        assert second["recovered"]["warcs"] == [f"{warc} finished ({warc_records(warc)} records)"]
    else:
        assert "warcs" not in second["recovered"]
    if point == "before-commit":  # nothing committed: the parts are removed and every article redone
        assert sorted(second["recovered"]["removed"]) == [str(p) for p in jsonl_parts]
        assert second["counts"]["written"] == ARTICLES
        assert len(manifests(out)) == 1
    else:  # committed: finished and listed in the killed run's manifest, skipped by the resume
        assert second["counts"]["written"] == 0 and second["counts"]["skipped"] == ARTICLES
        first = next(m for m in manifests(out) if m["run_id"] != second["run_id"])
        assert first["finish_reason"] == "killed" and first["recovered_by"] == second["run_id"]
        assert first["counts"]["written"] == ARTICLES and len(first["outputs"]) == 3
        assert second["recovered"]["manifests"] == [str(out / f"{first['run_id']}.manifest.json")]


def test_fault_6_a_kill_after_the_commit_leaves_archives_that_reprocess_rebuilds(tmp_path):
    out, state = tmp_path / "out", tmp_path / "state"
    assert_killed(crawl(out, state, "after-commit"))
    resume = crawl(out, state)
    assert resume.returncode == 0, resume.stderr[-3000:]
    assert_consistent(out, state)
    again = tmp_path / "again"
    rebuilt = run_scrapy(
        "reprocess", "-s", f"OUTPUT_DIR={again}", *map(str, sorted((out / "warc").glob("*.gz")))
    )
    assert rebuilt.returncode == 0, rebuilt.stderr[-3000:]
    urls = [json.loads(line)["url"] for path in finals(again) for line in lines(path)]
    assert len(urls) == len(set(urls)) == ARTICLES  # the killed run's archive holds all five


def test_fault_7_a_committed_part_deleted_before_the_resume_is_an_error_and_fetched_again(tmp_path):
    out, state = tmp_path / "out", tmp_path / "state"
    assert_killed(crawl(out, state, "after-commit"))
    lost = sorted(p for p in parts(out) if p.name.endswith(".jsonl.part"))[0]
    lost_urls = {json.loads(line)["url"] for line in lost.read_text().splitlines()}
    assert len(lost_urls) == 2
    lost.unlink()
    resume = crawl(out, state)
    assert resume.returncode == 4, resume.stderr[-3000:]
    assert f"Committed output {lost} is gone" in resume.stderr
    assert f"committed output lost before its rename: {lost}" in resume.stderr
    assert "Traceback" not in resume.stderr
    second = latest(out)
    assert {e["url"] for e in second["urls"] if e["outcome"] == "written"} == lost_urls  # fetched again
    assert second["recovered"]["missing"] == [str(lost)]
    assert_consistent(out, state)
    third = crawl(out, state)
    assert third.returncode == 0, third.stderr[-3000:]
    assert latest(out)["counts"]["skipped"] == ARTICLES


def test_parts_of_a_live_run_are_left_alone(tmp_path):
    out, state = tmp_path / "out", tmp_path / "state"
    live = out / "kompas" / ".other-run.jsonl.part"
    live.parent.mkdir(parents=True)
    live.write_text('{"url": "x"}\n')
    (out / ".other-run.owner").write_text(f"{os.getpid()}\n")  # this test's process: alive
    dead = out / "kompas" / ".dead-run.jsonl.part"
    dead.write_text('{"url": "y"}\n')
    (out / ".dead-run.owner").write_text("999999999\n")
    result = crawl(out, state)
    assert result.returncode == 0, result.stderr[-3000:]
    assert live.exists() and (out / ".other-run.owner").exists()
    assert not dead.exists() and not (out / ".dead-run.owner").exists()
    assert latest(out)["recovered"]["removed"] == [str(dead)]
