"""Site, URL and tags: archive captures unwrapped, the outlet found without a URL, the article's own tags.

Pages: corpus/pages (the gold pages), tests/data/tags (two of the 150 bulk Kompas pages the Kompas
site keywords were learned from; see its PROVENANCE.json) and tests/data/offtarget (an archived page).
"""

from __future__ import annotations

import gzip
import json
import re
from functools import cache
from pathlib import Path

import lxml.html
import pytest
from conftest import ROOT, run_scrapy

from crawler.canonical import url_key
from crawler.extract import extract
from crawler.extract.site import from_hints, site_of
from crawler.extract.tags import generic_keywords
from crawler.extract.urls import own_or_home, unwrap
from crawler.profiles import ProfileError, all_profiles, load_profile, outlet_for_url, profile_for_url
from crawler.quality import GoldPage, gold_pages

PAGES = ROOT / "corpus" / "pages"
DATA = Path(__file__).resolve().parent / "data"
# The page's own URL, as its <head> states it: what a page saved without it lacks.
_OWN_URL = re.compile(
    rb"<link[^>]*rel=[\"']canonical[\"'][^>]*>|<meta[^>]*property=[\"']og:url[\"'][^>]*>", re.I
)
_CONTENT_TAGS = re.compile(rb"<meta[^>]*name=\"content_tags?\"[^>]*>", re.I)
JPNN_URL = "https://www.jpnn.com/news/kamrussamad-ppkm-darurat-dihentikan-angka-kematian-berpotensi-tembus-5000-per-hari"


@cache
def corpus() -> dict[str, GoldPage]:
    return {page.name: page for page in gold_pages(ROOT / "corpus")}


@cache
def record(name: str) -> dict:
    page = corpus()[name]
    found = extract(page.html, url=page.url)
    assert found is not None, name
    return found


def bulk(name: str) -> bytes:
    return gzip.decompress((DATA / "tags" / f"{name}.html.gz").read_bytes())


def without_own_url(html: bytes) -> bytes:
    stripped = _OWN_URL.sub(b"", html)
    assert not _OWN_URL.search(stripped)
    return stripped


def fold(text: str) -> str:
    return " ".join(text.casefold().split())


# -- Internet Archive captures -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wrapped", "original"),
    [
        ("https://web.archive.org/web/20220721150811/https://www.jpnn.com/news/x", "https://www.jpnn.com/news/x"),
        ("http://web.archive.org/web/20120611024252id_/http://www.he.xinhuanet.com/a.htm",
         "http://www.he.xinhuanet.com/a.htm"),
        ("https://web.archive.org/web/2016js_/https://kompas.com/read/1?page=all",
         "https://kompas.com/read/1?page=all"),
        ("https://web.archive.org/web/20160216000000/http:/nasional.kompas.com/read/x",
         "http://nasional.kompas.com/read/x"),
        ("https://web.archive.org/web/20160216000000/nasional.kompas.com/read/x", "http://nasional.kompas.com/read/x"),
        ("/web/20220721150811im_/https://www.jpnn.com/img/a.jpg", "https://www.jpnn.com/img/a.jpg"),
        ("https://web.archive.org/web/2022/https://web.archive.org/web/2021/https://www.jpnn.com/news/x",
         "https://www.jpnn.com/news/x"),
        # not a capture: as it is
        ("https://archive.org/details/berita", "https://archive.org/details/berita"),
        ("https://www.kompas.com/web/2020/x", "https://www.kompas.com/web/2020/x"),
        (None, None),
    ],
)  # fmt: skip
def test_an_archive_capture_url_is_read_as_its_original(wrapped, original):
    assert unwrap(wrapped) == original


def test_a_page_saved_from_the_archive_gets_its_original_url_site_and_profile():
    # jpnn_1 is a Wayback Machine capture: its canonical and og:url point at web.archive.org.
    html = corpus()["jpnn_1"].html
    assert (
        b'<link rel="canonical" href="https://web.archive.org/web/20220721150811/https://www.jpnn.com/'
        in html
    )
    jpnn = all_profiles()["jpnn"]
    for url in (None, f"https://web.archive.org/web/20220721150811/{JPNN_URL}"):
        found = extract(html, url=url)
        assert found["url"] == JPNN_URL
        assert found["canonical_url"] == JPNN_URL
        assert found["site"] == "jpnn"
        assert found["rules_version"].endswith(f"+jpnn.{jpnn.digest}")
        assert found["cleaning"] == "profile"


def test_an_archived_page_of_an_unprofiled_site_is_named_by_its_original_domain():
    entry = json.loads((DATA / "offtarget" / "PROVENANCE.json").read_text(encoding="utf-8"))
    name = "archive.org.he.xinhuanet.com.25340717.html.gz"
    assert entry[name]["url"].startswith("https://web.archive.org/web/20120611024252/")
    found = extract(gzip.decompress((DATA / "offtarget" / name).read_bytes()), url=entry[name]["url"])
    assert found["url"] == "http://www.he.xinhuanet.com/news/2012-06/04/content_25340717.htm"
    assert found["site"] == "xinhuanet.com"


def test_scrapy_extract_reads_an_archive_url_as_its_original():
    page = corpus()["kompas_m1"]
    wrapped = f"https://web.archive.org/web/20201101120000id_/{page.url}"
    result = run_scrapy("extract", "--url", wrapped, str(PAGES / "kompas_m1.html"))
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert (found["url"], found["site"]) == (page.url, "kompas")


# -- Pages without a URL -------------------------------------------------------------------------


def test_scrapy_extract_of_a_page_without_its_url_says_so_in_one_line_and_still_applies_the_profile(tmp_path):
    kompas = all_profiles()["kompas"]
    saved = tmp_path / "kompas_m1.html"
    saved.write_bytes(without_own_url(corpus()["kompas_m1"].html))
    result = run_scrapy("extract", str(saved))
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["url"] is None and found["canonical_url"] is None
    assert found["site"] == "kompas"
    assert found["rules_version"].endswith(f"+kompas.{kompas.digest}")
    assert found["cleaning"] == "profile"
    assert found["tags"] == ["buruh", "upah minimum", "Menaker", "Said Iqbal", "gubernur"]
    said = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(said) == 1, result.stderr
    assert said[0].startswith(f"{saved}: the record has no URL")
    assert "--url" in said[0] and "kompas" in said[0]


def test_scrapy_extract_of_a_page_with_its_url_says_nothing_more():
    result = run_scrapy("extract", str(PAGES / "jpnn_1.html"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["url"] == JPNN_URL
    assert "no URL" not in result.stderr


def test_every_corpus_page_without_its_url_names_its_outlet_from_its_own_hints():
    """og:site_name, the JSON-LD publisher, alternate URLs, links and assets: on all 61 pages."""
    for page in corpus().values():
        tree = lxml.html.document_fromstring(without_own_url(page.html))
        hinted = from_hints(tree)
        assert hinted is not None, page.name
        assert (hinted.name, hinted.profile) == (outlet_for_url(page.url)[1], profile_for_url(page.url)), (
            page.name
        )


def test_a_canonical_naming_the_home_page_yields_to_og_url():
    # gelora.co's Blogger template: canonical https://www.gelora.co/, og:url the article.
    page = corpus()["gelora_m1"]
    assert b"<link href='https://www.gelora.co/' rel='canonical'/>" in page.html
    found = extract(page.html)
    assert found["url"] == found["canonical_url"] == page.url
    assert found["site"] == "gelora"


# -- The outlet of a group's page ----------------------------------------------------------------


def test_jakarta_globe_under_beritasatu_com_is_not_beritasatu():
    """Jakarta Globe, BeritaSatu Media's English daily, lived at jakartaglobe.beritasatu.com.

    No Jakarta Globe page is recorded (corpus/ and tests/data have none): the URLs are the test.
    """
    old = "http://jakartaglobe.beritasatu.com/news/kalijodo-protester-charged-prostitution-human-trafficking"
    new = "https://jakartaglobe.id/news/pramono-on-why-jakarta-is-no-longer-indonesias-most-congested-city"
    beritasatu = "https://www.beritasatu.com/nasional/2861234/contoh"
    assert outlet_for_url(old) == outlet_for_url(new) == (None, "jakartaglobe")
    assert profile_for_url(beritasatu).name == "beritasatu"
    empty = lxml.html.document_fromstring("<html><head></head><body><p>x</p></body></html>")
    # the outlet whose own domain the page's canonical/og:url names wins over the URL's group domain
    assert site_of(empty, beritasatu, new).name == "jakartaglobe"
    assert site_of(empty, old, None).name == "jakartaglobe"
    assert site_of(empty, beritasatu, None).name == "beritasatu"
    assert site_of(empty, None, new).name == "jakartaglobe"
    # across outlets the URL decides: a page republished elsewhere that names kompas.com as canonical
    kompas = corpus()["kompas_m1"].url
    assert site_of(empty, "https://berita.contoh.id/read/1", kompas).name == "contoh.id"
    assert site_of(empty, "https://www.tribunnews.com/nasional/2020/11/01/x", kompas).name == "tribunnews"
    assert site_of(empty, None, kompas).name == "kompas"
    # a profile the caller gives (the crawl's) is kept
    assert site_of(empty, old, new, all_profiles()["beritasatu"]).name == "beritasatu"


def test_every_corpus_page_gets_its_outlets_profile_with_its_url_and_without():
    for name, page in corpus().items():
        assert record(name)["site"] == profile_for_url(page.url).name, name
        tree = lxml.html.document_fromstring(page.html)
        assert site_of(tree, None, own_or_home(tree)).name == record(name)["site"], name


# -- Tags ----------------------------------------------------------------------------------------


def test_no_corpus_record_has_a_site_wide_or_generic_keyword_as_a_tag():
    generic = generic_keywords()
    for name, page in corpus().items():
        site = profile_for_url(page.url).site_keywords
        tags = {fold(tag) for tag in record(name)["tags"]}
        assert not tags & generic, (name, tags & generic)
        assert not tags & site, (name, tags & site)


# Pages with the article's own tag list, and that list as the page shows it.
OWN_TAGS = {
    # <meta name="content_tags">, the profile's selector; keywords adds "jakarta" and trend tags
    "kompas_m1": ["buruh", "upah minimum", "Menaker", "Said Iqbal", "gubernur"],
    "kompas_m7": ["Benny Rhamdani", "Jokowi", "Relawan Jokowi Bersatu", "nusantara bersatu GBK",
                  "benny rhamdani izin tempur"],
    # the visible tag list (ul.tag__list), not the keywords meta (the description cut into words)
    "merdeka_m4": ["Jatim", "Wisata Jatim", "Kuliner Unik", "Pamekasan", "Yogyakarta"],
    # JSON-LD NewsArticle keywords
    "viva_m3": ["PDIP", "corona", "covid-19", "masker"],
    "malaymail_2": ["anwar ibrahim", "fahmi fadzil"],
    # rel="tag" links, without their "TAGS" label; the keywords meta adds "Jakarta"
    "jpnn_1": ["PPKM Darurat", "Angka Kematian COVID-19", "Kamrussamad", "Gerindra", "DPR"],
    "beritamanado_m1": ["Asisten 1 Pemkab Mitra", "Jani rolos", "Kebun Raya Megawati Soekarnoputri",
                        "pemkab mitra", "Penanganan COVID 19", "Pengamanan Kebun Raya Ratatotok"],
    # dtk:keywords, the profile's selector
    "detik_m5": ["megawati hangestri", "megawati hangestri pertiwi", "red sparks", "liga voli korea",
                 "liga voli putri korea"],
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(OWN_TAGS))
def test_a_page_with_its_own_tag_list_keeps_that_list(name):
    assert record(name)["tags"] == OWN_TAGS[name]


# Pages without an own tag list: their keyword meta tags, without the site-wide and generic ones.
KEYWORD_TAGS = {
    # "berita terkini, berita Indonesia, berita online, portal Indonesia" close every Antara page's keywords
    "antara_1": ["penerbangan batal", "abu vulkanik", "gunung rinjani", "gunung batujari"],
    # a second keywords meta lists the channels, the same on both Republika pages
    "republika_1": ["promosi wisata film", "film promo wisata", "film wisata"],
    # the Blogger template's keywords are the site's; the post's own keywords meta is its headline
    "gelora_m1": [],
    # the keywords meta is the description cut into words
    "kapanlagi_1": [],
    "tempoen_1": ["Forest Fire"],
    # "Berita Terkini" among the article's keywords
    "liputan6_m3": ["Warganet", "Indonesia vs Malaysia", "Timnas Indonesia", "Indonesia", "Piala AFF",
                    "Piala AFF 2020", "Irfan Jaya", "AFF Suzuki Cup", "AFF Suzuki Cup 2020", "Adalah",
                    "Elkan Baggott"],
    # news_keywords first; the bare "tags" meta (the title's word pairs) is not read
    "viva_1": ["mers di thailand", "wabah mers", "penderita mers"],
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(KEYWORD_TAGS))
def test_keyword_meta_tags_lose_site_wide_generic_and_cut_text_keywords(name):
    assert record(name)["tags"] == KEYWORD_TAGS[name]


def test_kompas_own_tags_win_over_keywords_with_the_dateline_city():
    html = bulk("kompas-bulk-1")
    assert (
        b'<meta name="keywords" content="operasi patuh jaya, polisi, pelanggar lalu lintas, protokol ' in html
    )
    own = [
        "operasi patuh jaya",
        "polisi",
        "pelanggar lalu lintas",
        "protokol kesehatan",
        "Operasi Patuh Jaya 2020",
    ]
    assert extract(html)["tags"] == own
    # Without content_tags the keywords meta is read, less "Jakarta", a site keyword of Kompas.
    assert "jakarta" in all_profiles()["kompas"].site_keywords
    found = extract(_CONTENT_TAGS.sub(b"", html))["tags"]
    assert found == [*own, "Rudi Antariksawan", "Polri"]


def test_an_editors_tag_is_kept_even_when_it_is_a_site_keyword():
    found = extract(bulk("kompas-bulk-52"))
    assert found["site"] == "kompas"
    assert found["tags"] == [
        "survei",
        "jakarta",
        "yogyakarta",
        "Bali",
        "jawa barat",
        "destinasi wisata",
        "Traveloka",
    ]


# -- Profile fields ------------------------------------------------------------------------------

GOOD = """name = "contoh"
title = "Contoh"
verified = false
language = "id"
timezone = "+07:00"
domains = ["contoh.id"]
article_url = '^https://contoh\\.id/\\d+/'
[discovery]
feeds = ["https://contoh.id/rss"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "contoh.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_site_keywords_and_group_outlets_load_and_are_checked_naming_file_and_field(tmp_path):
    profile = load_profile(
        write(
            tmp_path,
            GOOD.replace("[discovery]", '[group_outlets]\ncontohglobe = ["globe.contoh.id"]\n[discovery]')
            + '[metadata]\nsite_keywords = ["Berita Contoh", "contoh"]\n',
        )
    )
    assert profile.site_keywords == {"berita contoh", "contoh"}
    assert profile.group_outlets == (("contohglobe", ("globe.contoh.id",)),)
    path = write(tmp_path, GOOD + "[metadata]\nsite_keywords = [1]\n")
    with pytest.raises(ProfileError, match=rf"{re.escape(str(path))}: field 'metadata.site_keywords'"):
        load_profile(path)
    path = write(
        tmp_path, GOOD.replace("[discovery]", '[group_outlets]\nglobe = "globe.contoh.id"\n[discovery]')
    )
    with pytest.raises(ProfileError, match=r"contoh\.toml: field 'group_outlets\.globe'"):
        load_profile(path)


def test_an_archive_capture_has_the_key_of_the_article_it_captured():
    original = "https://www.jpnn.com/news/pemerintah-tetapkan-ppkm-darurat"
    capture = f"https://web.archive.org/web/20210718185200/{original}"
    assert url_key(capture) == url_key(original) == "jpnn.com/news/pemerintah-tetapkan-ppkm-darurat"
