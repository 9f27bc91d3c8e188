"""One JSON Lines output file, written under a temporary name: whole records only, counted from the disk.

The Parquet file (OUTPUT_FORMAT = "parquet") is pipelines.parquetfile.AtomicParquet, with the same interface.
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import hashlib
import json
import os
import zlib
from pathlib import Path

import zstandard

from crawler import faults

SUFFIXES = {None: ".jsonl", "gzip": ".jsonl.gz", "zstd": ".jsonl.zst"}


class _RawFile:
    """The .part file, unbuffered: a write is on the file system when it returns, and `size` says how far."""

    def __init__(self, path: Path):
        self.fd: int | None = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        self.size = 0

    def write(self, data: bytes) -> int:
        view = memoryview(data)
        while view:
            done = os.write(self.fd, view)
            self.size += done
            view = view[done:]
        return len(data)

    def flush(self) -> None:
        """Nothing is buffered here (the compressors call it)."""

    def cut(self, size: int) -> None:
        """Drop what was written after `size` bytes (a record that did not fit)."""
        os.ftruncate(self.fd, size)
        os.lseek(self.fd, size, os.SEEK_SET)
        self.size = size

    def close(self) -> None:
        if self.fd is not None:
            fd, self.fd = self.fd, None
            os.close(fd)


class OutputFile:
    """An output file written as .<name>.part and renamed to <name> once it is complete on disk."""

    def __init__(self, final: Path):
        self.final = final
        self.partial = final.with_name(f".{final.name}.part")

    def prepare(self) -> None:
        """Flush, sync and read the file back: each kind of file does it its own way."""
        raise NotImplementedError

    def rename(self) -> None:
        """Give the prepared file its final name, durably."""
        os.replace(self.partial, self.final)
        sync_directory(self.final.parent)

    def commit(self) -> None:
        """Prepare, then rename: the final name appears only with complete content."""
        self.prepare()
        self.rename()


class AtomicJsonLines(OutputFile):
    """One output file: written as .<name>.part, renamed to <name> once it is complete on disk.

    A write that fails (a full disk, a lost mount) leaves only whole records: a plain file is cut
    back to its last whole record and can go on; a compressed stream cannot be cut, so the file is
    broken and none of its records count.
    """

    def __init__(self, final: Path, compression: str | None = None):
        super().__init__(final)
        self.compression = compression
        self.urls: list[str] = []  # the records in the file, in order
        self.broken: OSError | None = None
        self.sha256 = ""  # of the file on disk, once prepared
        final.parent.mkdir(parents=True, exist_ok=True)
        self._raw = _RawFile(self.partial)
        if compression == "gzip":
            self._stream = gzip.GzipFile(fileobj=self._raw, mode="wb", mtime=0)
        elif compression == "zstd":
            self._stream = zstandard.ZstdCompressor().stream_writer(self._raw, closefd=False)
        else:
            self._stream = self._raw

    @property
    def records(self) -> int:
        return len(self.urls)

    def write(self, record: dict) -> None:
        """Append one record; an OSError leaves the file with whole records only, or broken."""
        if self.broken:
            raise OSError(errno.EIO, f"{self.partial} is unusable since an earlier error ({self.broken})")
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        whole = self._raw.size
        try:
            fault = faults.disk_full("jsonl")
            if fault:
                self._stream.write(line[: len(line) // 2])  # as a full disk does: part of the line
                raise fault
            self._stream.write(line)
        except OSError as exc:
            self._recover(whole, exc)
            raise
        self.urls.append(record.get("url"))

    def _recover(self, whole: int, error: OSError) -> None:
        if self._stream is self._raw:
            try:
                self._raw.cut(whole)
                return
            except OSError:
                pass
        self.broken = error

    def prepare(self) -> None:
        """Finish the stream, flush it to disk, and read it back: its records and sha256 are the disk's."""
        if self.broken:
            raise self.broken
        try:
            if self._stream is not self._raw:
                self._stream.close()  # ends the gzip member or zstd frame
            os.fsync(self._raw.fd)
        finally:
            self._raw.close()
        lines, self.sha256 = read_back(self.partial, self.compression)
        if lines != self.records:
            raise OSError(errno.EIO, f"{self.partial} holds {lines} records of the {self.records} written")

    def abandon(self) -> None:
        """Give the file up: closed, and its partial file removed where the disk allows."""
        with contextlib.suppress(OSError):
            self._raw.close()
        with contextlib.suppress(OSError):
            self.partial.unlink(missing_ok=True)


def read_back(path: Path, compression: str | None) -> tuple[int, str]:
    """(records, sha256) of an output file as it is on disk; OSError if it does not decompress whole."""
    digest = hashlib.sha256()
    if compression == "gzip":
        decoder = zlib.decompressobj(wbits=31)
    elif compression == "zstd":
        decoder = zstandard.ZstdDecompressor().decompressobj()
    else:
        decoder = None
    lines = 0
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
                lines += (decoder.decompress(chunk) if decoder else chunk).count(b"\n")
    except (zlib.error, zstandard.ZstdError) as exc:
        raise OSError(errno.EIO, f"{path} does not decompress: {exc}") from exc
    if decoder is not None and not decoder.eof:
        raise OSError(errno.EIO, f"{path} ends before its compressed stream does")
    return lines, digest.hexdigest()


def sync_directory(directory: Path) -> None:
    """Make a rename in this folder durable."""
    handle = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


FORMATS = ("jsonl", "parquet")  # OUTPUT_FORMAT


def suffix(output_format: str, compression: str | None) -> str:
    """An output file's name ends in this: .jsonl[.gz|.zst], or .parquet (compressed inside)."""
    return ".parquet" if output_format == "parquet" else SUFFIXES[compression]


def file_class(output_format: str) -> type:
    """The class of one output file of OUTPUT_FORMAT; pyarrow is imported only for Parquet."""
    if output_format == "parquet":
        from pipelines.parquetfile import AtomicParquet

        return AtomicParquet
    if output_format == "jsonl":
        return AtomicJsonLines
    raise ValueError(f"OUTPUT_FORMAT must be one of {', '.join(FORMATS)}, not {output_format!r}")


def on_disk(path: Path) -> tuple[int, str]:
    """(records, sha256) of a finished output file of either format, as it is on disk."""
    if path.name.endswith(".parquet"):
        from pipelines.parquetfile import read_back as read_parquet

        return read_parquet(path)
    return read_back(path, {".gz": "gzip", ".zst": "zstd"}.get(path.suffix))
