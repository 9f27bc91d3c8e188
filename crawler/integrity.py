"""The sentence-integrity invariant: every clean paragraph is made of the page's own text.

A cleaner may drop whole paragraphs and whole blocks, and may cut a trailing editor code such as
"(rdp/fas)" from the end of one, but it may never take words out of the middle of a sentence. So
each paragraph of the clean text, folded, must be made of the page's text, folded the same way:

- a contiguous run of it (cutting a trailing code leaves a prefix, which is still a run); or
- the end of one piece of it, then whole pieces, then the start of another. The page's text is
  cut into pieces at every block element (p, div, li, td, br, ...), at every element trafilatura
  deletes by its tag (iframe, math, rt, time, button, ...) and at every element its boilerplate
  XPaths delete (hidden, aria-hidden, class "author", "share-", ...): what goes there goes as a
  whole element, not as words from inside a sentence. Deleting an inline link's text ("...
  termasuk , melalui ...") is neither, and stays a hole. The pieces need not come in page order,
  and a whole element of those kinds may go from inside a sentence (an ad unit may; a keyword
  link may not).

The fold (NFKC, no whitespace, no characters that `str.isprintable` rejects) and the sources of
the page's text are calibrated so that plain `trafilatura.extract` output has no holes on any
recorded page of the repository, on trafilatura's evaluation set (tests/eval, 990 pages) and on
Fundus's parser test pages (258); each was needed by the pages named, or is read off
trafilatura 2.3.1's own code:

- trafilatura drops non-printable characters (`remove_control_characters`), so the fold drops
  them on both sides (liputan6_1: a U+200E left-to-right mark inside a sentence);
- script and style text is not page text and does not cut a piece: an ad script inside a
  paragraph would otherwise split it in two (viva_m1..m6); <template> text is page text, as
  trafilatura strips the tag only (chefkoch.de: amp-mustache "{{.}}"; Bersih also sheego.de);
- pieces end at blocks: trafilatura writes a cell without its nested tables and lists
  (stardewvalleywiki.com, alternatives-economiques.fr on archive.org) and joins what is around
  a block it leaves out (deleuze.enacademic.com, caymancompass.com, cnet.de, guenter-pilger.de,
  proplanta.de); Bersih's drop_blocks takes share buttons, search forms and tag clouds out of
  what trafilatura writes as one paragraph (knowledge-on-air.de, sprechblase.wordpress.com,
  swap-stop.org, kath.net) and an ad unit out of a sentence (chemietechnik.de);
- pieces end at what trafilatura deletes by tag, `MANUALLY_CLEANED` (blog.gaijinpot.com,
  nhk.or.jp: ruby <rt>/<rp> readings; bundesrat.de: an <iframe>'s fallback text; en.wikipedia.org:
  <math>, hidden too), and at what its `OVERALL_DISCARD_XPATH` deletes (happycoffee.org,
  mpimet.mpg.de: display:none prices and anti-spam words; tagesanzeiger.ch, TagesAnzeiger and
  ZwanzigMinuten (Fundus): an aria-hidden dash between kicker and headline; Reuters, DieWelt
  (Fundus): a hidden ", opens new tab" inside a link; VerdensGang (Fundus): an aria-hidden
  tooltip; piratenpartei.de, gnadlib.wordpress.com: "author" spans);
- JSON-LD string values are page text, rendered as HTML where they hold markup: trafilatura's
  baseline reads the article from them (homify.de: HowTo steps; DieWelt (Fundus));
- trafilatura decodes bytes itself, so a page whose charset it reads otherwise is also read its
  way (bummfilm.de, wiadomosci.gazeta.pl, die-tagespost.de, mix1.de, proplanta.de: declared
  ISO-8859-1 or guessed, which the cleaner reads as Windows-1252 and trafilatura as Latin-1);
- trafilatura starts each list item with "- ", so a paragraph may also be read without that
  marker (kompas_m5, liputan6_1, merdeka_m2, viva_m1..m6; Bersih also kompas_m7);
- trafilatura writes a table row as "| a | b |" with a pipe inside a cell as "\\|", so a
  paragraph with pipes may also be read cell by cell, each cell made of the page of its own
  (joins of cells go unchecked) (blog.gaijinpot.com, stardewvalleywiki.com);
- from its source, no recorded page needing them: it reads the literal strings "&nbsp;", "&#13;"
  and "&#10;" of double-escaped pages as spaces (`line_processing`), so the fold drops them;
- like the cleaner, the page is read past its first </body> or </html> (libxml2 stops there).

Attribute text (alt, title, meta tags) and JSON in other scripts are not page text here: no
page's trafilatura text needed them.
"""

from __future__ import annotations

import html as html_entities
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from contextlib import suppress
from functools import lru_cache
from itertools import chain

import lxml.html
import trafilatura
from lxml.etree import ParserError, iterwalk
from lxml.html import HtmlElement
from trafilatura.settings import MANUALLY_CLEANED
from trafilatura.utils import decode_file
from trafilatura.xpaths import OVERALL_DISCARD_XPATH

from crawler.extract.core import repair
from crawler.extract.decode import decode_html

MIN_CHARS = 3  # folded paragraphs shorter than this ("|", "-", "1.") say nothing either way
KEY = 8  # pieces are looked up by their first and last KEY characters

_SPACE_ENTITIES = re.compile(r"&nbsp;|&#1[03];")
_BULLET = re.compile(r"^\s*-\s+")
_CELL_SEPARATOR = re.compile(r"(?<!\\)\|")
_HEAD_RULE = re.compile(r":?-{3,}:?")
_MARKUP = re.compile(r"<\s*/?\s*[A-Za-z]")

# Elements that end a line of text where they start and where they end.
BLOCK_TAGS = frozenset(
    {
        *("address", "article", "aside", "blockquote", "body", "br", "caption", "center", "dd", "details"),
        *("dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form"),
        *("frameset", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "li", "main"),
        *("menu", "nav", "noscript", "ol", "p", "pre", "section", "summary", "table", "tbody", "td"),
        *("tfoot", "th", "thead", "tr", "ul"),
    }
)
# Not text at all: skipped, and no cut where they stand.
CODE_TAGS = frozenset({"script", "style"})
# What cuts the page's text into pieces: blocks, and what trafilatura deletes by its tag.
CUTTING_TAGS = (BLOCK_TAGS | frozenset(MANUALLY_CLEANED)) - CODE_TAGS
# What trafilatura deletes by its class, id, style or role (boilerplate, hidden text); its
# RAW_TREE_PRUNE_XPATH takes blocks only, which cut already.
DISCARDED = tuple(OVERALL_DISCARD_XPATH)
_NAMED_INLINE = frozenset({"span", "item", "list"})  # the tags its XPaths name that do not cut


def fold(text: str) -> str:
    """Text reduced to what a reader sees, so layout, Unicode forms and invisibles cannot differ."""
    if "&" in text:  # a double-escaped page shows "&amp;quot;", which trafilatura may unescape once
        for _ in range(3):
            text = _SPACE_ENTITIES.sub(" ", text)
            unescaped = html_entities.unescape(text)
            if unescaped == text:
                break
            text = unescaped
    folded = "".join(unicodedata.normalize("NFKC", text).split())
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


def _decodings(html: bytes | str) -> list[str]:
    """The page as the cleaner decodes it and, where that differs, as trafilatura does."""
    if isinstance(html, str):
        return [html]
    ours = decode_html(html)[0]
    theirs = decode_file(html)  # keeps a UTF-8 byte-order mark, which the fold drops anyway
    return [ours] if theirs.removeprefix("\ufeff") == ours.removeprefix("\ufeff") else [ours, theirs]


def _discarded(root: HtmlElement) -> set[HtmlElement]:
    """The elements inside `root` that trafilatura's boilerplate XPaths delete and that do not cut anyway.

    The XPaths test tags and attributes only, with regular expressions that are slow on every
    element of a page, so they run on bare copies of the few elements that matter: those that
    are not blocks and have attributes (tags the XPaths do not name are all alike to them).
    """
    originals = {}
    proxy = lxml.html.Element("div")
    for element in root.iterdescendants():
        tag = element.tag
        if not isinstance(tag, str) or tag in CUTTING_TAGS or tag in CODE_TAGS or not element.attrib:
            continue
        try:
            copy = proxy.makeelement(tag if tag in _NAMED_INLINE else "i", element.attrib)
        except ValueError:  # an attribute name XML rejects ("[hidden]" of AMP pages)
            copy = proxy.makeelement(tag if tag in _NAMED_INLINE else "i")
            for name, value in element.attrib.items():
                with suppress(ValueError):
                    copy.set(name, value)
        proxy.append(copy)
        originals[copy] = element
    if not originals:
        return set()
    return {originals[copy] for copy in chain.from_iterable(xpath(proxy) for xpath in DISCARDED)}


def pieces(root: HtmlElement) -> list[str]:
    """The element's text in document order, folded, cut where an element may be dropped whole."""
    discarded = _discarded(root)
    found: list[str] = []
    run: list[str] = []

    def cut() -> None:
        if run:
            if piece := fold("".join(run)):
                found.append(piece)
            run.clear()

    skipping = 0  # depth inside script or style
    for event, element in iterwalk(root, events=("start", "end", "comment", "pi")):
        if event in ("comment", "pi"):
            if not skipping and element.tail:
                run.append(element.tail)
            continue
        tag = element.tag
        if tag in CODE_TAGS:
            skipping += 1 if event == "start" else -1
            if event == "end" and not skipping and element.tail and element is not root:
                run.append(element.tail)
            continue
        if skipping:
            continue
        if tag in CUTTING_TAGS or element in discarded:
            cut()
        if event == "start":
            if element.text:
                run.append(element.text)
        elif element.tail and element is not root:
            run.append(element.tail)
    cut()
    return found


def _strings(node: object) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def json_ld_pieces(tree: HtmlElement) -> list[str]:
    """The string values of the page's JSON-LD, folded, those holding markup cut as HTML."""
    found = []
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text, strict=False)  # as trafilatura reads it
        except ValueError:
            continue
        for value in _strings(data):
            value = html_entities.unescape(value)
            if _MARKUP.search(value):
                try:
                    found.extend(pieces(lxml.html.fragment_fromstring(value, create_parent="div")))
                    continue
                except (ParserError, ValueError):
                    pass
            if piece := fold(value):
                found.append(piece)
    return found


class PageText:
    """A page's text as pieces, and the test of whether a folded paragraph is made of them."""

    def __init__(self, readings: list[list[str]]):
        self.text = "\n".join("".join(reading) for reading in readings)
        self._starting: dict[str, list[str]] = defaultdict(list)  # by first KEY characters
        self._ending: dict[str, list[str]] = defaultdict(list)  # by last KEY characters
        self._short: set[str] = set()  # pieces shorter than KEY
        self._heads: set[str] = set()  # starts shorter than KEY
        self._tails: set[str] = set()  # ends shorter than KEY
        for piece in set(chain.from_iterable(readings)):
            if len(piece) >= KEY:
                self._starting[piece[:KEY]].append(piece)
                self._ending[piece[-KEY:]].append(piece)
            else:
                self._short.add(piece)
            for size in range(1, min(KEY, len(piece) + 1)):
                self._heads.add(piece[:size])
                self._tails.add(piece[-size:])

    def _ends_a_piece(self, text: str, end: int) -> bool:
        """Whether `text[:end]` is the end of a piece."""
        if end < KEY:
            return not end or text[:end] in self._tails
        candidates = self._ending.get(text[end - KEY : end], ())
        return bool(candidates) and any(piece.endswith(text[:end]) for piece in candidates)

    def _starts_a_piece(self, text: str) -> bool:
        if len(text) < KEY:
            return not text or text in self._heads
        return any(piece.startswith(text) for piece in self._starting.get(text[:KEY], ()))

    def _whole_pieces_at(self, text: str, start: int) -> Iterator[int]:
        """Where a whole piece found at `start` of `text` ends."""
        for size in range(1, KEY):
            if text[start : start + size] in self._short:
                yield start + size
        for piece in self._starting.get(text[start : start + KEY], ()):
            if text.startswith(piece, start):
                yield start + len(piece)

    def has(self, folded: str) -> bool:
        """Whether `folded` is a run of the page, or the end of a piece, whole pieces, a piece's start."""
        if folded in self.text:
            return True
        todo = [cut for cut in range(len(folded) + 1) if self._ends_a_piece(folded, cut)]
        seen = set(todo)
        while todo:
            cut = todo.pop()
            if self._starts_a_piece(folded[cut:]):
                return True
            for end in self._whole_pieces_at(folded, cut):
                if end not in seen:
                    seen.add(end)
                    todo.append(end)
        return False


@lru_cache(maxsize=4)  # bench/offtarget.py checks each page's text from two cleaners in a row
def _page(html: bytes | str) -> PageText:
    readings = []
    for index, text in enumerate(_decodings(html)):
        tree = _tree(text)
        if tree is None:
            continue
        readings.append(pieces(tree))
        if index == 0:
            readings.append(json_ld_pieces(tree))
    return PageText(readings)


def page_text(html: bytes | str) -> str:
    """The page's text in document order, folded: each reading of it, one a line."""
    return _page(html).text


def _readings(paragraph: str) -> list[str]:
    """The paragraph as written, and without the "- " marker trafilatura puts before a list item."""
    bullet = _BULLET.match(paragraph)
    return [paragraph, paragraph[bullet.end() :]] if bullet else [paragraph]


def _is_run(paragraph: str, page: PageText) -> bool:
    """Whether a paragraph is made of the page's text (or, as a table row, each of its cells is)."""
    if len(fold(paragraph)) < MIN_CHARS:
        return True
    for reading in _readings(paragraph):
        if page.has(fold(reading)):
            return True
        if "|" in reading:
            cells = (fold(cell.replace("\\|", "|")) for cell in _CELL_SEPARATOR.split(reading))
            if all(page.has(cell) for cell in cells if cell and not _HEAD_RULE.fullmatch(cell)):
                return True
    return False


def holes(html: bytes | str, text: str) -> list[str]:
    """The paragraphs of `text` that are not made of the page's text: words lost from inside a sentence."""
    page = _page(html)
    return [paragraph for paragraph in text.split("\n") if not _is_run(paragraph, page)]
