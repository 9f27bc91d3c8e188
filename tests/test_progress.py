"""What an operator reads during and after a run: progress lines per site, one summary table on stdout."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE_DATES, run_scrapy
from test_state import add_article, add_detik_copy, own_sample

from crawler.outcomes import OUTCOMES

SCRAPY = [sys.executable, "-m", "scrapy"]  # with the project's settings only, as a user runs it
COPIES = 6  # kompas_6 again under new kompas URLs: exact duplicates of an article the run writes
PROGRESS = re.compile(r"\[crawler\.progress\] INFO: Progress (.+?): (\d+) of (\d+) articles done")


def table_of(stdout: str) -> dict[str, dict[str, int]]:
    """The summary table printed on stdout: site -> column -> number."""
    lines = stdout.splitlines()
    start = next(n for n, line in enumerate(lines) if line.split()[:2] == ["site", "scheduled"])
    header = lines[start].split()
    rows = {}
    for line in lines[start + 1 :]:
        if line.startswith(("Output:", "Archive:", "Manifest:")):
            break
        cells = line.split()
        rows[cells[0]] = {name: int(cell) for name, cell in zip(header[1:], cells[1:], strict=False)
                          if cell.isdigit()}  # fmt: skip
    return rows


def slow_down(replay: Path, seconds: float) -> None:
    """Answer every response of a replay folder `seconds` late: the crawl stays open a while."""
    entries = [json.loads(line) for line in (replay / "responses.jsonl").read_text().splitlines()]
    (replay / "responses.jsonl").write_text("".join(json.dumps({**e, "delay_seconds": seconds}) + "\n"
                                                    for e in entries))  # fmt: skip


def manifests(out: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(out.glob("*.manifest.json"))]


@pytest.fixture(scope="module")
def crawlall(tmp_path_factory):
    """A real `scrapy crawlall --sites kompas,detik`: duplicates within kompas and across the two sites."""
    tmp = tmp_path_factory.mktemp("progress")
    replay, out = own_sample(tmp), tmp / "out"
    copy = (replay / "kompas_6.html").read_bytes()
    for n in range(COPIES):
        add_article(replay, f"http://otomotif.kompas.com/read/2016/02/23/18000{n:03d}/salinan.{n}", copy)
    add_detik_copy(replay)
    slow_down(replay, 0.3)  # both sites stay open through several progress lines
    result = run_scrapy(
        "crawlall", "--sites", "kompas,detik", "-s", f"REPLAY_DIR={replay}", "-s", f"OUTPUT_DIR={out}",
        "-s", "PROGRESS_INTERVAL=0.2", "-a", f"dates={SAMPLE_DATES}",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return result, out


def test_the_summary_table_adds_up_to_the_manifests_duplicates_included(crawlall):
    result, out = crawlall
    table = table_of(result.stdout)
    runs = manifests(out)
    assert sorted(m["spider"] for m in runs) == ["detik", "kompas"]
    for manifest in runs:
        for site, counts in manifest["sites"].items():
            listed = [e for e in manifest["urls"] if e["site"] == site]
            assert table[site]["scheduled"] == len(listed) == counts["scheduled"]
            for outcome in OUTCOMES:
                assert table[site][outcome] == counts[outcome] == sum(e["outcome"] == outcome for e in listed)
            assert table[site]["scheduled"] == sum(table[site][o] for o in OUTCOMES)
    # The demo sample's five articles, six copies of one of them, and detik's copy of another.
    assert table["all"]["scheduled"] == 5 + COPIES + 1
    assert table["all"]["written"] == 5
    assert table["all"]["duplicate"] == COPIES + 1


def test_the_summary_lists_every_file_the_runs_wrote(crawlall):
    result, out = crawlall
    listed = {line.split(": ", 1)[1].rsplit(" (", 1)[0] for line in result.stdout.splitlines()
              if line.startswith(("Output:", "Archive:", "Manifest:"))}  # fmt: skip
    expected = {str(p) for p in out.glob("*.manifest.json")}
    for manifest in manifests(out):
        expected |= {str(out / o["path"]) for o in manifest["outputs"]}
        expected |= {str(out / part["path"]) for part in manifest["warc"]["parts"]}
    assert listed == expected
    assert all(Path(path).is_file() for path in listed)


def test_progress_names_each_site_and_scrapys_page_counts_are_gone(crawlall):
    result, _ = crawlall
    lines = [PROGRESS.search(line) for line in result.stderr.splitlines()]
    progress = [m for m in lines if m]
    labels = {m[1] for m in progress}
    assert {"kompas", "detik"} <= labels
    assert labels & {"all 2 sites (2 running)", "all 2 sites (1 running)"}
    for match in progress:
        assert int(match[2]) <= int(match[3])
    assert "Crawled " not in result.stderr  # Scrapy's LogStats: pages, not articles, and no site


def test_a_progress_line_comes_while_the_crawl_runs(tmp_path):
    """A crawl slowed down, PROGRESS_INTERVAL=0.2: the line is read from the log as it is written."""
    replay = own_sample(tmp_path)
    slow_down(replay, 0.5)
    command = [*SCRAPY, "crawl", "kompas", "-s", f"REPLAY_DIR={replay}", "-s", f"OUTPUT_DIR={tmp_path}/out",
               "-s", f"STATE_DIR={tmp_path / 'state'}", "-s", "PROGRESS_INTERVAL=0.2",
               "-a", f"dates={SAMPLE_DATES}"]  # fmt: skip
    crawl = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        line = next((line for line in crawl.stderr if "Progress kompas:" in line), None)
        assert line is not None and crawl.poll() is None  # the line came while the crawl ran
        match = re.search(r"Progress kompas: (\d+) of (\d+) articles done.*: (.*); (.*)$", line)
        assert match, line
        assert int(match[1]) <= int(match[2])
        assert [part.split()[1] for part in match[3].split(", ")] == list(OUTCOMES)
        rest = crawl.stderr.read()
        assert crawl.wait(timeout=120) == 0, rest[-3000:]
    finally:
        if crawl.poll() is None:
            crawl.kill()
            crawl.wait()
    assert table_of(crawl.stdout.read())["kompas"]["written"] == 5


def test_the_stats_dump_is_at_debug_and_can_be_asked_for(tmp_path):
    base = ["crawl", "kompas", "-s", f"REPLAY_DIR={own_sample(tmp_path)}", "-a", f"dates={SAMPLE_DATES}",
            "-s", f"STATE_DIR={tmp_path / 'state'}"]  # fmt: skip
    quiet = subprocess.run([*SCRAPY, *base, "-s", f"OUTPUT_DIR={tmp_path / 'a'}"], cwd=ROOT,
                           env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
                           timeout=180)  # fmt: skip
    assert quiet.returncode == 0, quiet.stderr[-3000:]
    assert "Dumping Scrapy stats" not in quiet.stderr
    shown = run_scrapy(*base, "-s", f"OUTPUT_DIR={tmp_path / 'b'}", "-s", "STATS_DUMP_LEVEL=INFO",
                       "-s", f"STATE_DIR={tmp_path / 'state-b'}")  # fmt: skip
    assert shown.returncode == 0, shown.stderr[-3000:]
    assert "Dumping Scrapy stats" in shown.stderr and "'bersih/written': 5" in shown.stderr
