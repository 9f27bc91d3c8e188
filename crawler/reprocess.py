"""Read articles back out of WARC archives, newest capture of each, for `scrapy reprocess`."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings
from scrapy.utils.asyncio import call_later
from tqdm import tqdm
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from crawler import signals as bersih_signals
from crawler.canonical import url_key
from crawler.cli import log_above_bars
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


def _captures(files: list[Path], on_problem) -> Iterator[Capture]:
    """Every archived article page of the files, headers only, with a bar of the bytes read on a terminal."""
    total = sum(path.stat().st_size for path in files if path.is_file())
    with tqdm(total=total, desc="survey", unit="B", unit_scale=True, file=sys.stderr, disable=None,
              leave=False) as bar:  # fmt: skip
        for path in files:
            seen = 0
            for offset, record in _records(path, on_problem):
                bar.update(offset - seen)
                seen = offset
                headers = record.rec_headers
                article = headers.get_header(ARTICLE_HEADER)
                if record.rec_type == "response" and article:
                    page = int(headers.get_header(PAGE_HEADER) or 1)
                    date, site = headers.get_header("WARC-Date") or "", headers.get_header(SITE_HEADER) or ""
                    yield Capture(path, offset, article, page, date, site)


def survey(files: list[Path], on_problem) -> dict[str, list[Capture]]:
    """Pass one, headers only: for each article, its newest capture with the pages fetched after it."""
    found: dict[str, list[Capture]] = {}
    for capture in _captures(files, on_problem):
        found.setdefault(url_key(capture.article), []).append(capture)
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
    """Yields the archived articles as pages, for the usual pipelines; fetches nothing.

    Scrapy takes the items of start() as fast as they come, with none of the backpressure it puts
    on responses: every archived body was read into memory before the first was cleaned. So no
    more than in_flight_limit() articles are read ahead of the ones the pipelines have finished.
    """

    name = "reprocess"
    # Damaged archives are reported by name and outcome, not judged by the crawl's health thresholds.
    custom_settings: ClassVar[dict] = {"WARC_ENABLED": False, "STATE_ENABLED": False, "ROBOTSTXT_OBEY": False,
                                       "HEALTH_MAX_ERROR_RATE": 1.0}  # fmt: skip

    def __init__(self, files: list[str], **kwargs: Any):
        super().__init__(**kwargs)
        self.files = [Path(f) for f in files]
        self.in_flight = 0
        self._room = asyncio.Event()
        self._bar: tqdm | None = None
        self._bars = ExitStack()  # what the bars changed, undone when the spider closes

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ReprocessSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(spider.item_done, signal=signal)
        crawler.signals.connect(spider.closed_bar, signal=signals.spider_closed)
        return spider

    def item_done(self, **kwargs: Any) -> None:
        """An article left the pipelines (written, dropped or in error): room for the next."""
        self.in_flight -= 1
        self._room.set()
        if self._bar is not None:
            self._bar.update()
        if self.in_flight == 0:
            call_later(0, self._close_if_stopping)  # once Scrapy has counted the item out

    def _close_if_stopping(self) -> None:
        """Let a stopping run (Ctrl-C, SIGTERM) close once its last article is through.

        Scrapy closes a spider when its scraper is idle, but checks that only as responses end,
        not as the items of start() do (scrapy/scrapy#7029): reprocess, which has no response,
        would wait forever after Ctrl-C. While the run closes, this looks again every 0.1 s
        until the scraper has counted the last article out.
        """
        scraper = getattr(self.crawler.engine, "scraper", None)
        slot = getattr(scraper, "slot", None)
        check = getattr(scraper, "_check_if_closing", None)
        if check is None or slot is None or not slot.closing or self.in_flight:
            return
        if slot.is_idle():
            check()
        else:
            call_later(0.1, self._close_if_stopping)

    def closed_bar(self, spider: Spider) -> None:
        if self._bar is not None:
            self._bar.close()
        self._bars.close()

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
        self._bars.enter_context(log_above_bars())  # the crawl's log handler is in place by now
        articles = survey(self.files, self.report)
        self.logger.info("Reprocessing %d articles from %d WARC files", len(articles), len(self.files))
        # Every article is in the manifest from the start: one the run does not reach shows as failed.
        sites = {key: _site(key, captures[0]) for key, captures in articles.items()}
        for key, captures in articles.items():
            self.crawler.signals.send_catch_log(
                bersih_signals.article_scheduled, url=captures[0].article, key=key, site=sites[key]
            )
        limit = in_flight_limit(self.crawler.settings)
        self._bar = tqdm(total=len(articles), desc="reprocess", unit="article", file=sys.stderr, disable=None)
        for key, captures in articles.items():
            while self.in_flight >= limit:
                self._room.clear()
                await self._room.wait()
            first = captures[0]
            try:
                pages = [read_page(c) for c in captures]
            except DamagedRecordError as exc:
                self.report(first.file, f"record of {first.article}: {exc}")
                self.crawler.signals.send_catch_log(
                    bersih_signals.article_outcome, key=key, outcome="failed", reason="damaged-warc-record",
                    detail=str(exc),
                )  # fmt: skip
                self._bar.update()
                continue
            body, content_type, status, fetched = pages[0]
            if [c.page for c in captures] != list(range(1, len(captures) + 1)):
                self.logger.warning(
                    "Archived article %s lacks some of its pages; its pages are stitched as found", key
                )
            self.crawler.stats.inc_value("bersih/pages")
            self.in_flight += 1
            self.crawler.stats.max_value("bersih/reprocess/peak_in_flight", self.in_flight)
            yield Page(
                url=first.article,
                fetched_url=fetched,
                status=status,
                content_type=content_type,
                body=body,
                site=sites[key],
                more_bodies=[p[0] for p in pages[1:]],
                crawled_at=_warc_date(first.date),
            )


def in_flight_limit(settings: BaseSettings) -> int:
    """Articles read ahead of the pipelines: twice the pages the cleaning pool takes at once."""
    workers = settings.get("EXTRACT_WORKERS")
    cores = int(workers) if workers not in (None, "") and int(workers) > 0 else (os.cpu_count() or 1)
    return 2 * (settings.getint("EXTRACT_MAX_IN_FLIGHT") or 2 * cores)


def _site(key: str, capture: Capture) -> str:
    """The archived site, else the profile of the URL, else its host."""
    return capture.site or getattr(profile_for_url(capture.article), "name", "") or key.split("/")[0]


def _warc_date(stamp: str) -> str | None:
    """WARC-Date (2026-11-25T18:38:02Z) as the record's crawled_at."""
    return stamp[:19] + "Z" if len(stamp) >= 19 else None
