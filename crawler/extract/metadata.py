"""Article metadata from the page: the profile's selectors first, then common markup."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from datetime import datetime, time, timezone

from htmldate import find_date as htmldate_find
from lxml.etree import XPath
from lxml.html import HtmlElement
from trafilatura.htmlprocessing import prune_unwanted_nodes
from trafilatura.json_metadata import normalize_authors
from trafilatura.metadata import examine_meta, extract_meta_json, extract_metainfo
from trafilatura.metadata import extract_title as trafilatura_title
from trafilatura.settings import Document
from trafilatura.xpaths import AUTHOR_DISCARD_XPATHS, AUTHOR_XPATHS

from crawler.extract.dates import from_url, parse_date
from crawler.profiles import Profile
from crawler.rules import compiled

_SPACE = re.compile(r"\s+")
_AUTHOR_SPLIT = re.compile(r"\s*(?:;|\||\bdan\b|&|\band\b)\s*")
_TITLE_SEPARATOR = re.compile(r"(\s+[-|–—]\s+|:\s+)")
_LD_JSON = XPath("//script[@type='application/ld+json']/text()")

PUBLISHED_META = (
    "//meta[@property='article:published_time']/@content",
    "//meta[@itemprop='datePublished']/@content",
    "//*[@itemprop='datePublished']/@datetime",
    "//meta[@name='publishdate' or @name='pubdate' or @name='publish-date' or @name='date']/@content",
    "//meta[@name='dc.date' or @name='DC.date.issued']/@content",
)
MODIFIED_META = (
    "//meta[@property='article:modified_time']/@content",
    "//meta[@itemprop='dateModified']/@content",
    "//meta[@property='og:updated_time']/@content",
    "//*[@itemprop='dateModified']/@datetime",
)
AUTHOR_META = (
    "//meta[@name='author']/@content",
    "//*[@itemprop='author']//*[@itemprop='name']/text()",
)
SITE_NAME = ("//meta[@property='og:site_name']/@content",)
SECTION_META = ("//meta[@property='article:section']/@content",)
TAG_META = ("//meta[@property='article:tag']/@content", "//meta[@name='keywords']/@content")
CANONICAL = ("//link[@rel='canonical']/@href", "//meta[@property='og:url']/@content")
# ISO 639 codes withdrawn long ago but still declared by old templates.
LEGACY_CODES = {"in": "id", "iw": "he", "ji": "yi"}
LANGUAGE = ("/html/@lang", "//meta[@http-equiv='content-language']/@content")


def _values(tree: HtmlElement, xpaths: tuple[str, ...]) -> Iterator[str]:
    """Non-empty strings selected by the expressions, in order."""
    for expr in xpaths:
        for node in compiled(expr)(tree):
            value = node.text_content() if isinstance(node, HtmlElement) else str(node)
            value = _SPACE.sub(" ", value).strip()
            if value:
                yield value


def first(tree: HtmlElement, xpaths: tuple[str, ...]) -> str | None:
    """The first value any expression selects."""
    return next(_values(tree, xpaths), None)


def json_ld(tree: HtmlElement) -> list[dict]:
    """The page's JSON-LD objects, flattened out of lists and @graph."""
    found: list[dict] = []
    for raw in _LD_JSON(tree):
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                found.append(item)
                stack.extend(v for k, v in item.items() if k == "@graph")
    return found


def _ld(tree: HtmlElement, ld: list[dict] | None) -> list[dict]:
    """The JSON-LD objects given, or the page's: a caller reading many fields parses them once."""
    return json_ld(tree) if ld is None else ld


def _ld_value(objects: list[dict], key: str) -> list[str]:
    out = []
    for obj in objects:
        value = obj.get(key)
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, dict):
                v = v.get("name")
            if isinstance(v, str) and v.strip():
                out.append(v.strip())
    return out


def find_date(tree: HtmlElement, xpaths: tuple[str, ...], ld: list[str], tz: timezone) -> datetime | None:
    """The first value of these sources that reads as a date."""
    for value in (*_values(tree, xpaths), *ld):
        moment = parse_date(value, tz)
        if moment:
            return moment
    return None


def published_date(
    tree: HtmlElement, url: str, profile: Profile | None, tz: timezone, ld: list[dict] | None = None
) -> datetime | None:
    """Publication time: profile selectors, common meta tags, JSON-LD, then the URL.

    A date found without a time of day yields to the URL's date of the same day
    when the URL carries the time (Kompas article ids start with HHMM).
    """
    own = profile.published if profile else ()
    found = find_date(tree, own + PUBLISHED_META, _ld_value(_ld(tree, ld), "datePublished"), tz)
    in_url = from_url(url, profile.date_url if profile else None, tz)
    if found is None or (in_url and found.time() == time(0) and found.date() == in_url.date()):
        return in_url or found
    return found


def modified_date(
    tree: HtmlElement, profile: Profile | None, tz: timezone, ld: list[dict] | None = None
) -> datetime | None:
    """Last update time, kept apart from publication."""
    own = profile.modified if profile else ()
    return find_date(tree, own + MODIFIED_META, _ld_value(_ld(tree, ld), "dateModified"), tz)


def authors(
    tree: HtmlElement, profile: Profile | None, bylines: list[str], ld: list[dict] | None = None
) -> list[str]:
    """Named people, without the outlet itself or profile links."""
    own = profile.authors if profile else ()
    ignore = profile.publisher_authors if profile else frozenset()
    candidates = [*_values(tree, own), *_ld_value(_ld(tree, ld), "author"), *bylines]
    candidates += list(_values(tree, AUTHOR_META))
    names: list[str] = []
    for candidate in candidates:
        for name in _AUTHOR_SPLIT.split(candidate):
            name = name.strip(" ,.:-")
            if (
                name
                and len(name) <= 60
                and "://" not in name
                and name.casefold() not in ignore
                and name not in names
            ):
                names.append(name)
        if names:
            break
    return names


def section(tree: HtmlElement, url: str, profile: Profile | None, ld: list[dict] | None = None) -> str | None:
    """The outlet's section (rubrik): page markup first, then the URL (bola.kompas.com)."""
    own = profile.section if profile else ()
    found = first(tree, own + SECTION_META) or next(iter(_ld_value(_ld(tree, ld), "articleSection")), None)
    if found or profile is None or profile.section_url is None:
        return found
    match = profile.section_url.search(url)
    return match["section"] if match else None


def tags(tree: HtmlElement, profile: Profile | None, ld: list[dict] | None = None) -> list[str]:
    """Topic tags, split and de-duplicated."""
    own = profile.tags if profile else ()
    out: list[str] = []
    for value in (*_values(tree, own + TAG_META), *_ld_value(_ld(tree, ld), "keywords")):
        for tag in value.split(","):
            tag = tag.strip()
            if tag and tag not in out:
                out.append(tag)
    return out


def clean_title(title: str | None, site_names: tuple[str, ...]) -> str | None:
    """Drop a trailing " - Kompas.com" or a leading "KapanLagi.com: " that names the site."""
    if not title:
        return title
    names = [n.casefold() for n in site_names if n]
    tokens = _TITLE_SEPARATOR.split(title)  # part, separator, part, ...

    def names_site(part: str) -> bool:
        return len(part) <= 40 and any(n in part.casefold() for n in names)

    while len(tokens) > 2 and names_site(tokens[-1]):
        del tokens[-2:]
    while len(tokens) > 2 and names_site(tokens[0]):
        del tokens[:2]
    return "".join(tokens).strip() or title


def canonical(tree: HtmlElement) -> str | None:
    """The URL the page names as its own."""
    return first(tree, CANONICAL)


def declared_language(tree: HtmlElement) -> str | None:
    """The language the page declares, as a two-letter code."""
    value = first(tree, LANGUAGE)
    if not value:
        return None
    code = value.split("-")[0].split("_")[0].lower()[:2]
    return LEGACY_CODES.get(code, code)


def page_meta(tree: HtmlElement) -> Document:
    """trafilatura's title (and author, when a meta tag or JSON-LD names one) of the page.

    trafilatura's extract_metadata also guesses the date with htmldate, the site name,
    categories, tags and the licence: a third of its cost per page, for values Bersih
    reads from the profile and the page's markup (htmldate runs only when they fail).
    """
    meta = examine_meta(tree)
    if meta.author and " " not in meta.author:
        meta.author = None  # as trafilatura: a single word is a handle, not a name
    with contextlib.suppress(Exception):
        meta = extract_meta_json(tree, meta)
    meta.title = meta.title or trafilatura_title(tree)
    return meta


def guessed_author(tree: HtmlElement) -> str | None:
    """trafilatura's search of the page for a byline, only when nothing names an author.

    trafilatura's extract_author deep-copies the page first; this prunes the page itself,
    so call it last, when nothing else reads the tree.
    """
    author = extract_metainfo(prune_unwanted_nodes(tree, AUTHOR_DISCARD_XPATHS), AUTHOR_XPATHS, len_limit=120)
    return normalize_authors(None, author) if author else None


def guessed_date(tree: HtmlElement, url: str | None, tz: timezone) -> datetime | None:
    """htmldate's guess, for a page whose markup states no publication date Bersih reads."""
    found = htmldate_find(tree, url=url, extensive_search=False, original_date=True, outputformat="%Y-%m-%d")
    return parse_date(found, tz) if found else None
