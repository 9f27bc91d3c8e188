"""Write records as JSON Lines, atomically: a reader never sees a half-written file."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from scrapy.crawler import Crawler

from crawler import signals as bersih_signals
from crawler.run import run_id, safe_name
from crawler.state import state_for

logger = logging.getLogger(__name__)


class AtomicJsonLines:
    """One output file: written as .<name>.part, renamed to <name> when closed cleanly."""

    def __init__(self, final: Path):
        self.final = final
        self.partial = final.with_name(f".{final.name}.part")
        self.records = 0
        self.sha256 = hashlib.sha256()
        final.parent.mkdir(parents=True, exist_ok=True)
        # Line-buffered: the partial file shows progress; only commit() makes it final.
        self._fh: IO[str] = self.partial.open("w", encoding="utf-8", newline="\n", buffering=1)

    def write(self, record: dict) -> None:
        line = json.dumps(record, ensure_ascii=False) + "\n"
        self._fh.write(line)
        self.sha256.update(line.encode("utf-8"))
        self.records += 1

    def prepare(self) -> None:
        """Flush the complete content to disk, still under the temporary name."""
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()

    def commit(self) -> None:
        """Flush to disk, then rename: the final name appears only with complete content."""
        self.prepare()
        os.replace(self.partial, self.final)
        sync_directory(self.final.parent)


def sync_directory(directory: Path) -> None:
    """Make a rename in this folder durable."""
    handle = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


class JsonLinesPipeline:
    """OUTPUT_DIR/<site>/<YYYY-MM-DD>/<run-id>.jsonl, one file per site per run."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.output_dir = Path(crawler.settings.get("OUTPUT_DIR"))
        self.run_id = ""
        self.started = datetime.now(UTC)
        self.files: dict[str, AtomicJsonLines] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JsonLinesPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.run_id = run_id(self.crawler)
        logger.info("Run %s writing under %s", self.run_id, self.output_dir)

    def path_for(self, site: str) -> Path:
        return self.output_dir / safe_name(site) / f"{self.started:%Y-%m-%d}" / f"{self.run_id}.jsonl"

    def process_item(self, item):
        if not isinstance(item, dict):
            return item
        site = item["site"]
        if site not in self.files:
            self.files[site] = AtomicJsonLines(self.path_for(site))
        self.files[site].write(item)
        self.crawler.stats.inc_value("bersih/written")
        return item

    def close_spider(self) -> None:
        store = state_for(self.crawler)
        if store is None:
            for output in self.files.values():
                output.commit()
        else:
            # The state's transaction is the commit point: it records the articles and the
            # renames due; the renames follow, and a run killed in between finishes them next time.
            for output in self.files.values():
                output.prepare()
            store.commit(store.pending, [(o.partial, o.final) for o in self.files.values()], self.run_id)
            store.finish_renames()
            for output in self.files.values():
                sync_directory(output.final.parent)
        for output in self.files.values():
            logger.info("Wrote %d records to %s", output.records, output.final)
            self.crawler.signals.send_catch_log(
                bersih_signals.output_committed,
                path=output.final,
                records=output.records,
                sha256=output.sha256.hexdigest(),
            )
        if not self.files:
            logger.info("Run %s wrote no records", self.run_id)
