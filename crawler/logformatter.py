"""Log rejections as one readable line, not a dump of the page or record."""

from __future__ import annotations

from typing import Any

from scrapy.logformatter import LogFormatter, LogFormatterResult


class BersihLogFormatter(LogFormatter):
    """Scrapy's formatter, except that a dropped item is logged by its reason alone."""

    def dropped(self, item: Any, exception: BaseException, response, spider) -> LogFormatterResult:
        result = super().dropped(item, exception, response, spider)
        return {**result, "msg": "%(exception)s", "args": {"exception": exception}}
