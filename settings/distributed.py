"""Distributed mode: SCRAPY_SETTINGS_MODULE=settings.distributed scrapy crawl <site> (README)."""

import os

from settings import *  # noqa: F403

DISTRIBUTED = True
REDIS_URL = os.environ.get("BERSIH_REDIS_URL", "redis://127.0.0.1:6379/0")
