"""The one way a pipeline turns an item away: with a named reason that is counted."""

from __future__ import annotations

from scrapy.exceptions import DropItem


class Rejected(DropItem):
    """An item dropped for a named reason (too-short, no-article, not-html, ...)."""

    outcome = "rejected"  # what the manifest records
    level: str | None = None  # the log level; None: DEFAULT_DROPITEM_LOG_LEVEL (WARNING)

    def __init__(self, reason: str, url: str, detail: str = ""):
        message = f"{self.outcome} ({reason}): {url}" + (f": {detail}" if detail else "")
        super().__init__(message, log_level=self.level)
        self.reason = reason
        self.url = url
        self.detail = detail


def count_rejection(stats, error: Rejected) -> None:
    """Stats keys: bersih/rejected (total) and bersih/rejected/<reason>."""
    stats.inc_value("bersih/rejected")
    stats.inc_value(f"bersih/rejected/{error.reason}")
