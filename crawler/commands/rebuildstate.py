"""`scrapy rebuildstate`: remake a lost or corrupt state store from the JSON Lines already written."""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

import zstandard
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from tqdm import tqdm

from crawler.canonical import url_key
from crawler.neardup import signature, to_bytes
from crawler.state import StateStore, Written
from crawler.timespec import parse_duration


def read_lines(path: Path):
    """The lines of a .jsonl, .jsonl.gz or .jsonl.zst file."""
    raw = path.read_bytes()
    if path.name.endswith(".gz"):
        raw = gzip.decompress(raw)
    elif path.name.endswith(".zst"):
        raw = zstandard.ZstdDecompressor().decompressobj().decompress(raw)
    return raw.decode("utf-8").splitlines()


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}  # noqa: RUF012

    def syntax(self) -> str:
        return "[OUTPUT_DIR]"

    def short_desc(self) -> str:
        return "Rebuild the state store from the JSON Lines in OUTPUT_DIR"

    def long_desc(self) -> str:
        return (
            "Read every JSON Lines file under OUTPUT_DIR (default: the OUTPUT_DIR setting), oldest run "
            "first, "
            "and record each article's latest text in a new state store at STATE_DIR, so that the next run "
            "writes only what is new. STATE_DIR must not hold a state already: move the old one aside."
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        output_dir = Path(args[0] if args else self.settings.get("OUTPUT_DIR"))
        state_dir = Path(self.settings.get("STATE_DIR"))
        if (state_dir / "bersih.sqlite3").exists():
            raise UsageError(f"{state_dir / 'bersih.sqlite3'} exists; move it aside to rebuild the state")
        files = sorted(
            (p for p in output_dir.rglob("*.jsonl*") if not p.name.startswith(".") and "warc" not in p.parts),
            key=lambda p: p.name,  # run ids start with the UTC start time
        )
        if not files:
            raise UsageError(f"no JSON Lines files under {output_dir}")
        latest: dict[str, Written] = {}
        signatures: dict[str, tuple[str, str, bytes]] = {}
        for path in tqdm(files, desc="rebuildstate", unit="file", file=sys.stderr, disable=None):
            for line in read_lines(path):
                record = json.loads(line)
                key = url_key(record["url"])
                latest[key] = Written(
                    key, record["url"], record["site"], record["content_hash"],
                    record.get("revision", 1), record.get("published"), None,
                )  # fmt: skip
                signatures[key] = (key, record["url"], to_bytes(signature(record["text"])))
        store = StateStore(state_dir, parse_duration(self.settings.get("STATE_REFETCH_WINDOW")))
        try:
            store.commit(list(latest.values()), [], "rebuildstate", list(signatures.values()))
        finally:
            store.close()
        print(f"Rebuilt {store.path}: {len(latest)} articles from {len(files)} files under {output_dir}")
