"""Sentence integrity: every paragraph of the clean text is made of the page's own text, no words cut out."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
import trafilatura

from crawler.extract import ExtractError, extract
from crawler.integrity import _decodings, _discarded, _tree, fold, holes, page_text
from crawler.quality import gold_pages
from crawler.replay.archive import INDEX_NAME, load_archive

ROOT = Path(__file__).resolve().parent.parent
OFFTARGET = ROOT / "tests" / "data" / "offtarget"
PROVENANCE: dict[str, dict] = json.loads((OFFTARGET / "PROVENANCE.json").read_text(encoding="utf-8"))
_SPACE = re.compile(r"\s+")


def offtarget_page(name: str) -> bytes | str:
    """A benchmark page kept in tests/data/offtarget, given as its benchmark gives it (test_offtarget.py)."""
    html = gzip.decompress((OFFTARGET / name).read_bytes())
    return html.decode("utf-8") if PROVENANCE[name]["benchmark"] == "fundus" else html


def recorded_pages() -> Iterator[tuple[str, bytes | str, str | None]]:
    """Every recorded page in the repository as (name, html, url): corpus, replay samples, off-target."""
    for page in gold_pages(ROOT / "corpus"):
        yield page.name, page.html, page.url
    for index in sorted((ROOT / "sample").glob(f"*/{INDEX_NAME}")):
        for recorded in load_archive(index.parent).values():
            content_type = {k.lower(): v for k, v in recorded.headers.items()}.get("content-type", "")
            if recorded.body_path is not None and recorded.status == 200 and "html" in content_type.lower():
                yield f"sample/{index.parent.name}/{recorded.body_path.stem}", recorded.body(), recorded.url
    for name in sorted(PROVENANCE):
        yield f"offtarget/{name.removesuffix('.html.gz')}", offtarget_page(name), PROVENANCE[name]["url"]


RECORDED = list(recorded_pages())
IDS = [name for name, _, _ in RECORDED]
CORPUS = {page.name: page for page in gold_pages(ROOT / "corpus")}


@cache
def plain(name: str) -> str:
    """Plain trafilatura's text of a recorded page."""
    _, html, url = RECORDED[IDS.index(name)]
    return trafilatura.extract(html, url=url, include_comments=False) or ""


def offtarget(stem: str) -> bytes | str:
    return offtarget_page(f"{stem}.html.gz")


def _report(name: str, found: list[str]) -> str:
    shown = "\n".join(f"  {hole[:160]}{'…' if len(hole) > 160 else ''}" for hole in found[:10])
    return f"{name}: {len(found)} paragraph(s) are not runs of the page (words cut from inside):\n{shown}"


# A real paragraph of kompas_m1; "gubernur" is an inline keyword link (a.inner-link-tag) in it.
WHOLE = (
    "Said menilai, langkah yang dilakukan tiga gubernur tersebut dengan mengabaikan Surat Edaran "
    "Menteri Ketenagakerjaan ( Menaker) adalah langkah yang tepat."
)
CUT = WHOLE.replace("gubernur ", "")  # what a cleaner that deletes the link leaves


def test_the_recorded_pages_are_all_found():
    assert len(CORPUS) >= 61 and set(CORPUS) <= set(IDS)
    assert {"sample/kompas/kompas_1", "sample/kompas/indeks-2016-02-16"} <= set(IDS)
    assert {f"offtarget/{name.removesuffix('.html.gz')}" for name in PROVENANCE} <= set(IDS)
    assert "offtarget/nhk.or.jp.k100" in IDS


def test_a_word_cut_from_inside_a_sentence_is_a_hole():
    html = CORPUS["kompas_m1"].html
    other = "JAKARTA, KOMPAS.com - Presiden Konfederasi Serikat Pekerja Indonesia (KSPI) Said Iqbal"
    assert holes(html, f"{other}\n{CUT}") == [CUT]
    assert holes(html, f"- {CUT}") == [f"- {CUT}"], "reading a list marker off must not excuse a hole"
    assert holes(html, f"| {CUT} | Menaker |") != [], "reading cell by cell must not excuse a hole"


def test_the_same_paragraph_whole_is_no_hole():
    html = CORPUS["kompas_m1"].html
    assert holes(html, WHOLE) == []
    assert holes(html.decode("utf-8"), WHOLE) == []
    assert holes(html, f"  {WHOLE.replace(' ', chr(0xA0) + chr(0x200B), 3)}  ") == []


@pytest.mark.parametrize(
    ("name", "paragraph", "code"),
    [
        (
            "jpnn_1",
            "“Karena rakyat merasa lebih terjamin dan terlindungi secara psikologi,” tegasnya.",
            "(boy/jpnn)",
        ),
        ("liputan6_1", "pembangunan 331 ribu unit rumah di 14 provinsi di Tanah Air.", "(Mvi/Ali)"),
        ("jakartapost_1", "six people were shot dead at a Sikh temple in Wisconsin by a neo-Nazi.", "(dmr)"),
    ],
)
def test_a_trailing_editor_code_cut_is_no_hole(name, paragraph, code):
    html = CORPUS[name].html
    assert holes(html, f"{paragraph} {code}") == [], "the paragraph with its code is a run of the page"
    assert holes(html, paragraph) == []
    holed = paragraph.replace(" di ", " ", 1).replace(" secara ", " ", 1).replace(" shot ", " ", 1)
    assert holes(html, holed) == [holed], "a cut code excuses nothing inside the paragraph"


def test_page_text_ignores_scripts_and_styles():
    html = CORPUS["kompas_m1"].html
    assert b"function(" in html and b"<style" in html
    text = page_text(html)
    assert "Saidmenilai,langkahyangdilakukantigagubernur" in text
    assert "function(" not in text


def test_whole_blocks_may_go_from_between_the_pieces_of_a_paragraph():
    # Three consecutive <p>s of kompas_m1 (WHOLE the middle one): joined, they are made of the page,
    # also with the middle one dropped, but only whole: a join into the middle of a block is a hole.
    html = CORPUS["kompas_m1"].html
    first = (
        "JAKARTA, KOMPAS.com - Presiden Konfederasi Serikat Pekerja Indonesia (KSPI) Said Iqbal "
        "mengapresiasi langkah yang diambil Gubernur DKI Jakarta, Jawa Tengah dan Daerah Istimewa "
        "Yogyakarta yang telah menaikkan upah minimum provinsi (UMP)."
    )
    third = (
        "Surat Edaran yang dimaksud yakni, Surat Edaran (SE) Menteri Tenaga Kerja (Menaker) Nomor "
        "11/HK04/X/2020 tentang Penetapan Upah Minimum tahun 2021."
    )
    assert holes(html, f"{first} {WHOLE} {third}") == []
    assert holes(html, f"{first} {third}") == []
    assert holes(html, f"{first} {CUT} {third}") != []
    into_the_middle = f"{first} {WHOLE.split(' ', 3)[3]}"
    assert holes(html, into_the_middle) == [into_the_middle]


def test_an_advert_block_inside_a_sentence_may_go():
    # chemietechnik.de: an ad unit (<div>s in a <span>, "Anzeige") stands inside this sentence.
    html = offtarget("chemietechnik.de.forschungsgruppe-fuer-biotechnologie")
    sentence = (
        "Dazu wurde das seit vier Jahren bestehende Biotechnologie-Kompetenzzentrum um eine "
        "Forschungsgruppe erweitert."
    )
    assert holes(html, sentence) == []
    assert holes(html, sentence.replace("seit vier Jahren ", "")) != []


def test_a_nested_table_may_leave_its_cell():
    # stardewvalleywiki.com: trafilatura writes the nested schedule tables of a cell on their own and
    # the cell's remaining text in one piece (a row of plain trafilatura's text).
    html = offtarget("stardewvalleywiki.com.penny")
    rows = plain("offtarget/stardewvalleywiki.com.penny").split("\n")
    row = next(line for line in rows if line.startswith("| Monday   |"))
    assert "Tuesday, Wednesday, Friday Thursday, Saturday, Sunday Remains at the farm all day." in row
    assert holes(html, row) == []
    holed = row.replace("Remains at the farm", "Remains at farm")
    assert holes(html, holed) == [holed]


def test_what_trafilatura_deletes_by_tag_may_go_from_inside_a_sentence():
    # nhk.or.jp: furigana readings (<rt>, <rp>) over the kanji; trafilatura deletes them.
    html = offtarget("nhk.or.jp.k100")
    sentence = (
        "子どもへの虐待をなくすための法律ができて、親が子どもを教育するために、"
        "たたいたり蹴ったりする体罰を禁止することになりました。"
    )
    assert sentence in plain("offtarget/nhk.or.jp.k100").split("\n")
    assert holes(html, sentence) == []
    assert holes(html, sentence.replace("子どもを教育するために、", "")) != []


def test_what_trafilatura_deletes_as_hidden_may_go():
    # TagesAnzeiger (Fundus): an aria-hidden dash between the kicker and the headline.
    html = offtarget("TagesAnzeiger_2026_05_18")
    headline = (
        "Umbau des Weissen Hauses Trump plant Helikopterlandeplatz – während sein Ballsaal-Projekt stockt"
    )
    assert holes(html, headline) == []
    assert holes(html, headline.replace("plant ", "")) != []


def test_template_text_is_page_text():
    # sheego.de: a <template> holds the shop's banner; trafilatura strips the tag and keeps the text.
    html = offtarget("sheego.de.cleaning")
    assert holes(html, "1 Jahr Gratis Versand\n+ 5% Sofortrabatt\nbei jeder Bestellung") == []


@pytest.mark.parametrize(
    ("name", "paragraph", "cut"),
    [
        # JSON-LD description, shown nowhere on the page
        (
            "detik_m1",
            "Seorang wanita terkena stroke di usia 26 tahun. Ia mengaku tak pernah ada gejala seperti "
            "kasus stroke lainnya. Kini tinggal 1 lengannya bisa berfungsi normal.",
            "di usia 26 tahun",
        ),
        # JSON-LD articleBody written as HTML: a figure caption the page does not show
        (
            "beritamanado_m1",
            "Rakor penanganan dan meminimalkan masalah penyebaran COVID-19 dan keamanan di kawasan "
            "Kebun Raya, Ratatotok.",
            "dan meminimalkan masalah",
        ),
    ],
)
def test_json_ld_text_is_page_text(name, paragraph, cut):
    html = CORPUS[name].html
    assert fold(paragraph) in page_text(html)
    assert holes(html, paragraph) == []
    holed = _SPACE.sub(" ", paragraph.replace(cut, ""))
    assert holes(html, holed) == [holed]


def test_a_page_trafilatura_decodes_otherwise_is_also_read_its_way():
    # malaymail_2 as an old site would serve it: Windows-1252 bytes declared ISO-8859-1. Bersih reads
    # the curly quotes and dashes (w3lib takes the label for Windows-1252); trafilatura decodes the
    # bytes as Latin-1 and drops them as control characters.
    page = CORPUS["malaymail_2"]
    html = page.html.decode("utf-8").replace('charset="utf-8"', 'charset="iso-8859-1"')
    data = html.encode("cp1252", "xmlcharrefreplace")
    text = trafilatura.extract(data, url=page.url, include_comments=False) or ""
    assert "Nov 22  Private companies" in text
    assert holes(data, text) == []
    assert holes(data, "PUTRAJAYA, Nov 22 — Private companies did not pay for Prime Minister") == []
    assert holes(data, "PUTRAJAYA, Nov 22 — Private companies did pay for Prime Minister") != []


def _inline_cuts(html: bytes | str, text: str) -> Iterator[tuple[str, str]]:
    """(paragraph, the paragraph with an inline element's text cut out of a sentence) for a page's text.

    The inline elements are links and emphasis inside a <p> with words on both sides, found in a
    paragraph of `text` that is not a table row (whose cells are checked one by one); not those
    trafilatura deletes as boilerplate itself (a hidden link).
    """
    tree = _tree(_decodings(html)[0])
    if tree is None:
        return
    boilerplate = _discarded(tree)
    paragraphs = [_SPACE.sub(" ", p).strip() for p in text.split("\n") if "|" not in p]
    seen = set()
    for element in tree.iter("a", "b", "strong", "em", "i"):
        host = next(element.iterancestors("p"), None)
        word = _SPACE.sub(" ", element.text_content()).strip()
        if host is None or len(word) < 3 or not (element.tail or "").strip() or element in boilerplate:
            continue
        sentence = _SPACE.sub(" ", host.text_content()).strip()
        at = sentence.find(word)
        before, after = sentence[max(0, at - 25) : at], sentence[at + len(word) : at + len(word) + 25]
        if at < 15 or len(after.strip()) < 8 or (before, word) in seen:
            continue
        seen.add((before, word))
        for paragraph in paragraphs:
            if (run := f"{before}{word}{after}") in paragraph:
                yield paragraph, paragraph.replace(run, _SPACE.sub(" ", before + after), 1)
                break


@pytest.mark.parametrize(("name", "html", "url"), RECORDED, ids=IDS)
def test_an_inline_element_cut_from_a_sentence_is_always_a_hole(name, html, url):
    # Not weakened by the pieces: on every recorded page, whatever link or emphasis plain trafilatura's
    # text holds inside a sentence, the text without it is flagged.
    cuts = [cut for whole, cut in _inline_cuts(html, plain(name)) if not holes(html, whole)]
    missed = [cut for cut in cuts if not holes(html, cut)]
    assert missed == [], _report(name, missed)


@pytest.mark.parametrize(("name", "html", "url"), RECORDED, ids=IDS)
def test_plain_trafilatura_has_no_holes(name, html, url):
    # The calibration: trafilatura keeps sentences whole, so anything flagged here is the checker's fault.
    found = holes(html, plain(name))
    assert found == [], _report(name, found)


@pytest.mark.parametrize(("name", "html", "url"), RECORDED, ids=IDS)
def test_bersih_keeps_every_paragraph_a_run_of_the_page(name, html, url):
    try:
        record = extract(html, url=url)
    except ExtractError:
        return  # not a page at all: no text written, nothing to check
    found = holes(html, record["text"]) if record else []
    assert found == [], _report(name, found)
