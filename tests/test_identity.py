"""A state that knows itself (issue 13, item 5; fault 8): its id, its output, its schema version."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import time

import redis
from conftest import crawl_sample, run_scrapy
from test_distributed import ARTICLES, seed, worker, written_urls
from test_distributed import redis_url as redis_url
from test_distributed import sample as sample

from crawler.replay.server import ReplayServer
from crawler.state import SCHEMA_VERSION

WRITTEN = 5  # the demo sample's articles


def crawl(out, state, *settings):
    return crawl_sample(out, f"STATE_DIR={state}", *settings)


def manifests(out) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(out.glob("*.manifest.json"))]


def files(out) -> set[str]:
    return {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}


def refused_at_start(result: subprocess.CompletedProcess, words: str) -> None:
    """Exit 2, and one line on stderr (besides the log) that says why and the way out."""
    assert result.returncode == 2, result.stderr[-3000:]
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.stderr[-3000:]
    assert words in lines[0] and "scrapy rebuildstate" in lines[0], lines[0]
    assert "Traceback" not in result.stderr


def schema_version(state) -> str:
    with sqlite3.connect(state / "bersih.sqlite3") as db:
        return db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]


def test_the_state_id_is_written_into_each_manifest(tmp_path):
    out, state = tmp_path / "out", tmp_path / "state"
    assert crawl(out, state).returncode == 0
    with sqlite3.connect(state / "bersih.sqlite3") as db:
        state_id = db.execute("SELECT value FROM meta WHERE key = 'state_id'").fetchone()[0]
    assert len(state_id) == 32
    again = crawl(out, state)
    assert again.returncode == 0, again.stderr[-3000:]
    assert [m["state_id"] for m in manifests(out)] == [state_id, state_id]


def test_a_new_state_beside_earlier_output_is_refused_unless_accepted(tmp_path):
    out = tmp_path / "out"
    first = crawl(out, tmp_path / "one")
    assert first.returncode == 0, first.stderr[-3000:]
    before = files(out)
    refused = crawl(out, tmp_path / "two")
    refused_at_start(refused, "STATE_NEW_OK=1")
    assert "is new, but" in refused.stderr
    assert files(out) == before  # nothing written: no output, no manifest, no WARC
    accepted = crawl(out, tmp_path / "two", "STATE_NEW_OK=1")
    assert accepted.returncode == 0, accepted.stderr[-3000:]
    latest = max(manifests(out), key=lambda m: m["finished_at"])
    assert latest["counts"]["written"] == WRITTEN  # all again, as asked
    # The accepted state is now the output's: the next run needs no flag, and writes nothing new.
    after = crawl(out, tmp_path / "two")
    assert after.returncode == 0, after.stderr[-3000:]


def test_a_state_of_another_output_is_refused(tmp_path):
    assert crawl(tmp_path / "a", tmp_path / "state-a").returncode == 0
    assert crawl(tmp_path / "b", tmp_path / "state-b").returncode == 0
    before = files(tmp_path / "b")
    refused = crawl(tmp_path / "b", tmp_path / "state-a")  # state-a belongs to a
    refused_at_start(refused, "is not the one of the output")
    assert files(tmp_path / "b") == before


def test_a_rebuilt_state_is_the_one_of_its_output(tmp_path):
    out, state = tmp_path / "out", tmp_path / "state"
    assert crawl(out, state).returncode == 0
    shutil.rmtree(state)
    assert crawl(out, state).returncode == 2  # lost: a new state is refused
    shutil.rmtree(state)
    rebuilt = run_scrapy("rebuildstate", str(out), "-s", f"STATE_DIR={state}")
    assert rebuilt.returncode == 0, rebuilt.stderr[-3000:]
    again = crawl(out, state)
    assert again.returncode == 0, again.stderr[-3000:]
    assert max(manifests(out), key=lambda m: m["finished_at"])["counts"]["written"] == 0


def test_an_old_schema_state_is_upgraded_and_the_crawl_goes_on(tmp_path):
    out, state = tmp_path / "out", tmp_path / "state"
    assert crawl(out, state).returncode == 0
    with sqlite3.connect(state / "bersih.sqlite3") as db:  # as states were before the meta table
        db.execute("DROP TABLE meta")
    for path in out.glob("*.manifest.json"):  # and manifests before they named their state
        manifest = json.loads(path.read_text())
        del manifest["state_id"]
        path.write_text(json.dumps(manifest))
    again = crawl(out, state)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "upgraded from schema version 1 to 2" in again.stderr
    assert schema_version(state) == str(SCHEMA_VERSION)
    latest = max(manifests(out), key=lambda m: m["finished_at"])
    assert latest["counts"]["written"] == 0 and latest["counts"]["skipped"] == WRITTEN  # state kept
    assert latest["state_id"]
    assert crawl(out, state).returncode == 0  # the upgraded state's id is its output's now


def test_a_state_of_a_newer_schema_is_refused(tmp_path):
    out, state = tmp_path / "out", tmp_path / "state"
    assert crawl(out, state).returncode == 0
    with sqlite3.connect(state / "bersih.sqlite3") as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    before = files(out)
    refused = crawl(out, state)
    assert refused.returncode == 2, refused.stderr[-3000:]
    lines = [line for line in refused.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1 and f"schema version {SCHEMA_VERSION + 1}, newer" in lines[0], refused.stderr
    assert "Traceback" not in refused.stderr
    assert files(out) == before
    assert schema_version(state) == str(SCHEMA_VERSION + 1)  # left as it was


def test_redis_restarted_empty_beside_earlier_output_is_refused(redis_url, sample, tmp_path):
    out = tmp_path / "worker"
    server = ReplayServer(sample).start_in_thread()
    restarted = None
    try:
        assert seed(redis_url).returncode == 0
        first = worker(redis_url, server.url, out)
        log = first.communicate(timeout=240)[1]
        assert first.returncode == 0, log[-3000:]
        assert len(written_urls(out)) == ARTICLES
        state_id = redis.Redis.from_url(redis_url).get("bersih:state:id").decode()
        assert [m["state_id"] for m in manifests(out)] == [state_id]
        # Redis without persistence restarts empty: stop it and start a new one on the same port.
        port = int(redis_url.rsplit(":", 1)[1].split("/")[0])
        redis.Redis.from_url(redis_url).shutdown(nosave=True)
        restarted = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(tmp_path)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client, deadline = redis.Redis(port=port), time.monotonic() + 60  # a hang, not a busy machine
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start again"
                time.sleep(0.05)
        assert client.get("bersih:state:id") is None
        before = files(out)
        assert seed(redis_url).returncode == 0
        again = worker(redis_url, server.url, out)
        log = again.communicate(timeout=240)[1]
        assert again.returncode == 2, log[-3000:]
        lines = [line for line in log.splitlines() if line.startswith("Error:")]
        assert len(lines) == 1 and "scrapy rebuildstate" in lines[0], log[-3000:]
        assert files(out) == before  # nothing written again
    finally:
        server.shutdown()
        if restarted:
            restarted.terminate()
            restarted.wait(timeout=10)
