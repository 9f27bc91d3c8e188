"""robots.txt for every request, including those that arrive while it is being fetched."""

from __future__ import annotations

import logging

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.http.request import NO_CALLBACK
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's RobotsTxtMiddleware, with one fix: every request that waits for a site's
    robots.txt gets the parser.

    In Scrapy 2.19 the requests waiting on the download share one Deferred, awaited as a
    future, which hands the parser to the first waiter and None ("no robots.txt") to the
    rest, so the first requests to a site were fetched even when robots.txt forbade them.
    Each waiter here gets a Deferred of its own.
    """

    async def robot_parser(self, request: Request) -> RobotParser | None:
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if isinstance(pending, Deferred):
            mine: Deferred[RobotParser | None] = Deferred()

            def relay(parser: RobotParser | None) -> RobotParser | None:
                mine.callback(parser)
                return parser  # pass it on down the chain, to the next waiter

            pending.addCallback(relay)
            return await maybe_deferred_to_future(mine)
        if urlparse_cached(request).netloc not in self._parsers:
            await self._fetch_robots(request)
        return await super().robot_parser(request)

    async def _fetch_robots(self, request: Request) -> None:
        """Scrapy's fetch of robots.txt, whose failure is one warning line rather than Scrapy's traceback.

        The site is then crawled as if it allowed everything, as Scrapy does; the traceback shows
        with LOG_LEVEL=DEBUG.
        """
        url = urlparse_cached(request)
        self._parsers[url.netloc] = Deferred()
        robots = Request(
            f"{url.scheme}://{url.netloc}/robots.txt",
            priority=self.DOWNLOAD_PRIORITY,
            meta={"dont_obey_robotstxt": True, "give_up_log_level": logging.DEBUG},
            callback=NO_CALLBACK,
        )
        try:
            response = await self.crawler.engine.download_async(robots)
            await self._parse_robots(response, url.netloc, request)
        except Exception as exc:
            if not isinstance(exc, IgnoreRequest):
                logger.warning(
                    "Could not read %s (%s: %s); %s is crawled as if it allowed everything",
                    robots.url, type(exc).__name__, exc, url.netloc,
                    exc_info=self._debug(),
                )  # fmt: skip
            self._robots_error(exc, url.netloc)
        self._stats.inc_value("robotstxt/request_count")

    def _debug(self) -> bool:
        """Whether the run logs at DEBUG (Scrapy filters in its handler, so the logger cannot tell)."""
        level = self.crawler.settings.get("LOG_LEVEL")
        return (logging.getLevelName(level) if isinstance(level, str) else level) <= logging.DEBUG
