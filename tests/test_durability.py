"""No silent loss: the state commits only what reached the disk, and the exit status tells the truth."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import PATIENCE, ROOT, SAMPLE, SAMPLE_DATES, SCRAPY, HeldReplay, crawl_sample
from test_state import add_reports, latest, manifests, own_sample

from crawler.replay.archive import url_key
from crawler.state import StateError, StateStore, Written

ARTICLES = 5


def crawl(out: Path, state: Path, *settings: str, replay: Path = SAMPLE) -> subprocess.CompletedProcess:
    return crawl_sample(out, f"STATE_DIR={state}", *settings, replay=replay)


def lines(path: Path) -> list[str]:
    raw = path.read_bytes()
    return (gzip.decompress(raw) if path.name.endswith(".gz") else raw).decode("utf-8").splitlines()


def on_disk(out: Path) -> list[str]:
    """URLs of the records under final names; every line must be a whole record."""
    finals = [p for p in sorted(out.rglob("*.jsonl*")) if not p.name.startswith(".")]
    return [json.loads(line)["url"] for path in finals for line in lines(path)]


def in_state(state: Path) -> set[str]:
    with sqlite3.connect(state / "bersih.sqlite3") as db:
        return {url for (url,) in db.execute("SELECT url FROM articles WHERE content_hash IS NOT NULL")}


def assert_manifest_matches_disk(out: Path, manifest: dict) -> None:
    """The manifest's files, records, sha256 and written URLs are the disk's."""
    urls = []
    for output in manifest["outputs"]:
        path = out / output["path"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == output["sha256"], path
        found = lines(path)
        assert len(found) == output["records"], path
        urls += [json.loads(line)["url"] for line in found]
    written = sorted(e["url"] for e in manifest["urls"] if e["outcome"] == "written")
    assert written == sorted(urls)
    assert manifest["counts"]["written"] == len(urls)


def slow_article(replay: Path, seconds: float) -> None:
    """kompas_6 answers `seconds` late: the crawl waits for it with the other records written."""
    entries = [json.loads(line) for line in (replay / "responses.jsonl").read_text().splitlines()]
    for entry in entries:
        if "kompas_6" in entry.get("body", ""):
            entry["delay_seconds"] = seconds
    (replay / "responses.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))


def held_article(replay: Path) -> HeldReplay:
    """A replay server of `replay` that answers kompas_6 only once the test releases it."""
    entries = [json.loads(line) for line in (replay / "responses.jsonl").read_text().splitlines()]
    held = url_key(next(e["url"] for e in entries if "kompas_6" in e.get("body", "")))
    return HeldReplay(replay, lambda url: url_key(url) == held).start_in_thread()


def start(out: Path, state: Path, replay: Path, *settings: str) -> subprocess.Popen:
    extra = [part for setting in settings for part in ("-s", setting)]
    command = [*SCRAPY, "crawl", "kompas", "-s", f"REPLAY_DIR={replay}", "-s", f"OUTPUT_DIR={out}",
               "-s", f"STATE_DIR={state}", "-a", f"dates={SAMPLE_DATES}", *extra]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip


def wait_for_partial_records(out: Path, count: int, crawl: subprocess.Popen) -> None:
    """Until the crawl's partial output holds `count` whole records."""
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        partial = [p for p in out.rglob(".*.jsonl.part")] if out.exists() else []
        if partial and len(partial[0].read_bytes().splitlines()) >= count:
            return
        assert crawl.poll() is None, crawl.communicate()[1][-3000:]
        time.sleep(0.1)
    crawl.kill()
    pytest.fail(f"the crawl wrote no {count} records within {PATIENCE} s")


# --- fault 1: an output folder that cannot be written --------------------------------------------


def test_an_unwritable_output_folder_stops_the_run_at_start(tmp_path):
    state = tmp_path / "state"
    refused = crawl(Path("/proc/bersih-nope"), state)
    assert refused.returncode == 2, refused.stderr[-3000:]
    assert "Cannot start: the output folder /proc/bersih-nope cannot be written" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert in_state(state) == set()  # nothing recorded as written
    out = tmp_path / "out"
    again = crawl(out, state)
    assert again.returncode == 0, again.stderr[-3000:]
    assert len(on_disk(out)) == ARTICLES  # written now, not skipped
    assert_manifest_matches_disk(out, latest(out))


def test_a_file_where_the_output_folder_should_be_fails_every_record_and_commits_none(tmp_path):
    out, state = tmp_path / "out", tmp_path / "state"
    out.mkdir()
    (out / "kompas").write_text("not a folder")  # the site's folder cannot be made
    result = crawl(out, state)
    assert result.returncode == 4, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert f"Error: kompas: {ARTICLES} records were not written" in result.stderr
    manifest = latest(out)
    assert manifest["counts"]["written"] == 0 and manifest["counts"]["failed"] == ARTICLES
    assert {(e["outcome"], e["reason"]) for e in manifest["urls"]} == {("failed", "write-error")}
    assert manifest["outputs"] == []
    assert in_state(state) == set()
    (out / "kompas").unlink()
    again = crawl(out, state)
    assert again.returncode == 0, again.stderr[-3000:]
    assert len(on_disk(out)) == ARTICLES and set(on_disk(out)) == in_state(state)
    assert_manifest_matches_disk(out, latest(out))


# --- fault 2: a disk full for a moment mid-run ----------------------------------------------------


@pytest.mark.parametrize("compression", ["", "gzip"])
def test_a_disk_full_for_a_moment_fails_only_what_it_refused_and_the_next_run_writes_it(
    tmp_path, monkeypatch, compression
):
    replay, out, state = own_sample(tmp_path), tmp_path / "out", tmp_path / "state"
    add_reports(replay, 12)
    settings = ("NEAR_DUP_ENABLED=0", f"OUTPUT_COMPRESSION={compression}")  # the reports differ by a line
    monkeypatch.setenv("BERSIH_FAULT", "jsonl:4-6")  # the 4th to 6th records meet a full disk
    full = crawl(out, state, *settings, replay=replay)
    assert full.returncode == 4, full.stderr[-3000:]
    assert "Traceback" not in full.stderr
    first = latest(out)
    failed = {e["url"] for e in first["urls"] if e["outcome"] == "failed"}
    assert {e["reason"] for e in first["urls"] if e["outcome"] == "failed"} == {"write-error"}
    assert len(failed) >= 3 and first["counts"]["written"] + len(failed) == ARTICLES + 12
    assert set(on_disk(out)) == in_state(state)  # the state holds exactly what is in the files
    assert failed.isdisjoint(on_disk(out))
    assert_manifest_matches_disk(out, first)
    monkeypatch.delenv("BERSIH_FAULT")
    again = crawl(out, state, *settings, replay=replay)
    assert again.returncode == 0, again.stderr[-3000:]
    second = latest(out)
    assert {e["url"] for e in second["urls"] if e["outcome"] == "written"} == failed  # not skipped
    assert_manifest_matches_disk(out, second)
    urls = on_disk(out)
    assert len(urls) == len(set(urls)) == ARTICLES + 12


# --- fault 12: a WARC folder that cannot be written -----------------------------------------------


def test_an_unwritable_warc_folder_stops_the_run_at_start(tmp_path):
    out, state = tmp_path / "out", tmp_path / "state"
    (tmp_path / "afile").write_text("a file, not a folder")
    refused = crawl(out, state, f"WARC_DIR={tmp_path / 'afile' / 'warc'}")
    assert refused.returncode == 2, refused.stderr[-3000:]
    assert f"Cannot start: the WARC folder {tmp_path / 'afile' / 'warc'} cannot be written" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert on_disk(out) == [] and manifests(out) == []
    assert in_state(state) == set()
    again = crawl(out, state)
    assert again.returncode == 0, again.stderr[-3000:]
    manifest = latest(out)
    assert_manifest_matches_disk(out, manifest)
    assert manifest["counts"]["written"] == ARTICLES
    assert manifest["warc"]["complete"] and (out / manifest["warc"]["path"]).is_file()


def test_a_warc_archive_that_fills_the_disk_says_so_once_and_in_the_manifest(tmp_path, monkeypatch):
    out, state = tmp_path / "out", tmp_path / "state"
    monkeypatch.setenv("BERSIH_FAULT", "warc:3-")
    result = crawl(out, state)
    assert result.returncode == 4, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert result.stderr.count("Could not archive to") == 1
    assert "Error: kompas: the WARC archive is incomplete" in result.stderr
    manifest = latest(out)
    assert manifest["warc"]["complete"] is False and "No space left" in manifest["warc"]["error"]
    assert manifest["counts"]["written"] == ARTICLES  # the crawl went on
    assert_manifest_matches_disk(out, manifest)


# --- fault 9: the state deleted or replaced mid-run -----------------------------------------------


def test_a_state_folder_deleted_mid_run_fails_the_commit(tmp_path):
    replay, out, state = own_sample(tmp_path), tmp_path / "out", tmp_path / "state"
    server = held_article(replay)
    try:
        crawl_job = start(out, state, replay, f"REPLAY_SERVER={server.url}")
        wait_for_partial_records(out, ARTICLES - 1, crawl_job)  # all but the held one, not committed
        shutil.rmtree(state)
        server.release()
        log = crawl_job.communicate(timeout=PATIENCE)[1]
    finally:
        server.shutdown()
    assert crawl_job.returncode == 4, log[-3000:]
    assert f"{state / 'bersih.sqlite3'} was deleted during the run" in log
    assert "Traceback" not in log
    assert on_disk(out) == []  # nothing final: the commit did not happen
    manifest = latest(out)
    assert manifest["counts"]["written"] == 0 and manifest["outputs"] == []
    assert {e["reason"] for e in manifest["urls"]} == {"not-committed"}
    again = crawl(out, state, replay=replay)  # a new state beside that run's manifest: refused
    assert again.returncode == 2 and "STATE_NEW_OK" in again.stderr, again.stderr[-3000:]
    again = crawl(out, state, "STATE_NEW_OK=1", replay=replay)  # nothing was written: accept it
    assert again.returncode == 0, again.stderr[-3000:]
    assert sorted(on_disk(out)) == sorted(in_state(state)) and len(on_disk(out)) == ARTICLES


def test_a_state_file_replaced_mid_run_takes_no_commit(tmp_path):
    store = StateStore(tmp_path / "state", timedelta(days=2))
    shutil.copy(store.path, tmp_path / "copy.sqlite3")
    os.replace(tmp_path / "copy.sqlite3", store.path)  # another file under the same name
    written = Written("kompas.com/read/1", "https://kompas.com/read/1", "kompas", "sha256:" + "1" * 64, 1,
                      None, None)  # fmt: skip
    try:
        with pytest.raises(StateError, match="was replaced during the run"):
            store.commit([written], [], "run-1")
    finally:
        store.close()
    with sqlite3.connect(tmp_path / "state" / "bersih.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 0


# --- fault 5: a run id used twice -----------------------------------------------------------------


def test_a_run_id_used_before_is_refused_and_the_first_run_is_untouched(tmp_path):
    out = tmp_path / "out"
    first = crawl(out, tmp_path / "state", "BERSIH_RUN_ID=nightly")
    assert first.returncode == 0, first.stderr[-3000:]
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert {p.name for p in before} >= {"nightly.jsonl", "nightly.manifest.json", "nightly.warc.gz"}
    # a new state, accepted: it would write everything again
    second = crawl(out, tmp_path / "fresh", "BERSIH_RUN_ID=nightly", "STATE_NEW_OK=1")
    assert second.returncode == 2, second.stderr[-3000:]
    assert "Cannot start: run id nightly is already used" in second.stderr
    assert "Traceback" not in second.stderr
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert in_state(tmp_path / "fresh") == set()


# --- exit codes -----------------------------------------------------------------------------------


def test_a_run_stopped_before_it_finishes_is_not_success_and_commits_what_is_on_disk(tmp_path):
    replay, out, state = own_sample(tmp_path), tmp_path / "out", tmp_path / "state"
    server = held_article(replay)
    try:
        crawl_job = start(out, state, replay, f"REPLAY_SERVER={server.url}")
        wait_for_partial_records(out, ARTICLES - 1, crawl_job)
        crawl_job.send_signal(signal.SIGTERM)  # cron's timeout: a graceful stop, which lets the fetch end
        log = []
        for line in crawl_job.stderr:
            log.append(line)
            if "shutting down gracefully" in line:
                break
        server.release()
        log = "".join(log) + crawl_job.communicate(timeout=PATIENCE)[1]
    finally:
        server.shutdown()
    assert "Received SIGTERM, shutting down gracefully" in log
    assert crawl_job.returncode == 3, log[-3000:]
    assert "Error: kompas stopped before it finished (shutdown)" in log
    assert len(on_disk(out)) >= ARTICLES - 1 and set(on_disk(out)) == in_state(state)
    assert_manifest_matches_disk(out, latest(out))


def test_a_forced_stop_is_not_success_and_commits_nothing(tmp_path):
    replay, out, state = own_sample(tmp_path), tmp_path / "out", tmp_path / "state"
    server = held_article(replay)  # never released: the crawl is stopped while it waits
    try:
        crawl_job = start(out, state, replay, f"REPLAY_SERVER={server.url}", f"DOWNLOAD_TIMEOUT={PATIENCE}")
        wait_for_partial_records(out, ARTICLES - 1, crawl_job)
        log = []
        crawl_job.send_signal(signal.SIGINT)
        for line in crawl_job.stderr:  # the first Ctrl-C is taken: a graceful stop, waiting for the fetch
            log.append(line)
            if "shutting down gracefully" in line:
                break
        crawl_job.send_signal(signal.SIGINT)  # the second: an unclean stop
        log += crawl_job.communicate(timeout=PATIENCE)[1]
    finally:
        server.shutdown()
    assert "forcing unclean shutdown" in "".join(log), "".join(log)[-3000:]
    assert crawl_job.returncode == 3, "".join(log)[-3000:]
    assert "Error: kompas stopped before it finished (forced)" in "".join(log)
    assert on_disk(out) == [] and in_state(state) == set()  # nothing committed, nothing claimed
