"""Running on a schedule: crawlall, and health thresholds in the exit status."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import SAMPLE, SAMPLE_DATES, run_scrapy
from test_crawl import hostile_sample
from test_state import add_detik_copy, own_sample


def manifests(out: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(out.glob("*.manifest.json"))]


def test_a_site_that_stops_yielding_articles_fails_the_health_check(tmp_path):
    out, state = tmp_path / "out", tmp_path / "state"
    ok = run_scrapy("crawl", "kompas", "-s", f"REPLAY_DIR={SAMPLE}", "-s", f"OUTPUT_DIR={out}",
                    "-s", f"STATE_DIR={state}", "-a", f"dates={SAMPLE_DATES}")  # fmt: skip
    assert ok.returncode == 0, ok.stderr[-2000:]
    gone = tmp_path / "gone"  # the site now answers 404 to everything: its sitemap and index moved
    gone.mkdir()
    (gone / "responses.jsonl").write_text("")
    broken = run_scrapy("crawl", "kompas", "-s", f"REPLAY_DIR={gone}", "-s", f"OUTPUT_DIR={out}",
                        "-s", f"STATE_DIR={state}", "-a", f"dates={SAMPLE_DATES}")  # fmt: skip
    assert broken.returncode == 3
    assert "Health check failed:" in broken.stderr
    assert (
        "kompas: no article written (of 0 scheduled) for a site that has yielded articles before"
        in broken.stderr
    )
    last = max(manifests(out), key=lambda m: m["finished_at"] + m["run_id"])
    assert last["health"]["ok"] is False and "kompas" in last["health"]["problems"]


def test_too_many_failed_fetches_fail_the_health_check(tmp_path):
    sample = tmp_path / "hostile"
    sample.mkdir()
    hostile_sample(sample)
    base = ["crawl", "kompas", "-s", f"REPLAY_DIR={sample}", "-s", "EXTRACT_MAX_BYTES=300000",
            "-s", "DOWNLOAD_MAXSIZE=800000", "-a", "dates=2020-01-01"]  # fmt: skip
    lenient = run_scrapy(*base, "-s", f"OUTPUT_DIR={tmp_path / 'a'}")
    assert lenient.returncode == 0, lenient.stderr[-2000:]  # 2 of 11 failed: under the default 20%
    strict = run_scrapy(*base, "-s", f"OUTPUT_DIR={tmp_path / 'b'}", "-s", "HEALTH_MAX_ERROR_RATE=0.1")
    assert strict.returncode == 3
    assert "kompas: 2 of 11 articles failed, over the 10% allowed" in strict.stderr


def test_crawlall_runs_every_named_site_in_one_process(tmp_path):
    out = tmp_path / "out"
    result = run_scrapy("crawlall", "--sites", "kompas,detik", "-s", f"REPLAY_DIR={SAMPLE}",
                        "-s", f"OUTPUT_DIR={out}", "-a", f"dates={SAMPLE_DATES}")  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    runs = {m["spider"]: m for m in manifests(out)}
    assert sorted(runs) == ["detik", "kompas"]
    assert runs["kompas"]["counts"]["written"] == 5
    assert runs["detik"]["counts"]["scheduled"] == 0  # nothing of detik is recorded in the sample
    assert runs["detik"]["health"]["ok"]  # and detik never yielded before, so that is no failure


def test_crawlall_refuses_an_unknown_site():
    result = run_scrapy("crawlall", "--sites", "kompas,koran-antah")
    assert result.returncode == 2
    assert "no profile named koran-antah" in result.stderr


def test_crawlall_gives_each_site_its_own_job_directory(tmp_path):
    out, job = tmp_path / "out", tmp_path / "job"
    result = run_scrapy("crawlall", "--sites", "kompas,detik", "-s", f"REPLAY_DIR={SAMPLE}",
                        "-s", f"OUTPUT_DIR={out}", "-s", f"JOBDIR={job}",
                        "-a", f"dates={SAMPLE_DATES}")  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(p.name for p in job.iterdir()) == ["detik", "kompas"]
    for site in ("detik", "kompas"):
        assert (job / site / "requests.seen").is_file() and (job / site / "spider.state").is_file()
    # kompas's queue saw its five articles and its discovery pages; detik's saw only discovery pages
    seen = {site: fingerprints(job / site / "requests.seen") for site in ("detik", "kompas")}
    assert seen["detik"] >= 1 and seen["kompas"] >= 5 + seen["detik"]
    assert {m["spider"]: m["counts"]["written"] for m in manifests(out)} == {"kompas": 5, "detik": 0}


def fingerprints(path: Path) -> int:
    """How many request fingerprints a JOBDIR's requests.seen holds (2-byte length, then the bytes)."""
    data, count = path.read_bytes(), 0
    while data:
        data = data[2 + int.from_bytes(data[:2], "big") :]
        count += 1
    return count


def test_a_story_two_outlets_run_in_one_crawlall_is_written_once(tmp_path):
    replay, out = own_sample(tmp_path), tmp_path / "out"
    copy = add_detik_copy(replay)
    result = run_scrapy("crawlall", "--sites", "kompas,detik", "-s", f"REPLAY_DIR={replay}",
                        "-s", f"OUTPUT_DIR={out}", "-a", f"dates={SAMPLE_DATES}")  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert_one_written(manifests(out), copy)


def assert_one_written(runs: list[dict], copy: str) -> None:
    """Of kompas_3's story and detik's copy of it, one is written and the other is a duplicate."""
    entries = {e["url"]: e for m in runs for e in m["urls"]}
    story = next(url for url in entries if "/read/2016/02/16/" in url and "yuddy" in url.lower())
    outcomes = sorted((entries[u]["outcome"], entries[u]["reason"]) for u in (story, copy))
    assert outcomes[0][0] == "duplicate" and outcomes[0][1] in ("exact-duplicate", "near-duplicate")
    assert outcomes[1][0] == "written"
