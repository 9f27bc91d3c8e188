"""Runs that are killed, resumed, or lose their state: nothing lost, nothing repeated."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE, SAMPLE_DATES, SCRAPY, run_scrapy
from test_state import add_reports, own_sample, slow_down
from warcio.archiveiterator import ArchiveIterator

ARTICLES = 5


def final_records(out: Path) -> list[dict]:
    """Every record under a final name; each such file must be whole JSON Lines."""
    found = []
    for path in sorted(out.rglob("*.jsonl")):
        lines = path.read_text(encoding="utf-8").splitlines()
        found.extend(json.loads(line) for line in lines)  # a half-written file would fail here
    return found


def slow_sample(tmp_path: Path) -> Path:
    replay = own_sample(tmp_path)
    slow_down(replay, 0.5)
    return replay


def test_stopped_and_killed_runs_resume_and_every_article_is_written_exactly_once(tmp_path):
    replay, out, state = slow_sample(tmp_path), tmp_path / "out", tmp_path / "state"
    command = [*SCRAPY, "crawl", "kompas", "-s", f"REPLAY_DIR={replay}", "-s", f"OUTPUT_DIR={out}",
               "-s", f"STATE_DIR={state}", "-a", f"dates={SAMPLE_DATES}"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    chance = random.Random(7)
    # Hard kills, and the graceful stops of cron's timeout (SIGTERM) and of Ctrl-C (SIGINT).
    for stop in (
        signal.SIGKILL,
        signal.SIGTERM,
        signal.SIGKILL,
        signal.SIGINT,
        signal.SIGKILL,
        signal.SIGKILL,
    ):
        crawl = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(chance.uniform(0.5, 4.0))
        crawl.send_signal(stop)
        crawl.wait(timeout=60)
        urls = [r["url"] for r in final_records(out)]
        assert len(urls) == len(set(urls))  # never twice, whenever the kill came
    finish = run_scrapy(*command[3:])
    assert finish.returncode == 0, finish.stderr[-3000:]
    urls = [r["url"] for r in final_records(out)]
    assert len(urls) == ARTICLES and len(set(urls)) == ARTICLES


def test_state_rebuilt_from_the_output_lets_the_next_run_write_nothing(tmp_path):
    out = tmp_path / "out"
    first = run_scrapy("crawl", "kompas", "-s", f"REPLAY_DIR={SAMPLE}", "-s", f"OUTPUT_DIR={out}",
                       "-s", f"STATE_DIR={tmp_path / 'lost'}", "-a", f"dates={SAMPLE_DATES}")  # fmt: skip
    assert first.returncode == 0
    rebuilt = tmp_path / "rebuilt"
    result = run_scrapy("rebuildstate", str(out), "-s", f"STATE_DIR={rebuilt}")
    assert result.returncode == 0, result.stderr
    assert f"Rebuilt {rebuilt / 'bersih.sqlite3'}: {ARTICLES} articles" in result.stdout
    again = run_scrapy("crawl", "kompas", "-s", f"REPLAY_DIR={SAMPLE}", "-s", f"OUTPUT_DIR={out}",
                       "-s", f"STATE_DIR={rebuilt}", "-a", f"dates={SAMPLE_DATES}")  # fmt: skip
    assert again.returncode == 0
    assert len(final_records(out)) == ARTICLES  # nothing written twice
    refused = run_scrapy("rebuildstate", str(out), "-s", f"STATE_DIR={rebuilt}")
    assert refused.returncode == 2 and "move it aside" in refused.stderr


def test_a_new_state_beside_earlier_runs_is_not_silent(tmp_path):
    out = tmp_path / "out"
    for state in ("one", "two"):
        result = run_scrapy("crawl", "kompas", "-s", f"REPLAY_DIR={SAMPLE}", "-s", f"OUTPUT_DIR={out}",
                            "-s", f"STATE_DIR={tmp_path / state}", "-a", f"dates={SAMPLE_DATES}")  # fmt: skip
    assert result.returncode == 2, result.stderr[-3000:]  # refused; tests/test_identity.py has the rest
    assert "is new, but" in result.stderr and "scrapy rebuildstate" in result.stderr


def kill_and_resume(tmp_path: Path, kills: int, seed: int) -> None:
    """SIGKILL a crawl of 17 slow articles `kills` times at random moments, resuming after each."""
    replay, out, state = own_sample(tmp_path), tmp_path / "out", tmp_path / "state"
    add_reports(replay, 12)
    slow_down(replay, 0.4)
    command = [*SCRAPY, "crawl", "kompas", "-s", f"REPLAY_DIR={replay}", "-s", f"OUTPUT_DIR={out}",
               "-s", f"STATE_DIR={state}", "-a", f"dates={SAMPLE_DATES}",
               "-s", "NEAR_DUP_ENABLED=0"]  # the added reports differ by one sentence  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    chance = random.Random(seed)
    for _ in range(kills):
        crawl = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, text=True)  # fmt: skip
        time.sleep(chance.uniform(0.3, 3.0))
        crawl.send_signal(signal.SIGKILL)
        log = crawl.communicate(timeout=60)[1]
        assert "StateError" not in log, log[-3000:]  # the state opened: not held, not corrupt
        urls = [r["url"] for r in final_records(out)]  # whole files only under final names
        assert len(urls) == len(set(urls)), f"seed {seed}: an article written twice"
        if (state / "bersih.sqlite3").exists():  # (not yet, when the kill came before it was opened)
            with sqlite3.connect(state / "bersih.sqlite3") as db:
                assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", f"seed {seed}"
    finish = run_scrapy(*command[3:])
    assert finish.returncode == 0, finish.stderr[-3000:]
    assert (state / "bersih.sqlite3").exists()
    urls = [r["url"] for r in final_records(out)]
    assert len(urls) == ARTICLES + 12 and len(set(urls)) == ARTICLES + 12, f"seed {seed}"


def test_twenty_hard_kills_lose_nothing_and_repeat_nothing(tmp_path):
    kill_and_resume(tmp_path, kills=20, seed=20)


@pytest.mark.long
@pytest.mark.timeout(7200)
def test_a_hundred_kills_over_whole_runs_lose_nothing_repeat_nothing_and_leave_nothing_partial(tmp_path):
    """pytest -m long: BERSIH_KILLS kills (default 100), half at random moments of a whole run and half
    at a commit point (before and after the state commit, between renames, before a manifest, in a
    WARC finish) of a checkpoint or of the end. The seed is printed; BERSIH_KILL_SEED replays one."""
    seed = int(os.environ.get("BERSIH_KILL_SEED") or random.SystemRandom().randrange(1_000_000))
    kills = int(os.environ.get("BERSIH_KILLS", "100"))
    report = kill_everywhere(tmp_path, kills, seed)
    print(f"kill seed {seed}: {report}")
    assert report["lost"] == report["duplicated"] == report["partial"] == report["unlisted"] == 0, report
    assert report["kills"] == kills and report["at commit points"] >= kills // 3, report


COMMIT_POINTS = ("before-commit", "after-commit", "between-renames", "before-manifest", "warc-finish")


def kill_everywhere(tmp_path: Path, kills: int, seed: int) -> dict:
    """Rounds of a 17-article crawl, each killed and resumed until it ends; what the rounds lost."""
    replay = own_sample(tmp_path)
    add_reports(replay, 12)
    slow_down(replay, 0.2)
    settings = ["CHECKPOINT_RECORDS=4", "OUTPUT_MAX_RECORDS=3", "NEAR_DUP_ENABLED=0"]
    chance = random.Random(seed)
    report = {"kills": 0, "timed": 0, "at commit points": 0, "rounds": 0, "lost": 0, "duplicated": 0,
              "partial": 0, "unlisted": 0}  # fmt: skip
    started = time.monotonic()
    probe = _crawl(tmp_path / "probe", replay, settings)
    assert probe.wait(timeout=300) == 0
    whole_run = time.monotonic() - started
    while report["kills"] < kills:
        report["rounds"] += 1
        out = tmp_path / f"round-{report['rounds']}"
        while report["kills"] < kills:
            if chance.random() < 0.5:
                point = f"{chance.choice(COMMIT_POINTS)}@{chance.randint(1, 4)}"
                crawl = _crawl(out, replay, settings, fault=f"crash:{point}")
                code = crawl.wait(timeout=300)
                report["at commit points"] += code == -signal.SIGKILL
            else:
                crawl = _crawl(out, replay, settings)
                try:
                    code = crawl.wait(timeout=chance.uniform(0.1, whole_run))
                except subprocess.TimeoutExpired:
                    crawl.send_signal(signal.SIGKILL)
                    code = crawl.wait(timeout=60)
                report["timed"] += code == -signal.SIGKILL
            report["kills"] += code == -signal.SIGKILL
            assert code in (0, -signal.SIGKILL), _log(crawl)
            _tally(out, report, final=False)
            if code == 0:
                break
        finish = _crawl(out, replay, settings)
        assert finish.wait(timeout=300) == 0, _log(finish)
        _tally(out, report, final=True)
    return report


def _crawl(out: Path, replay: Path, settings: list[str], fault: str = "") -> subprocess.Popen:
    extra = [part for setting in settings for part in ("-s", setting)]
    command = [*SCRAPY, "crawl", "kompas", "-s", f"REPLAY_DIR={replay}", "-s", f"OUTPUT_DIR={out}",
               "-s", f"STATE_DIR={out}-state", "-a", f"dates={SAMPLE_DATES}", *extra]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BERSIH_FAULT": fault}
    log = (out.parent / f"{out.name}.log").open("w+")  # a file: a pipe nobody reads would fill and stall it
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log, text=True)


def _log(crawl: subprocess.Popen) -> str:
    crawl.stderr.seek(0)
    return crawl.stderr.read()[-3000:]


def _tally(out: Path, report: dict, final: bool) -> None:
    """Count what a round has wrong: records twice, files not whole; at its end, articles missing and
    final files not in exactly one manifest."""
    urls = []
    for path in sorted(out.rglob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                urls.append(json.loads(line)["url"])
            except ValueError:
                report["partial"] += 1
    report["duplicated"] += len(urls) - len(set(urls))
    if final:
        report["lost"] += ARTICLES + 12 - len(set(urls))
        report["partial"] += len(list(out.rglob("*.part")))
        for warc in sorted((out / "warc").glob("*.warc.gz")):
            try:
                with warc.open("rb") as fh:
                    for record in ArchiveIterator(fh):
                        record.content_stream().read()
            except Exception:
                report["partial"] += 1
        manifests = [json.loads(m.read_text()) for m in out.glob("*.manifest.json")]
        listed = [o["path"] for m in manifests for o in m["outputs"]]
        final_files = [str(p.relative_to(out)) for p in out.rglob("*.jsonl")]
        report["unlisted"] += len(set(final_files) ^ set(listed)) + len(listed) - len(set(listed))
