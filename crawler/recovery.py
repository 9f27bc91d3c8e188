"""What a killed run left behind, put right when the next run starts (README, "Only what is new").

- Committed output parts are renamed when the state opens (StateStore.finish_renames). A committed
  part that is gone is an error naming it (status 4), and its articles were taken out of the state.
- A killed run's committed files that no manifest lists get their run's manifest, rebuilt from the
  files on disk: `finish_reason` "killed", `recovered_by` the run that wrote it.
- A run leaves `.<run-id>.owner` (its pid and host) in OUTPUT_DIR while it runs. The `.part` files of a run
  whose process is gone are removed, except its WARC part, which is finished: cut back to its last
  whole record and renamed (removed when it holds none). The resume's manifest lists all this under
  `recovered`.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
from datetime import UTC, datetime
from pathlib import Path

from scrapy.crawler import Crawler
from warcio.archiveiterator import ArchiveIterator

from crawler import __version__
from crawler.canonical import url_key
from crawler.outcomes import counts_of
from crawler.run import process_alive, run_id
from crawler.warc import warc_directory

logger = logging.getLogger(__name__)

WARC_PART = ".warc.gz.part"


def owner_file(output_dir: Path, run: str) -> Path:
    return output_dir / f".{run}.owner"


def _owner_alive(path: Path) -> bool:
    """Whether the run that wrote an owner file may still be writing (one of another host may be)."""
    try:
        pid, _, host = path.read_text().strip().partition(" ")
        pid = int(pid)
    except (OSError, ValueError):
        return False
    if host and host != socket.gethostname():
        return True  # a worker of another machine sharing the folder: not ours to judge
    return pid == os.getpid() or process_alive(pid)


def recover(crawler: Crawler, store) -> dict:
    """Finish or remove what dead runs left in OUTPUT_DIR; then mark this run's own files as owned."""
    settings = crawler.settings
    output_dir = Path(settings.get("OUTPUT_DIR"))
    found: dict[str, list[str]] = {"missing": [], "removed": [], "warcs": [], "manifests": []}
    sqlite = store is not None and store.keeps_outputs
    if sqlite and store.store.missing:
        found["missing"], store.store.missing = store.store.missing, []
        for part in found["missing"]:
            logger.error("Committed output %s is gone: its articles are taken out of the state and "
                         "fetched again", part)  # fmt: skip
        crawler.stats.set_value("bersih/committed_part_missing", ", ".join(found["missing"]))
    for owner in sorted(output_dir.glob(".*.owner")):
        if _owner_alive(owner):
            continue
        run = owner.name[1 : -len(".owner")]
        own = re.compile(rf"\.{re.escape(run)}(-\d{{4}})?\.(jsonl(\.gz|\.zst)?|parquet|manifest\.json)\.part")
        for part in sorted(output_dir.rglob(f".{run}*.part")):
            if own.fullmatch(part.name):  # not another run whose id starts with this one's
                part.unlink(missing_ok=True)
                found["removed"].append(str(part))
        own_warc = re.compile(rf"\.{re.escape(run)}(-\d{{4}})?{re.escape(WARC_PART)}")
        for warc_part in sorted(warc_directory(settings).glob(f".{run}*{WARC_PART}")):
            if own_warc.fullmatch(warc_part.name):
                found["warcs"].append(finish_warc(warc_part))
        owner.unlink(missing_ok=True)
    if sqlite:
        for run, (folder, finals) in store.store.unlisted_outputs().items():
            if owner_file(folder, run).exists() and _owner_alive(owner_file(folder, run)):
                continue  # a live run's own, listed when it ends
            path = write_recovered_manifest(folder, run, finals, run_id(crawler), warc_directory(settings))
            store.store.outputs_listed(run)
            if path:
                found["manifests"].append(str(path))
    for kind, items in found.items():
        if items and kind != "missing":
            logger.warning("Recovered after a killed run: %s %s", kind, ", ".join(items))
    crawler.stats.set_value("bersih/recovered", found)
    owner_file(output_dir, run_id(crawler)).write_text(f"{os.getpid()} {socket.gethostname()}\n")
    return found


def release(crawler: Crawler) -> None:
    """The run's manifest is written: it owns no partial file any more.

    (The state is closed by now: the next run drops the run's unlisted_outputs, as its manifest exists.)
    """
    owner_file(Path(crawler.settings.get("OUTPUT_DIR")), run_id(crawler)).unlink(missing_ok=True)


def finish_warc(partial: Path) -> str:
    """Keep a dead run's WARC part up to its last whole record, under its final name; or remove it."""
    final = partial.with_name(partial.name[1 : -len(".part")])
    end = records = 0
    try:
        with partial.open("rb") as fh:
            iterator = ArchiveIterator(fh)
            for record in iterator:
                record.content_stream().read()
                iterator.read_to_end(record)
                end = iterator.get_record_offset() + iterator.get_record_length()
                records += 1
    except Exception as exc:  # a cut record: what came before it stands
        logger.info("WARC %s ends in a partial record (%s); keeping the %d whole ones", partial, exc, records)
    if not records:
        partial.unlink(missing_ok=True)
        return f"{partial} removed (no whole record)"
    with partial.open("r+b") as fh:
        fh.truncate(end)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(partial, final)
    return f"{final} finished ({records} records)"


def write_recovered_manifest(
    folder: Path, run: str, finals: list[Path], by: str, warc_dir: Path
) -> Path | None:
    """The manifest of a run killed after a commit, from its committed files as they are on disk.

    A run killed after a checkpoint left the manifest of that checkpoint: the files committed
    since are added to it. None when the run wrote its own final manifest (it ended, or was
    killed after it).
    """
    from crawler.ledger import write_atomically

    path = folder / f"{run}.manifest.json"
    earlier = _checkpoint_manifest(path)
    if path.exists() and earlier is None:
        return None
    manifest = earlier or _empty_manifest(run)
    listed = {o["path"] for o in manifest["outputs"]}
    urls = {u["key"]: u for u in manifest["urls"]}
    for final in finals:
        where = str(final.relative_to(folder))
        if not final.exists() or where in listed:
            continue
        manifest["outputs"].append(_output_on_disk(folder, final))
        site = final.relative_to(folder).parts[0]
        for url in _urls_of(final):
            entry = urls.setdefault(url_key(url), {"key": url_key(url), "url": url, "site": site})
            entry.update(outcome="written", reason="", detail="")
    manifest["urls"] = sorted(urls.values(), key=lambda u: u["key"])
    manifest["counts"], manifest["sites"] = counts_of(manifest["urls"])
    manifest["warc"] = _warc_parts(warc_dir, folder, run) or manifest.get("warc")
    manifest.update(
        finish_reason="killed", recovered_by=by, finished_at=datetime.now(UTC).isoformat(timespec="seconds")
    )
    write_atomically(path, json.dumps(manifest, ensure_ascii=False, indent=1))
    return path


def _checkpoint_manifest(path: Path) -> dict | None:
    """The manifest a run wrote at its last checkpoint, if that is the one it left."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if manifest.get("finish_reason") == "checkpoint" else None


def _empty_manifest(run: str) -> dict:
    """A manifest for a run killed before its first checkpoint: what its committed files say."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        started = datetime.strptime(run[:16], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).isoformat()
    except ValueError:
        started = now
    return {
        "run_id": run,
        "spider": None,
        "finish_reason": "killed",
        "started_at": started,
        "finished_at": now,
        "versions": {"bersih": __version__},
        "settings": {},
        "arguments": {},
        "health": {"ok": True, "problems": {}},
        "outputs": [],
        "warc": None,
        "urls": [],
    }


def _output_on_disk(folder: Path, final: Path) -> dict:
    from pipelines.outfile import on_disk

    records, sha256 = on_disk(final)
    return {"path": str(final.relative_to(folder)), "records": records, "sha256": sha256}


def _urls_of(final: Path) -> list[str]:
    if final.suffix == ".parquet":
        from pipelines.parquetfile import urls_in

        return urls_in(final)
    return [json.loads(line)["url"] for line in _lines(final, _compression(final))]


def _compression(final: Path) -> str | None:
    return {".gz": "gzip", ".zst": "zstd"}.get(final.suffix)


def _warc_parts(warc_dir: Path, folder: Path, run: str) -> dict | None:
    """The run's finished WARC parts on disk (records not counted: they were not read)."""
    own = re.compile(rf"{re.escape(run)}(-\d{{4}})?\.warc\.gz")
    parts = [p for p in sorted(warc_dir.glob(f"{run}*.warc.gz")) if own.fullmatch(p.name)]
    if not parts:
        return None
    where = [str(p.relative_to(folder) if p.is_relative_to(folder) else p) for p in parts]
    return {
        "path": where[0],
        "parts": [{"path": w, "records": None} for w in where],
        "records": None,
        "complete": True,
        "error": "",
    }


def _lines(path: Path, compression: str | None) -> list[str]:
    raw = path.read_bytes()
    if compression == "gzip":
        import gzip

        raw = gzip.decompress(raw)
    elif compression == "zstd":
        import zstandard

        raw = zstandard.ZstdDecompressor().decompressobj().decompress(raw)
    return raw.decode("utf-8").splitlines()
