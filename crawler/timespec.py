"""Parse the time arguments spiders take: -a since=6h, -a dates=2024-11-01..2024-11-03."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

_DURATION = re.compile(r"^(\d+)\s*([mhdw])$", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(value: str) -> timedelta:
    """A duration such as 30m, 6h, 2d or 1w."""
    match = _DURATION.match(str(value).strip())
    if not match:
        raise ValueError(f"{value!r} is not a duration: use 30m, 6h, 2d or 1w")
    return timedelta(**{_UNITS[match[2].lower()]: int(match[1])})


def parse_since(value: str | None, now: datetime | None = None) -> datetime | None:
    """A cut-off time from a duration (6h, 2d, 1w) or an ISO date or time."""
    if not value:
        return None
    now = now or datetime.now(UTC)
    if _DURATION.match(value.strip()):
        return now - parse_duration(value)
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(
            f"since={value!r}: use a duration such as 6h, 2d or 1w, or a date such as 2024-11-25"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_dates(value: str) -> list[date]:
    """Days from "2024-11-01", "2024-11-01,2024-11-05" or "2024-11-01..2024-11-03"."""
    days: list[date] = []
    try:
        for part in value.split(","):
            first, _, last = part.strip().partition("..")
            start = date.fromisoformat(first)
            end = date.fromisoformat(last) if last else start
            if end < start:
                raise ValueError(f"{part}: the range ends before it starts")
            days.extend(start + timedelta(days=n) for n in range((end - start).days + 1))
    except ValueError as exc:
        raise ValueError(
            f"dates={value!r}: use 2024-11-01, 2024-11-01,2024-11-05 or 2024-11-01..2024-11-03 ({exc})"
        ) from None
    return days
