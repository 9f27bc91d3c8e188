"""The commands as a person at a terminal (or cron) meets them: bars, stdin, usage errors, Ctrl-C."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import signal
import struct
import subprocess
import sys
import termios
import threading
from io import BytesIO
from pathlib import Path

from conftest import ROOT, run_scrapy
from test_distributed import redis_url  # noqa: F401 (the fixture)
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.outcomes import OUTCOMES
from crawler.quality import gold_pages

SCRAPY = [sys.executable, "-m", "scrapy"]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
PAGES = ROOT / "corpus" / "pages"
BANNER = "Scrapy 2.19.0 started"
BAR = re.compile(r"(extract|reprocess|survey): +\d+%\|")


def on_terminal(*args: str, timeout: float = 300) -> tuple[int, str, str]:
    """Run `scrapy args` with stderr on a pseudo-terminal and stdout on a pipe: (status, stdout, terminal)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # a terminal's size
    process = subprocess.Popen([*SCRAPY, *args], cwd=ROOT, env=ENV, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=follower)  # fmt: skip
    os.close(follower)
    stdout: list[bytes] = []
    reader = threading.Thread(target=lambda: stdout.append(process.stdout.read()))
    reader.start()
    shown = bytearray()
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    status = process.wait(timeout=timeout)
    reader.join(timeout=timeout)
    return status, stdout[0].decode("utf-8"), shown.decode("utf-8", errors="replace")


def archive(path: Path, count: int) -> None:
    """A WARC of `count` article responses, as a crawl archives them: the gold pages, each a new article."""
    pages = list(gold_pages(ROOT / "corpus"))
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for n in range(count):
            page = pages[n % len(pages)]
            body = (PAGES / f"{page.name}.html").read_bytes()
            url = f"{page.url.rstrip('/')}-{n}"
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html"), ("Content-Length",
                                       str(len(body)))], protocol="HTTP/1.1")  # fmt: skip
            record = writer.create_warc_record(url, "response", payload=BytesIO(body), http_headers=headers,
                                               warc_headers_dict={"WARC-Bersih-Article": url,
                                                                  "WARC-Bersih-Page": "1"})  # fmt: skip
            writer.write_record(record)


# --- extract ----------------------------------------------------------------------------------------


def test_extract_reads_a_page_from_stdin():
    page = next(p for p in gold_pages(ROOT / "corpus") if p.name == "kompas_2")
    result = subprocess.run([*SCRAPY, "extract", "-"], cwd=ROOT, env=ENV, capture_output=True, timeout=120,
                            input=(PAGES / "kompas_2.html").read_bytes())  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    (line,) = result.stdout.decode("utf-8").splitlines()
    assert json.loads(line)["url"] == page.url


def test_extract_into_a_reader_that_stops_early_ends_quietly():
    pages = [str(PAGES / f"kompas_{n}.html") for n in (1, 2, 3)] * 4
    extract = subprocess.Popen([*SCRAPY, "extract", *pages], cwd=ROOT, env=ENV,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    first = extract.stdout.readline()  # `| head -1`: one record read, then the pipe is closed
    extract.stdout.close()
    stderr = extract.communicate(timeout=120)[1].decode()
    assert json.loads(first)["site"]
    assert extract.returncode == 0 and "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr


def test_extract_of_an_unknown_option_is_a_usage_error_not_a_file():
    result = run_scrapy("extract", "--bogus", str(PAGES / "kompas_2.html"))
    assert result.returncode == 2
    assert result.stdout == ""  # no page was cleaned
    assert "error: unrecognized arguments: --bogus" in result.stderr
    assert "Traceback" not in result.stderr and "--bogus: cannot read" not in result.stderr


def test_ctrl_c_stops_extract_with_one_line_and_status_3():
    files = [str(p) for p in sorted(PAGES.glob("kompas_*.html"))] * 100  # each names its URL
    process = subprocess.Popen([*SCRAPY, "extract", *files], cwd=ROOT, env=ENV, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)  # fmt: skip
    first = process.stdout.readline()  # a record is out: extract is in its loop
    process.send_signal(signal.SIGINT)
    rest, errors = process.communicate(timeout=120)
    assert process.returncode == 3, errors
    assert "Traceback" not in errors and "KeyboardInterrupt" not in errors
    assert re.fullmatch(rf"extract: interrupted after \d+ of {len(files)} file\(s\)", errors.strip()), errors
    for line in (first + rest).splitlines():  # every record printed is whole
        assert json.loads(line)["text"]


def test_extract_shows_a_bar_on_a_terminal_only():
    files = [str(PAGES / "kompas_2.html"), str(PAGES / "detik_3.html")]
    status, stdout, terminal = on_terminal("extract", *files)
    assert status == 0, terminal
    assert BAR.search(terminal) and "extract:" in terminal, terminal
    assert len(stdout.splitlines()) == 2
    piped = run_scrapy("extract", *files)  # cron: stderr is a file or a pipe
    assert piped.returncode == 0
    assert piped.stderr == ""


def test_an_unknown_option_is_a_usage_error_for_every_command_that_takes_files():
    for command in (["reprocess", "--bogus", "x.warc.gz"], ["evaluate", "--bogus"],
                    ["merge-manifests", "--bogus", "."]):  # fmt: skip
        result = run_scrapy(*command)
        assert result.returncode == 2, command
        assert "error: unrecognized arguments: --bogus" in result.stderr, command
        assert BANNER not in result.stderr and "Traceback" not in result.stderr, command


# --- reprocess --------------------------------------------------------------------------------------


def test_reprocess_reads_ahead_a_few_articles_and_reports_articles(tmp_path):
    """Four times the read-ahead in records: memory holds the read-ahead, not the archive."""
    warc = tmp_path / "many.warc.gz"
    archive(warc, 40)
    out = tmp_path / "out"
    result = run_scrapy("reprocess", "-s", f"OUTPUT_DIR={out}", "-s", "EXTRACT_WORKERS=1",
                        "-s", "EXTRACT_MAX_IN_FLIGHT=5", "-s", "PROGRESS_INTERVAL=0.2",
                        "-s", "STATS_DUMP_LEVEL=INFO", str(warc))  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    peak = int(re.search(r"'bersih/reprocess/peak_in_flight': (\d+)", result.stderr)[1])
    assert 1 <= peak <= 10  # twice EXTRACT_MAX_IN_FLIGHT, of 40 articles
    assert "Crawled " not in result.stderr  # Scrapy's "Crawled 0 pages": reprocess fetches none
    assert re.search(r"Progress reprocess: \d+ of 40 articles done", result.stderr)
    assert "Run summary for reprocess (finished): 40 article pages read" in result.stderr
    (manifest,) = (json.loads(p.read_text()) for p in out.glob("*.manifest.json"))
    assert manifest["counts"]["scheduled"] == 40
    rows = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()[1:]
            if line and not line.startswith(("Output:", "Manifest:", "Archive:"))}  # fmt: skip
    for site, counts in manifest["sites"].items():
        assert rows[site][: 1 + len(OUTCOMES)] == [str(counts[c]) for c in ("scheduled", *OUTCOMES)]
    assert rows["all"][0] == "40"


def test_ctrl_c_stops_reprocess_with_the_articles_not_reached_in_its_manifest(tmp_path):
    warc = tmp_path / "many.warc.gz"
    archive(warc, 200)
    out = tmp_path / "out"
    command = [*SCRAPY, "reprocess", "-s", f"OUTPUT_DIR={out}", "-s", "EXTRACT_WORKERS=1",
               "-s", "EXTRACT_MAX_IN_FLIGHT=1", "-s", "PROGRESS_INTERVAL=0.2", str(warc)]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)  # fmt: skip
    progress = re.compile(r"Progress reprocess: [1-9]\d* of")  # an article is through: the run is going
    assert next((line for line in process.stderr if progress.search(line)), None) is not None
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)  # it stops, rather than waiting forever
    assert process.returncode == 3, stderr[-3000:]
    assert "Error: reprocess stopped before it finished (shutdown)" in stderr
    assert "Traceback" not in stderr
    (manifest,) = (json.loads(p.read_text()) for p in out.glob("*.manifest.json"))
    counts = manifest["counts"]
    assert counts["scheduled"] == 200  # every archived article, the ones not reached as failed
    assert 0 < sum(e["reason"] == "no-outcome" for e in manifest["urls"]) == counts["failed"] < 200
    rows = [line.split() for line in stdout.splitlines()[1:] if not line.startswith(("Output:", "Manifest:"))]
    assert sum(int(row[1]) for row in rows if row[0] != "all") == 200
    assert sum(int(row[6]) for row in rows if row[0] != "all") == counts["failed"]


def test_reprocess_shows_its_bar_on_a_terminal(tmp_path):
    warc = tmp_path / "few.warc.gz"
    archive(warc, 3)
    status, stdout, terminal = on_terminal("reprocess", "-s", f"OUTPUT_DIR={tmp_path / 'out'}", str(warc))
    assert status == 0, terminal
    assert re.search(r"reprocess: +\d+%\|", terminal), terminal
    assert "Run summary for reprocess" in terminal  # the log is still there, around the bar
    assert stdout.splitlines()[0].split()[:2] == ["site", "scheduled"]


# --- commands that crawl nothing --------------------------------------------------------------------


def test_seed_prints_no_scrapy_banner(redis_url):  # noqa: F811
    result = run_scrapy("seed", "kompas", "-a", "dates=2016-02-16", "-s", "DISTRIBUTED=1",
                        "-s", f"REDIS_URL={redis_url}")  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("Seeded kompas:")
    assert BANNER not in result.stderr and "Overridden settings" not in result.stderr
    assert result.stderr == ""


def test_merge_manifests_prints_no_scrapy_banner(tmp_path):
    manifest = {
        "run_id": "w1", "spider": "kompas", "started_at": "2026-11-25T10:00:00+00:00",
        "finished_at": "2026-11-25T10:05:00+00:00", "health": {"ok": True, "problems": {}}, "outputs": [],
        "urls": [{"key": "kompas.com/read/1", "url": "https://kompas.com/read/1", "site": "kompas",
                  "outcome": "written", "reason": ""}],
    }  # fmt: skip
    (tmp_path / "w1.manifest.json").write_text(json.dumps(manifest))
    result = run_scrapy("merge-manifests", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("1 manifests, 1 URLs: 1 written")
    assert BANNER not in result.stderr
    assert result.stderr == ""
