"""What must hold before a run fetches anything: its folders take files, and its run id is its own.

A check that fails closes the spider as it opens (reason "cannot-start"), with one error line
and no manifest; the exit status is 2 (crawler/exitcodes.py).
"""

from __future__ import annotations

import json
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
    own = re.compile(rf"\.?{re.escape(run)}(-\d{{4}})?\.(jsonl|parquet|warc)")
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


def newest_manifest(output_dir: Path) -> tuple[Path, dict] | None:
    """The newest manifest in a folder that names its state (by its end time), with its path."""
    found = []
    for path in output_dir.glob("*.manifest.json"):
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(manifest, dict) and manifest.get("state_id"):
            found.append((str(manifest.get("finished_at") or ""), path.name, path, manifest))
    return max(found)[2:] if found else None


def earlier_output(output_dir: Path) -> list[Path]:
    """Manifests and output files of earlier runs in a folder (partial and hidden files left out)."""
    if not output_dir.is_dir():
        return []
    return [
        p for p in output_dir.rglob("*")
        if p.is_file() and not p.name.startswith(".") and "warc" not in p.relative_to(output_dir).parts
        and (p.name.endswith((".manifest.json", ".parquet")) or ".jsonl" in p.name)
    ]  # fmt: skip


def state_problem(store, settings) -> str | None:
    """Why this state cannot go with OUTPUT_DIR, in one line, or None.

    A new state (or a Redis restarted empty) beside earlier runs' output would write all of it
    again; a state other than the one the newest manifest names belongs to another output.
    """
    output_dir = Path(settings.get("OUTPUT_DIR"))
    if store.is_new:
        if settings.getbool("STATE_NEW_OK"):
            return None
        earlier = earlier_output(output_dir)
        if earlier:
            return (f"the state {store.path} is new, but {output_dir} holds {len(earlier)} files of earlier "
                    "runs, which would all be written again: rebuild the state from them with `scrapy "
                    "rebuildstate`, or accept a new state with -s STATE_NEW_OK=1")  # fmt: skip
    newest = newest_manifest(output_dir) if output_dir.is_dir() else None
    if newest and newest[1]["state_id"] != store.state_id:
        return (f"the state {store.path} (id {store.state_id}) is not the one of the output in "
                f"{output_dir} (id {newest[1]['state_id']} in {newest[0].name}): give that output's "
                "STATE_DIR, rebuild this state from the output with `scrapy rebuildstate`, or write to "
                "another OUTPUT_DIR")  # fmt: skip
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
        from crawler.recovery import recover
        from crawler.state import StateError, state_for

        problem = start_problem(self.crawler)
        if not problem:
            try:
                state = state_for(self.crawler)
            except StateError as exc:
                state, problem = None, str(exc)
            problem = problem or getattr(self.crawler, "_bersih_state_refused", None)
        if problem:
            logger.error("Cannot start: %s", problem)
            self.crawler.stats.set_value("bersih/start_error", problem)
            raise CloseSpider(REFUSED)
        try:
            recover(self.crawler, state)
        except OSError as exc:  # what cannot be put right now is left for the next run, said once
            logger.error("Could not put right what a killed run left: %s", exc)
