"""Sentence integrity: every paragraph of the clean text is a contiguous run of the page's own text."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import trafilatura

from crawler.extract import ExtractError, extract
from crawler.integrity import holes, page_text
from crawler.quality import gold_pages
from crawler.replay.archive import INDEX_NAME, load_archive

ROOT = Path(__file__).resolve().parent.parent
OFFTARGET = ROOT / "tests" / "data" / "offtarget"


def _url_in(data: object, name: str, stem: str) -> str | None:
    """The URL a metadata document gives for one page file, found wherever the document names it."""
    if isinstance(data, dict):
        for key in (name, stem):
            hit = data.get(key)
            if isinstance(hit, str) and hit.startswith(("http://", "https://")):
                return hit
            if isinstance(hit, dict) and isinstance(hit.get("url"), str):
                return hit["url"]
        names_page = any(isinstance(v, str) and (v == stem or Path(v).name == name) for v in data.values())
        if names_page and isinstance(data.get("url"), str):
            return data["url"]
        children = list(data.values())
    elif isinstance(data, list):
        children = data
    else:
        return None
    return next((url for child in children if (url := _url_in(child, name, stem))), None)


def _documents(path: Path) -> Iterator[object]:
    """The JSON documents of a metadata file (one, or one a line for .jsonl); nothing if unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".jsonl":
            yield [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            yield json.loads(text)
    except (OSError, ValueError):
        return


def _offtarget_url(page: Path) -> str | None:
    """A page's URL from the metadata beside it (<stem>.json, or PROVENANCE.json and the like)."""
    sidecar = page.with_suffix(".json")
    for document in _documents(sidecar) if sidecar.is_file() else ():
        if isinstance(document, dict) and isinstance(document.get("url"), str):
            return document["url"]
    for meta in sorted([*page.parent.glob("*.json"), *page.parent.glob("*.jsonl")]):
        for document in _documents(meta):
            if url := _url_in(document, page.name, page.stem):
                return url
    return None


def recorded_pages() -> Iterator[tuple[str, bytes, str | None]]:
    """Every recorded page in the repository as (name, html, url): corpus, replay samples, off-target."""
    for page in gold_pages(ROOT / "corpus"):
        yield page.name, page.html, page.url
    for index in sorted((ROOT / "sample").glob(f"*/{INDEX_NAME}")):
        for recorded in load_archive(index.parent).values():
            content_type = {k.lower(): v for k, v in recorded.headers.items()}.get("content-type", "")
            if recorded.body_path is not None and recorded.status == 200 and "html" in content_type.lower():
                yield f"sample/{index.parent.name}/{recorded.body_path.stem}", recorded.body(), recorded.url
    for path in sorted(OFFTARGET.glob("*.html")):
        yield f"offtarget/{path.stem}", path.read_bytes(), _offtarget_url(path)


RECORDED = list(recorded_pages())
IDS = [name for name, _, _ in RECORDED]
CORPUS = {page.name: page for page in gold_pages(ROOT / "corpus")}


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


@pytest.mark.parametrize(("name", "html", "url"), RECORDED, ids=IDS)
def test_plain_trafilatura_has_no_holes(name, html, url):
    # The calibration: trafilatura keeps sentences whole, so anything flagged here is the checker's fault.
    text = trafilatura.extract(html, url=url, include_comments=False) or ""
    found = holes(html, text)
    assert found == [], _report(name, found)


@pytest.mark.parametrize(("name", "html", "url"), RECORDED, ids=IDS)
def test_bersih_keeps_every_paragraph_a_run_of_the_page(name, html, url):
    try:
        record = extract(html, url=url)
    except ExtractError:
        return  # not a page at all: no text written, nothing to check
    found = holes(html, record["text"]) if record else []
    assert found == [], _report(name, found)
