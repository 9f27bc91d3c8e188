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
