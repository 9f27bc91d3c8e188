"""The run id: one per crawl, shared by the writer, the manifest and the state store; live runs."""

from __future__ import annotations

import os
import re
import secrets
from datetime import UTC, datetime

from scrapy.crawler import Crawler

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def new_run_id(spider_name: str, now: datetime | None = None) -> str:
    """UTC start time, spider and a random suffix: sortable and unique across hosts."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{safe_name(spider_name)}-{secrets.token_hex(3)}"


def safe_name(value: str) -> str:
    """A value fit for a file name: no path separators, dots first, NUL or other oddities."""
    return _UNSAFE.sub("-", value).strip(".-")[:120] or "unnamed"


def run_id(crawler: Crawler) -> str:
    """BERSIH_RUN_ID, or one made when first asked for, kept in the stats (bersih/run_id)."""
    current = crawler.stats.get_value("bersih/run_id")
    if not current:
        given = crawler.settings.get("BERSIH_RUN_ID")
        current = safe_name(given) if given else new_run_id(crawler.spider.name)
        crawler.stats.set_value("bersih/run_id", current)
    return current


def process_alive(pid: int) -> bool:
    """Whether the process of another run still lives: what it left behind is not ours to take."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
