"""One Parquet output file, written under a temporary name: row groups of whole records, counted from disk.

OUTPUT_FORMAT = "parquet" writes these instead of JSON Lines, with the same names but `.parquet`,
the same commit (a hidden `.part` file, fsynced, read back, renamed) and the same manifest
entries. The columns are crawler.dataset.SCHEMA; OUTPUT_COMPRESSION picks the codec of the
pages inside the file (gzip or zstd; empty: snappy, pyarrow's default).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from crawler import faults
from crawler.dataset import FIELDS, NOT_NULL, PARQUET_SUFFIX, SCHEMA
from pipelines.outfile import OutputFile

CODECS = {None: "snappy", "gzip": "gzip", "zstd": "zstd"}
ROW_GROUP_RECORDS = 1000  # records held in memory before they go to disk as one row group


class AtomicParquet(OutputFile):
    """One output file: written as .<name>.part, renamed to <name> once it is complete on disk.

    Records wait in memory until `row_group` of them are there, then go to disk as one row
    group. A Parquet file is whole only once its footer is written, so a write that fails (a
    full disk, a lost mount) breaks the file and none of its records count, as with a
    compressed JSON Lines file. Same interface as pipelines.outfile.AtomicJsonLines.
    """

    def __init__(self, final: Path, compression: str | None = None, row_group: int = ROW_GROUP_RECORDS):
        super().__init__(final)
        self.compression = compression
        self.row_group = max(1, row_group)
        self.urls: list[str] = []  # the records in the file, in order (those waiting in memory too)
        self.broken: OSError | None = None
        self.sha256 = ""  # of the file on disk, once prepared
        self._waiting: list[dict] = []
        final.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.partial, "wb", buffering=0)  # noqa: SIM115 (closed in prepare or abandon)
        try:
            self._writer = pq.ParquetWriter(self._file, SCHEMA, compression=CODECS[compression])
        except OSError:  # its header did not fit: no file is left behind
            self._file.close()
            self.partial.unlink(missing_ok=True)
            raise

    @property
    def records(self) -> int:
        return len(self.urls)

    def write(self, record: dict) -> None:
        """Add one record; an OSError breaks the file, a record off the schema is refused (ValueError)."""
        if self.broken:
            raise OSError(errno.EIO, f"{self.partial} is unusable since an earlier error ({self.broken})")
        problem = schema_problem(record)
        if problem:
            raise ValueError(f"{record.get('url')}: {problem}")
        fault = faults.disk_full("jsonl")
        if fault:
            self.broken = fault
            raise fault
        self._waiting.append(record)
        if len(self._waiting) >= self.row_group:
            self._flush()
        self.urls.append(record["url"])

    def _flush(self) -> None:
        """The records waiting in memory, to disk as one row group; any failure breaks the file."""
        try:
            table = pa.Table.from_pylist(self._waiting, schema=SCHEMA)
            self._waiting = []
            self._writer.write_table(table, row_group_size=len(table))
        except (OSError, pa.ArrowException) as exc:
            self.broken = exc if isinstance(exc, OSError) else OSError(errno.EIO, f"{self.partial}: {exc}")
            raise self.broken from exc

    def prepare(self) -> None:
        """Write the last row group and the footer, flush to disk, and read it back: records and sha256."""
        if self.broken:
            raise self.broken
        try:
            if self._waiting:
                self._flush()
            self._writer.close()
            os.fsync(self._file.fileno())
        except OSError as exc:
            self.broken = self.broken or exc
            raise
        finally:
            self._close()
        records, self.sha256 = read_back(self.partial)
        if records != self.records:
            raise OSError(errno.EIO, f"{self.partial} holds {records} records of the {self.records} written")

    def abandon(self) -> None:
        """Give the file up: closed, and its partial file removed where the disk allows."""
        self._waiting = []
        self._close()
        with contextlib.suppress(OSError):
            self.partial.unlink(missing_ok=True)

    def _close(self) -> None:
        with contextlib.suppress(Exception):  # a footer that cannot be written: the file is given up
            self._writer.close()
        self._writer.is_open = False  # so that pyarrow does not try again when the writer is collected
        with contextlib.suppress(OSError):
            self._file.close()


_PYTHON = {pa.string(): str, pa.int64(): int, pa.float64(): (int, float)}


def schema_problem(record: dict) -> str | None:
    """Why the record cannot be a row of SCHEMA, checked here so that a row group never fails on it."""
    unknown = record.keys() - set(FIELDS)
    if unknown:
        return f"fields outside the schema: {', '.join(sorted(unknown))}"
    for field in SCHEMA:
        value = record.get(field.name)
        if value is None:
            if field.name in NOT_NULL:
                return f"no value for {field.name}"
            continue
        if not _fits(value, field.type):
            return f"{field.name} is a {type(value).__name__}, not {field.type}"
    return None


def _fits(value: Any, kind: pa.DataType) -> bool:
    """Whether a value (not None) is one of this Arrow type, as a record's JSON value would be."""
    if pa.types.is_list(kind):
        return isinstance(value, list) and all(_fits(item, kind.value_type) for item in value)
    if pa.types.is_struct(kind):
        return (
            isinstance(value, dict)
            and value.keys() <= set(kind.names)
            and all(
                _fits(value[f.name], f.type) if value.get(f.name) is not None else f.nullable for f in kind
            )
        )
    return isinstance(value, _PYTHON[kind]) and not isinstance(value, bool)


def read_back(path: Path) -> tuple[int, str]:
    """(records, sha256) of a Parquet output file as it is on disk, every row group read; OSError if one
    cannot be."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    records = 0
    try:
        parquet = pq.ParquetFile(path)
        for group in range(parquet.num_row_groups):
            records += parquet.read_row_group(group).num_rows
    except (pa.ArrowException, OSError) as exc:
        raise OSError(errno.EIO, f"{path} is not a whole Parquet file: {exc}") from exc
    if records != parquet.metadata.num_rows:
        raise OSError(errno.EIO, f"{path} holds {records} rows of the {parquet.metadata.num_rows} it lists")
    return records, digest.hexdigest()


def urls_in(path: Path) -> list[str]:
    """The URLs of a Parquet output file's records, in order."""
    return pq.read_table(path, columns=["url"]).column("url").to_pylist()


__all__ = ["PARQUET_SUFFIX", "AtomicParquet", "read_back", "urls_in"]
