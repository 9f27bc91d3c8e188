"""Write records as JSON Lines, atomically: a reader never sees a half-written file."""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path

import zstandard
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler import signals as bersih_signals
from crawler.run import run_id, safe_name
from crawler.state import state_for

logger = logging.getLogger(__name__)

SUFFIXES = {None: ".jsonl", "gzip": ".jsonl.gz", "zstd": ".jsonl.zst"}
PARTITIONS = ("crawl-date", "published-date", "site")


class _HashingFile:
    """The raw output file, hashing the bytes as they reach the disk (the manifest's sha256)."""

    def __init__(self, path: Path):
        self.raw = path.open("wb")
        self.sha256 = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()


class AtomicJsonLines:
    """One output file: written as .<name>.part, renamed to <name> when closed cleanly."""

    def __init__(self, final: Path, compression: str | None = None):
        self.final = final
        self.partial = final.with_name(f".{final.name}.part")
        self.records = 0
        final.parent.mkdir(parents=True, exist_ok=True)
        self._file = _HashingFile(self.partial)
        if compression == "gzip":
            self._stream = gzip.GzipFile(fileobj=self._file, mode="wb", mtime=0)
        elif compression == "zstd":
            self._stream = zstandard.ZstdCompressor().stream_writer(self._file, closefd=False)
        else:
            self._stream = self._file

    @property
    def sha256(self):
        return self._file.sha256

    def write(self, record: dict) -> None:
        self._stream.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
        if self._stream is self._file:
            self._file.flush()  # uncompressed: the partial file shows progress
        self.records += 1

    def prepare(self) -> None:
        """Flush the complete content to disk, still under the temporary name."""
        if self._stream is not self._file:
            self._stream.close()  # ends the gzip member or zstd frame
        self._file.flush()
        os.fsync(self._file.raw.fileno())
        self._file.raw.close()

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
    """OUTPUT_DIR/<site>/<partition>/<run-id>[-NNNN].jsonl[.gz|.zst].

    The partition is the run's UTC start date (OUTPUT_PARTITION = "crawl-date"), the article's
    publication date in the outlet's time ("published-date"), or none ("site"). With
    OUTPUT_MAX_RECORDS, a partition's file is continued in -0002, -0003, ...
    """

    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.output_dir = Path(settings.get("OUTPUT_DIR"))
        self.compression = settings.get("OUTPUT_COMPRESSION") or None
        self.partition = settings.get("OUTPUT_PARTITION")
        self.max_records = settings.getint("OUTPUT_MAX_RECORDS")
        if self.compression not in SUFFIXES:
            raise NotConfigured(f"OUTPUT_COMPRESSION must be gzip, zstd or empty, not {self.compression!r}")
        if self.partition not in PARTITIONS:
            raise NotConfigured(
                f"OUTPUT_PARTITION must be one of {', '.join(PARTITIONS)}, not {self.partition!r}"
            )
        self.run_id = ""
        self.started = datetime.now(UTC)
        self.open: dict[tuple[str, str], AtomicJsonLines] = {}
        self.files: list[AtomicJsonLines] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JsonLinesPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.run_id = run_id(self.crawler)
        logger.info("Run %s writing under %s", self.run_id, self.output_dir)

    def partition_of(self, record: dict) -> str:
        if self.partition == "crawl-date":
            return f"{self.started:%Y-%m-%d}"
        if self.partition == "published-date":
            return safe_name((record.get("published") or "")[:10]) if record.get("published") else "undated"
        return ""

    def _file_for(self, record: dict) -> AtomicJsonLines:
        place = (safe_name(record["site"]), self.partition_of(record))
        current = self.open.get(place)
        if current is None or (self.max_records and current.records >= self.max_records):
            number = sum(1 for f in self.files if f.final.parent == self.output_dir.joinpath(*place)) + 1
            name = self.run_id + (f"-{number:04d}" if number > 1 else "") + SUFFIXES[self.compression]
            current = AtomicJsonLines(self.output_dir.joinpath(*place, name), self.compression)
            self.open[place] = current
            self.files.append(current)
        return current

    def process_item(self, item):
        if not isinstance(item, dict):
            return item
        self._file_for(item).write(item)
        self.crawler.stats.inc_value("bersih/written")
        return item

    def close_spider(self) -> None:
        store = state_for(self.crawler)
        if store is None:
            for output in self.files:
                output.commit()
        else:
            # The state's transaction is the commit point: it records the articles and the
            # renames due; the renames follow, and a run killed in between finishes them next time.
            for output in self.files:
                output.prepare()
            try:
                store.commit([(o.partial, o.final) for o in self.files], self.run_id)
            except Exception as exc:  # the state is gone (Redis lost, disk full): nothing is final
                logger.error(
                    "Could not commit the state (%s): this run's %d records stay in partial files and are "
                    "not written; the next run fetches them again", exc, sum(o.records for o in self.files),
                )  # fmt: skip
                self.crawler.signals.send_catch_log(bersih_signals.output_abandoned, reason=str(exc))
                return
            store.finish_renames()
            for directory in {o.final.parent for o in self.files}:
                sync_directory(directory)
        for output in self.files:
            logger.info("Wrote %d records to %s", output.records, output.final)
            self.crawler.signals.send_catch_log(
                bersih_signals.output_committed,
                path=output.final,
                records=output.records,
                sha256=output.sha256.hexdigest(),
            )
        if not self.files:
            logger.info("Run %s wrote no records", self.run_id)
