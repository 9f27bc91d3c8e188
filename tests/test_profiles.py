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
        "tribunnews", "cnnindonesia", "cnbcindonesia", "suara", "merdeka",
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
