"""Every Bersih setting with the values it allows, checked once before a crawl is built.

A bad value (-s EXTRACT_WORKERS=abc, an OUTPUT_COMPRESSION no writer knows) stops the run at
start with one line per setting that names it, its value and what it takes; the exit status is 2
(crawler/exitcodes.py). Without the check such a value fails deep in a component, or switches
the component off with a warning and the run goes on without it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from scrapy.settings import BaseSettings

from crawler.timespec import parse_duration

_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


@dataclass(frozen=True)
class Rule:
    """One setting: how Bersih reads it, which values it allows, and those in words for the error line."""

    name: str
    read: Callable[[BaseSettings, str], Any]  # raises ValueError (or TypeError) on a value it cannot read
    allows: Callable[[Any], bool]
    allowed: str
    unset_ok: bool = False  # None or "" stands for a default
    explain: bool = False  # the reader's error says what is wrong with the value: the line gives it


def whole(name: str, low: int, high: int | None = None, unset_ok: bool = False) -> Rule:
    """A whole number from low (to high)."""
    span = f"from {low} to {high}" if high is not None else f"{low} or more"
    allows = lambda v: v >= low and (high is None or v <= high)  # noqa: E731
    return Rule(name, BaseSettings.getint, allows, f"a whole number, {span}", unset_ok)


def number(name: str, low: float, high: float | None = None, above: bool = False) -> Rule:
    """A number from low (or above it, when `above`) to high."""
    if high is None:
        span = f"above {low:g}" if above else f"{low:g} or more"
    else:
        span = f"above {low:g}, up to {high:g}" if above else f"from {low:g} to {high:g}"
    return Rule(
        name,
        BaseSettings.getfloat,
        lambda v: (v > low if above else v >= low) and (high is None or v <= high),
        f"a number {span}",
    )


def switch(name: str) -> Rule:
    """On or off, as Scrapy reads it (getbool)."""
    return Rule(name, BaseSettings.getbool, lambda v: True, "1 or 0 (also True or False)")


def choice(name: str, *choices: str, unset_ok: bool = False) -> Rule:
    """One of a few words."""
    words = [repr(c) if c else "empty" for c in choices]
    return Rule(name, BaseSettings.get, lambda v: v in choices, f"one of {', '.join(words)}", unset_ok)


def duration(name: str) -> Rule:
    """A duration such as 2d."""
    return Rule(name, lambda s, n: parse_duration(s.get(n)), lambda v: True, "a duration: 30m, 6h, 2d or 1w")


def text(name: str, unset_ok: bool = False) -> Rule:
    """A folder, a name: any text that is not empty."""
    return Rule(
        name,
        BaseSettings.get,
        lambda v: isinstance(v, str) and v.strip() != "",
        "a name or folder (not empty)",
        unset_ok,
    )


def address(name: str, *schemes: str, unset_ok: bool = False) -> Rule:
    """A URL of one of these schemes, with a host (or a path, for unix://)."""

    def allows(value: Any) -> bool:
        parts = urlsplit(value) if isinstance(value, str) else None
        return bool(parts and parts.scheme in schemes and (parts.netloc or parts.scheme == "unix"))

    example = {"http": "http://host:port", "https": "https://host/page", "redis": "redis://host:6379/0"}
    allowed = f"a {'/'.join(schemes)} address such as {example[schemes[0]]}"
    return Rule(name, BaseSettings.get, allows, allowed, unset_ok)


def languages(name: str) -> Rule:
    """ISO 639 language codes, as a list or "id,en"."""
    return Rule(
        name,
        lambda s, n: [code.strip().lower() for code in s.getlist(n)],
        lambda codes: all(_LANGUAGE.match(code) for code in codes),
        "ISO 639 language codes such as id or id,en",
    )


def replay_folder(name: str) -> Rule:
    """A replay folder: its responses.jsonl must be there and readable."""

    def read(settings: BaseSettings, setting: str) -> str:
        from crawler.replay.archive import load_archive

        load_archive(settings.get(setting))  # a ReplayError (a ValueError) says what is wrong
        return settings.get(setting)

    return Rule(name, read, lambda v: True, "a replay folder holding responses.jsonl", True, explain=True)


def log_level(name: str) -> Rule:
    """A logging level, by name."""
    levels = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
    return Rule(name, lambda s, n: str(s.get(n)).upper(), lambda v: v in levels or v.isdigit(),
                f"a log level: {', '.join(levels)}")  # fmt: skip


# Bersih's own settings (settings/__init__.py); Scrapy checks its own.
RULES: tuple[Rule, ...] = (
    address("BERSIH_CONTACT_URL", "https", "http"),
    text("BERSIH_RUN_ID", unset_ok=True),
    number("RETRY_AFTER_MAX", 0),
    whole("EXTRACT_MAX_BYTES", 1),
    whole("EXTRACT_WORKERS", 0, unset_ok=True),
    number("EXTRACT_TIMEOUT", 0, above=True),
    whole("EXTRACT_MAX_IN_FLIGHT", 0),
    switch("CLEANING_AUDIT"),
    whole("VALIDATE_MIN_WORDS", 0),
    languages("LANGUAGE_EXPECTED"),
    choice("LANGUAGE_ACTION", "keep", "mark", "reject"),
    switch("STATE_ENABLED"),
    text("STATE_DIR"),
    duration("STATE_REFETCH_WINDOW"),
    switch("STATE_NEW_OK"),
    choice("STATE_BACKEND", "sqlite", "redis"),
    switch("DEDUP_ENABLED"),
    choice("DEDUP_ACTION", "drop", "mark"),
    switch("NEAR_DUP_ENABLED"),
    number("NEAR_DUP_THRESHOLD", 0, 1, above=True),
    duration("NEAR_DUP_WINDOW"),
    switch("MEMORY_ENABLED"),
    whole("MEMORY_MIN_ARTICLES", 2),
    number("MEMORY_MIN_SHARE", 0, 1),
    whole("MEMORY_MAX_WORDS", 1),
    whole("MEMORY_MIN_DAYS", 1),
    whole("MEMORY_MIN_SECTIONS", 1),
    duration("MEMORY_WINDOW"),
    whole("MEMORY_REFRESH", 1),
    text("OUTPUT_DIR"),
    choice("OUTPUT_FORMAT", "jsonl", "parquet", unset_ok=True),
    choice("OUTPUT_PARTITION", "crawl-date", "published-date", "site"),
    choice("OUTPUT_COMPRESSION", "", "gzip", "zstd", unset_ok=True),
    whole("OUTPUT_MAX_RECORDS", 0),
    whole("CHECKPOINT_RECORDS", 0),
    number("CHECKPOINT_SECONDS", 0),
    switch("WARC_ENABLED"),
    text("WARC_DIR", unset_ok=True),
    whole("WARC_COMPRESSION_LEVEL", 0, 9),
    replay_folder("REPLAY_DIR"),
    address("REPLAY_SERVER", "http", unset_ok=True),
    number("HEALTH_MAX_ERROR_RATE", 0, 1),
    whole("HEALTH_MIN_SCHEDULED", 1),
    switch("HEALTH_FAIL_ON_DRIFT"),
    switch("DRIFT_ENABLED"),
    whole("DRIFT_HISTORY_RUNS", 1),
    whole("DRIFT_MIN_HISTORY", 1),
    whole("DRIFT_MIN_RECORDS", 1),
    number("DRIFT_LEAK_RISE", 0, 1, above=True),
    number("DRIFT_FALLBACK_RISE", 0, 1, above=True),
    number("DRIFT_DROP_RATIO", 0, 1, above=True),
    number("DRIFT_MIN_DROP", 0, 1),
    switch("SPIDERMON_ENABLED"),
    switch("DISTRIBUTED"),
    address("REDIS_URL", "redis", "rediss", "unix", unset_ok=True),
    number("DISTRIBUTED_LEASE_SECONDS", 0, above=True),
    number("DISTRIBUTED_IDLE_EXIT", 0),
    switch("SCHEDULER_DISK_FRONTIER"),
    text("SCHEDULER_DISK_FRONTIER_DIR", unset_ok=True),
    number("PROGRESS_INTERVAL", 0),
    log_level("STATS_DUMP_LEVEL"),
)


def problem(rule: Rule, settings: BaseSettings) -> str | None:
    """Why the setting's value is not allowed, in one line, or None."""
    value = settings.get(rule.name)
    if rule.name not in settings or (rule.unset_ok and value in (None, "")):
        return None  # its default stands; a setting another version of Bersih defines is not refused
    why = ""
    try:
        ok = rule.allows(rule.read(settings, rule.name))
    except (TypeError, ValueError) as exc:
        ok, why = False, str(exc) if rule.explain else ""
    if ok:
        return None
    return f"setting {rule.name}={value!r} is not allowed: it takes {rule.allowed}" + (
        f" ({why})" if why else ""
    )


def setting_problems(settings: BaseSettings) -> list[str]:
    """One line for each Bersih setting whose value is not allowed; empty when all are."""
    return [line for rule in RULES if (line := problem(rule, settings))]
