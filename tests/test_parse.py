"""Broken roots: a recorded page framed the ways real servers break it is read as browsers read it."""

from __future__ import annotations

import re

import pytest
import trafilatura
from conftest import present

from crawler.extract import extract
from crawler.quality import gold_pages

PAGE = next(p for p in gold_pages() if p.name == "kompas_m1")
HTML = PAGE.html.decode("utf-8")
_ROOT = re.compile(r"<html\b[^>]*>", re.IGNORECASE)


def self_closing_root(html: str) -> str:
    """`<html lang="id" />`, as some current IDN Media templates serve it."""
    return _ROOT.sub(lambda m: m[0][:-1].rstrip() + " />", html, count=1)


def text_before_doctype(html: str) -> str:
    """A stray line of server output before the doctype."""
    return "Warning: session_start(): headers already sent\n" + html


def two_documents(html: str) -> str:
    """An empty error document served first, the page after it: libxml2 stops at the first </html>."""
    return "<html><head><title>x</title></head><body></body></html>\n" + html


def article_after_end_of_body(html: str) -> str:
    """The closing tags moved up before the article, as a template with a stray </body></html> does."""
    head, _, body = html.partition("<body")
    return head + "<body></body></html><body" + body


@pytest.mark.parametrize(
    "frame", [self_closing_root, text_before_doctype, two_documents, article_after_end_of_body]
)
def test_a_broken_root_keeps_the_whole_article(frame):
    broken = frame(HTML)
    record = extract(broken.encode("utf-8"), url=PAGE.url)
    assert record is not None, frame.__name__
    assert [s for s in PAGE.with_ if not present(s, record["text"])] == []
    assert [s for s in PAGE.without if present(s, record["text"])] == []
    assert record["title"] == PAGE.gold["title"]


def test_self_closing_root_empties_a_plain_lxml_parse_but_not_bersih():
    """The case the repair exists for: lxml alone finds no text at all on such a page."""
    import lxml.html

    broken = self_closing_root(HTML)
    assert lxml.html.document_fromstring(broken).text_content().strip() == ""
    record = extract(broken.encode("utf-8"), url=PAGE.url)
    plain = trafilatura.extract(broken, url=PAGE.url, include_comments=False)
    assert record["word_count"] >= 0.5 * len(plain.split())


def test_a_profile_whose_layout_no_longer_fits_falls_back_to_trafilatura_and_says_so():
    """A body selector that now picks the headline alone: the guard takes trafilatura's reading."""
    from dataclasses import replace

    from crawler.profiles import Layout, profile_for_url

    kompas = profile_for_url(PAGE.url)
    stale = replace(kompas, layouts=(Layout("stale", "2020", ("descendant-or-self::h1",)),))
    record = extract(PAGE.html, url=PAGE.url, profile=stale)
    assert record["cleaning"] == "fallback"
    assert [s for s in PAGE.with_ if not present(s, record["text"])] == []
    fitting = extract(PAGE.html, url=PAGE.url, profile=kompas)
    assert fitting["cleaning"] == "profile"
