"""Write records as JSON Lines, atomically; the state commits only the records that reached the disk."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler import faults
from crawler import signals as bersih_signals
from crawler.items import Article
from crawler.run import run_id, safe_name
from crawler.state import state_for
from pipelines.errors import Rejected
from pipelines.outfile import FORMATS, SUFFIXES, AtomicJsonLines, file_class, suffix, sync_directory

logger = logging.getLogger(__name__)

PARTITIONS = ("crawl-date", "published-date", "site")
__all__ = ["PARTITIONS", "SUFFIXES", "AtomicJsonLines", "JsonLinesPipeline", "WriteFailed"]


class WriteFailed(Rejected):
    """A record the disk did not take; the manifest counts it as "failed" (write-error)."""

    outcome = "failed"
    level = "ERROR"


class JsonLinesPipeline:
    """OUTPUT_DIR/<site>/<partition>/<run-id>[-NNNN].jsonl[.gz|.zst], or .parquet (OUTPUT_FORMAT).

    The partition is the run's UTC start date (OUTPUT_PARTITION = "crawl-date"), the article's
    publication date in the outlet's time ("published-date"), or none ("site"). With
    OUTPUT_MAX_RECORDS, a partition's file is continued in -0002, -0003, ...

    A record the disk refuses is failed (write-error) and the run goes on. When the run closes,
    each file is flushed to disk and read back; the state then commits exactly the records of
    the files that are whole on disk, with their renames.
    """

    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.output_dir = Path(settings.get("OUTPUT_DIR"))
        self.compression = settings.get("OUTPUT_COMPRESSION") or None
        self.format = settings.get("OUTPUT_FORMAT") or "jsonl"  # or parquet (pipelines/parquetfile.py)
        if self.format not in FORMATS:
            raise NotConfigured(f"OUTPUT_FORMAT must be jsonl or parquet, not {self.format!r}")
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
        self.files: list[AtomicJsonLines] = []  # the files still whole, in the order opened
        self.articles: dict[Path, list[Article]] = {}  # partial file -> its articles, as committed
        self.numbers: dict[tuple[str, str], int] = {}
        self.checkpoint_records = settings.getint("CHECKPOINT_RECORDS")
        self.checkpoint_seconds = settings.getfloat("CHECKPOINT_SECONDS")
        self.since_checkpoint = time.monotonic()
        self.checkpoints = 0
        self.committed = 0  # records final on disk, over every commit of the run

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
            number = self.numbers[place] = self.numbers.get(place, 0) + 1
            number_part = f"-{number:04d}" if number > 1 else ""
            name = self.run_id + number_part + suffix(self.format, self.compression)
            current = file_class(self.format)(self.output_dir.joinpath(*place, name), self.compression)
            self.open[place] = current
            self.files.append(current)
        return current

    def process_item(self, item):
        if not isinstance(item, Article):
            return item
        output = None
        try:
            output = self._file_for(item.record)
            output.write(item.record)
        except OSError as exc:
            if output is not None and output.broken:
                self._give_up(output, exc)
            self._count_failed(1)
            raise WriteFailed("write-error", item.url, str(exc)) from exc
        self.articles.setdefault(output.partial, []).append(item.committed())
        self.crawler.stats.inc_value("bersih/written")
        if self._checkpoint_due():  # after the write: no record is half way through the pipelines
            self.checkpoint()
        return item

    def _give_up(self, output: AtomicJsonLines, error: OSError | None = None) -> None:
        """A file that cannot be completed: its records are failed, and the next ones go to a new file."""
        output.abandon()
        self.files.remove(output)
        self.articles.pop(output.partial, None)
        self.open = {place: f for place, f in self.open.items() if f is not output}
        if output.urls:
            logger.error("Could not write %s (%s): its %d records are failed and fetched again next run",
                         output.partial, error, output.records)  # fmt: skip
            self._count_failed(output.records)
            self.crawler.signals.send_catch_log(
                bersih_signals.records_failed, urls=list(output.urls), reason="write-error", detail=str(error)
            )

    def _count_failed(self, records: int) -> None:
        for key in ("bersih/failed", "bersih/failed/write-error", "bersih/not_written"):
            self.crawler.stats.inc_value(key, records)

    def close_spider(self) -> None:
        self._commit()
        if not self.committed:
            logger.info("Run %s wrote no records", self.run_id)

    def _checkpoint_due(self) -> bool:
        """Every CHECKPOINT_RECORDS records or CHECKPOINT_SECONDS seconds, whichever comes first."""
        pending = sum(o.records for o in self.files)
        if not pending:
            return False
        if self.checkpoint_records and pending >= self.checkpoint_records:
            return True
        elapsed = time.monotonic() - self.since_checkpoint
        return bool(self.checkpoint_seconds) and elapsed >= self.checkpoint_seconds

    def checkpoint(self) -> None:
        """Make what is written so far final, as the run's end does, and go on in new parts.

        The WARC part is finished, the output parts are committed with the state and renamed,
        and the manifest is written as it stands: a run killed after this loses no more than the
        work since, which is not in the state and so is done again by the next run.
        """
        self.crawler.signals.send_catch_log(bersih_signals.checkpoint_reached)
        urls = [url for output in self.files for url in output.urls]
        if self._commit():
            self.checkpoints += 1
            self.crawler.stats.inc_value("bersih/checkpoints")
            self.crawler.signals.send_catch_log(bersih_signals.checkpoint_committed, urls=urls)
        self.open, self.files, self.articles = {}, [], {}
        self.since_checkpoint = time.monotonic()

    def _commit(self) -> bool:
        """Flush the open parts to disk, commit their records with the state, rename; False if that failed."""
        for output in list(self.files):
            if not output.records:  # every write to it failed: no empty file is left behind
                self._give_up(output)
                continue
            try:
                output.prepare()
            except OSError as exc:
                self._give_up(output, exc)
        store = state_for(self.crawler)
        if store is None:
            self._rename(self.files)
        else:
            try:
                # The state's transaction is the commit point: it records the records on disk and the
                # renames due; the renames follow, and a run killed in between has them finished next.
                faults.crash("before-commit")
                committed = [(o.partial, o.final, self.articles.get(o.partial, [])) for o in self.files]
                store.commit(committed, self.run_id, self.output_dir)
            except Exception as exc:  # the state is gone (deleted, Redis lost, disk full): nothing is final
                self._abandon_run(exc)
                return False
            faults.crash("after-commit")
            self._finish_renames(store)
        for output in self.files:
            logger.info("Wrote %d records to %s", output.records, output.final)
            self.committed += output.records
            self.crawler.signals.send_catch_log(
                bersih_signals.output_committed,
                path=output.final,
                records=output.records,
                sha256=output.sha256,
            )
        self.crawler.stats.set_value("bersih/written", self.committed)
        return True

    def _rename(self, outputs: list[AtomicJsonLines]) -> None:
        """Without a state, each file is final once renamed; one that cannot be is failed."""
        for output in list(outputs):
            try:
                output.rename()
            except OSError as exc:
                self._give_up(output, exc)

    def _abandon_run(self, error: Exception) -> None:
        """The commit failed: the records since the last checkpoint stay in partial files, not written."""
        records = sum(o.records for o in self.files)
        logger.error("Could not commit the state (%s): %d records stay in partial files and are not written; "
                     "the next run fetches them again", error, records)  # fmt: skip
        self.crawler.stats.inc_value("bersih/not_written", records)
        self.crawler.stats.set_value("bersih/commit_failed", str(error))
        self.crawler.stats.set_value("bersih/written", self.committed)
        urls = [url for output in self.files for url in output.urls]
        self.crawler.signals.send_catch_log(bersih_signals.output_abandoned, reason=str(error), urls=urls)

    def _finish_renames(self, store) -> None:
        """Committed: a rename that fails now is left to the next run, which finishes it."""
        try:
            store.finish_renames()
            for directory in {o.final.parent for o in self.files}:
                sync_directory(directory)
        except Exception as exc:  # the records are committed: not failed, only not renamed yet
            logger.error("Committed, but could not rename the output (%s); the next run finishes it", exc)
            self.crawler.stats.set_value("bersih/rename_failed", str(exc))
