"""`scrapy rebuildstate`: remake a lost or corrupt state store from the output already written."""

from __future__ import annotations

import argparse
import json
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import zstandard
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from tqdm import tqdm

from crawler.canonical import url_key
from crawler.dataset import file_format
from crawler.exitcodes import CONFIG
from crawler.neardup import signature, to_bytes
from crawler.preflight import newest_manifest
from crawler.state import StateStore, Written
from crawler.timespec import parse_duration

FIELDS = ("url", "site", "content_hash", "text")  # what the state is rebuilt from


def unpacked(path: Path) -> tuple[bytes, str]:
    """An output file's bytes as far as they read, and what stopped them: a cut file gives its start."""
    raw = path.read_bytes()
    if not path.name.endswith((".gz", ".zst")):
        return raw, ""
    gz = path.name.endswith(".gz")
    kind, error = ("gzip", zlib.error) if gz else ("zstd", zstandard.ZstdError)
    out: list[bytes] = []
    while raw:  # one member or frame after another, as the writer may append them
        unpacker = (
            zlib.decompressobj(zlib.MAX_WBITS | 16) if gz else zstandard.ZstdDecompressor().decompressobj()
        )
        try:
            out.append(unpacker.decompress(raw))
        except error as exc:
            return b"".join(out), f"not readable as {kind}: {exc}"
        if not unpacker.eof:
            return b"".join(out), f"the {kind} stream is cut short"
        raw = unpacker.unused_data
    return b"".join(out), ""


def read_parquet(path: Path) -> Iterator[tuple[int, dict | None, str]]:
    """(row, record, "") per record of a Parquet output file; a damaged file is named, its rows read."""
    import pyarrow.parquet as pq

    number = 0
    try:
        for batch in pq.ParquetFile(path).iter_batches(columns=[*FIELDS, "revision", "published"]):
            for record in batch.to_pylist():
                number += 1
                yield number, record, ""
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        yield number + 1, None, f"not readable as Parquet: {exc}; read up to here"


def read_records(path: Path) -> Iterator[tuple[int, dict | None, str]]:
    """(line, record, "") per whole record, (line, None, problem) per damaged one: named, the rest read."""
    if path.name.endswith(".parquet"):
        yield from read_parquet(path)
        return
    data, stopped = unpacked(path)
    lines = data.split(b"\n")
    cut = lines[-1] != b""  # the file ends inside its last line
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        last = number == len(lines)
        try:
            record = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            if last and cut:
                yield (
                    number,
                    None,
                    "cut short: the file ends inside this record" + (f" ({stopped})" * bool(stopped)),
                )
                stopped = ""
            else:
                yield number, None, f"not a JSON record ({exc})"
            continue
        missing = [f for f in FIELDS if not isinstance(record, dict) or f not in record]
        if missing:
            yield number, None, f"not a Bersih record (no {missing[0]!r})"
            continue
        yield number, record, ""
    if stopped:
        yield len(lines), None, f"{stopped}; read up to here"


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}  # noqa: RUF012

    def syntax(self) -> str:
        return "[OUTPUT_DIR]"

    def short_desc(self) -> str:
        return "Rebuild the state store from the JSON Lines or Parquet output in OUTPUT_DIR"

    def long_desc(self) -> str:
        return (
            "Read every JSON Lines or Parquet file under OUTPUT_DIR (default: the OUTPUT_DIR setting), "
            "oldest run first, and record each article's latest text in a new state store at STATE_DIR, "
            "so that the next run writes only what is new. "
            "STATE_DIR must not hold a state already: move the old one aside. "
            "A line that is not a whole record (a file cut short) is named on stderr with its file and "
            "line number and left out; the rest is read, and the next run fetches what it held again, "
            "so the exit status stays 0. A file with no readable record at all exits 2."
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        output_dir = Path(args[0] if args else self.settings.get("OUTPUT_DIR"))
        state_dir = Path(self.settings.get("STATE_DIR"))
        if (state_dir / "bersih.sqlite3").exists():
            raise UsageError(f"{state_dir / 'bersih.sqlite3'} exists; move it aside to rebuild the state")
        files = sorted(
            (p for p in output_dir.rglob("*") if file_format(p) and not p.name.startswith(".")
             and "warc" not in p.parts and p.is_file()),
            key=lambda p: p.name,  # run ids start with the UTC start time
        )  # fmt: skip
        if not files:
            raise UsageError(f"no JSON Lines or Parquet files under {output_dir}")
        latest: dict[str, Written] = {}
        signatures: dict[str, tuple[str, str, bytes]] = {}
        damaged, unreadable = 0, []
        for path in tqdm(files, desc="rebuildstate", unit="file", file=sys.stderr, disable=None):
            found = bad = 0
            for number, record, problem in read_records(path):
                if record is None:
                    bad += 1
                    tqdm.write(f"{path}: line {number}: {problem}; left out", file=sys.stderr)
                    continue
                found += 1
                key = url_key(record["url"])
                latest[key] = Written(
                    key, record["url"], record["site"], record["content_hash"],
                    record.get("revision", 1), record.get("published"), None,
                )  # fmt: skip
                signatures[key] = (key, record["url"], to_bytes(signature(record["text"])))
            damaged += bad
            if bad and not found:
                unreadable.append(path)
        store = StateStore(state_dir, parse_duration(self.settings.get("STATE_REFETCH_WINDOW")))
        try:
            newest = newest_manifest(output_dir)
            if newest:  # the rebuilt state is the one that output's manifests name
                store.adopt_identity(newest[1]["state_id"])
            store.commit(list(latest.values()), [], "rebuildstate", list(signatures.values()))
        finally:
            store.close()
        print(f"Rebuilt {store.path}: {len(latest)} articles from {len(files)} files under {output_dir}")
        if damaged:
            print(
                f"{damaged} damaged {'line' if damaged == 1 else 'lines'} left out (named above): "
                "the next run fetches their articles again",
                file=sys.stderr,
            )
        if unreadable:
            print(f"Error: no readable record in {', '.join(map(str, unreadable))}", file=sys.stderr)
            self.exitcode = CONFIG
