"""The one way a pipeline turns an item away: with a named reason that is counted."""

from __future__ import annotations

from scrapy.exceptions import DropItem


class Rejected(DropItem):
    """An item dropped for a named reason (too-short, no-article, not-html, ...)."""

    outcome = "rejected"  # what the manifest records

    def __init__(self, reason: str, url: str, detail: str = ""):
        super().__init__(f"{self.outcome} ({reason}): {url}" + (f": {detail}" if detail else ""))
        self.reason = reason
        self.url = url
        self.detail = detail


def count_rejection(stats, error: Rejected) -> None:
    """Stats keys: bersih/rejected (total) and bersih/rejected/<reason>."""
    stats.inc_value("bersih/rejected")
    stats.inc_value(f"bersih/rejected/{error.reason}")
