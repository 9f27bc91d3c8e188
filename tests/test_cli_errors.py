"""Bad input through the real CLI: one `Error:` line on stderr, no traceback, the documented exit status.

The statuses are crawler/exitcodes.py's (README, "On a schedule"): 1 a run that could not start
(its state held or unreadable), 2 a configuration error (a setting, a spider argument, a spider
name, Redis or every discovery source unreachable), 3 a health threshold.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from conftest import SAMPLE, SAMPLE_DATES, run_scrapy
from test_scrapyd import SCRAPYD_DEPLOY, scrapyd  # noqa: F401 (the fixture)

from crawler.state import StateStore


def one_error(result: subprocess.CompletedProcess, status: int) -> str:
    """The run's single error line, checked: no traceback, nothing else at ERROR, the exit status."""
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:") or " ERROR: " in line]
    assert len(errors) == 1, result.stderr[-3000:]
    assert errors[0].startswith("Error: ")
    assert result.returncode == status, result.stderr[-3000:]
    return errors[0]


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on: a connection to it is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def kompas(out: Path, *args: str) -> subprocess.CompletedProcess:
    """`scrapy crawl kompas` of the demo sample, with more arguments."""
    return run_scrapy("crawl", "kompas", "-s", f"REPLAY_DIR={SAMPLE}", "-s", f"OUTPUT_DIR={out}", *args)


# --- spider arguments and names ------------------------------------------------


@pytest.mark.parametrize(
    ("argument", "said"),
    [
        ("since=yesterday", "Error: -a since='yesterday': use a duration such as 6h, 2d or 1w"),
        ("dates=2024-13-01", "Error: -a dates='2024-13-01': use 2024-11-01, "),
        ("dates=2024-11-05..2024-11-01", "the range ends before it starts"),
    ],
)
def test_a_bad_time_argument_is_one_line_and_status_2(tmp_path, argument, said):
    line = one_error(kompas(tmp_path / "out", "-a", argument), 2)
    assert said in line
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.manifest.json"))


def test_a_bad_argument_to_crawlall_is_said_once_for_all_sites(tmp_path):
    result = run_scrapy("crawlall", "--sites", "kompas,detik", "-s", f"REPLAY_DIR={SAMPLE}",
                        "-s", f"OUTPUT_DIR={tmp_path / 'out'}", "-a", "since=kemarin")  # fmt: skip
    assert "since='kemarin'" in one_error(result, 2)


def test_the_news_spider_without_a_url_is_one_line_and_status_2():
    assert "scrapy crawl news needs -a url=" in one_error(run_scrapy("crawl", "news"), 2)


def test_the_news_spider_with_something_that_is_no_address_is_one_line(tmp_path):
    result = run_scrapy("crawl", "news", "-a", "url=sitemap", "-s", f"OUTPUT_DIR={tmp_path / 'out'}")
    assert "Error: -a url='sitemap': not a web address" in one_error(result, 2)


def test_a_misspelt_spider_is_one_line_with_the_closest_name():
    line = one_error(run_scrapy("crawl", "kompass"), 2)
    assert line == "Error: no spider named kompass; did you mean kompas? (scrapy list shows them)"


def test_a_misspelt_site_of_crawlall_is_one_line_with_the_closest_name():
    line = one_error(run_scrapy("crawlall", "--sites", "kompas,detk"), 2)
    assert line == "Error: no profile named detk; did you mean detik? (scrapy list -v shows them)"


def test_debug_logging_shows_the_traceback_of_a_refused_start(tmp_path):
    result = kompas(tmp_path / "out", "-a", "since=yesterday", "-s", "LOG_LEVEL=DEBUG")
    assert result.returncode == 2
    assert "Traceback" in result.stderr and "Error: -a since='yesterday'" in result.stderr


# --- settings ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "allowed"),
    [
        ("EXTRACT_WORKERS=abc", "a whole number, 0 or more"),
        ("EXTRACT_WORKERS=-3", "a whole number, 0 or more"),
        ("EXTRACT_TIMEOUT=0", "a number above 0"),
        ("OUTPUT_COMPRESSION=lz4", "one of empty, 'gzip', 'zstd'"),
        ("OUTPUT_PARTITION=monthly", "one of 'crawl-date', 'published-date', 'site'"),
        ("OUTPUT_FORMAT=csv", "one of 'jsonl', 'parquet'"),
        ("OUTPUT_MAX_RECORDS=1e3", "a whole number, 0 or more"),
        ("DEDUP_ACTION=keep", "one of 'drop', 'mark'"),
        ("LANGUAGE_ACTION=drop", "one of 'keep', 'mark', 'reject'"),
        ("LANGUAGE_EXPECTED=indonesian", "ISO 639 language codes such as id or id,en"),
        ("STATE_ENABLED=yes", "1 or 0 (also True or False)"),
        ("STATE_REFETCH_WINDOW=2 days", "a duration: 30m, 6h, 2d or 1w"),
        ("NEAR_DUP_THRESHOLD=1.5", "a number above 0, up to 1"),
        ("HEALTH_MAX_ERROR_RATE=20%", "a number from 0 to 1"),
        ("HEALTH_MIN_SCHEDULED=0", "a whole number, 1 or more"),
        ("WARC_COMPRESSION_LEVEL=10", "a whole number, from 0 to 9"),
        ("CHECKPOINT_SECONDS=-1", "a number 0 or more"),
        ("REDIS_URL=localhost:6379", "a redis/rediss/unix address such as redis://host:6379/0"),
        ("BERSIH_CONTACT_URL=ops@example.org", "a https/http address such as https://host/page"),
        ("OUTPUT_DIR=", "a name or folder (not empty)"),
        ("PROGRESS_INTERVAL=-5", "a number 0 or more"),
        ("STATS_DUMP_LEVEL=LOUD", "a log level: DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ],
)
def test_a_bad_setting_stops_the_run_at_start_naming_it_its_value_and_what_it_takes(
    tmp_path, setting, allowed
):
    name, _, value = setting.partition("=")
    out = tmp_path / "out"
    result = kompas(out, "-a", f"dates={SAMPLE_DATES}", "-s", setting)
    line = one_error(result, 2)
    assert line == f"Error: setting {name}={value!r} is not allowed: it takes {allowed}"
    assert "Spider opened" not in result.stderr  # refused before the crawl was built
    assert not out.exists() or not any(out.rglob("*.jsonl"))


def test_a_bad_setting_stops_crawlall_too(tmp_path):
    result = run_scrapy("crawlall", "-s", "EXTRACT_WORKERS=-3", "-s", f"OUTPUT_DIR={tmp_path / 'out'}")
    assert one_error(result, 2).startswith("Error: setting EXTRACT_WORKERS='-3' is not allowed")


def test_a_replay_folder_that_is_not_there_is_one_line_and_status_2(tmp_path):
    result = run_scrapy("crawl", "kompas", "-s", "REPLAY_DIR=/nonexistent", "-s", f"OUTPUT_DIR={tmp_path}")
    line = one_error(result, 2)
    assert line.startswith("Error: setting REPLAY_DIR='/nonexistent' is not allowed")
    assert "no responses.jsonl" in line and "Unsupported URL scheme" not in result.stderr


def test_a_bad_setting_given_through_scrapyd_is_in_the_job_log_and_nothing_runs(scrapyd, tmp_path):  # noqa: F811
    url, home = scrapyd
    egg = tmp_path / "bersih.egg"
    built = subprocess.run([SCRAPYD_DEPLOY, f"--build-egg={egg}"], cwd=Path(__file__).parent.parent,
                           capture_output=True, text=True, timeout=120)  # fmt: skip
    assert built.returncode == 0, built.stderr
    with egg.open("rb") as fh:
        added = requests.post(f"{url}/addversion.json", data={"project": "bersih", "version": "1"},
                              files={"egg": fh}, timeout=60).json()  # fmt: skip
    assert added["status"] == "ok", added
    out = tmp_path / "out"
    job = requests.post(
        f"{url}/schedule.json",
        data=[("project", "bersih"), ("spider", "kompas"), ("setting", "DEDUP_ACTION=keep"),
              ("setting", f"REPLAY_DIR={SAMPLE}"), ("setting", f"OUTPUT_DIR={out}")],
        timeout=60,
    ).json()  # fmt: skip
    assert job["status"] == "ok", job
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        jobs = requests.get(f"{url}/listjobs.json", params={"project": "bersih"}, timeout=60).json()
        if any(j["id"] == job["jobid"] for j in jobs["finished"]):
            break
        time.sleep(0.5)
    else:
        pytest.fail("the scheduled crawl did not finish within 2 minutes")
    log = next((home / "logs").rglob(f"{job['jobid']}.log")).read_text(encoding="utf-8")
    assert "ERROR: setting DEDUP_ACTION='keep' is not allowed: it takes one of 'drop', 'mark'" in log
    assert "Traceback" not in log and "Spider opened" not in log
    assert not out.exists()


# --- the state and Redis ---------------------------------------------------------


def test_a_corrupt_state_is_one_line_and_status_1(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    (state / "bersih.sqlite3").write_bytes(b"this is not a database" * 100)
    result = kompas(tmp_path / "out", "-s", f"STATE_DIR={state}", "-a", f"dates={SAMPLE_DATES}")
    line = one_error(result, 1)
    assert f"Error: {state / 'bersih.sqlite3'} is not a usable state database" in line
    assert "Move it aside" in line


@pytest.mark.parametrize("command", ["crawl", "crawlall"])
def test_a_state_held_by_another_run_is_one_line_and_status_1(tmp_path, command):
    state = tmp_path / "state"
    holder = StateStore(state, timedelta(days=2))  # another run, holding the state's lock
    try:
        args = ["crawl", "kompas"] if command == "crawl" else ["crawlall", "--sites", "kompas,detik"]
        result = run_scrapy(*args, "-s", f"REPLAY_DIR={SAMPLE}", "-s", f"OUTPUT_DIR={tmp_path / 'out'}",
                            "-s", f"STATE_DIR={state}", "-a", f"dates={SAMPLE_DATES}")  # fmt: skip
    finally:
        holder.close()
    assert "another Bersih run is using this state" in one_error(result, 1)


@pytest.mark.parametrize("command", [["crawl", "kompas"], ["crawlall", "--sites", "kompas,detik"]])
def test_distributed_mode_with_redis_down_is_one_line_and_status_2(tmp_path, command):
    redis = f"redis://127.0.0.1:{closed_port()}/0"
    result = run_scrapy(*command, "-s", "DISTRIBUTED=1", "-s", f"REDIS_URL={redis}",
                        "-s", f"OUTPUT_DIR={tmp_path / 'out'}")  # fmt: skip
    assert one_error(result, 2).startswith(f"Error: cannot reach Redis at {redis}")


# --- discovery sources that cannot be reached ------------------------------------


def test_a_sitemap_whose_host_does_not_resolve_is_one_line_and_status_2(tmp_path):
    sitemap = "http://sitemap.bersih.invalid/sitemap.xml"  # .invalid never resolves (RFC 6761)
    result = run_scrapy("crawl", "news", "-a", f"url={sitemap}", "-s", f"OUTPUT_DIR={tmp_path / 'out'}")
    line = one_error(result, 2)
    assert line == ("Error: news: no sitemap, feed or index page could be reached (1 tried, each named "
                    "in the log): check the address, the network and DNS")  # fmt: skip
    told = [line for line in result.stderr.splitlines() if sitemap in line]
    assert len(told) == 1 and " WARNING: Could not read " in told[0] and "DNS lookup failed" in told[0]


def test_a_site_none_of_whose_sources_answers_says_each_once_and_exits_2(tmp_path):
    result = run_scrapy("crawl", "kompas", "-s", f"REPLAY_SERVER=http://127.0.0.1:{closed_port()}",
                        "-s", f"OUTPUT_DIR={tmp_path / 'out'}", "-a", f"dates={SAMPLE_DATES}")  # fmt: skip
    assert "no sitemap, feed or index page could be reached (3 tried" in one_error(result, 2)
    for source in ("https://www.kompas.com/sitemap-news.xml",
                   "https://indeks.kompas.com/?site=all&date=2016-02-16",
                   "https://indeks.kompas.com/?site=all&date=2016-02-23"):  # fmt: skip
        told = [line for line in result.stderr.splitlines() if source in line]
        assert len(told) == 1 and " WARNING: Could not read " in told[0], result.stderr[-3000:]


# --- health: a quiet window is no failure; nothing written of what was listed is --


def test_a_quiet_window_of_the_readme_cron_line_is_no_alarm(tmp_path):
    out, state = tmp_path / "out", tmp_path / "state"
    first = kompas(out, "-s", f"STATE_DIR={state}", "-a", f"dates={SAMPLE_DATES}")
    assert first.returncode == 0, first.stderr[-3000:]
    # As cron runs it: every article the sitemap lists is from 2016, older than six hours.
    quiet = kompas(out, "-s", f"STATE_DIR={state}", "-a", "since=6h")
    assert quiet.returncode == 0, quiet.stderr[-3000:]
    assert "Health check failed" not in quiet.stderr and "no article written" not in quiet.stderr
    manifests = [json.loads(m.read_text()) for m in out.glob("*.manifest.json")]
    (second,) = [m for m in manifests if m["arguments"].get("since")]
    assert second["counts"]["scheduled"] == 0 and second["health"] == {"ok": True, "problems": {}}


def test_articles_listed_inside_the_window_and_none_written_still_fail_the_health_check(tmp_path):
    out, state = tmp_path / "out", tmp_path / "state"
    first = kompas(out, "-s", f"STATE_DIR={state}", "-a", f"dates={SAMPLE_DATES}")
    assert first.returncode == 0, first.stderr[-3000:]
    # Two new articles listed inside the window, whose pages the site no longer serves (404).
    replay = tmp_path / "replay"
    replay.mkdir()
    shutil.copy(SAMPLE / "robots.txt", replay / "robots.txt")
    listed = "".join(
        f"<url><loc>http://nasional.kompas.com/read/2016/03/0{day}/1000000{day}/Berita.Baru</loc>"
        f"<lastmod>2016-03-0{day}T10:00:00+07:00</lastmod></url>"
        for day in (1, 2)
    )
    (replay / "sitemap.xml").write_text(
        f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{listed}</urlset>'
    )
    entries = [{"url": "https://www.kompas.com/robots.txt", "body": "robots.txt"},
               {"url": "https://www.kompas.com/sitemap-news.xml", "body": "sitemap.xml",
                "headers": {"Content-Type": "application/xml"}}]  # fmt: skip
    (replay / "responses.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))
    broken = run_scrapy("crawl", "kompas", "-s", f"REPLAY_DIR={replay}", "-s", f"OUTPUT_DIR={out}",
                        "-s", f"STATE_DIR={state}", "-a", "since=2016-02-28",
                        "-a", "dates=2016-03-01")  # fmt: skip
    assert broken.returncode == 3, broken.stderr[-3000:]
    assert (
        "Health check failed: kompas: no article written (of 2 scheduled) for a site that has yielded "
        "articles before" in broken.stderr
    )
