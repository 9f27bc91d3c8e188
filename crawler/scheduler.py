"""A run's frontier on disk: Scrapy's disk queues, also when no JOBDIR is given."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

from scrapy.core.scheduler import Scheduler
from scrapy.crawler import Crawler
from twisted.internet.defer import Deferred

from crawler.run import process_alive

logger = logging.getLogger(__name__)

PREFIX = "bersih-frontier-"


class DiskFrontierScheduler(Scheduler):
    """Keeps queued requests in a private temporary folder rather than in memory.

    A sitemap lists its articles far faster than they can be fetched, so in memory the whole
    frontier of a run (about 1 KB a request) would sit in the crawl process until the end. With
    JOBDIR set, Scrapy's own disk queues are used as they are, and kept for resuming; without
    it, the folder lives as long as the run. Requests that cannot be serialised stay in memory.
    """

    spill_dir: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DiskFrontierScheduler:
        scheduler = super().from_crawler(crawler)
        if scheduler.dqdir is None and crawler.settings.getbool("SCHEDULER_DISK_FRONTIER"):
            parent = crawler.settings.get("SCHEDULER_DISK_FRONTIER_DIR") or tempfile.gettempdir()
            remove_stale_frontiers(Path(parent))
            scheduler.spill_dir = tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=parent)
            scheduler.dqdir = scheduler._dqdir(scheduler.spill_dir)
        return scheduler

    def close(self, reason: str) -> Deferred[None] | None:
        left = len(self.dqs) if self.spill_dir and self.dqs is not None else 0
        result = super().close(reason)
        if self.spill_dir:
            if left:
                logger.info("Dropping %d queued requests with the run's frontier", left)
            shutil.rmtree(self.spill_dir, ignore_errors=True)
        return result


def remove_stale_frontiers(parent: Path) -> None:
    """Remove the frontiers that killed runs left behind: those of processes no longer alive."""
    for path in parent.glob(f"{PREFIX}*-*"):
        pid = path.name.removeprefix(PREFIX).split("-", 1)[0]
        if pid.isdigit() and not process_alive(int(pid)):
            logger.info("Removing %s, the frontier of a run that was killed", path)
            shutil.rmtree(path, ignore_errors=True)
