"""Cleaning in worker processes: a page that hangs or kills its cleaner costs that page alone."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

from conftest import PATIENCE, ROOT, SAMPLE_DATES, SCRAPY, crawl_sample, stat, wait_until
from test_crawl import outputs, records
from test_state import add_article, own_sample

from crawler.pool import CleaningPool
from crawler.replay.server import ReplayServer

SLOW_URL = "http://otomotif.kompas.com/read/2016/02/23/170000001/pameran.otomotif.panjang.sekali"
# The page limit of the tests whose slow page must time out: 20 times what the slowest ordinary page,
# the first a new worker cleans, takes on a busy machine, and a fifth of the slow page's CPU time.
TIMEOUT = "EXTRACT_TIMEOUT=10"


def with_slow_page(tmp_path: Path) -> Path:
    """The demo sample plus a real page padded to 9.5 MB of prose: some 45 s of CPU to clean."""
    replay = own_sample(tmp_path)
    raw = (replay / "kompas_6.html").read_text(encoding="utf-8")
    start = raw.index("<div class='div-read'>") + len("<div class='div-read'>")
    filler = (
        "<p>" + "Kalimat panjang tentang industri otomotif di Indonesia yang terus tumbuh. " * 5 + "</p>\n"
    )
    add_article(replay, SLOW_URL, (raw[:start] + filler * 25000 + raw[start:]).encode("utf-8"))
    return replay


def crawl_command(server: str, out: Path, state: Path, *settings: str) -> list[str]:
    extra = [part for s in settings for part in ("-s", s)]
    return [*SCRAPY, "crawl", "kompas", "-s", f"REPLAY_SERVER={server}", "-s", f"OUTPUT_DIR={out}",
            "-s", f"STATE_DIR={state}", "-a", f"dates={SAMPLE_DATES}", *extra]  # fmt: skip


def manifest(out: Path) -> dict:
    return json.loads(next(out.glob("*.manifest.json")).read_text())


def test_a_page_that_hangs_its_cleaner_is_rejected_and_the_crawl_goes_on(tmp_path):
    server = ReplayServer(with_slow_page(tmp_path)).start_in_thread()
    try:
        out = tmp_path / "out"
        result = subprocess.run(
            crawl_command(server.url, out, tmp_path / "state", TIMEOUT, "EXTRACT_WORKERS=1"),
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
            timeout=PATIENCE,
        )  # fmt: skip
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr[-3000:]
    assert stat(result.stderr, "bersih/rejected/cleaner-timeout") == 1
    assert len(records(outputs(out)[0])) == 5  # the other pages, some cleaned after the hang
    slow = next(e for e in manifest(out)["urls"] if e["url"] == SLOW_URL)
    assert (slow["outcome"], slow["reason"]) == ("rejected", "cleaner-timeout")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    found = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat_file.parent.name))
    return found


def test_a_cleaner_that_dies_costs_its_page_alone(tmp_path):
    server = ReplayServer(with_slow_page(tmp_path)).start_in_thread()
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = crawl_command(server.url, out, tmp_path / "state", "EXTRACT_WORKERS=1", "EXTRACT_TIMEOUT=120")
    log_file = tmp_path / "crawl.log"  # a file, not a pipe: a log no one reads yet never blocks the crawl
    with log_file.open("w") as stderr:
        crawl = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        wait_until(lambda: any(SLOW_URL in url for url in server.hits), "the slow page is asked for")
        # The one worker is cleaning the slow page once it has spent three seconds of CPU more than
        # when it was first seen after the page was asked for: the other pages take milliseconds
        # (half a second for the first a new worker cleans), the slow one some 45 s. CPU time, not
        # wall time: a busy machine slows the worker, not the count.
        workers: list[int] = []

        def found() -> list[int]:
            workers[:] = [w for forkserver in children(crawl.pid) for w in children(forkserver)]
            return workers

        wait_until(found, "a cleaning worker runs")
        started = sum(cpu_seconds(w) for w in workers)
        wait_until(lambda: sum(cpu_seconds(w) for w in workers) >= started + 3.0, "the worker cleans")
        for worker in workers:
            os.kill(worker, signal.SIGKILL)
        crawl.wait(timeout=PATIENCE)
    finally:
        server.shutdown()
        if crawl.poll() is None:
            crawl.kill()
    log = log_file.read_text()
    assert crawl.returncode == 0, log[-3000:]
    assert stat(log, "bersih/rejected/cleaner-crashed") == 1
    counts = manifest(out)["counts"]
    assert counts["scheduled"] == 6 and counts["written"] == 5 and counts["rejected"] == 1


def test_a_download_burst_waits_for_the_cleaners_instead_of_piling_up(tmp_path):
    replay = own_sample(tmp_path)
    page = (replay / "kompas_6.html").read_bytes()
    for n in range(20):
        add_article(replay, f"http://otomotif.kompas.com/read/2016/02/23/1800000{n:02d}/salinan.ke.{n}", page)
    server = ReplayServer(replay).start_in_thread()
    try:
        out = tmp_path / "out"
        settings = ("EXTRACT_WORKERS=1", "EXTRACT_MAX_IN_FLIGHT=2", "DOWNLOAD_DELAY=0",
                    "AUTOTHROTTLE_ENABLED=0", "DEDUP_ENABLED=0")  # fmt: skip
        result = subprocess.run(
            crawl_command(server.url, out, tmp_path / "state", *settings),
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
            timeout=PATIENCE,
        )  # fmt: skip
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr[-3000:]
    # 25 pages downloaded at once, one cleaner: never more than two pages handed to it at a time.
    assert stat(result.stderr, "bersih/cleaning/peak_in_flight") == 2
    assert manifest(out)["counts"]["written"] == 25


def test_the_frontier_waits_on_disk_and_is_removed_with_the_run(tmp_path):
    frontier, out = tmp_path / "frontier", tmp_path / "out"
    frontier.mkdir()
    killed = frontier / "bersih-frontier-999999999-x1"  # left by a killed run (no such process id)
    running = frontier / f"bersih-frontier-{os.getpid()}-x2"  # a run still going
    killed.mkdir()
    running.mkdir()
    result = crawl_sample(out, f"SCHEDULER_DISK_FRONTIER_DIR={frontier}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert stat(result.stderr, "scheduler/enqueued/disk") == stat(result.stderr, "scheduler/enqueued") >= 5
    assert stat(result.stderr, "scheduler/enqueued/memory") == 0
    assert list(frontier.iterdir()) == [running]  # its own removed at the end, the killed run's at start
    assert manifest(out)["counts"]["written"] == 5
    # with the frontier in memory, as Scrapy does without JOBDIR, the same run queues there instead
    again = crawl_sample(tmp_path / "again", "SCHEDULER_DISK_FRONTIER=0")
    assert stat(again.stderr, "scheduler/enqueued/memory") == stat(result.stderr, "scheduler/enqueued")
    assert manifest(tmp_path / "again")["counts"]["written"] == 5


def test_every_crawler_of_a_process_shares_one_cleaning_pool():
    first = CleaningPool.acquire(1, 5, 0)
    second = CleaningPool.acquire(4, 5, 0)  # a second site of the same crawlall
    try:
        assert second is first and first.workers == 1
    finally:
        first.release()
    assert CleaningPool.acquire(1, 5, 0) is first  # still in use by the second site
    first.release()
    second.release()
    replacement = CleaningPool.acquire(1, 5, 0)  # the last user stopped it; a new run starts afresh
    try:
        assert replacement is not first
    finally:
        replacement.release()
