"""What must hold before a run fetches anything: its folders take files, and its run id is its own.

A check that fails closes the spider as it opens (reason "cannot-start"), with one error line
and no manifest; the exit status is 2 (crawler/exitcodes.py).
"""

from __future__ import annotations

import logging
import re
import tempfile
from pathlib import Path

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider

from crawler.run import run_id
from crawler.warc import warc_directory

logger = logging.getLogger(__name__)

REFUSED = "cannot-start"
_CLAIMED: set[tuple[str, str]] = set()  # (OUTPUT_DIR, run id) of the runs of this process


def unwritable(directory: Path) -> str | None:
    """Why no file can be made in a folder (made if missing), or None when one can."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".bersih-probe-"):
            pass
    except OSError as exc:
        return f"{type(exc).__name__}: {exc.strerror or exc}"
    return None


def earlier_file(output_dir: Path, warc_dir: Path, run: str) -> Path | None:
    """A file an earlier run of this id left: its manifest, an output file (final or partial), its WARC."""
    for path in (output_dir / f"{run}.manifest.json", warc_dir / f"{run}.warc.gz"):
        if path.exists():
            return path
    own = re.compile(rf"\.?{re.escape(run)}(-\d{{4}})?\.(jsonl|warc)")
    return next((p for p in output_dir.rglob(f"*{run}*") if own.match(p.name)), None)


def start_problem(crawler: Crawler) -> str | None:
    """Why this run cannot start, in one line, or None."""
    settings = crawler.settings
    output_dir = Path(settings.get("OUTPUT_DIR"))
    folders = [("output folder", output_dir)]
    if settings.getbool("WARC_ENABLED"):
        folders.append(("WARC folder", warc_directory(settings)))
    for name, folder in folders:
        problem = unwritable(folder)
        if problem:
            return f"the {name} {folder} cannot be written ({problem}); give another one or fix its rights"
    run = run_id(crawler)
    claim = (str(output_dir.resolve()), run)
    if claim in _CLAIMED:
        return f"run id {run} is already used by another crawl of this process; give each its own"
    given = settings.get("BERSIH_RUN_ID")  # a made run id is new by its time and random part
    earlier = earlier_file(output_dir, warc_directory(settings), run) if given else None
    if earlier:
        return (f"run id {run} is already used ({earlier}); a second run under it would replace the "
                "first one's output, so give a new BERSIH_RUN_ID")  # fmt: skip
    _CLAIMED.add(claim)
    return None


class Preflight:
    """The start checks, run when the spider opens (enabled in EXTENSIONS)."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Preflight:
        preflight = cls(crawler)
        crawler.signals.connect(preflight.spider_opened, signal=signals.spider_opened)
        return preflight

    def spider_opened(self, spider) -> None:
        problem = start_problem(self.crawler)
        if problem:
            logger.error("Cannot start: %s", problem)
            self.crawler.stats.set_value("bersih/start_error", problem)
            raise CloseSpider(REFUSED)
        from crawler.recovery import recover
        from crawler.state import state_for

        try:
            recover(self.crawler, state_for(self.crawler))
        except OSError as exc:  # what cannot be put right now is left for the next run, said once
            logger.error("Could not put right what a killed run left: %s", exc)
