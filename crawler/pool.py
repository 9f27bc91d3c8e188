"""Cleaning off the reactor: a pool of worker processes, with a time limit per page.

A worker that hangs past EXTRACT_TIMEOUT, or dies, costs its page alone: pebble replaces
the worker, and the page is rejected as cleaner-timeout or cleaner-crashed.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import TimeoutError as FutureTimeout

from pebble import ProcessExpired, ProcessPool

from crawler.extract import ExtractError, extract
from crawler.extract.language import preload
from crawler.extract.memory import Template
from crawler.profiles import all_profiles, profile_for_url


def clean_pages(
    bodies: list[bytes],
    url: str,
    content_type: str | None,
    site: str,
    max_bytes: int,
    audit: bool = False,
    memory: Template | None = None,
) -> list[tuple[str, object, dict]]:
    """In a worker: each page's ("ok", record or None, layout) or ("error", (reason, message), layout).

    With `audit` (CLEANING_AUDIT), each record lists what cleaning removed (its `removed` field).
    `memory` is the site's learned template (crawler/sitememory): its paragraphs are removed, and
    each layout's "remembered" lists them.
    """
    profile = all_profiles().get(site) or profile_for_url(url)
    results = []
    for body in bodies:
        layout: dict = {"url": url}
        try:
            record = extract(body, url=url, content_type=content_type, profile=profile, max_bytes=max_bytes,
                             layout=layout, audit=audit, memory=memory)  # fmt: skip
        except ExtractError as exc:
            results.append(("error", (exc.reason, str(exc)), layout))
            break
        results.append(("ok", record, layout))
    return results


class CleaningPool:
    """EXTRACT_WORKERS processes (default: one per core), at most EXTRACT_MAX_IN_FLIGHT pages at once.

    One pool serves every crawler of a process (`scrapy crawlall` runs one per site), so the
    cores are shared rather than oversubscribed; it stops when its last user releases it.
    """

    def __init__(self, workers: int, timeout: float, max_in_flight: int):
        self.workers = workers or os.cpu_count() or 1
        self.timeout = timeout
        self._pool = ProcessPool(
            max_workers=self.workers, context=multiprocessing.get_context("forkserver"), initializer=preload
        )
        self._slots = asyncio.Semaphore(max_in_flight or 2 * self.workers)
        self._users = 0
        self.in_flight = 0
        self.peak_in_flight = 0  # most pages in the workers at once, for the run's stats

    @classmethod
    def acquire(cls, workers: int, timeout: float, max_in_flight: int) -> CleaningPool:
        """The process's pool, started on first use; each acquire() needs a release()."""
        global _shared
        if _shared is None:
            _shared = cls(workers, timeout, max_in_flight)
        _shared._users += 1
        return _shared

    def release(self) -> None:
        """Give the pool back; the last user stops its workers."""
        global _shared
        self._users -= 1
        if self._users <= 0:
            if _shared is self:
                _shared = None
            self.close()

    async def clean(self, bodies: list[bytes], *job: object):
        """clean_pages(bodies, *job) in a worker; ExtractError("cleaner-timeout" or "-crashed") on failure."""
        async with self._slots:  # backpressure: pages wait here, not in the pool's queue
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            try:
                timeout = self.timeout * len(bodies)
                future = self._pool.schedule(clean_pages, args=(bodies, *job), timeout=timeout)
                return await asyncio.wrap_future(future)
            except FutureTimeout:
                raise ExtractError(
                    "cleaner-timeout", f"cleaning took over {self.timeout:g}s a page"
                ) from None
            except ProcessExpired as exc:
                raise ExtractError("cleaner-crashed", f"the cleaning worker died ({exc})") from None
            finally:
                self.in_flight -= 1

    def close(self) -> None:
        """Stop the workers (a page still in a worker is abandoned)."""
        self._pool.stop()
        self._pool.join(timeout=10)


_shared: CleaningPool | None = None
