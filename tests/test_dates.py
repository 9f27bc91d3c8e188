"""Dates in Indonesian and ISO forms, with the outlet's UTC offset."""

from datetime import timedelta, timezone

import pytest

from crawler.extract.dates import iso, parse_date

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
