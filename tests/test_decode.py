"""Charsets and bad input: decoded right or refused with a named reason, never a crash."""

import json
import re

import pytest
from conftest import ROOT, present

from crawler.extract import ExtractError, extract
from crawler.extract.decode import decode_html

PAGES = ROOT / "corpus" / "pages"
KOMPAS_6_URL = (
    "http://otomotif.kompas.com/read/2016/02/23/165200515/Merek.China.Serbu.Indonesia.Ini.Kata.Gaikindo"
)
TITLE = "Merek China “Serbu” Indonesia, Ini Kata Gaikindo"


def kompas_6_text() -> str:
    return (PAGES / "kompas_6.html").read_bytes().decode("utf-8")


def test_utf8_page_declaring_iso_8859_1_is_read_as_utf8():
    raw = (PAGES / "kapanlagi_1.html").read_bytes()
    assert b"iso-8859-1" in raw.lower()
    text, encoding = decode_html(raw, "text/html; charset=iso-8859-1")
    assert encoding == "utf-8"
    assert "Ã" not in text


def test_windows_1252_served_as_utf8_is_detected():
    raw = kompas_6_text().encode("cp1252", errors="ignore")
    record = extract(raw, url=KOMPAS_6_URL, content_type="text/html; charset=utf-8")
    assert record["title"] == TITLE


def test_utf8_with_bom_and_a_latin1_meta_follows_the_bom():
    page = kompas_6_text().replace("<head>", '<head><meta charset="iso-8859-1">', 1)
    record = extract(b"\xef\xbb\xbf" + page.encode("utf-8"), url=KOMPAS_6_URL)
    assert record["title"] == TITLE


def test_no_declaration_at_all_is_decoded():
    page = re.sub(r"<meta[^>]*charset[^>]*>", "", kompas_6_text(), flags=re.IGNORECASE)
    assert not re.search(r"<meta[^>]*charset", page, flags=re.IGNORECASE)
    record = extract(page.encode("utf-8"), url=KOMPAS_6_URL, content_type="text/html")
    assert record["title"] == TITLE


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"", "text/html", "empty"),
        (b"   \n  ", None, "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "text/html", "not-html"),
        (b'{"article": "json, not a page"}', None, "not-html"),
        (b"<html><body><p>x</p></body></html>", "application/pdf", "not-html"),
    ],
)
def test_input_that_is_not_a_page_is_refused_with_a_reason(body, content_type, reason):
    with pytest.raises(ExtractError) as caught:
        extract(body, url="https://www.kompas.com/read/2024/01/01/1/x", content_type=content_type)
    assert caught.value.reason == reason


def test_page_over_the_size_limit_is_refused_before_parsing():
    raw = (PAGES / "kompas_1.html").read_bytes()
    with pytest.raises(ExtractError) as caught:
        extract(raw, url=KOMPAS_6_URL, max_bytes=len(raw) - 1)
    assert caught.value.reason == "too-large"


def test_truncated_page_still_gives_its_first_paragraphs():
    gold = json.loads((ROOT / "corpus" / "gold" / "kompas_3.json").read_text(encoding="utf-8"))
    raw = (PAGES / "kompas_3.html").read_bytes()
    middle = raw.find(gold["with"][1][:30].encode("utf-8"))
    assert middle > 0
    record = extract(raw[:middle], url=gold["url"])
    assert record is not None
    assert present(gold["with"][0], record["text"])


def test_xhtml_with_an_xml_declaration_is_parsed():
    page = '<?xml version="1.0" encoding="iso-8859-1"?>\n' + kompas_6_text()
    assert extract(page, url=KOMPAS_6_URL)["title"] == TITLE
    assert extract(page.encode("utf-8"), url=KOMPAS_6_URL)["title"] == TITLE


def test_page_without_an_article_gives_none():
    page = "<html><head><title>Indeks</title></head><body><nav><a href='/a'>A</a></nav></body></html>"
    assert extract(page, url="https://indeks.kompas.com/") is None
