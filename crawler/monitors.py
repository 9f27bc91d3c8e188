"""Spidermon monitors of a Bersih run: a suite that fails on drift alarms and health problems.

With SPIDERMON_ENABLED, Spidermon runs BersihMonitorSuite as each crawl closes (settings:
SPIDERMON_SPIDER_CLOSE_MONITORS); when a monitor fails, the suite runs the Spidermon actions
named in BERSIH_MONITOR_ACTIONS (email, Slack, Telegram), each set up with its own SPIDERMON_*
settings (README "Drift alarms"). The monitors read what the run left in its stats:
bersih/drift/messages (crawler/drift) and bersih/health_problems (crawler/ledger.py).
"""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError
from scrapy.utils.misc import load_object
from spidermon import Monitor, MonitorSuite, monitors
from spidermon.exceptions import NotConfigured

# The modules Spidermon's actions import, installed by the alerts extra (pyproject.toml).
ALERTS_EXTRA = frozenset({"jinja2", "premailer", "slack_sdk", "requests"})


@monitors.name("Bersih drift")
class DriftMonitor(Monitor):
    """The run's drift alarms: a site whose selectors, leaks, fallbacks, fields or text changed sharply."""

    @monitors.name("No drift alarm")
    def test_no_drift_alarm(self) -> None:
        alarms = self.data.stats.get("bersih/drift/messages") or []
        if alarms:
            self.fail("Drift alarms:\n" + "\n".join(alarms))


@monitors.name("Bersih health")
class HealthMonitor(Monitor):
    """The run's health problems: a site that yielded nothing, or too many failed fetches."""

    @monitors.name("Health checks passed")
    def test_health_checks_passed(self) -> None:
        problems = self.data.stats.get("bersih/health_problems") or []
        if problems:
            self.fail("Health checks failed:\n" + "\n".join(problems))


class BersihMonitorSuite(MonitorSuite):
    """The drift and health monitors; on a failure, the actions of BERSIH_MONITOR_ACTIONS."""

    monitors = [DriftMonitor, HealthMonitor]  # noqa: RUF012 (Spidermon's declarative class attribute)

    def __init__(self, *args, crawler: Crawler | None = None, **kwargs):
        super().__init__(*args, crawler=crawler, **kwargs)
        for path in crawler.settings.getlist("BERSIH_MONITOR_ACTIONS") if crawler else ():
            try:
                self.add_monitors_failed_action(load_object(path))
            except (ImportError, NameError, ValueError) as exc:  # a name that is no class, a missing extra
                missing = getattr(exc, "name", None) in ALERTS_EXTRA
                hint = "; Spidermon's notifications need pip install 'bersih[alerts]'" if missing else ""
                raise UsageError(f"BERSIH_MONITOR_ACTIONS: cannot load {path} ({exc}){hint}") from exc
            except NotConfigured as exc:  # the action's own settings are missing
                raise UsageError(f"BERSIH_MONITOR_ACTIONS: {path} is not set up: {exc}") from exc
