"""The sentence-integrity invariant: every clean paragraph is a contiguous run of the page's own text.

A cleaner may drop whole paragraphs and may cut a trailing editor code such as "(rdp/fas)"
from the end of one, but it may never take words out of the middle of a sentence. So each
paragraph of the clean text, folded, must be a substring of the page's text, folded the same
way. Cutting a trailing code leaves a prefix, which is still a substring, so it needs no
exception; deleting an inline link's text ("… termasuk , melalui …") does not.

The fold (NFKC, no whitespace, no characters that `str.isprintable` rejects) and the readings
below are calibrated so that plain `trafilatura.extract` output has no holes on any recorded page
of the repository; each was needed, or is read off trafilatura 2.3.1's own serializer:

- trafilatura drops non-printable characters (`remove_control_characters`), so the fold drops
  them on both sides (liputan6_1: a U+200E left-to-right mark inside a sentence);
- script, style and template text is not page text: an ad script inside a paragraph would
  otherwise split it in two (viva_m1..m6);
- trafilatura starts each list item with "- ", so a paragraph may also be read without that
  marker (kompas_m5, liputan6_1, merdeka_m2, viva_m1..m6; Bersih also kompas_m7);
- from its source, no recorded page needing them: it reads the literal strings "&nbsp;", "&#13;"
  and "&#10;" of double-escaped pages as spaces (`line_processing`), so the fold drops them; and
  it writes a table row as "| a | b |" with a pipe inside a cell as "\\|", so a paragraph with
  pipes may also be read cell by cell, each cell a run of its own (joins of cells go unchecked);
- like the cleaner, the page is read past its first </body> or </html> (libxml2 stops there).
"""

from __future__ import annotations

import re
import unicodedata

import lxml.html
import trafilatura
from lxml.etree import ParserError, strip_elements
from lxml.html import HtmlElement

from crawler.extract.core import repair
from crawler.extract.decode import decode_html

MIN_CHARS = 3  # folded paragraphs shorter than this ("|", "-", "1.") say nothing either way

_SPACE_ENTITIES = re.compile(r"&nbsp;|&#1[03];")
_BULLET = re.compile(r"^\s*-\s+")
_CELL_SEPARATOR = re.compile(r"(?<!\\)\|")
_HEAD_RULE = re.compile(r":?-{3,}:?")


def fold(text: str) -> str:
    """Text reduced to what a reader sees, so layout, Unicode forms and invisibles cannot differ."""
    folded = "".join(_SPACE_ENTITIES.sub(" ", unicodedata.normalize("NFKC", text)).split())
    return folded if folded.isprintable() else "".join(filter(str.isprintable, folded))


def _tree(text: str) -> HtmlElement | None:
    """The page read to its end, as browsers and the cleaner read it (libxml2 stops at </html>)."""
    try:
        tree = lxml.html.document_fromstring(repair(text))
    except (ParserError, ValueError):
        tree = None
    body = tree.find("body") if tree is not None else None
    if body is None or not body.text_content().strip():
        tree = trafilatura.load_html(text)  # recovers from what lxml's parser gives up on
    return tree


def page_text(html: bytes | str) -> str:
    """The page's text in document order, folded: the whole of what a clean paragraph may come from."""
    text = decode_html(html)[0] if isinstance(html, bytes) else html
    tree = _tree(text)
    if tree is None:
        return ""
    strip_elements(tree, "script", "style", "template", with_tail=False)  # code, not text
    return fold(tree.text_content())


def _readings(paragraph: str) -> list[str]:
    """The paragraph as written, and without the "- " marker trafilatura puts before a list item."""
    bullet = _BULLET.match(paragraph)
    return [paragraph, paragraph[bullet.end() :]] if bullet else [paragraph]


def _is_run(paragraph: str, page: str) -> bool:
    """Whether a paragraph is a run of the page (or, as a table row, each of its cells is)."""
    if len(fold(paragraph)) < MIN_CHARS:
        return True
    for reading in _readings(paragraph):
        if fold(reading) in page:
            return True
        if "|" in reading:
            cells = (fold(cell.replace("\\|", "|")) for cell in _CELL_SEPARATOR.split(reading))
            if all(cell in page for cell in cells if cell and not _HEAD_RULE.fullmatch(cell)):
                return True
    return False


def holes(html: bytes | str, text: str) -> list[str]:
    """The paragraphs of `text` that are not runs of the page: text lost from inside a sentence."""
    page = page_text(html)
    return [paragraph for paragraph in text.split("\n") if not _is_run(paragraph, page)]
