"""Shared helpers: the repository's recorded pages and real crawls in a subprocess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from crawler.quality import GoldPage, collapse, gold_pages

ROOT = Path(__file__).resolve().parent.parent
SCRAPY = [sys.executable, "-m", "scrapy"]
SAMPLE = ROOT / "sample" / "kompas"
SAMPLE_DATES = "2016-02-16,2016-02-23"


def sample_pages() -> list[GoldPage]:
    """The gold pages the demo sample (sample/kompas) serves: its five 2016 Kompas articles."""
    lines = (SAMPLE / "responses.jsonl").read_text(encoding="utf-8").splitlines()
    served = {json.loads(line)["url"].split("?")[0] for line in lines if line.strip()}
    return [page for page in gold_pages(ROOT / "corpus") if page.url in served]


def present(snippet: str, text: str | None) -> bool:
    """The gold rule: a snippet counts when it is a substring after whitespace folding."""
    return collapse(snippet) in collapse(text)


@pytest.fixture(scope="session")
def corpus() -> list[GoldPage]:
    pages = list(gold_pages(ROOT / "corpus"))
    assert len(pages) == 61, "the repository carries the 61 recorded gold pages"
    return pages


# The crawls' own state stores, removed when the test session ends.
STATES = tempfile.TemporaryDirectory(prefix="bersih-states-")


def run_scrapy(*args: str, timeout: int = 180, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run a real `scrapy` command in the project, as a user would.

    Each crawl gets a state store of its own unless the test gives STATE_DIR.
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if args and args[0] in ("crawl", "crawlall") and not any(a.startswith("STATE_DIR=") for a in args):
        args = (*args, "-s", f"STATE_DIR={tempfile.mkdtemp(prefix='bersih-state-', dir=STATES.name)}")
    return subprocess.run([*SCRAPY, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def crawl_sample(out: Path, *settings: str, replay: Path = SAMPLE) -> subprocess.CompletedProcess:
    """A real `scrapy crawl kompas` of a replay folder (the demo sample by default) into `out`.

    `settings` are NAME=VALUE pairs given with -s.
    """
    extra = [part for setting in settings for part in ("-s", setting)]
    return run_scrapy(
        "crawl", "kompas", "-s", f"REPLAY_DIR={replay}", "-s", f"OUTPUT_DIR={out}",
        "-a", f"dates={SAMPLE_DATES}", *extra,
    )  # fmt: skip


def stat(log: str, key: str) -> int:
    """A counter from the stats dump at the end of a crawl log (0 when absent)."""
    match = re.search(rf"'{re.escape(key)}': (\d+)", log)
    return int(match[1]) if match else 0
