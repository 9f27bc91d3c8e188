"""Retry-After: a site that answers 429 or 503 says how long to wait; Bersih waits that long, then retries."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.http import Request, Response

logger = logging.getLogger(__name__)

CODES = (429, 503)


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or an HTTP date); None if unreadable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware:
    """Before Scrapy's RetryMiddleware: on 429/503 with Retry-After, wait, then retry.

    A wait longer than RETRY_AFTER_MAX seconds is not waited for: the response goes on to
    RetryMiddleware, which retries at once and in the end fails the page with its status.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.max_wait = crawler.settings.getfloat("RETRY_AFTER_MAX")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        return cls(crawler)

    async def process_response(self, request: Request, response: Response, spider=None) -> Request | Response:
        if response.status not in CODES or request.meta.get("dont_retry"):
            return response
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is None or wait > self.max_wait:
            return response
        retry = get_retry_request(
            request, spider=self.crawler.spider, reason=f"http-{response.status} (Retry-After {wait:g}s)"
        )
        if retry is None:
            return response
        self.crawler.stats.inc_value("bersih/retry_after/waits")
        logger.info("%s answered %d: waiting %gs as Retry-After asks", request.url, response.status, wait)
        await asyncio.sleep(wait)
        return retry
