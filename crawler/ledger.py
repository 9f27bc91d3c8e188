"""The run manifest: every article URL a run schedules, and what became of it."""

from __future__ import annotations

import json
import logging
import os
import platform
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import scrapy
import trafilatura
from scrapy import signals
from scrapy.crawler import Crawler

from crawler import __version__, faults
from crawler import signals as bersih_signals
from crawler.canonical import url_key
from crawler.drift import drift_of, quality_of
from crawler.extract import rules_version
from crawler.health import assess, older_than_since
from crawler.items import Article
from crawler.outcomes import OUTCOMES, counts_of
from crawler.recovery import release
from crawler.run import run_id
from crawler.state import state_for

logger = logging.getLogger(__name__)

# Settings a reader of the manifest needs to judge the run.
RECORDED_SETTINGS = (
    "OUTPUT_DIR", "STATE_DIR", "STATE_REFETCH_WINDOW", "VALIDATE_MIN_WORDS", "EXTRACT_MAX_BYTES",
    "DOWNLOAD_MAXSIZE", "ROBOTSTXT_OBEY", "AUTOTHROTTLE_ENABLED", "REPLAY_DIR", "REPLAY_SERVER",
    "DEDUP_ACTION", "NEAR_DUP_THRESHOLD", "LANGUAGE_EXPECTED", "LANGUAGE_ACTION", "CHECKPOINT_RECORDS",
    "CHECKPOINT_SECONDS",
)  # fmt: skip


class Ledger:
    """Collects outcomes through signals; writes OUTPUT_DIR/<run-id>.manifest.json atomically at the end.

    `counts` add up: scheduled = written + skipped + duplicate + rejected + failed. A
    scheduled URL with no outcome when the run ends is recorded as failed ("no outcome"),
    so that a loss shows rather than hides.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        # Known before this run writes anything: did the site yield articles before?
        self.written_before: dict[str, bool] = {}
        self.output_dir = Path(crawler.settings.get("OUTPUT_DIR"))
        self.started = datetime.now(UTC)
        self.urls: dict[str, dict] = {}
        self.outputs: list[dict] = []
        self.warc_parts: list[dict] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Ledger:
        ledger = cls(crawler)
        crawler.signals.connect(ledger.scheduled, signal=bersih_signals.article_scheduled)
        crawler.signals.connect(ledger.outcome, signal=bersih_signals.article_outcome)
        crawler.signals.connect(ledger.committed, signal=bersih_signals.output_committed)
        crawler.signals.connect(ledger.abandoned, signal=bersih_signals.output_abandoned)
        crawler.signals.connect(ledger.records_failed, signal=bersih_signals.records_failed)
        crawler.signals.connect(ledger.archived, signal=bersih_signals.archive_closed)
        crawler.signals.connect(ledger.checkpoint, signal=bersih_signals.checkpoint_committed)
        crawler.signals.connect(ledger.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ledger.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(ledger.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ledger.spider_closed, signal=signals.spider_closed)
        return ledger

    # --- signal handlers -------------------------------------------------------

    def spider_opened(self, spider) -> None:
        site = getattr(getattr(spider, "profile", None), "name", None)
        if site:
            self._note_history(site)

    def _note_history(self, site: str) -> None:
        """Whether the site yielded articles before this run (asked while the state is open)."""
        if site not in self.written_before:
            store = state_for(self.crawler)
            self.written_before[site] = bool(store and store.has_written(site))

    def scheduled(self, url: str, key: str, site: str) -> None:
        self.urls.setdefault(key, {"url": url, "site": site, "outcome": None})
        self._note_history(site)

    def outcome(
        self, key: str, outcome: str, reason: str = "", detail: str = "", provisional: bool = False
    ) -> None:
        entry = self.urls.setdefault(key, {"url": key, "site": None, "outcome": None})
        if entry["outcome"] is None or entry.pop("provisional", False):  # the first final outcome stands
            entry.update(outcome=outcome, reason=reason, detail=detail)
            if provisional:
                entry["provisional"] = True

    def item_scraped(self, item, response, spider) -> None:
        if isinstance(item, Article):
            self.outcome(item.key, "written")

    def item_dropped(self, item, response, exception, spider) -> None:
        url = getattr(exception, "url", None) or getattr(item, "url", None)  # a Page's or an Article's
        if url:
            kind = getattr(exception, "outcome", "rejected")
            reason = getattr(exception, "reason", "") or str(exception)
            self.outcome(url_key(url), kind, reason, getattr(exception, "detail", ""))

    def abandoned(self, reason: str, urls: list[str]) -> None:
        for url in urls:
            entry = self.urls.get(url_key(url))
            if entry is not None and entry["outcome"] in (None, "written"):
                entry.update(outcome="failed", reason="not-committed", detail=reason)

    def records_failed(self, urls: list[str], reason: str, detail: str = "") -> None:
        for url in urls:
            self.urls.setdefault(url_key(url), {"url": url, "site": None, "outcome": None}).update(
                outcome="failed", reason=reason, detail=detail
            )

    def archived(self, path: Path, records: int, error: str = "") -> None:
        where = path.relative_to(self.output_dir) if path.is_relative_to(self.output_dir) else path
        part = {"path": str(where), "records": records, "complete": not error, "error": error}
        self.warc_parts.append(part)

    def warc(self) -> dict | None:
        """The run's archive: its parts (one per checkpoint), and whether every one is complete."""
        if not self.warc_parts:
            return None
        return {
            "path": self.warc_parts[0]["path"],
            "parts": [{"path": p["path"], "records": p["records"]} for p in self.warc_parts],
            "records": sum(p["records"] for p in self.warc_parts),
            "complete": all(p["complete"] for p in self.warc_parts),
            "error": next((p["error"] for p in self.warc_parts if p["error"]), ""),
        }

    def committed(self, path: Path, records: int, sha256: str) -> None:
        self.outputs.append(
            {"path": str(path.relative_to(self.output_dir)), "records": records, "sha256": sha256}
        )

    # --- the manifest ----------------------------------------------------------

    def entries(self) -> Iterator[dict]:
        """The URL entries as the run stands, in key order, one at a time: a run may schedule 200,000."""
        for key, entry in sorted(self.urls.items()):
            yield {"key": key, **_as_it_stands(entry)}

    def manifest(self, reason: str) -> dict:
        """The manifest as the run stands, but for its URL entries (entries(), written streamed)."""
        counts, sites = counts_of(_as_it_stands(entry) for entry in self.urls.values())
        settings = self.crawler.settings
        spider = self.crawler.spider
        own_site = getattr(getattr(spider, "profile", None), "name", None)
        problems = {
            site: reasons
            for site in sorted({*sites, *([own_site] if own_site else [])})
            if (
                reasons := assess(
                    sites.get(site, {"scheduled": 0}),
                    self.written_before.get(site, False),
                    settings.getfloat("HEALTH_MAX_ERROR_RATE"),
                    settings.getint("HEALTH_MIN_SCHEDULED"),
                    older_than_since(self.crawler, site, self.urls.values()),
                )
            )
        }
        return {
            "run_id": run_id(self.crawler),
            "state_id": getattr(getattr(state_for(self.crawler), "store", None), "state_id", None),
            "spider": spider.name,
            "finish_reason": reason,
            "started_at": self.started.isoformat(timespec="seconds"),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "versions": {
                "bersih": __version__,
                "rules": rules_version(getattr(spider, "profile", None)),
                "scrapy": scrapy.__version__,
                "trafilatura": trafilatura.__version__,
                "python": platform.python_version(),
            },
            "settings": {name: settings.get(name) for name in RECORDED_SETTINGS},
            "arguments": {k: getattr(spider, k) for k in ("since", "index_dates") if hasattr(spider, k)},
            "counts": counts,
            "sites": sites,
            "health": {"ok": not problems, "problems": problems},
            "outputs": list(self.outputs),
            "warc": self.warc(),
            "recovered": {k: v for k, v in (recovered_of(self.crawler) or {}).items() if v},
            # Per site: the run's quality measures and drift alarms (crawler/drift, README "Drift alarms")
            "quality": quality_of(self.crawler),
            "drift": drift_of(self.crawler),
        }

    def checkpoint(self, urls: list[str]) -> None:
        """A checkpoint committed `urls`: the manifest as the run stands, replaced by the next one."""
        for url in urls:
            self.outcome(url_key(url), "written")
        manifest = self.manifest("checkpoint")
        path = self.output_dir / f"{manifest['run_id']}.manifest.json"
        try:
            faults.crash("before-manifest")
            write_manifest(path, manifest, self.entries())
        except OSError as exc:  # the outputs are committed; the run's end writes the manifest again
            logger.warning("Could not write the checkpoint manifest %s: %s", path, exc)

    def spider_closed(self, spider, reason: str) -> None:
        refused = self.crawler.stats.get_value("bersih/start_error")
        if refused:  # nothing ran; its manifest could only overwrite an earlier run's
            logger.info("No manifest: the run did not start (%s)", refused)
            return
        manifest = self.manifest(reason)
        path = self.output_dir / f"{manifest['run_id']}.manifest.json"
        try:
            faults.crash("before-manifest")
            write_manifest(path, manifest, self.entries())
            release(self.crawler)
        except OSError as exc:
            logger.error("Could not write the manifest %s: %s", path, exc)
            self.crawler.stats.set_value("bersih/manifest_failed", f"{path}: {exc}")
        for site, reasons in manifest["health"]["problems"].items():
            for reason in reasons:
                logger.error("Health check failed for %s: %s", site, reason)
        self.crawler.stats.set_value("bersih/health_ok", manifest["health"]["ok"])
        self.crawler.stats.set_value(
            "bersih/health_problems",
            [
                f"{site}: {reason}"
                for site, reasons in manifest["health"]["problems"].items()
                for reason in reasons
            ],
        )
        counts = manifest["counts"]
        logger.info(
            "Manifest %s: %d scheduled = %d written + %d skipped + %d duplicate + %d rejected + %d failed",
            path, counts["scheduled"], *(counts[o] for o in OUTCOMES),
        )  # fmt: skip


def _as_it_stands(entry: dict) -> dict:
    """An entry as the manifest gives it: a URL still without an outcome is failed ("no-outcome")."""
    entry = {k: v for k, v in entry.items() if k != "provisional"}
    if entry["outcome"] is None:
        entry.update(outcome="failed", reason="no-outcome", detail="the run stopped before this URL ended")
    return entry


def write_manifest(path: Path, manifest: dict, entries: Iterable[dict]) -> None:
    """Write a manifest atomically, its URL entries last and one at a time, never as one big string."""
    head = json.dumps({**manifest, "urls": []}, ensure_ascii=False, indent=1, default=str)
    if not head.endswith(' "urls": []\n}'):
        raise ValueError("a manifest's URL entries must be its last field")
    with _atomic(path) as fh:
        fh.write(head[: -len("[]\n}")] + "[")
        for n, entry in enumerate(entries):
            fh.write(("," if n else "") + "\n  " + json.dumps(entry, ensure_ascii=False, default=str))
        fh.write("\n ]\n}")


def recovered_of(crawler: Crawler) -> dict | None:
    """What this run put right of killed runs' leftovers (crawler/recovery.py)."""
    return crawler.stats.get_value("bersih/recovered")


def write_atomically(path: Path, text: str) -> None:
    """Write under a temporary name, flush to disk, rename: the final name means complete."""
    with _atomic(path) as fh:
        fh.write(text)


@contextmanager
def _atomic(path: Path) -> Iterator[TextIO]:
    """A file written under a temporary name, flushed to disk and renamed only when whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.part")
    with partial.open("w", encoding="utf-8") as fh:
        yield fh
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(partial, path)
