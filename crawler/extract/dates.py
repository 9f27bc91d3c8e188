"""Read Indonesian and ISO dates into timezone-aware datetimes."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

MONTHS = {
    "januari": 1, "january": 1, "jan": 1,
    "februari": 2, "pebruari": 2, "february": 2, "feb": 2, "peb": 2,
    "maret": 3, "march": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "june": 6, "jun": 6,
    "juli": 7, "july": 7, "jul": 7,
    "agustus": 8, "august": 8, "agu": 8, "agt": 8, "ags": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nopember": 11, "nov": 11, "nop": 11,
    "desember": 12, "december": 12, "des": 12, "dec": 12,
}  # fmt: skip

# Indonesia's three zones.
ZONES = {"wib": timezone(timedelta(hours=7)), "wita": timezone(timedelta(hours=8)),
         "wit": timezone(timedelta(hours=9))}  # fmt: skip

_TIME = (
    r"(?:\D{0,5}?(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?:[:.](?P<second>\d{2}))?)?"
    r"\s*(?P<zone>wib|wita|wit)?\b"
)
_WORDY = re.compile(r"(?P<day>\d{1,2})\s+(?P<month>[a-z]{3,9})\.?\s+(?P<year>\d{4})" + _TIME, re.IGNORECASE)
_YEAR_FIRST = re.compile(r"(?P<year>\d{4})[/-](?P<month>\d{1,2})[/-](?P<day>\d{1,2})" + _TIME, re.IGNORECASE)
_NUMERIC = re.compile(r"(?P<day>\d{1,2})[/-](?P<month>\d{1,2})[/-](?P<year>\d{4})" + _TIME, re.IGNORECASE)


def _aware(moment: datetime, tz: timezone) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def parse_date(text: str | None, tz: timezone) -> datetime | None:
    """A datetime from ISO 8601 or Indonesian text ("Rabu, 17 Juni 2015 | 22:26 WIB").

    A time without an offset is taken in `tz`, the outlet's zone, unless the text
    names WIB, WITA or WIT.
    """
    if not text:
        return None
    text = text.strip()
    try:
        return _aware(datetime.fromisoformat(text.replace("Z", "+00:00")), tz)
    except ValueError:
        pass
    for pattern in (_WORDY, _YEAR_FIRST, _NUMERIC):
        match = pattern.search(text)
        if not match:
            continue
        month = match["month"]
        month_no = int(month) if month.isdigit() else MONTHS.get(month.lower())
        if not month_no:
            continue
        zone = ZONES.get((match["zone"] or "").lower(), tz)
        try:
            return datetime(
                int(match["year"]), month_no, int(match["day"]),
                int(match["hour"] or 0), int(match["minute"] or 0), int(match["second"] or 0),
                tzinfo=zone,
            )  # fmt: skip
        except ValueError:
            continue
    return None


def from_url(url: str, pattern: re.Pattern[str] | None, tz: timezone) -> datetime | None:
    """A date encoded in the URL, read by a profile's named groups."""
    if pattern is None or not url:
        return None
    match = pattern.search(url)
    if not match:
        return None
    parts = {k: int(v) for k, v in match.groupdict().items() if v}
    try:
        return datetime(
            parts["year"], parts["month"], parts["day"], parts.get("hour", 0),
            parts.get("minute", 0), tzinfo=tz,
        )  # fmt: skip
    except (KeyError, ValueError):
        return None


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 to the second, with the UTC offset kept."""
    return moment.isoformat(timespec="seconds") if moment else None
