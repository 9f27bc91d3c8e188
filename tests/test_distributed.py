"""Distributed mode against a real Redis on 127.0.0.1: workers share the frontier, nothing is lost."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis
from conftest import ROOT, SAMPLE_DATES, SCRAPY, HeldReplay, run_scrapy
from test_crawl import outputs, records
from test_schedule import assert_one_written
from test_state import add_article, add_detik_copy, own_sample, slow_down

from crawler.replay.archive import load_archive
from crawler.replay.server import ReplayServer

ARTICLES = 17  # the demo sample's 5 and 12 more
# Words to draw the texts of added articles from: each its own text, no near copy of another.
VOCABULARY = (
    "warga kota desa jalan pasar harga beras petani nelayan sekolah guru murid rumah sakit dokter banjir "
    "hujan sungai jembatan kereta bandara pelabuhan kapal listrik air gubernur bupati camat polisi hakim "
    "jaksa menteri presiden partai pemilu suara kampanye pajak anggaran proyek pabrik buruh upah tambang "
    "hutan kebun sawit kopi teh gula garam ikan sapi kambing ayam telur minyak bensin solar gas pupuk "
    "benih panen musim kemarau gempa laut pantai gunung wisata hotel"
)


def report_page(replay: Path, number: int, lead: str = "") -> bytes:
    """kompas_6's page with a text of its own (eight paragraphs drawn for `number`), `lead` before it."""
    raw = (replay / "kompas_6.html").read_text(encoding="utf-8")
    start = raw.index("<div class='div-read'>") + len("<div class='div-read'>")
    end = raw.index("<!-- s: paging -->", start)
    draw = random.Random(number)
    paragraphs = [" ".join(draw.choices(VOCABULARY.split(), k=30)).capitalize() + "." for _ in range(8)]
    body = lead + "".join(f"<p>{p}</p>\n" for p in paragraphs)
    return (raw[:start] + body + raw[end:]).encode("utf-8")


def add_distinct_reports(replay: Path, count: int) -> None:
    """Add `count` articles to a replay folder, none a near copy of another."""
    for n in range(count):
        url = f"http://otomotif.kompas.com/read/2016/02/23/19000{n:03d}/laporan.{n}"
        add_article(replay, url, report_page(replay, n))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_redis(port: int, directory: Path, *options: str) -> subprocess.Popen:
    """redis-server on 127.0.0.1:`port`, without persistence unless `options` ask for it; once it answers."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed: .ci/run installs it (apt-get install redis-server)"
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(directory), *options],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 60  # a hang, not a busy machine
    while True:
        try:
            client.ping()
            return server
        except redis.ConnectionError:
            assert server.poll() is None and time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)


@pytest.fixture
def redis_url(tmp_path):
    """A Redis server of the test's own, on a free port of 127.0.0.1."""
    port = free_port()
    server = start_redis(port, tmp_path)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def sample(tmp_path) -> Path:
    """The demo sample with 12 more articles, each page served after 0.3 s, as a real site would."""
    replay = own_sample(tmp_path)
    add_distinct_reports(replay, ARTICLES - 5)
    slow_down(replay, 0.3)
    assert len([u for u in load_archive(replay) if "/read/" in u]) == ARTICLES
    return replay


def distributed(redis_url: str, *settings: str) -> list[str]:
    """-s options of a distributed worker (or seed) on this Redis."""
    options = ["DISTRIBUTED=1", f"REDIS_URL={redis_url}", "DISTRIBUTED_IDLE_EXIT=2",
               "DISTRIBUTED_LEASE_SECONDS=4", *settings]  # fmt: skip
    return [part for option in options for part in ("-s", option)]


def seed(redis_url: str) -> subprocess.CompletedProcess:
    return run_scrapy("seed", "kompas", "-a", f"dates={SAMPLE_DATES}", *distributed(redis_url))


def worker(redis_url: str, server: str, out: Path, *extra: str, site: str = "kompas") -> subprocess.Popen:
    # Two requests at a time: a worker takes no more from the frontier than it can fetch at once.
    settings = distributed(
        redis_url, f"REPLAY_SERVER={server}", f"OUTPUT_DIR={out}", "CONCURRENT_REQUESTS=2", *extra
    )
    command = [*SCRAPY, "crawl", site, *settings]
    return subprocess.Popen(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip


def written_urls(*outs: Path) -> list[str]:
    return [r["url"] for out in outs for r in records(outputs(out)[0])]


def test_workers_share_the_frontier_and_write_each_article_once(redis_url, sample, tmp_path):
    server = ReplayServer(sample).start_in_thread()
    try:
        seeded = seed(redis_url)
        assert seeded.returncode == 0, seeded.stderr[-3000:]
        assert "Seeded kompas: 3 discovery URLs" in seeded.stdout  # news sitemap, two index days
        outs = [tmp_path / f"worker{n}" for n in range(3)]
        # A lease far longer than the test may take: the workers see from each other's
        # heartbeats that all of them are idle, and leave without waiting a lease period.
        workers = [worker(redis_url, server.url, out, "DISTRIBUTED_LEASE_SECONDS=900") for out in outs]
        logs = [w.communicate(timeout=240)[1] for w in workers]
    finally:
        server.shutdown()
    for job, log in zip(workers, logs, strict=True):
        assert job.returncode == 0, log[-3000:]
        assert "this worker is done" in log
    frontier = redis.Redis.from_url(redis_url)
    assert frontier.zcard("bersih:kompas:requests:leases") == 0  # every lease given back
    assert list(frontier.scan_iter(match="bersih:kompas:requests:worker:*")) == []  # heartbeats gone
    urls = written_urls(*outs)
    assert len(urls) == ARTICLES and len(set(urls)) == ARTICLES  # each once, none twice
    assert sum(1 for out in outs if records(outputs(out)[0])) >= 2  # the work was shared
    # every article fetched once in all: the frontier handed each to one worker
    article_hits = {u: n for u, n in server.hits.items() if "/read/" in u}
    assert len(article_hits) == ARTICLES and set(article_hits.values()) == {1}
    merged = run_scrapy("merge-manifests", *map(str, outs), "-o", str(tmp_path / "merged.json"))
    assert merged.returncode == 0, merged.stderr
    total = json.loads((tmp_path / "merged.json").read_text())
    counts = total["counts"]
    assert counts["scheduled"] == counts["written"] == ARTICLES
    assert sum(counts[o] for o in ("written", "skipped", "duplicate", "rejected", "failed")) == ARTICLES
    assert total["written_more_than_once"] == []
    # A second seeding and run finds nothing new: the state is shared in Redis.
    assert seed(redis_url).returncode == 0
    server = ReplayServer(sample).start_in_thread()
    try:
        again = worker(redis_url, server.url, tmp_path / "again")
        log = again.communicate(timeout=240)[1]
    finally:
        server.shutdown()
    assert again.returncode == 0, log[-3000:]
    assert written_urls(tmp_path / "again") == []


def test_a_worker_killed_mid_crawl_loses_nothing(redis_url, sample, tmp_path):
    # Articles are answered only once the doomed worker is dead: it cannot finish the crawl first.
    server = HeldReplay(sample, lambda url: "/read/" in url).start_in_thread()
    try:
        assert seed(redis_url).returncode == 0
        doomed, survivor = (
            worker(redis_url, server.url, tmp_path / "a"),
            worker(redis_url, server.url, tmp_path / "b"),
        )
        # Killed once articles are asked for (none is answered before it dies) and it holds some
        # of the work itself (its heartbeat says how many leases), so it dies with work not committed.
        heartbeat = f"bersih:kompas:requests:worker:{socket.gethostname()}:{doomed.pid}"
        frontier = redis.Redis.from_url(redis_url)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            beat = frontier.get(heartbeat)
            holds = beat is not None and int(beat.split()[1]) > 0
            if holds and any("/read/" in u for u in server.hits):
                break
            time.sleep(0.05)
        doomed.send_signal(signal.SIGKILL)
        doomed_log = doomed.communicate(timeout=30)[1]
        server.release()
        log = survivor.communicate(timeout=240)[1]
    finally:
        server.shutdown()
    assert survivor.returncode == 0, log[-3000:]
    assert doomed.returncode == -signal.SIGKILL
    # The leases that ran out came back to the queue; on a busy machine (4 s leases) the doomed
    # worker may have noticed some of them itself before it died, so either log may say so.
    assert "Put back" in log + doomed_log
    urls = written_urls(tmp_path / "a", tmp_path / "b")
    assert len(urls) == ARTICLES and len(set(urls)) == ARTICLES
    assert outputs(tmp_path / "b")[0], "the survivor wrote nothing"


def test_a_worker_refuses_to_start_without_redis_or_beside_another_version(redis_url, tmp_path):
    gone = free_port()
    result = run_scrapy("crawl", "kompas", *distributed(f"redis://127.0.0.1:{gone}/0"))
    assert result.returncode == 2
    assert f"cannot reach Redis at redis://127.0.0.1:{gone}/0" in result.stderr
    assert seed(redis_url).returncode == 0
    redis.Redis.from_url(redis_url).hset("bersih:kompas:meta", "bersih_version", "0.0.1")
    result = run_scrapy("crawl", "kompas", *distributed(redis_url))
    assert result.returncode == 2
    assert "bersih_version 0.0.1 in Redis" in result.stderr


def test_a_worker_that_loses_redis_stops_cleanly_and_accounts_for_its_work(redis_url, sample, tmp_path):
    server = ReplayServer(sample).start_in_thread()
    out = tmp_path / "out"
    try:
        assert seed(redis_url).returncode == 0
        job = worker(redis_url, server.url, out)
        deadline = time.monotonic() + 120
        while sum(n for u, n in server.hits.items() if "/read/" in u) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        redis.Redis.from_url(redis_url).shutdown(nosave=True)  # Redis goes away mid-run
        log = job.communicate(timeout=120)[1]
    finally:
        server.shutdown()
    assert f"Lost Redis at {redis_url}" in log
    assert "'finish_reason': 'redis-lost'" in log
    assert job.returncode == 2, log[-3000:]  # a dependency lost: not success
    assert "Error: kompas lost Redis mid-run" in log
    manifest = json.loads(next(out.glob("*.manifest.json")).read_text())
    counts = manifest["counts"]
    assert counts["scheduled"] >= 1
    assert counts["scheduled"] == sum(
        counts[o] for o in ("written", "skipped", "duplicate", "rejected", "failed")
    )
    # Nothing is claimed written that is not in a final file: the state could not be committed.
    written = {e["url"] for e in manifest["urls"] if e["outcome"] == "written"}
    assert written == set(written_urls(out))


def test_workers_of_two_outlets_agree_on_which_near_copy_came_first(redis_url, tmp_path):
    replay = own_sample(tmp_path)
    copy = add_detik_copy(replay)
    slow_down(replay, 0.3)
    server = ReplayServer(replay).start_in_thread()
    try:
        seeded = run_scrapy("seed", "kompas", "detik", "-a", f"dates={SAMPLE_DATES}", *distributed(redis_url))
        assert seeded.returncode == 0, seeded.stderr[-3000:]
        # one worker per outlet, at the same time: neither has committed when it meets the story
        jobs = {
            site: worker(redis_url, server.url, tmp_path / site, site=site) for site in ("kompas", "detik")
        }
        logs = {site: job.communicate(timeout=240)[1] for site, job in jobs.items()}
    finally:
        server.shutdown()
    for site, job in jobs.items():
        assert job.returncode == 0, logs[site][-3000:]
    runs = [json.loads(p.read_text()) for site in jobs for p in (tmp_path / site).glob("*.manifest.json")]
    assert_one_written(runs, copy)
    assert len(written_urls(tmp_path / "kompas", tmp_path / "detik")) == 5  # the sample's five, once


def test_a_worker_whose_records_fail_to_write_claims_no_text_and_gives_its_work_back(
    redis_url, sample, tmp_path, monkeypatch
):
    server = ReplayServer(sample).start_in_thread()
    try:
        assert seed(redis_url).returncode == 0
        monkeypatch.setenv("BERSIH_FAULT", "jsonl:1-")  # a disk that takes no record at all
        job = worker(redis_url, server.url, tmp_path / "full")
        log = job.communicate(timeout=240)[1]
        assert job.returncode == 4, log[-3000:]
        shared = redis.Redis.from_url(redis_url)
        assert list(shared.scan_iter(match="bersih:state:texts:*")) == []  # no claim left behind
        assert shared.hlen("bersih:state:articles") == 0 and shared.hlen("bersih:state:signatures") == 0
        assert shared.xlen("bersih:state:announced") == 0  # nor a signature announced for another to meet
        monkeypatch.delenv("BERSIH_FAULT")
        assert seed(redis_url).returncode == 0
        again = worker(redis_url, server.url, tmp_path / "again")
        log = again.communicate(timeout=240)[1]
    finally:
        server.shutdown()
    assert again.returncode == 0, log[-3000:]
    urls = written_urls(tmp_path / "full", tmp_path / "again")
    assert len(urls) == len(set(urls)) == ARTICLES, log[-6000:]  # all of them, once, by the second worker
