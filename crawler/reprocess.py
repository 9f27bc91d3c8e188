"""Read articles back out of WARC archives, newest capture of each, for `scrapy reprocess`."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from scrapy import Spider
from tqdm import tqdm
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from crawler import signals as bersih_signals
from crawler.canonical import url_key
from crawler.items import Page
from crawler.profiles import profile_for_url
from crawler.warc import ARTICLE_HEADER, PAGE_HEADER, SITE_HEADER

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Capture:
    """Where one article page sits in the archives."""

    file: Path
    offset: int
    article: str
    page: int
    date: str
    site: str


def _records(path: Path, on_problem) -> Iterator[tuple[int, Any]]:
    """(offset, record) of a WARC file; a damaged file is reported with how many records came before.

    warcio reads any text as ARC lines; Bersih writes WARC only, so the first record of another
    format ends the file as damage, and a file with no WARC record at all is reported as such.
    """
    read, problem = 0, ""
    try:
        with path.open("rb") as fh:
            iterator = ArchiveIterator(fh)
            for record in iterator:
                if record.format != "warc":
                    problem = f"no WARC record at offset {iterator.get_record_offset()}"
                    break
                yield iterator.get_record_offset(), record
                read += 1
    except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
        problem = f"{type(exc).__name__}: {exc}"
    if problem or not read:
        on_problem(path, problem or "empty", read)


def survey(files: list[Path], on_problem) -> dict[str, list[Capture]]:
    """Pass one, headers only: for each article, its newest capture with the pages fetched after it."""
    found: dict[str, list[Capture]] = {}
    for path in files:
        for offset, record in _records(path, on_problem):
            headers = record.rec_headers
            article = headers.get_header(ARTICLE_HEADER)
            if record.rec_type != "response" or not article:
                continue
            page = int(headers.get_header(PAGE_HEADER) or 1)
            date, site = headers.get_header("WARC-Date") or "", headers.get_header(SITE_HEADER) or ""
            found.setdefault(url_key(article), []).append(Capture(path, offset, article, page, date, site))
    chosen = {}
    for key, captures in found.items():
        firsts = [c for c in captures if c.page == 1]
        if not firsts:
            continue  # later pages without their first: nothing to stitch onto
        newest = max(firsts, key=lambda c: c.date)
        later: dict[int, Capture] = {}
        for capture in sorted(captures, key=lambda c: c.date):
            if capture.page > 1 and capture.date >= newest.date:
                later.setdefault(capture.page, capture)
        chosen[key] = [newest, *(later[n] for n in sorted(later))]
    return chosen


class DamagedRecordError(ValueError):
    """A WARC record whose body is shorter than it says: the file was cut."""


def read_page(capture: Capture) -> tuple[bytes, str | None, int, str]:
    """Body, content type, status and URL of one captured response."""
    try:
        with capture.file.open("rb") as fh:
            fh.seek(capture.offset)
            record = next(iter(ArchiveIterator(fh)))
            http = record.http_headers
            body = record.content_stream().read()
    except (ArchiveLoadFailed, OSError, EOFError, StopIteration) as exc:
        raise DamagedRecordError(f"{type(exc).__name__}: {exc}") from exc
    declared = http.get_header("Content-Length")
    if declared and declared.isdigit() and int(declared) != len(body):
        raise DamagedRecordError(f"body is {len(body)} bytes of the {declared} recorded")
    return (
        body,
        http.get_header("Content-Type"),
        int(http.get_statuscode() or 0),
        record.rec_headers.get_header("WARC-Target-URI"),
    )


class ReprocessSpider(Spider):
    """Yields the archived articles as pages, for the usual pipelines; fetches nothing."""

    name = "reprocess"
    # Damaged archives are reported by name and outcome, not judged by the crawl's health thresholds.
    custom_settings: ClassVar[dict] = {"WARC_ENABLED": False, "STATE_ENABLED": False, "ROBOTSTXT_OBEY": False,
                                       "HEALTH_MAX_ERROR_RATE": 1.0}  # fmt: skip

    def __init__(self, files: list[str], **kwargs: Any):
        super().__init__(**kwargs)
        self.files = [Path(f) for f in files]

    def report(self, path: Path, problem: str, read: int = 1) -> None:
        """A damaged WARC file; one with no readable record at all fails the command (exit 2)."""
        if not read:
            self.logger.error("WARC %s holds no readable record (%s)", path, problem)
            self.crawler.stats.inc_value("bersih/reprocess/unreadable_warc")
            return
        self.logger.error(
            "WARC %s is truncated or corrupt (%s); the records before the damage are used", path, problem
        )
        self.crawler.stats.inc_value("bersih/reprocess/damaged_warc")

    async def start(self) -> AsyncIterator[Page]:
        articles = survey(self.files, self.report)
        self.logger.info("Reprocessing %d articles from %d WARC files", len(articles), len(self.files))
        progress = tqdm(articles.items(), desc="reprocess", unit="article", file=sys.stderr, disable=None)
        for key, captures in progress:
            first = captures[0]
            site = first.site or getattr(profile_for_url(first.article), "name", "") or key.split("/")[0]
            self.crawler.signals.send_catch_log(
                bersih_signals.article_scheduled, url=first.article, key=key, site=site
            )
            try:
                pages = [read_page(c) for c in captures]
            except DamagedRecordError as exc:
                self.report(first.file, f"record of {first.article}: {exc}")
                self.crawler.signals.send_catch_log(
                    bersih_signals.article_outcome, key=key, outcome="failed", reason="damaged-warc-record",
                    detail=str(exc),
                )  # fmt: skip
                continue
            body, content_type, status, fetched = pages[0]
            if [c.page for c in captures] != list(range(1, len(captures) + 1)):
                self.logger.warning(
                    "Archived article %s lacks some of its pages; its pages are stitched as found", key
                )
            self.crawler.stats.inc_value("bersih/pages")
            yield Page(
                url=first.article,
                fetched_url=fetched,
                status=status,
                content_type=content_type,
                body=body,
                site=site,
                more_bodies=[p[0] for p in pages[1:]],
                crawled_at=_warc_date(first.date),
            )


def _warc_date(stamp: str) -> str | None:
    """WARC-Date (2026-11-25T18:38:02Z) as the record's crawled_at."""
    return stamp[:19] + "Z" if len(stamp) >= 19 else None
