"""A run's frontier on disk: Scrapy's disk queues, also when no JOBDIR is given."""

from __future__ import annotations

import logging
import shutil
import tempfile

from scrapy.core.scheduler import Scheduler
from scrapy.crawler import Crawler
from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)


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
            scheduler.spill_dir = tempfile.mkdtemp(
                prefix="bersih-frontier-", dir=crawler.settings.get("SCHEDULER_DISK_FRONTIER_DIR")
            )
            scheduler.dqdir = scheduler._dqdir(scheduler.spill_dir)
        return scheduler

    def close(self, reason: str) -> Deferred[None] | None:
        result = super().close(reason)
        if self.spill_dir:
            if len(self.dqs or ()):
                logger.info("Dropping %d queued requests with the run's frontier", len(self.dqs))
            shutil.rmtree(self.spill_dir, ignore_errors=True)
        return result
