"""Authors are people: no labels, outlets or page furniture, several names apart, editors apart."""

import re
from functools import cache

import pytest

from crawler.extract import extract, metadata
from crawler.extract.authors import Credits, credits, dropped_bylines, site_label, text_of
from crawler.extract.core import parse
from crawler.extract.lines import Dropped
from crawler.profiles import ProfileError, profile_for_url, profile_from_data
from crawler.quality import gold_pages

PAGES = list(gold_pages())
AUTHORED = [p for p in PAGES if p.gold.get("author")]


@cache
def record(name: str) -> dict:
    page = next(p for p in PAGES if p.name == name)
    found = extract(page.html, page.url)
    assert found is not None, name
    return found


def test_the_corpus_has_gold_authors_to_check():
    assert len(AUTHORED) >= 40
    assert any(", " in p.gold["author"] for p in AUTHORED)  # several names: "A, B"


@pytest.mark.parametrize("page", AUTHORED, ids=[p.name for p in AUTHORED])
def test_every_gold_author_is_among_the_record_authors(page):
    authors = record(page.name)["authors"]
    for name in page.gold["author"].split(", "):
        assert name in authors, (name, authors)


# What a name must never hold, whatever the page: the labels of Indonesian bylines, page
# furniture, and anything that is not letters.
LABELS = re.compile(
    r"\b(penulis|editor|reporter|redaktur|pewarta|kontributor|jurnalis|laporan|oleh|by|author)\b", re.I
)
UI_WORDS = re.compile(
    r"\b(web|design|development|developer|admin|redaksi|facebook|twitter|instagram|whatsapp|share|"
    r"bagikan|komentar|login|home|beranda|copyright|powered|news|berita|baca|link|copy)\b",
    re.I,
)
NOT_LETTERS = re.compile(r"\d|@|://|www\.|\.(com|co\.id|id)\b")


def outlet_names(page) -> list[str]:
    profile = profile_for_url(page.url)
    names = [profile.name, profile.title, *profile.domains] if profile else []
    return [n.casefold() for n in names]


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_no_credited_name_holds_a_label_an_outlet_or_ui_text(page):
    found = record(page.name)
    for name in [*found["authors"], *found["editors"]]:
        assert not LABELS.search(name), name
        assert not UI_WORDS.search(name), name
        assert not NOT_LETTERS.search(name), name
        assert not any(outlet in name.casefold() for outlet in outlet_names(page)), name
        assert 1 <= len(name.split()) <= 5, name
        assert name == name.strip() and "  " not in name, name
    assert len(found["authors"]) == len(set(found["authors"]))


@pytest.mark.parametrize(
    ("name", "authors", "editors"),
    [
        ("kompas_m1", ["Irfan Kamil"], ["Sabrina Asril"]),  # the JSON-LD author is the editor
        ("kompas_2", ["Masriadi"], ["Ervan Hardoko"]),  # "Kontributor Lhokseumawe, Masriadi"
        ("kompas_4", [], ["Ervan Hardoko"]),  # an editor and a source, no writer
        ("jpnn_1", ["Boy"], ["Boy"]),  # "Redaktur & Reporter : Boy"
        ("mediaindonesia_1", ["Andhika Prasetyo"], ["Andhika"]),  # "Editor : Andhika" is not the author
        ("liputan6_m1", ["Nanda Perdana Putra"], ["Mevi Linawati"]),  # "Name Author", "Name Editor"
        ("liputan6_m4", ["Afifah Cinthia Pasha"], ["Septika Shidqiyyah"]),  # credited to Liputan6.com
        ("antara_2", ["Budisantoso Budiman", "Agus S"], ["Ade Marboen"]),
        ("detik_1", ["Bagus Kurniawan"], []),  # "Bagus Kurniawan - detiknews"
        ("okezone_1", ["Fakhrizal Fakhri"], []),  # "Fakhrizal Fakhri Jurnalis"
        ("tempo_1", ["Dini Teja"], []),  # "<strong>DINI TEJA</strong>" closing the text, not "Web Design"
        ("jakartapost_1", [], []),  # "Agence France-Presse, CHARLESTON, South Carolina | World | …"
        ("gelora_m1", [], []),  # "@geloranews"
    ],
)
def test_pages_credit_their_people_apart(name, authors, editors):
    found = record(name)
    assert (found["authors"], found["editors"]) == (authors, editors)


DETIK = ("detik", "detikcom", "detik.com", "detikcom", "detiknews", "detikinet")


@pytest.mark.parametrize(
    ("byline", "outlets", "expected"),
    [
        # Real bylines of corpus/ pages, as their markup gives them.
        ("Bagus Kurniawan - detiknews", DETIK, (["Bagus Kurniawan"], [])),
        ("Fino Yurio Kristo - detikinet", DETIK, (["Fino Yurio Kristo"], [])),
        ("Afif Farhan - Sport", DETIK, (["Afif Farhan"], [])),
        ("Editor : Andhika", ("mediaindonesia",), ([], ["Andhika"])),
        ("Redaktur & Reporter : Boy", ("jpnn",), (["Boy"], ["Boy"])),
        ("Penulis : Kontributor Lhokseumawe, Masriadi", ("kompas",), (["Masriadi"], [])),
        ("Kontributor Yogyakarta, Wisang Seto Pangaribowo", ("kompas",), (["Wisang Seto Pangaribowo"], [])),
        ("Penulis Irfan Kamil", ("kompas",), (["Irfan Kamil"], [])),
        ("Fakhrizal Fakhri Jurnalis", ("okezone",), (["Fakhrizal Fakhri"], [])),
        ("Pewarta: Nur Imansyah", ("antaranews",), (["Nur Imansyah"], [])),
        ("Pewarta: Budisantoso Budiman dan Agus S", ("antaranews",), (["Budisantoso Budiman", "Agus S"], [])),
        ("Oleh : Adrianus Mandey", ("viva",), (["Adrianus Mandey"], [])),
        ("Aman Hasibuan (Papua)", ("viva",), (["Aman Hasibuan"], [])),
        ("Reporter: Nur Habibie/Merdeka.com", ("liputan6",), (["Nur Habibie"], [])),
        ("By Silvanus Alvin on 18 Jun 2015 at 06:25 WIB", ("liputan6",), (["Silvanus Alvin"], [])),
        (
            "Oleh Giovani Dio Prasasti pada 20 Des 2021, 09:59 WIB",
            ("liputan6",),
            (["Giovani Dio Prasasti"], []),
        ),
        ("Nanda Perdana Putra Author", ("liputan6",), (["Nanda Perdana Putra"], [])),
        ("Mevi Linawati Editor", ("liputan6",), ([], ["Mevi Linawati"])),
        ("by Jenly Wenur Jumat, 9 Oktober 2020", ("beritamanado",), (["Jenly Wenur"], [])),
        ("JABAR | 16 Juni 2021 13:00 Reporter : Andre Kurniawan", ("merdeka",), (["Andre Kurniawan"], [])),
        ("DINI TEJA", ("tempo",), (["Dini Teja"], [])),
        (
            "By ZUHYX International Monetary Corporation",
            ("malaymail",),
            (["ZUHYX International Monetary Corporation"], []),
        ),
        # Bylines of the forms corpus/README.md lists, and Tribun's.
        ("Penulis: Reza Deni | Editor: Wahyu Aji", ("tribunnews",), (["Reza Deni"], ["Wahyu Aji"])),
        ("Laporan Wartawan Tribunnews.com, Reza Deni", ("tribunnews",), (["Reza Deni"], [])),
        (
            "Muhammad Fida Ul Haq, Jurnalis-Kamis, 2 Januari 2025 |12:15 WIB",
            ("okezone",),
            (["Muhammad Fida Ul Haq"], []),
        ),
        ("Penulis: A Rahman, Budi Santoso dan Citra", (), (["A Rahman", "Budi Santoso", "Citra"], [])),
        # Not people: labels alone, the outlet, agencies, page furniture, codes and handles.
        ("Redaktur", ("jpnn",), ([], [])),
        ("Tim detikcom - detikNews", DETIK, ([], [])),
        ("Liputan6.com", ("liputan6", "Liputan6.com"), ([], [])),
        ("Oleh Liputan6.com", ("liputan6",), ([], [])),
        ("PT. VIVA MEDIA BARU - VIVA.co.id", ("viva", "VIVA.co.id"), ([], [])),
        ("Kompas Cyber Media", ("kompas",), ([], [])),
        ("mediaindonesia.com developer", ("mediaindonesia",), ([], [])),
        ("Web Design & Development - Biro SIM Tempo Inti Media", ("tempo",), ([], [])),
        (
            "Agence France-Presse, CHARLESTON, South Carolina | World | Fri, June 19 2015, 7:36 AM",
            (),
            ([], []),
        ),
        ("Sumber : The Telegraph", ("kompas",), ([], [])),
        ("Facebook", ("kompas",), ([], [])),
        ("Link successfully copied Toggle", ("okezone",), ([], [])),
        ("@geloranews", ("gelora",), ([], [])),
        ("bgs", ("detik",), ([], [])),
        ("https://www.facebook.com/someone", (), ([], [])),
        ("redaksi@contoh.id", (), ([], [])),
    ],
)
def test_a_byline_comes_apart_into_people(byline, outlets, expected):
    assert credits([[byline]], outlets) == Credits(*expected)


def test_sources_are_read_in_order_of_trust_and_editors_stay_editors():
    # The first source that names an author wins; an editor named anywhere is no author elsewhere.
    assert credits([[], ["Irfan Kamil"], ["Sabrina Asril"]]) == Credits(["Irfan Kamil"], [])
    assert credits([["Editor : Andhika"], ["Andhika"]]) == Credits([], ["Andhika"])
    assert credits([["Andhika"], ["Editor : Andhika"]]) == Credits([], ["Andhika"])
    # ...unless a label says they are both.
    assert credits([["Reporter: Boy"], ["Redaktur: Boy"]]) == Credits(["Boy"], ["Boy"])
    # The costly search runs only when nobody is named.
    calls = []

    def search():
        calls.append(1)
        yield ["Copy link"]
        yield ["Oleh Ann Lee"]
        yield ["Bo Chan"]

    assert credits([["Ann Lee"]], fallback=search) == Credits(["Ann Lee"], [])
    assert calls == []
    assert credits([["Liputan6.com"]], ("liputan6",), fallback=search) == Credits(["Ann Lee"], [])


def test_bylines_the_line_rules_dropped_are_read_with_their_label():
    dropped = [
        Dropped("editor-code", "(bgs/rul)"),
        Dropped("byline-label", "Penulis:"),
        Dropped("byline", "Anju Christian"),
        Dropped("byline", "Reporter: Afifah Cinthia Pasha"),
        Dropped("caption", "Foto: Grammy"),
    ]
    assert dropped_bylines(dropped) == ["Penulis: Anju Christian", "Reporter: Afifah Cinthia Pasha"]


def test_a_node_reads_with_its_elements_and_list_items_apart():
    import lxml.html

    node = lxml.html.fromstring("<div>By <a><span>Corry Anestia</span></a><time>on 16 Feb</time></div>")
    assert text_of(node) == "By Corry Anestia on 16 Feb"
    node = lxml.html.fromstring(
        "<div><b>Oleh : </b><ul><li><a>Ezra Sihite</a></li><li>Aman Hasibuan</li></ul></div>"
    )
    assert credits([[text_of(node)]]) == Credits(["Ezra Sihite", "Aman Hasibuan"], [])


def test_the_site_label_of_a_url():
    assert site_label("https://news.detik.com/berita/1") == "detik"
    assert site_label("https://www.viva.co.id/berita/1") == "viva"
    assert site_label("https://contoh.id/a") == "contoh"
    assert site_label(None) == ""


GOOD = {
    "name": "contoh",
    "title": "Contoh.id",
    "verified": False,
    "language": "id",
    "timezone": "+07:00",
    "domains": ["contoh.id"],
    "article_url": "/read/",
    "discovery": {"feeds": ["https://contoh.id/rss"]},
}


def with_layout(**fields) -> dict:
    layout = {"name": "isi", "years": "2020-", "body": ["div.isi"], **fields}
    return {**GOOD, "cleaning": {"layouts": [layout]}}


def test_a_layout_names_its_author_selectors():
    profile = profile_from_data(
        with_layout(authors=[".penulis", "//meta[@name='author']/@content"]), "contoh.toml"
    )
    assert [profile.label(x) for x in profile.layouts[0].authors] == [
        ".penulis",
        "//meta[@name='author']/@content",
    ]
    assert profile_from_data(with_layout(), "contoh.toml").layouts[0].authors == ()


@pytest.mark.parametrize(
    ("authors", "message"),
    [
        ("div.penulis", "contoh.toml: field 'cleaning.layouts[0].authors' must be a list"),
        (["div[["], "contoh.toml: field 'cleaning.layouts[0].authors': bad selector 'div[['"),
    ],
)
def test_a_bad_layout_author_selector_names_the_file_and_the_field(authors, message):
    with pytest.raises(ProfileError, match=re.escape(message)):
        profile_from_data(with_layout(authors=authors), "contoh.toml")


def test_the_matched_layout_s_selectors_come_before_the_profile_s():
    html = """<html><head><meta name="author" content="Meta Name"></head><body>
      <div class="isi"><p class="by">Penulis: Lay Out | Editor: Ed Itor</p>
      <p>Kalimat pertama artikel ini cukup panjang untuk dibaca sebagai isi berita yang utuh.</p>
      <p>Kalimat kedua artikel ini juga cukup panjang untuk dibaca sebagai isi berita.</p>
      </div></body></html>"""
    data = with_layout(authors=["p.by"])
    data["metadata"] = {"authors": ["//meta[@name='author']/@content"]}
    profile = profile_from_data(data, "contoh.toml")
    found = extract(html, "https://contoh.id/read/1", profile=profile)
    assert (found["authors"], found["editors"]) == (["Lay Out"], ["Ed Itor"])
    other = profile_from_data(
        {**data, "cleaning": {"layouts": [{**data["cleaning"]["layouts"][0], "body": ["div.lain"]}]}},
        "contoh.toml",
    )
    found = extract(html, "https://contoh.id/read/1", profile=other)
    assert (found["authors"], found["editors"]) == (["Meta Name"], ["Ed Itor"])


def test_json_ld_authors_are_read_through_their_graph_references():
    html = """<html><head><script type="application/ld+json">{"@graph": [
      {"@type": "Article", "author": {"@id": "https://contoh.id/#/person/1"}},
      {"@type": "Person", "@id": "https://contoh.id/#/person/1", "name": "Rüdiger Ofenloch"}]}</script>
      </head><body><p>x</p></body></html>"""
    tree = parse(html)
    sources = metadata.author_sources(tree, None)
    assert metadata.credits(tree, sources, [], ()) == Credits(["Rüdiger Ofenloch"], [])


def test_an_unprofiled_page_is_searched_for_a_byline_its_markup_points_at():
    html = """<html><body><div class="comments"><span class="author">Pembaca Setia</span></div>
      <figure><span class="author">Foto Grafer</span></figure>
      <div class="post-author"><span>Oleh</span> <a rel="author">Rina Marlina</a></div></body></html>"""
    tree = parse(html)
    assert metadata.credits(tree, metadata.author_sources(tree, None), [], ()) == Credits(
        ["Rina Marlina"], []
    )
