"""The shared frontier: scrapy-redis's scheduler, with a lease on every request a worker takes.

scrapy-redis pops a request before crawling it, so a worker killed mid-request would lose
it. Here a pop moves the request into a lease set with a deadline instead. The worker
renews its leases while it runs, and gives them back only when it ends cleanly, after its
output, its state and its manifest are committed. Until then its work is not safe: a worker
killed at any moment leaves leases that run out, and the other workers put their requests
back in the queue, to be done again from the start.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections import deque

import redis
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request
from scrapy.utils.asyncio import AsyncioLoopingCall
from scrapy.utils.defer import deferred_from_coro
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from crawler import signals as bersih_signals
from crawler.distributed.connection import check_versions, redis_from_settings
from crawler.run import process_alive

logger = logging.getLogger(__name__)

LEASE_META = "bersih_lease"

# Atomically: the first request of the queue, moved into the lease set until ARGV[1].
_TAKE = """
local first = redis.call('ZRANGE', KEYS[1], 0, 0)
if #first == 0 then return false end
redis.call('ZREM', KEYS[1], first[1])
redis.call('ZADD', KEYS[2], ARGV[1], first[1])
return first[1]
"""
# Atomically: every lease whose deadline passed, back into the queue.
_REQUEUE = """
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
for _, member in ipairs(expired) do
  redis.call('ZREM', KEYS[1], member)
  redis.call('ZADD', KEYS[2], 0, member)
end
return #expired
"""


def _dead_here(worker_key: str) -> bool:
    """A worker of this machine whose process is gone: its heartbeat outlives it by up to a lease."""
    host, pid = worker_key.rsplit(":", 2)[-2:]
    return host == socket.gethostname() and pid.isdigit() and not process_alive(int(pid))


class LeasingQueue(PriorityQueue):
    """scrapy-redis's priority queue whose pop leases the request instead of removing it."""

    lease_seconds = 60.0

    def __init__(self, server, spider, key, serializer=None):
        super().__init__(server, spider, key, serializer)
        self.leases_key = f"{self.key}:leases"
        self._take = server.register_script(_TAKE)
        self._requeue = server.register_script(_REQUEUE)

    def pop(self, timeout: int = 0) -> Request | None:
        member = self._take(keys=[self.key, self.leases_key], args=[time.time() + self.lease_seconds])
        if not member:
            return None
        request = self._decode_request(member)
        request.meta[LEASE_META] = member
        return request

    def push(self, request: Request) -> None:
        # A request is stored without the lease of the request it came from.
        lease = request.meta.pop(LEASE_META, None)
        try:
            super().push(request)
        finally:
            if lease is not None:
                request.meta[LEASE_META] = lease

    def renew(self, members: list[bytes]) -> None:
        if members:
            deadline = time.time() + self.lease_seconds
            self.server.zadd(self.leases_key, dict.fromkeys(members, deadline), xx=True)

    def release(self, *members: bytes) -> int:
        return self.server.zrem(self.leases_key, *members) if members else 0

    def requeue_expired(self) -> int:
        """Put back the requests of workers that stopped renewing their leases; how many."""
        return int(self._requeue(keys=[self.leases_key, self.key], args=[time.time()]))

    def leased(self) -> int:
        return int(self.server.zcard(self.leases_key))


class LeasingScheduler(Scheduler):
    """The scheduler of distributed mode (settings/distributed.py switches it on).

    Settings: REDIS_URL; DISTRIBUTED_LEASE_SECONDS, how long a silent worker keeps its
    requests; DISTRIBUTED_IDLE_EXIT, seconds of an empty frontier before a worker exits.
    """

    def __init__(self, server, crawler: Crawler, **kwargs):
        super().__init__(server, **kwargs)
        self.crawler = crawler
        settings = crawler.settings
        self.lease_seconds = settings.getfloat("DISTRIBUTED_LEASE_SECONDS")
        self.idle_exit = settings.getfloat("DISTRIBUTED_IDLE_EXIT")
        self.held: set[bytes] = set()
        self.local: deque[Request] = deque()  # later pages of articles this worker is stitching
        self.idle_since: float | None = None
        self.lost: str | None = None
        self.state = "busy"  # or "idle": what this worker tells the others in its heartbeat
        self._renewal: AsyncioLoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeasingScheduler:
        settings = crawler.settings
        server = redis_from_settings(settings)
        site = crawler.spidercls.name
        check_versions(server, settings.get("REDIS_URL"), site, getattr(crawler.spidercls, "profile", None))
        scheduler = cls(
            server,
            crawler,
            persist=True,
            queue_key=settings.get("SCHEDULER_QUEUE_KEY"),
            queue_cls="crawler.distributed.frontier.LeasingQueue",
            dupefilter_key=settings.get("SCHEDULER_DUPEFILTER_KEY"),
            dupefilter_cls=settings.get("DUPEFILTER_CLASS"),
            serializer=None,
        )
        scheduler.stats = crawler.stats
        crawler.signals.connect(scheduler._spider_idle, signal=signals.spider_idle)
        # Connected after the Ledger extension: runs once the manifest is written.
        crawler.signals.connect(scheduler._spider_closed, signal=signals.spider_closed)
        return scheduler

    # --- Scrapy's scheduler interface ----------------------------------------------

    def open(self, spider):
        super().open(spider)
        self.queue.lease_seconds = self.lease_seconds
        self.worker_key = f"{self.queue.key}:worker:{socket.gethostname()}:{os.getpid()}"
        self._guard(self._heartbeat, None)
        self._renewal = AsyncioLoopingCall(self._renew)
        self._renewal.start(max(self.lease_seconds / 3, 0.5), now=False)
        logger.info(
            "Distributed mode: frontier %s in Redis (%d queued, %d leased)",
            self.queue.key, len(self.queue), self.queue.leased(),
        )  # fmt: skip

    def close(self, reason):
        if self._renewal is not None and self._renewal.running:
            self._renewal.stop()

    def has_pending_requests(self) -> bool:
        return bool(self.local) or self._guard(lambda: len(self.queue) > 0, False)

    def enqueue_request(self, request: Request) -> bool:
        if "bersih_parts" in request.meta:
            # The next page of an article: fetched here, under the lease of its first page, as
            # its earlier pages are in this worker's memory.
            self.local.append(request)
            return True
        lease = request.meta.get(LEASE_META)
        added = self._guard(lambda: super(LeasingScheduler, self).enqueue_request(request), False)
        if lease is not None and self._guard(lambda: self.queue.release(lease), None) is not None:
            self.held.discard(lease)  # a retry or redirect: the new request in Redis stands in for it
        return added

    def next_request(self) -> Request | None:
        if self.local:
            return self.local.popleft()
        request = self._guard(self.queue.pop, None)
        if request is None:
            return None
        self.held.add(request.meta[LEASE_META])
        self.idle_since = None
        self._set_state("busy")
        self.stats.inc_value("scheduler/dequeued/redis")
        if "bersih_article" in request.meta and "bersih_parts" not in request.meta:
            self.crawler.signals.send_catch_log(
                bersih_signals.article_scheduled,
                url=request.meta["bersih_article"],
                key=request.meta["bersih_key"],
                site=self.spider.profile.name,
            )
        return request

    # --- leases --------------------------------------------------------------------

    def _spider_closed(self, spider, reason: str) -> None:
        """The output, state and manifest are committed (the Ledger wrote before this): let go.

        Leases of work whose commit failed are kept: they run out, and the work is done again.
        """
        if self.crawler.stats.get_value("bersih/commit_failed"):
            logger.warning("The commit failed: the %d leases of this worker run out and are done again",
                           len(self.held))  # fmt: skip
        elif self.held and not self.lost:
            self._guard(lambda: self.queue.release(*self.held), None)
            if not self.lost:
                logger.info("Gave back the leases of the %d requests this worker finished", len(self.held))
                self.held.clear()
        self._guard(lambda: self.server.delete(self.worker_key), None)

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self._guard(self._heartbeat, None)

    def _heartbeat(self) -> None:
        """Tell the other workers, for one lease period, whether this one is busy and what it holds."""
        ttl = max(int(self.lease_seconds), 1)
        self.server.set(self.worker_key, f"{self.state} {len(self.held)}", ex=ttl)

    def _others_settled(self) -> bool:
        """Whether every other live worker is idle and every lease not ours is one of theirs.

        Then nothing more can come to the frontier: the idle workers hold leases only on work
        they have done and commit when they exit; no dead worker's lease is waiting to run out.
        A dead worker of this machine is known at once; one elsewhere when its heartbeat expires.
        """
        theirs = 0
        for key in self.server.scan_iter(match=f"{self.queue.key}:worker:*"):
            if key.decode() == self.worker_key or _dead_here(key.decode()):
                continue
            value = self.server.get(key)
            if value is not None:
                state, held = value.decode().split()
                if state != "idle":
                    return False
                theirs += int(held)
        return self.queue.leased() - len(self.held) <= theirs

    def _renew(self) -> None:
        self._guard(lambda: self.queue.renew(list(self.held)), None)
        self._guard(self._heartbeat, None)
        requeued = self._guard(self.queue.requeue_expired, 0)
        if requeued:
            logger.warning("Put back %d requests whose worker stopped renewing their leases", requeued)
            self.stats.inc_value("bersih/distributed/requeued", requeued)

    def _spider_idle(self, spider) -> None:
        """Exit after DISTRIBUTED_IDLE_EXIT seconds of an empty frontier.

        While another worker is busy, or holds leases without a heartbeat (it died), wait up to
        a lease period longer: a dead worker's leases run out within it and come back to the
        queue; a busy one may still add work. Idle workers' leases are only waiting to commit.
        """
        if self.lost:
            return
        self._renew()
        if self._guard(lambda: len(self.queue), 0):
            self.idle_since = None
            raise DontCloseSpider
        now = time.monotonic()
        self.idle_since = self.idle_since or now
        self._set_state("idle")
        idle = now - self.idle_since
        if idle < self.idle_exit:
            raise DontCloseSpider
        others = self._guard(self.queue.leased, 0) - len(self.held)
        waiting = others > 0 and idle < self.idle_exit + self.lease_seconds
        if waiting and not self._guard(self._others_settled, True):
            raise DontCloseSpider
        logger.info("Frontier %s empty for %.0fs: this worker is done", self.queue.key, idle)

    def _guard(self, call, fallback):
        """Run a Redis call; when Redis is gone, stop this worker cleanly instead of crashing."""
        if self.lost:
            return fallback
        try:
            return call()
        except redis.RedisError as exc:
            self.lost = str(exc)
            logger.error(
                "Lost Redis at %s (%s): this worker stops. Its %d leased requests go back to the queue "
                "when their leases run out; the manifest records what it finished.",
                self.crawler.settings.get("REDIS_URL"), exc, len(self.held),
            )  # fmt: skip
            self.crawler.stats.set_value("bersih/distributed/redis_lost", str(exc))
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="redis-lost"))
            return fallback
