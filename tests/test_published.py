"""Publication dates to the minute with the outlet's offset: the gold pages, the order of trust, the zones."""

import tomllib
from datetime import UTC, datetime

import pytest

from crawler.extract import extract, metadata
from crawler.extract.core import parse
from crawler.extract.dates import WIB, iso
from crawler.profiles import ProfileError, all_profiles, load_profile, profile_from_data
from crawler.quality import gold_pages

GOLD = list(gold_pages())
TIMED = [p for p in GOLD if p.gold.get("published") and "T" in p.gold["published"]]
DAYS = [p for p in GOLD if p.gold.get("published") and "T" not in p.gold["published"]]


def _minute(stamp: str) -> tuple[datetime, object]:
    moment = datetime.fromisoformat(stamp)
    return moment.replace(second=0), moment.utcoffset()


@pytest.mark.parametrize("page", TIMED, ids=[p.name for p in TIMED])
def test_gold_published_to_the_minute_with_its_offset(page):
    record = extract(page.html, page.url)
    assert record["published"] is not None
    assert _minute(record["published"]) == _minute(page.gold["published"])


@pytest.mark.parametrize("page", DAYS, ids=[p.name for p in DAYS])
def test_gold_published_day(page):
    """The modern pages' gold gives the day alone; the record has that day, with the time the page shows."""
    record = extract(page.html, page.url)
    assert record["published"][:10] == page.gold["published"]
    assert record["published"][10:] != "T00:00:00+07:00", "every one of these pages shows its time"


def test_the_gold_is_all_dated():
    assert len(TIMED) + len(DAYS) == len(GOLD) and len(TIMED) >= 28


# A profile of the tests' own, and pages built around the sources of a date.
PROFILE = """
name = "contoh"
title = "Contoh.id"
verified = false
language = "id"
timezone = "+07:00"
country = "ID"
founded = 2005
domains = ["contoh.co.id"]
article_url = '/berita/'
[discovery]
feeds = ["https://contoh.co.id/rss"]
[metadata]
published = [".tanggal-terbit"]
date_url = '/berita/(?P<year>\\d{4})/(?P<month>\\d{2})/(?P<day>\\d{2})/'
"""
CONTOH = profile_from_data(tomllib.loads(PROFILE), "contoh.toml")
URL = "https://www.contoh.co.id/berita/2015/11/05/judul"
BODY = "<p>" + " ".join(["Kalimat berita yang cukup panjang untuk diuji di sini dengan baik."] * 12) + "</p>"


def page(head: str = "", top: str = "", lang: str = "id") -> str:
    return (
        f'<html lang="{lang}"><head><title>Judul berita</title>{head}</head><body><article>'
        f"<h1>Judul berita</h1>{top}{BODY}{BODY}</article></body></html>"
    )


def published(
    html: str, profile=CONTOH, url: str = URL, now: datetime | None = None, notes=None
) -> str | None:
    tree = parse(html)
    tz = profile.timezone if profile else metadata.page_zone(tree, url)
    return iso(metadata.published_date(tree, url, profile, tz, notes=notes, now=now))


META_DAY = '<meta property="article:published_time" content="2015-11-05">'


def test_a_date_only_source_yields_to_a_time_on_the_same_day():
    # the URL's day and a date-only meta tag, then the dateline with its time
    html = page(META_DAY, '<div class="date">Kamis, 05 November 2015 | 15:07 WIB</div>')
    assert published(html) == "2015-11-05T15:07:00+07:00"
    assert published(page(top='<span class="posted-on">Kamis, 05/11/2015 15:07 WIB</span>')) == (
        "2015-11-05T15:07:00+07:00"
    )


def test_a_stamp_at_midnight_is_a_day_without_its_time():
    midnight = '<meta property="article:published_time" content="2015-11-05T00:00:00+07:00">'
    html = page(midnight, '<div class="date">Kamis, 05 November 2015 | 15:07 WIB</div>')
    assert published(html) == "2015-11-05T15:07:00+07:00"
    assert published(page(midnight)) == "2015-11-05T00:00:00+07:00"


def test_a_time_on_another_day_does_not_move_the_date():
    html = page(META_DAY, '<div class="date">Rabu, 04 November 2015 | 23:50 WIB</div>')
    assert published(html) == "2015-11-05T00:00:00+07:00"


def test_the_profiles_selectors_come_first_then_json_ld_then_meta():
    ld = '<script type="application/ld+json">{"datePublished": "2015-11-05T08:00:00Z"}</script>'
    meta = '<meta property="article:published_time" content="2015-11-05T09:00:00+07:00">'
    own = '<div class="tanggal-terbit">Kamis, 05 November 2015 10:00 WIB</div>'
    assert published(page(ld + meta, own)) == "2015-11-05T10:00:00+07:00"
    assert published(page(ld + meta)) == "2015-11-05T15:00:00+07:00"  # JSON-LD's UTC, shown in WIB
    assert published(page(meta)) == "2015-11-05T09:00:00+07:00"


def test_a_profile_date_without_time_takes_the_time_the_page_shows_that_day():
    own = '<div class="tanggal-terbit">Kamis, 05 November 2015</div>'
    meta = '<meta property="article:published_time" content="2015-11-05T10:47:12+07:00">'
    assert published(page(meta, own)) == "2015-11-05T10:47:12+07:00"


def test_merdeka_labels_wib_minus_seven():
    merdeka = all_profiles()["merdeka"]
    html = page('<meta property="article:published_time" content="2021-06-17T06:04:00-07:00">')
    url = "https://www.merdeka.com/gaya/judul.html"
    assert published(html, merdeka, url) == "2021-06-17T06:04:00+07:00"


def test_a_future_date_is_passed_over_and_noted():
    now = datetime(2024, 1, 1, tzinfo=UTC)
    notes: list = []
    html = page('<meta property="article:published_time" content="2024-06-01T10:00:00+07:00">')
    assert published(html, url="https://www.contoh.co.id/berita/judul", now=now, notes=notes) is None
    assert notes == [("published", "future", "2024-06-01T10:00:00+07:00 from meta")]


def test_a_date_before_the_outlet_existed_gives_way_to_the_next_source():
    notes: list = []
    html = page('<meta property="article:published_time" content="1999-11-05T10:00:00+07:00">')
    assert published(html, notes=notes) == "2015-11-05T00:00:00+07:00"  # the URL's day
    assert notes == [("published", "before-founding", "1999-11-05T10:00:00+07:00 from meta")]


def test_extract_leaves_an_implausible_date_null_and_says_why():
    layout: dict = {}
    html = page('<meta property="article:published_time" content="2999-01-01T10:00:00+07:00">')
    record = extract(html, "https://www.contoh-lain.co.id/berita/judul", layout=layout)
    assert record["published"] is None
    assert layout["dates_passed_over"] == [("published", "future", "2999-01-01T10:00:00+07:00 from meta")]


@pytest.mark.parametrize(
    ("url", "lang", "top", "expected"),
    [
        # issue 14: "Kamis, 05 November 2015, 15:07 WIB" became 2005-11-15, or lost its time
        (
            "https://www.contoh-lain.co.id/berita/1",
            "id",
            "Kamis, 05 November 2015, 15:07 WIB",
            "2015-11-05T15:07:00+07:00",
        ),
        (
            "https://www.contoh-lain.co.id/berita/1",
            "id",
            "Jumat, 9 Oktober 2020 14:58 WITA",
            "2020-10-09T14:58:00+08:00",
        ),
        # a Malaysian outlet: the country of its domain, or of its language
        (
            "https://www.berita.com.my/news/1",
            "en",
            "Tuesday, 30 Apr 2024 4:20 PM",
            "2024-04-30T16:20:00+08:00",
        ),
        ("https://www.berita-harian.com/berita/1", "ms", "30 Apr 2024 16:20", "2024-04-30T16:20:00+08:00"),
        # a foreign page of no known country: the time as shown, never WIB
        ("https://www.example.com/news/1", "en", "30 Apr 2024 16:20", "2024-04-30T16:20:00+00:00"),
    ],
)
def test_a_page_no_profile_describes_gets_its_own_zone(url, lang, top, expected):
    record = extract(page(top=f'<div class="date">{top}</div>', lang=lang), url)
    assert record["published"] == expected


def test_an_unprofiled_page_that_states_its_offset_keeps_it_for_its_other_dates():
    head = '<meta property="article:published_time" content="2024-04-30">'
    head += '<script type="application/ld+json">{"dateModified": "2024-04-30T18:00:00+08:00"}</script>'
    record = extract(
        page(head, '<div class="date">30 Apr 2024 16:20</div>', lang="en"), "https://www.example.com/a"
    )
    assert record["published"] == "2024-04-30T16:20:00+08:00"
    assert record["modified"] == "2024-04-30T18:00:00+08:00"


@pytest.mark.parametrize(
    "block",
    [
        '<div class="share"><span class="date">5 November 2015</span></div>',  # removed by the cleaning
        '<script>{"datePublished": "2015-11-05T15:07:00+07:00"}</script>',  # scripts go too
    ],
)
def test_a_date_only_htmldate_finds_is_read_before_the_cleaning_empties_the_tree(block):
    html = f"<html><head><title>Judul</title></head><body>{block}<div>{BODY}{BODY}</div></body></html>"
    record = extract(html, "https://www.contoh-lain.co.id/berita/judul")
    assert record["published"][:10] == "2015-11-05"


def test_modified_is_kept_apart_and_read_to_the_minute():
    meta = '<meta property="article:modified_time" content="2020-10-16T06:32:17Z">'
    tree = parse(page(meta))
    assert iso(metadata.modified_date(tree, CONTOH, WIB)) == "2020-10-16T13:32:17+07:00"


# The profile fields: country and founding year, validated with the file and the field named.
GOOD = PROFILE.split("[metadata]")[0]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (GOOD.replace('country = "ID"', 'country = "Indonesia"'), "country"),
        (GOOD.replace('country = "ID"', 'country = "MY"'), "timezone"),  # +07:00 is not Malaysian
        (GOOD.replace("founded = 2005", 'founded = "2005"'), "founded"),
        (GOOD.replace("founded = 2005", "founded = 205"), "founded"),
        (GOOD.replace("founded = 2005", "founded = 2999"), "founded"),
        (GOOD.replace("founded = 2005", "founded = true"), "founded"),
    ],
)
def test_bad_country_or_founding_names_the_file_and_the_field(tmp_path, change, field):
    path = tmp_path / "contoh.toml"
    path.write_text(change, encoding="utf-8")
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert str(path) in str(caught.value) and f"'{field}'" in str(caught.value)


def test_wita_and_wit_outlets_and_no_country_load(tmp_path):
    path = tmp_path / "contoh.toml"
    path.write_text(GOOD.replace('"+07:00"', '"+09:00"'), encoding="utf-8")  # a Papuan outlet: WIT
    assert load_profile(path).founded == 2005
    path.write_text(GOOD.replace('country = "ID"\n', "").replace("founded = 2005\n", ""), encoding="utf-8")
    assert (load_profile(path).country, load_profile(path).founded) == (None, None)


def test_every_profile_names_its_country_in_a_zone_of_it():
    for profile in all_profiles().values():
        assert profile.country in ("ID", "MY"), profile.name
    assert str(all_profiles()["malaymail"].timezone) == "UTC+08:00"
    assert all_profiles()["kompas"].founded == 1965
