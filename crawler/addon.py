"""The Bersih add-on: settings that follow from other settings (User-Agent, replay, distributed mode)."""

from __future__ import annotations

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from crawler import __version__

REPLAY_HANDLER = "crawler.replay.handler.ReplayDownloadHandler"

# Distributed mode: scrapy-redis's frontier (with leases) and duplicate filter, the state in Redis.
DISTRIBUTED_SETTINGS = {
    "SCHEDULER": "crawler.distributed.frontier.LeasingScheduler",
    "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
    "STATE_BACKEND": "redis",
}

# In replay mode the server is on loopback: politeness delays only slow the run.
REPLAY_OVERRIDES = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_START_DELAY": 0.01, "AUTOTHROTTLE_MAX_DELAY": 0.5}


def _set_unless_user_set(settings: BaseSettings, name: str, value) -> None:
    """Override the project default, never a value given with -s or by the spider."""
    if settings.getpriority(name) is None or settings.getpriority(name) <= SETTINGS_PRIORITIES["project"]:
        settings.set(name, value, priority="project")


class Bersih:
    """Enabled in settings.ADDONS; Scrapy calls it once per crawler."""

    def update_settings(self, settings: BaseSettings) -> None:
        contact = settings.get("BERSIH_CONTACT_URL")
        _set_unless_user_set(settings, "USER_AGENT", f"Bersih/{__version__} (+{contact})")
        if settings.get("REPLAY_DIR") or settings.get("REPLAY_SERVER"):
            handlers = dict(settings.getdict("DOWNLOAD_HANDLERS"))
            handlers.update({"http": REPLAY_HANDLER, "https": REPLAY_HANDLER})
            settings.set("DOWNLOAD_HANDLERS", handlers, priority="cmdline")
            for name, value in REPLAY_OVERRIDES.items():
                _set_unless_user_set(settings, name, value)
        if settings.getbool("DISTRIBUTED"):
            for name, value in DISTRIBUTED_SETTINGS.items():
                settings.set(name, value, priority="cmdline")
