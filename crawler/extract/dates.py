"""Read Indonesian, English and ISO dates into timezone-aware datetimes, and judge them.

A date is read as a `Reading`: the moment, whether the source showed a time of day, and
whether it stated its own offset. metadata.published_date weighs the readings of a page's
sources in order of trust; this module reads one text at a time and knows the zones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta, timezone
from urllib.parse import urlsplit

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

WIB, WITA, WIT = (timezone(timedelta(hours=h)) for h in (7, 8, 9))
MYT = timezone(timedelta(hours=8))  # Malaysia; Brunei and Singapore keep the same offset
# Zone names a dateline may close with. GMT and UTC are left out on purpose: merdeka writes
# its WIB times "06:04:00 GMT", and an ISO stamp that means UTC says so with Z or +00:00.
ZONES = {"wib": WIB, "wita": WITA, "wit": WIT, "myt": MYT, "sgt": MYT}

# Countries Bersih has outlets of: the zones their outlets may use, the first the default.
COUNTRY_ZONES: dict[str, tuple[timezone, ...]] = {
    "ID": (WIB, WITA, WIT),
    "MY": (MYT,),
    "BN": (MYT,),
    "SG": (MYT,),
    "TL": (WIT,),
}
# A page's language, when nothing else tells its country ("ms" is Malaysia's, Brunei's and
# Singapore's alike: one offset, +08:00).
LANGUAGE_COUNTRY = {"id": "ID", "jv": "ID", "su": "ID", "ms": "MY"}

# Between a date and its time: "05 November 2015, 15:07", "18 Jun 2015 at 06:25",
# "16 Februari 2016 | 14:38", "18 Juli 2021 – 18:52", "20 April 2024 pukul 23.59", "T21:14".
_JOIN = r"(?:[\s,|@–—-]|\b(?:at|pukul|pkl|jam)\b\.?|T)*?"
_CLOCK = (
    r"(?:(?<![\d.:])(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?:[:.](?P<second>\d{2}))?(?![\d])"
    r"|(?<=T)(?P<dhour>\d{2})-(?P<dminute>\d{2})-(?P<dsecond>\d{2})(?!\d))"  # detik: "T14-05-11Z"
    r"(?:\s*(?P<ampm>[ap])\.?m\b\.?)?"
    r"(?:\s*(?P<offset>[+-]\d{2}:?\d{2})(?!\d)"
    r"|\s*(?P<zone>wita|wit|wib|myt|sgt)(?!(?-i:[a-z])))?"  # "WIBDiperbarui": a zone; "wibawa": not
)
_TIME = rf"(?:{_JOIN}{_CLOCK})?"
_DAY = r"(?<!\d)(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_WORDY = re.compile(rf"{_DAY}\s+(?P<month>[a-z]{{3,9}})\.?,?\s+(?P<year>\d{{4}})(?!\d){_TIME}", re.I)
_MONTH_FIRST = re.compile(
    rf"(?<![a-z])(?P<month>[a-z]{{3,9}})\.?\s+{_DAY},?\s+(?P<year>\d{{4}})(?!\d){_TIME}", re.I
)  # English: "June 19 2015, 7:36 AM"
_YEAR_FIRST = re.compile(
    rf"(?<!\d)(?P<year>\d{{4}})[/-](?P<month>\d{{1,2}})[/-](?P<day>\d{{1,2}})(?!\d){_TIME}", re.I
)
_NUMERIC = re.compile(rf"{_DAY}[/-](?P<month>\d{{1,2}})[/-](?P<year>\d{{4}})(?!\d){_TIME}", re.I)
_PATTERNS = (_WORDY, _MONTH_FIRST, _YEAR_FIRST, _NUMERIC)
_WEEKDAYS = (
    r"senin|selasa|rabu|kamis|jum'?at|sabtu|minggu|ahad"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun"
)
# A time shown before its date: "15:07 WIB, Kamis 05 November 2015".
_CLOCK_BEFORE = re.compile(rf"{_CLOCK}(?:[\s,|@–—-]|\b(?:{_WEEKDAYS})\b)*$", re.I)
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_LIKE = re.compile(r"^\d{4}-?\d{2}-?\d{2}[T ]\d{2}")
_MARKUP = re.compile(r"<[^<>]*>")
_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")

# Rejected readings: a publication after the page was read, or before the outlet existed.
FUTURE_SLACK = timedelta(hours=1)  # clocks and caches disagree a little
# Without an outlet's founding year: nothing on the web is older (and 1970-01-01 or
# 0001-01-01 is a CMS's empty value, not a date).
EARLIEST_YEAR = 1990


@dataclass(frozen=True)
class Reading:
    """One source's date: `timed` if it showed a time of day, `stated` if it gave its offset."""

    moment: datetime
    timed: bool
    stated: bool = False
    source: str = ""


def _offset(text: str) -> timezone:
    match = _OFFSET.match(text)
    sign = -1 if match[1] == "-" else 1
    return timezone(sign * timedelta(hours=int(match[2]), minutes=int(match[3])))


def _iso(text: str, tz: timezone) -> Reading | None:
    """A strict ISO 8601 stamp; an offset stated is kept.

    A date alone is untimed, and so is a stamp at midnight to the second: CMSs write a
    day without its time so ("2020-10-09T00:00:00+07:00"), and a page that shows a time
    that day is then the better source.
    """
    if not _ISO_DAY.match(text) and not _ISO_LIKE.match(text):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None  # "2015-11-05 T10:08:58Z", "2015-06-16T14-05-11Z": read as text below
    timed = not _ISO_DAY.match(text) and moment.time() != time(0)
    if moment.tzinfo:
        return Reading(moment, timed=timed, stated=True)
    return Reading(moment.replace(tzinfo=tz), timed=timed)


def _from_match(match: re.Match[str], tz: timezone, clock: re.Match[str] | None = None) -> Reading | None:
    """The date of a match, with the time of `clock` if given (a time shown before the date)."""
    month = match["month"]
    month_no = int(month) if month.isdigit() else MONTHS.get(month.lower())
    if not month_no:
        return None
    clock = clock or match
    hour = clock["hour"] or clock["dhour"]
    minute = clock["minute"] or clock["dminute"]
    second = clock["second"] or clock["dsecond"]
    zone, stated = tz, False
    if clock["offset"]:
        zone, stated = _offset(clock["offset"]), True
    elif clock["zone"]:
        zone, stated = ZONES[clock["zone"].lower()], True
    try:
        day = datetime(int(match["year"]), month_no, int(match["day"]), tzinfo=tz)
    except ValueError:
        return None  # "31 Februari 2024"
    hours = int(hour or 0)
    if clock["ampm"] and 1 <= hours <= 12:
        hours = hours % 12 + (12 if clock["ampm"].lower() == "p" else 0)
    try:
        moment = day.replace(hour=hours, minute=int(minute or 0), second=int(second or 0), tzinfo=zone)
    except ValueError:
        return Reading(day, timed=False)  # a clock that is none ("25.99"): the day alone
    return Reading(moment, timed=hour is not None, stated=stated)


def read_date(text: str | None, tz: timezone, source: str = "") -> Reading | None:
    """The first date in ISO 8601, Indonesian or English text, with its time if it shows one.

    "Kamis, 05 November 2015, 15:07 WIB", "Rabu, 17 Juni 2015 | 22:26 WIB", "Kamis,
    05/11/2015 10:08 WIB", "18 Jun 2015 at <span>06:25 WIB</span>" (markup is skipped),
    "Tuesday, 30 Apr 2024 4:20 PM MYT", "2024-11-06T21:14:47+07:00". A time without a zone
    is in `tz`, the outlet's; WIB, WITA, WIT (and MYT) and numeric offsets are honoured.
    A Z closing a stamp that is not ISO 8601 is not: detik writes its WIB times so.
    """
    if not text:
        return None
    text = text.strip()
    reading = _iso(text, tz)
    if reading:
        return replace(reading, source=source)
    text = _MARKUP.sub(" ", text) if "<" in text else text
    matches = [m for pattern in _PATTERNS for m in pattern.finditer(text)]
    for match in sorted(matches, key=lambda m: m.start()):
        clock = None
        if match["hour"] is None and match["dhour"] is None:
            clock = _CLOCK_BEFORE.search(text, max(0, match.start() - 40), match.start())
        reading = _from_match(match, tz, clock)
        if reading:
            return replace(reading, source=source)
    return None


def parse_date(text: str | None, tz: timezone) -> datetime | None:
    """A datetime from ISO 8601 or Indonesian text ("Rabu, 17 Juni 2015 | 22:26 WIB").

    A time without an offset is taken in `tz`, the outlet's zone, unless the text
    names WIB, WITA or WIT.
    """
    reading = read_date(text, tz)
    return reading.moment if reading else None


def from_url(url: str, pattern: re.Pattern[str] | None, tz: timezone) -> Reading | None:
    """A date encoded in the URL, read by a profile's named groups (hour, minute, second if it has them)."""
    if pattern is None or not url:
        return None
    match = pattern.search(url)
    if not match:
        return None
    parts = {k: int(v) for k, v in match.groupdict().items() if v}
    try:
        moment = datetime(
            parts["year"], parts["month"], parts["day"], parts.get("hour", 0),
            parts.get("minute", 0), parts.get("second", 0), tzinfo=tz,
        )  # fmt: skip
    except (KeyError, ValueError):
        return None
    return Reading(moment, timed="hour" in parts, source="url")


def settle(reading: Reading, tz: timezone) -> Reading:
    """The reading in the outlet's terms: known mislabels mended, UTC shown in the outlet's zone.

    An offset that is the outlet's with the sign turned (merdeka writes WIB times as
    -07:00) is the outlet's. A stamp in UTC is shown in the outlet's zone, as its pages are.
    """
    home = tz.utcoffset(None)
    offset = reading.moment.utcoffset()
    if not reading.stated or not home or offset == home:
        return reading
    if offset == -home:
        return replace(reading, moment=reading.moment.replace(tzinfo=tz))
    if not offset:
        return replace(reading, moment=reading.moment.astimezone(tz))
    return reading


def local_day(reading: Reading, tz: timezone):
    """The calendar day of a reading where it was published: its own zone, or the outlet's if UTC."""
    moment = reading.moment
    return (moment.astimezone(tz) if not moment.utcoffset() else moment).date()


def implausible(moment: datetime, founded: int | None, now: datetime | None = None) -> str | None:
    """Why a publication moment cannot be right, or None: "future" or "before-founding"."""
    now = now or datetime.now(UTC)
    if moment > now + FUTURE_SLACK:
        return "future"
    if moment.year < (founded or EARLIEST_YEAR):
        return "before-founding"
    return None


def country_of_host(host: str | None) -> str | None:
    """The country a host's top-level domain names: .id (and .co.id, .my.id) Indonesia, .my Malaysia."""
    tld = (host or "").lower().rstrip(".").rpartition(".")[2]
    return tld.upper() if tld.upper() in COUNTRY_ZONES else None


def zone_of_country(country: str | None) -> timezone | None:
    """A country's usual zone: WIB for Indonesia (a page naming WITA or WIT says so itself)."""
    zones = COUNTRY_ZONES.get((country or "").upper())
    return zones[0] if zones else None


def guessed_zone(url: str | None, language: str | None, stated: timezone | None = None) -> timezone:
    """The zone of a page no profile describes, never WIB for a foreign page.

    The page's own offset first (`stated`, from its stamps), then the country of its
    domain (.id WIB, .my +08:00), then the country of its declared language (id WIB,
    ms +08:00). Failing all three, UTC: a time the page shows without a zone is kept
    as shown, labelled +00:00, rather than given an offset Bersih would be inventing.
    """
    if stated is not None:
        return stated
    host = urlsplit(url or "").hostname
    country = country_of_host(host) or LANGUAGE_COUNTRY.get((language or "").lower())
    return zone_of_country(country) or UTC


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 to the second, with the UTC offset kept."""
    return moment.isoformat(timespec="seconds") if moment else None
