"""Deploy to a real Scrapyd on 127.0.0.1, schedule a crawl of the replay sample through its HTTP API."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import requests
from conftest import ROOT, SAMPLE, SAMPLE_DATES
from test_crawl import outputs, records

SCRAPYD = Path(sys.executable).with_name("scrapyd")
SCRAPYD_DEPLOY = Path(sys.executable).with_name("scrapyd-deploy")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def scrapyd(tmp_path):
    port = free_port()
    home = tmp_path / "scrapyd"
    home.mkdir()
    (home / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\neggs_dir = {home}/eggs\n"
        f"logs_dir = {home}/logs\ndbs_dir = {home}/dbs\nitems_dir =\npoll_interval = 0.5\nmax_proc = 2\n"
    )
    server = subprocess.Popen([SCRAPYD], cwd=home, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120  # a hang, not a busy machine
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/daemonstatus.json", timeout=10)
            break
        except OSError:
            time.sleep(0.3)
    else:
        server.kill()
        pytest.fail("scrapyd did not start within 120 s")
    yield url, home
    server.terminate()
    server.wait(timeout=20)


def test_deploy_and_schedule_a_crawl_through_scrapyd(scrapyd, tmp_path):
    url, home = scrapyd
    egg = tmp_path / "bersih.egg"
    built = subprocess.run(
        [SCRAPYD_DEPLOY, f"--build-egg={egg}"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert built.returncode == 0, built.stderr
    with egg.open("rb") as fh:
        added = requests.post(f"{url}/addversion.json", data={"project": "bersih", "version": "1"},
                              files={"egg": fh}, timeout=60).json()  # fmt: skip
    assert added["status"] == "ok", added
    spiders = requests.get(f"{url}/listspiders.json", params={"project": "bersih"}, timeout=60).json()[
        "spiders"
    ]
    assert "kompas" in spiders

    out, state = tmp_path / "out", tmp_path / "state"
    job = requests.post(
        f"{url}/schedule.json",
        data=[
            ("project", "bersih"), ("spider", "kompas"), ("dates", SAMPLE_DATES),
            ("setting", f"REPLAY_DIR={SAMPLE}"), ("setting", f"OUTPUT_DIR={out}"),
            ("setting", f"STATE_DIR={state}"),
        ],
        timeout=60,
    ).json()  # fmt: skip
    assert job["status"] == "ok", job
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        jobs = requests.get(f"{url}/listjobs.json", params={"project": "bersih"}, timeout=60).json()
        if any(j["id"] == job["jobid"] for j in jobs["finished"]):
            break
        time.sleep(1)
    else:
        pytest.fail("the scheduled crawl did not finish within 3 minutes")
    log = next((home / "logs").rglob(f"{job['jobid']}.log")).read_text(encoding="utf-8")
    written = records(outputs(out)[0])
    assert len(written) == 5, log[-3000:]
    (manifest,) = out.glob("*.manifest.json")
    assert json.loads(manifest.read_text())["counts"]["written"] == 5
    assert urllib.parse.urlsplit(written[0]["url"]).hostname.endswith("kompas.com")
