"""Over-long URLs: turned away as Scrapy does (URLLENGTH_LIMIT), but each with an outcome."""

from __future__ import annotations

import logging

from scrapy.http import Request, Response
from scrapy.spidermiddlewares.urllength import UrlLengthMiddleware

from crawler import signals as bersih_signals

logger = logging.getLogger(__name__)

REASON = "url-too-long"


def shortened(url: str, keep: int = 160) -> str:
    """The start of a URL, for a log line that stays one readable line."""
    return url if len(url) <= keep else f"{url[:keep]}…"


class AccountedUrlLengthMiddleware(UrlLengthMiddleware):
    """Scrapy's UrlLengthMiddleware, which drops a request over URLLENGTH_LIMIT with an INFO line.

    Dropped that way, an article stays scheduled with no outcome (the manifest's `no-outcome`,
    while the summary counts nothing) and a sitemap is left unread unnoticed. Here an article,
    or a later page of one, is rejected as `url-too-long`, and a discovery URL is counted as
    `bersih/discovery/failed/url-too-long`, each with one line in the log.
    """

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        if len(request.url) <= self.maxlength:
            return request
        detail = f"{len(request.url)} characters, over URLLENGTH_LIMIT {self.maxlength}"
        stats, meta = self.crawler.stats, request.meta
        if "bersih_key" not in meta:
            logger.warning("Could not read %s: %s: %s", shortened(request.url), REASON, detail)
            stats.inc_value(f"bersih/discovery/failed/{REASON}")
            return None
        logger.warning("rejected (%s): %s: %s", REASON, shortened(request.url), detail)
        stats.inc_value("bersih/rejected")
        stats.inc_value(f"bersih/rejected/{REASON}")
        spider = self.crawler.spider
        if "bersih_parts" not in meta and getattr(spider, "profile", None) is not None:
            # In distributed mode an article is announced by the worker that takes it from Redis,
            # which this one will never reach: announce it here (the manifest keeps it once).
            self.crawler.signals.send_catch_log(
                bersih_signals.article_scheduled,
                url=meta["bersih_article"],
                key=meta["bersih_key"],
                site=spider.profile.name,
            )
        self.crawler.signals.send_catch_log(
            bersih_signals.article_outcome,
            key=meta["bersih_key"],
            outcome="rejected",
            reason=REASON,
            detail=detail,
        )
        return None
