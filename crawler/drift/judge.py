"""Drift alarms: a site's measures in this run against the median of its earlier runs."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from statistics import median

from scrapy.settings import BaseSettings

from crawler.drift.measures import FIELDS

EPSILON = 1e-9  # rates are rounded to four places: a change of exactly a limit reaches it

# The one line each kind of alarm says, after the site's name.
WORDS = {
    "selector": "selector `{measure}` matched {now} of pages (was {was})",
    "leaks": "boilerplate leaked into {now} of records (was {was})",
    "fallbacks": "cleaning fell back on {now} of records (was {was})",
    "fill": "{measure} filled in {now} of records (was {was})",
    "text": "mean text {now} words (was {was})",
}


@dataclass(frozen=True)
class Limits:
    """When a change is sharp enough to raise an alarm (the DRIFT_* settings, README "Drift alarms")."""

    runs: int = 10  # DRIFT_HISTORY_RUNS: the site's latest runs (with enough records) compared with
    min_history: int = 3  # DRIFT_MIN_HISTORY: fewer such runs, no alarm
    min_records: int = 20  # DRIFT_MIN_RECORDS: fewer records (pages, for selectors): not judged
    leak_rise: float = 0.05  # DRIFT_LEAK_RISE: the canary rate up by this much
    fallback_rise: float = 0.15  # DRIFT_FALLBACK_RISE: the fallback rate up by this much
    drop_ratio: float = 0.5  # DRIFT_DROP_RATIO: a hit or fill rate, or the mean text, under this of usual
    min_drop: float = 0.2  # DRIFT_MIN_DROP: ... and a rate down by at least this much

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Limits:
        return cls(
            runs=settings.getint("DRIFT_HISTORY_RUNS"),
            min_history=settings.getint("DRIFT_MIN_HISTORY"),
            min_records=settings.getint("DRIFT_MIN_RECORDS"),
            leak_rise=settings.getfloat("DRIFT_LEAK_RISE"),
            fallback_rise=settings.getfloat("DRIFT_FALLBACK_RISE"),
            drop_ratio=settings.getfloat("DRIFT_DROP_RATIO"),
            min_drop=settings.getfloat("DRIFT_MIN_DROP"),
        )


@dataclass(frozen=True)
class Alarm:
    """One sharp change of one site: its kind, the measure, its value now and as it was, in one line."""

    kind: str  # "selector", "leaks", "fallbacks", "fill" or "text"
    measure: str
    now: float
    was: float
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


def judge(site: str, now: dict, history: list[dict], limits: Limits) -> list[Alarm]:
    """The alarms of a site's measures `now` against `history` (its earlier runs, newest first)."""
    alarms = []
    if now.get("records", 0) >= limits.min_records:
        alarms += _records(site, now, comparable(history, limits), limits)
    if now.get("pages", 0) >= limits.min_records:
        alarms += _selectors(site, now, comparable(history, limits, "pages"), limits)
    return alarms


def comparable(history: list[dict], limits: Limits, count: str = "records") -> list[dict]:
    """The latest `limits.runs` earlier runs with at least `limits.min_records` records (or pages)."""
    return [run for run in history if run.get(count, 0) >= limits.min_records][: limits.runs]


def _records(site: str, now: dict, past: list[dict], limits: Limits) -> list[Alarm]:
    """Leaks or fallbacks that jump, a field that empties, text that halves."""
    if len(past) < limits.min_history:
        return []
    alarms = []
    for kind, key, rise in (("leaks", "canary_rate", limits.leak_rise),
                            ("fallbacks", "fallback_rate", limits.fallback_rise)):  # fmt: skip
        was = _usual(run.get(key) for run in past)
        if was is not None and now[key] - was >= rise - EPSILON:
            alarms.append(_alarm(site, kind, key, now[key], was))
    for name in FIELDS:
        was = _usual(run.get("fill", {}).get(name) for run in past)
        if was is not None and _fell(now["fill"][name], was, limits):
            alarms.append(_alarm(site, "fill", name, now["fill"][name], was))
    was = _usual(run.get("mean_words") for run in past)
    if was is not None and now["mean_words"] < was * limits.drop_ratio:
        alarms.append(_alarm(site, "text", "mean_words", now["mean_words"], was))
    return alarms


def _selectors(site: str, now: dict, past: list[dict], limits: Limits) -> list[Alarm]:
    """The selectors that stop matching: judged on enough pages now, and in enough earlier runs."""
    alarms = []
    for label, hit in now.get("selectors", {}).items():
        if now.get("selector_pages", {}).get(label, 0) < limits.min_records:
            continue
        earlier = [
            run["selectors"][label]
            for run in past
            if run.get("selector_pages", {}).get(label, 0) >= limits.min_records
        ]
        if len(earlier) >= limits.min_history and _fell(hit, median(earlier), limits):
            alarms.append(_alarm(site, "selector", label, hit, median(earlier)))
    return alarms


def _usual(values) -> float | None:
    """The median of the values there are, or None without any."""
    present = [value for value in values if value is not None]
    return median(present) if present else None


def _fell(now: float, was: float, limits: Limits) -> bool:
    """A rate under `drop_ratio` of its usual value, and down by at least `min_drop`."""
    return now < was * limits.drop_ratio and was - now >= limits.min_drop - EPSILON


def _alarm(site: str, kind: str, measure: str, now: float, was: float) -> Alarm:
    """The alarm, its line worded by WORDS: rates as percentages, words as whole numbers."""
    shown = (f"{now:.0f}", f"{was:.0f}") if kind == "text" else (f"{now:.0%}", f"{was:.0%}")
    message = f"{site}: " + WORDS[kind].format(measure=measure, now=shown[0], was=shown[1])
    return Alarm(kind, measure, now, was, message)
