"""Dates in Indonesian and ISO forms, with the outlet's UTC offset."""

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from crawler.extract.dates import (
    MYT,
    WITA,
    Reading,
    from_url,
    guessed_zone,
    implausible,
    iso,
    parse_date,
    read_date,
    settle,
)

WIB = timezone(timedelta(hours=7))

MONTHS = [
    ("Januari", 1), ("Februari", 2), ("Maret", 3), ("April", 4), ("Mei", 5), ("Juni", 6),
    ("Juli", 7), ("Agustus", 8), ("September", 9), ("Oktober", 10), ("November", 11), ("Desember", 12),
]  # fmt: skip


@pytest.mark.parametrize(("name", "number"), MONTHS)
def test_every_indonesian_month_name(name, number):
    moment = parse_date(f"Rabu, 17 {name} 2015 | 22:26 WIB", WIB)
    assert iso(moment) == f"2015-{number:02d}-17T22:26:00+07:00"


@pytest.mark.parametrize(("abbr", "number"), [("Agt", 8), ("Okt", 10), ("Des", 12), ("Nop", 11), ("Peb", 2)])
def test_short_month_names(abbr, number):
    assert parse_date(f"3 {abbr} 2020", WIB).month == number


@pytest.mark.parametrize(("zone", "offset"), [("WIB", "+07:00"), ("WITA", "+08:00"), ("WIT", "+09:00")])
def test_indonesian_time_zones(zone, offset):
    assert iso(parse_date(f"1 Mei 2024 08:15 {zone}", WIB)) == f"2024-05-01T08:15:00{offset}"


def test_iso_with_offset_is_kept_and_naive_takes_the_outlet_zone():
    assert iso(parse_date("2024-11-06T21:14:47+08:00", WIB)) == "2024-11-06T21:14:47+08:00"
    assert iso(parse_date("2024-11-06 21:14:47", WIB)) == "2024-11-06T21:14:47+07:00"


def test_numeric_dates():
    assert iso(parse_date("Kamis, 05/11/2015 09:25 WIB", WIB)) == "2015-11-05T09:25:00+07:00"
    assert iso(parse_date("2024/11/06 21:14:47", WIB)) == "2024-11-06T21:14:47+07:00"
    assert iso(parse_date("22/10/2025 06:59", WIB)) == "2025-10-22T06:59:00+07:00"


def test_text_without_a_date_gives_none():
    assert parse_date("Tidak ada tanggal di sini", WIB) is None
    assert parse_date("31 Februari 2024", WIB) is None


# Issue 14: real datelines of the recorded pages (corpus/pages/<name>.html), read to the minute.
REAL_LINES = [
    ("Kamis, 05 November 2015 11:52", "2015-11-05T11:52:00+07:00", "kapanlagi_1: a two-digit day, no zone"),
    ("Kamis, 05 November 2015 | 11:13 WIB", "2015-11-05T11:13:00+07:00", "tempo_1"),
    ("Kamis, 05 November 2015, 15:07 WIB", "2015-11-05T15:07:00+07:00", "issue 14: was 2005-11-15"),
    ("Kamis, 5 November 2015 14:56 WIB | 1.229 Views", "2015-11-05T14:56:00+07:00", "antara_1: not 01:22"),
    ("Kamis, 05/11/2015 10:08 WIB", "2015-11-05T10:08:00+07:00", "detik_2"),
    ("Selasa 16 Jun 2015, 14:05 WIB", "2015-06-16T14:05:00+07:00", "detik_1"),
    ("Senin, 14 Agu 2023 15:51 WIB", "2023-08-14T15:51:00+07:00", "detik_m6: Agu"),
    ("Selasa, 16 Februari 2016 | 14:38 WIB", "2016-02-16T14:38:00+07:00", "kompas_3"),
    ("Kompas.com - 01/11/2020, 16:51 WIB", "2020-11-01T16:51:00+07:00", "kompas_m1"),
    ("18 Jun 2015 at <span>06:25 WIB</span>", "2015-06-18T06:25:00+07:00", "liputan6_1: markup in @datetime"),
    ("16 Okt 2020, 13:30 WIBDiperbarui 16 Okt 2020, 13:32 WIB", "2020-10-16T13:30:00+07:00", "liputan6_m1"),
    ("Minggu, 18 Juli 2021 – 18:52 WIB", "2021-07-18T18:52:00+07:00", "jpnn_1"),
    ("Minggu, 14 Februari 2016 09:15", "2016-02-14T09:15:00+07:00", "kapanlagi_2"),
    ("GAYA | 17 Juni 2021 06:04", "2021-06-17T06:04:00+07:00", "merdeka_m1"),
    ("Thu, 17 Jun 2021 06:04:00 GMT", "2021-06-17T06:04:00+07:00", "merdeka_m1 pubdate: its GMT is WIB"),
    ("2015-11-05 T10:00:26Z", "2015-11-05T10:00:26+07:00", "detik_2 dateCreated: its Z is WIB"),
    ("2015-06-16T14-05-11Z", "2015-06-16T14:05:11+07:00", "detik_1 pubdate"),
    ("2024/11/06 21:14:47", "2024-11-06T21:14:47+07:00", "detik_3 dtk:publishdate"),
    ("2016-02-16T02:10:56Z", "2016-02-16T02:10:56+00:00", "liputan6_2 JSON-LD: a true Z"),
    ("Fri, June 19 2015, 7:36 AM", "2015-06-19T07:36:00+07:00", "jakartapost_1: English, month first"),
]


@pytest.mark.parametrize(("line", "expected", "where"), REAL_LINES, ids=[w for _, _, w in REAL_LINES])
def test_real_datelines_of_the_recorded_pages(line, expected, where):
    assert iso(parse_date(line, WIB)) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Tuesday, 30 Apr 2024 4:20 PM MYT", "2024-04-30T16:20:00+08:00"),  # malaymail_1
        ("Friday, 22 Nov 2024 4:55 PM MYT", "2024-11-22T16:55:00+08:00"),  # malaymail_2
        ("2024-11-22T16:55:35+08:00", "2024-11-22T16:55:35+08:00"),  # malaymail_2 datePublished
        ("2024-04-30 16:20:00", "2024-04-30T16:20:00+08:00"),  # malaymail_1 article:published_time
    ],
)
def test_malaysian_pages_read_in_their_own_zone(line, expected):
    assert iso(parse_date(line, MYT)) == expected


def test_wita_and_wit_as_the_pages_write_them():
    # bulk/detik/19.html.gz (finance.detik.com d-7300045), a job advertisement:
    # "paling lambat sampai dengan tanggal 20 April 2024 pukul 23.59 WITA"
    assert iso(parse_date("20 April 2024 pukul 23.59 WITA", WIB)) == "2024-04-20T23:59:00+08:00"
    # viva_m1 writes its times "pukul 14.20 WIT"; on the page's day:
    assert iso(parse_date("Kamis, 17 September 2020 pukul 14.20 WIT", WIB)) == "2020-09-17T14:20:00+09:00"
    # a Makassar outlet's page (beritamanado: WITA) that names WIB keeps WIB
    assert iso(parse_date("9 Oktober 2020 14:58 WIB", WITA)) == "2020-10-09T14:58:00+07:00"


@pytest.mark.parametrize(
    "day", ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Jum'at", "Sabtu", "Minggu", "Ahad"]
)
def test_indonesian_day_names_and_two_digit_days(day):
    assert iso(parse_date(f"{day}, 05 November 2015, 15:07 WIB", WIB)) == "2015-11-05T15:07:00+07:00"
    assert iso(parse_date(f"{day}, 5 Nopember 2015 15.07 WIB", WIB)) == "2015-11-05T15:07:00+07:00"


def test_a_time_shown_before_its_date():
    assert iso(parse_date("12:58 WIB, Kamis 05 November 2015", WIB)) == "2015-11-05T12:58:00+07:00"
    assert iso(parse_date("11:22 | Senin, 04 Maret 2024", WIB)) == "2024-03-04T11:22:00+07:00"


def test_a_reading_says_whether_it_showed_a_time_and_its_offset():
    day = read_date("2020-10-09", WIB)  # beritamanado_m1 itemprop=datePublished
    assert day == Reading(datetime(2020, 10, 9, tzinfo=WIB), timed=False)
    assert not read_date("Jumat, 9 Oktober 2020", WITA).timed
    assert read_date("Rabu, 17 Juni 2015 | 22:26 WIB", WIB).stated
    assert not read_date("Rabu, 17 Juni 2015 22:26", WIB).stated
    assert read_date("about 10 hours ago", WIB) is None  # liputan6_1's related list


def test_known_mislabels_are_mended_and_utc_is_shown_in_the_outlets_zone():
    merdeka = read_date("2021-06-17T06:04:00-07:00", WIB)  # merdeka_m1 article:published_time
    assert iso(settle(merdeka, WIB).moment) == "2021-06-17T06:04:00+07:00"
    kompas = read_date("2020-11-01T09:51:38+00:00", WIB)  # kompas_m1 JSON-LD
    assert iso(settle(kompas, WIB).moment) == "2020-11-01T16:51:38+07:00"
    wita = read_date("2020-10-09T14:58:53+08:00", WIB)  # another zone, stated: kept
    assert iso(settle(wita, WIB).moment) == "2020-10-09T14:58:53+08:00"
    assert iso(settle(kompas, UTC).moment) == "2020-11-01T09:51:38+00:00"  # zone unknown: as stated


def test_url_dates_with_and_without_a_time():
    kompas = re.compile(
        r"/read/(?P<year>\d{4})/(?P<month>\d{2})/(?P<day>\d{2})/(?P<hour>\d{2})(?P<minute>\d{2})"
    )
    detik = re.compile(
        r"/read/(?P<year>\d{4})/(?P<month>\d{2})/(?P<day>\d{2})/(?P<hour>\d{2})(?P<minute>\d{2})(?P<second>\d{2})/"
    )
    day_only = re.compile(r"/(?P<year>\d{4})/(?P<month>\d{2})/(?P<day>\d{2})/")
    found = from_url("http://bola.kompas.com/read/2015/06/17/22260808/Supaya", kompas, WIB)
    assert (iso(found.moment), found.timed) == ("2015-06-17T22:26:00+07:00", True)
    found = from_url("http://inet.detik.com/read/2015/11/05/100026/3062623/323/google", detik, WIB)
    assert iso(found.moment) == "2015-11-05T10:00:26+07:00"
    found = from_url("http://www.thejakartapost.com/news/2015/06/19/suspect.html", day_only, WIB)
    assert (iso(found.moment), found.timed) == ("2015-06-19T00:00:00+07:00", False)


def test_a_date_in_the_future_or_before_the_outlet_is_implausible():
    now = datetime(2024, 11, 6, 14, 0, tzinfo=UTC)
    assert implausible(datetime(2024, 11, 6, 21, 14, tzinfo=WIB), 1998, now) is None  # 14:14 UTC
    assert implausible(datetime(2024, 11, 7, 21, 14, tzinfo=WIB), 1998, now) == "future"
    assert implausible(datetime(1997, 12, 31, tzinfo=WIB), 1998, now) == "before-founding"
    assert implausible(datetime(1970, 1, 1, tzinfo=UTC), None, now) == "before-founding"  # epoch


@pytest.mark.parametrize(
    ("url", "language", "offset"),
    [
        ("https://www.malaymail.com.my/news/1", None, "+08:00"),
        ("https://www.contoh.co.id/berita/1", "en", "+07:00"),
        ("https://blog.contoh.my.id/2024/1", None, "+07:00"),  # .my.id is Indonesian
        ("https://www.bharian.com/berita/1", "ms", "+08:00"),
        ("https://www.contoh.com/berita/1", "id", "+07:00"),
        ("https://www.example.com/news/1", "en", "+00:00"),  # no country: never WIB
        ("https://www.example.com/news/1", None, "+00:00"),
    ],
)
def test_the_zone_of_a_page_no_profile_describes(url, language, offset):
    moment = datetime(2024, 1, 1, tzinfo=guessed_zone(url, language))
    assert moment.isoformat()[-6:] == offset


def test_a_page_that_states_its_offset_keeps_it():
    assert guessed_zone("https://www.example.com/x", "en", MYT) is MYT
