"""Site profiles load from data and refuse bad data with the file and field named."""

import pytest

from crawler.profiles import ProfileError, all_profiles, load_profile, profile_for_url

GOOD = """
name = "contoh"
title = "Contoh.id"
verified = false
language = "id"
timezone = "+08:00"
domains = ["contoh.id"]
article_url = '/read/\\d+/'
[discovery]
news_sitemaps = ["https://contoh.id/sitemap-news.xml"]
"""


# Two layout versions, newest first; common drops in [cleaning] drop.
LAYOUT = """
[cleaning]
drop = [".iklan"]
[[cleaning.layouts]]
name = "isi"
years = "2019-2024"
body = ["div.isi"]
drop = [".baca-juga"]
"""
OLD_LAYOUT = """
[[cleaning.layouts]]
name = "lama"
years = "2015"
body = ["//div[@id='berita']"]
drop = [".lama"]
"""


def write(tmp_path, text, name="contoh"):
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_kompas_profile_owns_its_subdomains_and_single_page_form():
    kompas = all_profiles()["kompas"]
    url = "https://nasional.kompas.com/read/2024/11/25/10301761/judul"
    assert profile_for_url(url) is kompas
    assert kompas.is_article(url)
    assert not kompas.is_article("https://www.kompas.com/tag/pilkada")
    assert kompas.single_page(url) == url + "?page=all"
    assert kompas.without_single_page(url + "?page=all") == url
    assert profile_for_url("https://notkompas.com/read/2024/11/25/1/x") is None


def test_a_valid_profile_loads(tmp_path):
    profile = load_profile(write(tmp_path, GOOD))
    assert profile.name == "contoh"
    assert profile.timezone.utcoffset(None).total_seconds() == 8 * 3600


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (GOOD.replace('title = "Contoh.id"\n', ""), "title"),
        (GOOD + 'colour = "red"\n', "discovery.colour"),
        (GOOD.replace("verified = false", 'verified = "no"'), "verified"),
        (GOOD.replace('"+08:00"', '"Asia/Makassar"'), "timezone"),
        (GOOD + '[cleaning]\ndrop = ["div[["]\n', "cleaning.drop"),
        (GOOD.replace("'/read/\\d+/'", "'/read/(\\d+/'"), "article_url"),
        (GOOD + LAYOUT.replace('years = "2019-2024"', 'years = "sejak 2019"'), "cleaning.layouts[0].years"),
        (GOOD + LAYOUT.replace('years = "2019-2024"', "years = 2019"), "cleaning.layouts[0].years"),
        (GOOD + LAYOUT.replace('years = "2019-2024"\n', ""), "cleaning.layouts[0].years"),
        (GOOD + LAYOUT.replace('body = ["div.isi"]\n', ""), "cleaning.layouts[0].body"),
        (GOOD + LAYOUT.replace('name = "isi"', 'name = ["isi"]'), "cleaning.layouts[0].name"),
        (GOOD + LAYOUT + 'colour = "red"\n', "cleaning.layouts[0].colour"),
        (GOOD + LAYOUT + OLD_LAYOUT.replace('".lama"', '"div[["'), "cleaning.layouts[1].drop"),
        (GOOD + LAYOUT.replace('body = ["div.isi"]', 'body = ["(//div"]'), "cleaning.layouts[0].body"),
        (GOOD + '[cleaning]\nbody = ["div.isi"]\n' + LAYOUT.replace("[cleaning]\n", ""), "cleaning.body"),
    ],
)
def test_bad_profile_names_the_file_and_the_field(tmp_path, change, field):
    path = write(tmp_path, change)
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert str(path) in str(caught.value)
    assert field in str(caught.value)


def test_profile_name_must_match_its_file(tmp_path):
    with pytest.raises(ProfileError, match="named"):
        load_profile(write(tmp_path, GOOD, name="lain"))


def test_broken_toml_is_reported_with_the_path(tmp_path):
    path = write(tmp_path, "name = ")
    with pytest.raises(ProfileError, match="not valid TOML"):
        load_profile(path)


def corpus_pages():
    from crawler.quality import gold_pages

    return list(gold_pages())


def test_every_profile_file_loads_and_has_a_way_to_find_articles():
    profiles = all_profiles()
    assert len(profiles) >= 22
    for profile in profiles.values():
        assert profile.news_sitemaps or profile.feeds or profile.index_pages, profile.name


def test_every_recorded_outlet_has_a_verified_profile_that_owns_its_pages():
    verified = {name for name, p in all_profiles().items() if p.verified}
    owners = set()
    for page in corpus_pages():
        profile = profile_for_url(page.url)
        assert profile is not None, page.name
        assert profile.verified, page.name
        assert profile.is_article(page.url), page.name
        owners.add(profile.name)
    assert owners == verified  # and no profile claims verification without recorded pages


def test_unverified_profiles_cover_the_big_outlets():
    unverified = {name for name, p in all_profiles().items() if not p.verified}
    assert unverified == {
        "tribunnews", "cnnindonesia", "cnbcindonesia", "suara",
        "sindonews", "kumparan", "idntimes", "beritasatu",
    }  # fmt: skip


def test_tribun_regional_editions_belong_to_tribunnews():
    url = "https://jateng.tribunnews.com/2024/11/25/banjir-rob-kembali-rendam-pesisir-semarang"
    assert profile_for_url(url).name == "tribunnews"
    assert profile_for_url(url).is_article(url)
    assert not profile_for_url(url).is_article("https://www.tribunnews.com/tag/banjir")


def test_english_tempo_has_its_own_profile():
    assert profile_for_url("https://en.tempo.co/read/1234567/x").name == "tempo-en"
    assert profile_for_url("https://nasional.tempo.co/read/1234567/x").name == "tempo"


def test_pagination_and_follow_fields_are_validated(tmp_path):
    text = GOOD + '[pagination]\nnext = "a[rel=\'next\']"\ntotal = "div.paging li"\n'
    profile = load_profile(write(tmp_path, text))
    assert profile.next_page and profile.page_total
    with pytest.raises(ProfileError, match=r"pagination\.next"):
        load_profile(write(tmp_path, GOOD + '[pagination]\nnext = "a[["\n'))


def test_every_shipped_profile_is_valid_to_the_last_selector():
    from crawler.profiles import profile_files

    for path in profile_files():
        assert load_profile(path, strict=True).problems == ()


def test_a_broken_profile_is_set_aside_and_a_bad_selector_left_out(tmp_path):
    from crawler.profiles import broken_profiles

    write(tmp_path, GOOD + '[cleaning]\ndrop = ["div.iklan", "div[["]\n', name="contoh")
    write(
        tmp_path,
        GOOD.replace('name = "contoh"', 'name = "rusak"').replace("verified = false\n", ""),
        name="rusak",
    )
    profiles = all_profiles(tmp_path)
    assert list(profiles) == ["contoh"]
    assert len(profiles["contoh"].drop) == 1
    assert "cleaning.drop" in profiles["contoh"].problems[0]
    assert "missing required field 'verified'" in broken_profiles(tmp_path)["rusak"]


def test_layout_versions_load_newest_first_with_their_own_drops(tmp_path):
    profile = load_profile(write(tmp_path, GOOD + LAYOUT + OLD_LAYOUT))
    assert [(v.name, v.years) for v in profile.layouts] == [("isi", "2019-2024"), ("lama", "2015")]
    assert [profile.label(x) for x in profile.drop] == [".iklan"]  # common to every layout
    assert [profile.label(x) for x in profile.layouts[0].drop] == [".baca-juga"]
    assert [profile.label(x) for x in profile.layouts[1].body] == ["//div[@id='berita']"]
    assert len(profile.body) == 2  # every layout's body, newest first


def test_the_first_layout_whose_body_the_page_has_is_read(tmp_path):
    import lxml.html

    profile = load_profile(write(tmp_path, GOOD + LAYOUT + OLD_LAYOUT))
    old = lxml.html.document_fromstring("<html><body><div id='berita'><p>Lama</p></div></body></html>")
    both = lxml.html.document_fromstring("<body><div id='berita'></div><div class='isi'></div></body>")
    assert profile.layout_for(old)[0].name == "lama"
    assert profile.layout_for(both)[0].name == "isi"
    assert profile.layout_for(lxml.html.document_fromstring("<p>x</p>")) == (None, None)


def test_a_bare_body_list_still_loads_as_one_unnamed_layout(tmp_path):
    profile = load_profile(write(tmp_path, GOOD + '[cleaning]\nbody = ["div.isi"]\n'))
    assert [(v.name, v.years) for v in profile.layouts] == [("default", "")]


def test_every_profile_lists_layout_versions_and_every_verified_layout_its_years():
    for profile in all_profiles().values():
        assert all(v.name != "default" for v in profile.layouts), f"{profile.name}: bare cleaning.body"
        if profile.verified:
            assert profile.layouts, profile.name
            for version in profile.layouts:
                assert version.years, f"{profile.name}: layout {version.name} has no years"
                assert version.body, f"{profile.name}: layout {version.name} has no body"


MODERN = [p for p in corpus_pages() if "_m" in p.name and profile_for_url(p.url) is not None]


@pytest.mark.parametrize("page", MODERN, ids=[p.name for p in MODERN])
def test_every_modern_page_is_cleaned_with_a_layout_of_its_profile(page):
    from crawler.extract import extract

    profile = profile_for_url(page.url)
    layout = {}
    record = extract(page.html, url=page.url, layout=layout)
    assert record is not None
    assert layout["layout"] in [v.name for v in profile.layouts], (profile.name, layout)
    assert record["cleaning"] == "profile"  # not "generic" (no layout matched) nor "fallback"


def test_every_modern_outlet_of_the_corpus_is_profiled():
    assert {profile_for_url(p.url).name for p in MODERN} == {
        "kompas", "detik", "liputan6", "viva", "merdeka", "beritamanado", "gelora",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("url", "outlet", "article"),
    [
        ("https://www.merdeka.com/jatim/cuma-ada-di-pamekasan-begini-kelezatan-sate.html", "merdeka", True),
        ("https://m.merdeka.com/jatim/cuma-ada-di-pamekasan-begini-kelezatan-sate.html", "merdeka", True),
        ("https://m.merdeka.com/amp/gaya/hedy-lamarr-bintang-hollywood-amp-penemu.html", "merdeka", True),
        ("https://www.merdeka.com/peristiwa/read/123456/judul-berita-hari-ini", "merdeka", True),
        ("https://www.merdeka.com/foto/dunia/potret-montir-berhijab-di-uni-emirat.html", "merdeka", False),
        ("https://www.merdeka.com/company/kontak-kami.html", "merdeka", False),
        ("https://www.merdeka.com/jatim/", "merdeka", False),
        ("https://www.kompas.com/tren/read/2022/11/29/143000265/videonya-minta-izin", "kompas", True),
        ("http://nasional.kompas.com/amp/read/2016/02/16/14382361/Menteri.Yuddy", "kompas", True),
        ("https://m.liputan6.com/amp/4804339/cetak-gol-di-laga-indonesia-vs-malaysia", "liputan6", True),
        ("https://hot.liputan6.com/read/4611435/5-potret-cassandra-lee", "liputan6", True),
        ("https://www.liputan6.com/tag/cassandra-lee", "liputan6", False),
        ("https://www.viva.co.id/amp/berita/metro/1294025-gara-gara-ikuti-petunjuk-gps", "viva", True),
        ("https://beritamanado.com/forkopimda-mitra-koordinasikan-penanganan-covid/", "beritamanado", True),
        ("https://beritamanado.com/forkopimda-mitra-koordinasikan-penanganan/amp/", "beritamanado", True),
        ("https://beritamanado.com/category/minahasa-tenggara/", "beritamanado", False),
        ("https://beritamanado.com/redaksi/", "beritamanado", False),
        ("https://www.gelora.co/2020/10/sri-mulyani-minta-mk-tolak-uji-materi.html", "gelora", True),
        ("https://www.gelora.co/2020/10/sri-mulyani-minta-mk-tolak-uji-materi.html?m=1", "gelora", True),
        ("https://www.gelora.co/search/label/politik", "gelora", False),
    ],
)
def test_outlets_own_their_www_mobile_and_amp_article_urls(url, outlet, article):
    profile = profile_for_url(url)
    assert profile is not None and profile.name == outlet
    assert profile.is_article(url) is article
