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
def test_many_hard_kills_at_random_seeds(tmp_path):
    """The longer variant: pytest -m long (BERSIH_KILLS, default 100; the seed is printed)."""
    seed = random.SystemRandom().randrange(1_000_000)
    print(f"kill seed {seed}")
    kill_and_resume(tmp_path, kills=int(os.environ.get("BERSIH_KILLS", "100")), seed=seed)
