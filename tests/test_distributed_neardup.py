"""Near copies in distributed mode when a worker dies or Redis restarts mid-run (issue 13, fault 3).

Each test crawls 30 stories, each with a regional edition under another URL, with near-duplicate
detection on. Work left uncommitted by a killed worker or a lost Redis is done again by another
worker; of each pair exactly one is written, and the merged manifests account for every URL.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from conftest import run_scrapy
from test_distributed import free_port, report_page, seed, start_redis, worker, written_urls
from test_distributed import redis_url as redis_url
from test_state import add_article, own_sample, slow_down

from crawler.canonical import url_key
from crawler.replay.server import ReplayServer
from crawler.state.redis_store import RedisStateStore

PAIRS = 30
SAMPLE_ARTICLES = 5
DATELINE = "MEDAN, KOMPAS.com Regional - "
ANNOUNCED = "bersih:state:announced"
OUTCOMES = ("written", "skipped", "duplicate", "rejected", "failed")


def add_pairs(replay: Path, count: int) -> list[tuple[str, str]]:
    """`count` stories and their regional editions (the same text under a dateline); their URLs."""
    pairs = []
    for n in range(count):
        story = f"http://otomotif.kompas.com/read/2016/02/23/18{n:06d}/laporan.asli.{n}"
        edition = f"http://regional.kompas.com/read/2016/02/23/17{n:06d}/laporan.daerah.{n}"
        add_article(replay, story, report_page(replay, 100 + n))
        add_article(replay, edition, report_page(replay, 100 + n, DATELINE))
        pairs.append((story, edition))
    return pairs


@pytest.fixture
def pairs(tmp_path) -> tuple[Path, list[tuple[str, str]]]:
    """The demo sample with 30 story/edition pairs, each page served after 0.2 s."""
    replay = own_sample(tmp_path)
    found = add_pairs(replay, PAIRS)
    slow_down(replay, 0.2)
    return replay, found


def pages_fetched(server: ReplayServer, pairs: list[tuple[str, str]]) -> int:
    urls = {url for pair in pairs for url in pair}
    return sum(n for url, n in server.hits.items() if url.split("?")[0] in urls)


def wait_until(condition, what: str, timeout: float = 120) -> None:
    """Wait for an event (polled), failing with `what` when it does not come."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.05)


def read_log_until(job: subprocess.Popen, words: str, count: int) -> str:
    """A running worker's log, read until `count` lines say `words` (or the worker ends)."""
    lines: list[str] = []
    for line in job.stderr:
        lines.append(line)
        if sum(words in seen for seen in lines) >= count:
            break
    return "".join(lines)


def finish(*jobs: subprocess.Popen) -> list[str]:
    return [job.communicate(timeout=240)[1] for job in jobs]


def assert_one_of_each_pair(pairs: list[tuple[str, str]], outs: list[Path], tmp_path: Path) -> None:
    """Every pair has exactly one of its two written; the merged manifests account for every URL."""
    written = [url_key(url) for url in written_urls(*outs)]
    assert len(written) == len(set(written)), "an article written twice"
    lost = [pair for pair in pairs if sum(url_key(url) in written for url in pair) != 1]
    assert lost == [], f"{len(lost)} of {len(pairs)} pairs without exactly one written, e.g. {lost[:2]}"
    assert len(written) == SAMPLE_ARTICLES + len(pairs)
    merged = run_scrapy("merge-manifests", *map(str, outs), "-o", str(tmp_path / "merged.json"))
    assert merged.returncode == 0, merged.stderr[-3000:]
    total = json.loads((tmp_path / "merged.json").read_text())
    counts = total["counts"]
    assert counts["scheduled"] == SAMPLE_ARTICLES + 2 * len(pairs) == sum(counts[o] for o in OUTCOMES)
    assert (counts["written"], counts["duplicate"]) == (SAMPLE_ARTICLES + len(pairs), len(pairs)), counts
    assert {url_key(e["url"]) for e in total["urls"] if e["outcome"] == "written"} == set(written)
    for entry in total["urls"]:  # each copy dropped for one that is written
        if entry["outcome"] == "duplicate":
            original = entry["detail"].removeprefix("nearly the text of ")
            assert url_key(original) in written, entry


def test_an_announcement_stands_while_its_worker_lives_or_once_its_record_is_committed(redis_url):
    shared = redis.Redis.from_url(redis_url)
    here = f"bersih:kompas:requests:worker:{socket.gethostname()}"
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    heartbeats = {
        "alive": f"{here}:{os.getpid()}",
        "killed": f"{here}:{ended.pid}",  # its heartbeat outlives it for up to a lease
        "elsewhere": "bersih:kompas:requests:worker:another-host:7",
        "silent": "bersih:kompas:requests:worker:another-host:8",  # its heartbeat ran out
    }
    for name in ("alive", "killed", "elsewhere"):
        shared.set(heartbeats[name], "busy 1", ex=60)
    writer, since = RedisStateStore(shared, timedelta(days=1)), datetime.now(UTC) - timedelta(days=1)

    def announce(store: RedisStateStore, name: str, worker: str | None) -> list[str]:
        return [key for key, _, _ in store.announce_signature(name, f"http://x/{name}", b"sig", None, since,
                                                              worker=worker)[1]]  # fmt: skip

    for name, heartbeat in heartbeats.items():
        announce(writer, name, heartbeat)
    announce(writer, "older-bersih", None)  # announced without a worker: it stands, as before
    announce(writer, "committed", heartbeats["killed"])
    writer.commit([], [], "run", [("committed", "http://x/committed", b"sig")])
    announce(writer, "dropped", heartbeats["alive"])
    writer.release_claims([("hash", "dropped", "http://x/dropped")])  # taken back: not written
    reader = RedisStateStore(shared, timedelta(days=1))
    standing = announce(reader, "new", f"{here}:{os.getpid()}")
    assert standing == ["alive", "elsewhere", "older-bersih", "committed"]  # not killed, silent, dropped
    shared.delete(heartbeats["alive"])  # its worker ended without committing (commits come first)
    assert "alive" not in announce(reader, "newer", None)


def test_a_killed_workers_copies_are_redone_and_one_of_each_pair_is_written(
    redis_url, pairs, tmp_path, monkeypatch
):
    replay, found = pairs
    outs = [tmp_path / name for name in ("doomed", "b", "c")]
    server = ReplayServer(replay).start_in_thread()
    try:
        assert seed(redis_url).returncode == 0
        # The doomed worker does all the work, and dies with SIGKILL as it comes to commit it.
        monkeypatch.setenv("BERSIH_FAULT", "crash:before-commit")
        doomed = worker(redis_url, server.url, outs[0])
        [doomed_log] = finish(doomed)
        assert doomed.returncode == -signal.SIGKILL, doomed_log[-3000:]
        assert written_urls(outs[0]) == []
        # A dropped copy took its announcement back; the kept ones stay, their worker gone.
        assert redis.Redis.from_url(redis_url).xlen(ANNOUNCED) == SAMPLE_ARTICLES + PAIRS
        monkeypatch.delenv("BERSIH_FAULT")
        # Two workers do the work again once the dead one's leases run out, meeting the pairs at once.
        redo = [worker(redis_url, server.url, out) for out in outs[1:]]
        logs = finish(*redo)
    finally:
        server.shutdown()
    assert [job.returncode for job in redo] == [0, 0], logs[0][-3000:] + logs[1][-3000:]
    assert pages_fetched(server, found) >= 4 * PAIRS  # every page twice: once lost, once redone
    assert_one_of_each_pair(found, outs, tmp_path)


def test_a_worker_stopped_with_sigterm_leaves_one_of_each_pair(redis_url, pairs, tmp_path):
    replay, found = pairs
    outs = [tmp_path / name for name in ("stopped", "survivor")]
    server = ReplayServer(replay).start_in_thread()
    try:
        assert seed(redis_url).returncode == 0
        stopped, survivor = (worker(redis_url, server.url, out) for out in outs)
        # Stopped once it holds work of its own and a third of the pages were asked for.
        heartbeat = f"bersih:kompas:requests:worker:{socket.gethostname()}:{stopped.pid}"
        frontier = redis.Redis.from_url(redis_url)

        def busy() -> bool:
            beat = frontier.get(heartbeat)
            return beat is not None and int(beat.split()[1]) > 0 and pages_fetched(server, found) >= 20

        wait_until(busy, "the worker to be stopped holds work")
        stopped.send_signal(signal.SIGTERM)
        stopped_log, survivor_log = finish(stopped, survivor)
    finally:
        server.shutdown()
    assert "Received SIGTERM, shutting down gracefully" in stopped_log
    assert stopped.returncode == 3, stopped_log[-3000:]  # stopped before it finished
    assert survivor.returncode == 0, survivor_log[-3000:]
    assert written_urls(outs[0]), "the stopped worker committed nothing"
    assert_one_of_each_pair(found, outs, tmp_path)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_redis_restarted_mid_run_leaves_one_of_each_pair(pairs, tmp_path, stop):
    replay, found = pairs
    port, data = free_port(), tmp_path / "redis"
    data.mkdir()
    persisted = ("--appendonly", "yes", "--appendfsync", "always")  # every write kept across the restart
    url = f"redis://127.0.0.1:{port}/0"
    outs = [tmp_path / name for name in ("cut-off", "after")]
    server, store = ReplayServer(replay).start_in_thread(), start_redis(port, data, *persisted)
    try:
        assert seed(url).returncode == 0
        cut_off = worker(url, server.url, outs[0])
        # Cut off once it has met both of three pairs, dropping their copies, none of it committed.
        log = read_log_until(cut_off, "duplicate (near-duplicate)", 3)
        assert log.count("duplicate (near-duplicate)") == 3, log[-3000:]
        store.send_signal(stop)  # Redis goes away mid-run
        store.wait(timeout=30)
        log += finish(cut_off)[0]
        assert cut_off.returncode == 2 and f"Lost Redis at {url}" in log, log[-3000:]
        store = start_redis(port, data, *persisted)  # and comes back with what it had
        assert redis.Redis.from_url(url).xlen(ANNOUNCED) >= 3
        [log] = finish(after := worker(url, server.url, outs[1]))
        assert after.returncode == 0, log[-3000:]
    finally:
        server.shutdown()
        store.terminate()
        store.wait(timeout=10)
    assert_one_of_each_pair(found, outs, tmp_path)
