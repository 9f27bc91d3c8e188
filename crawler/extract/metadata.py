"""Article metadata from the page: the profile's selectors first, then common markup."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from itertools import chain

from htmldate import find_date as htmldate_find
from lxml.etree import XPath
from lxml.html import HtmlElement
from trafilatura.metadata import examine_meta, extract_meta_json
from trafilatura.metadata import extract_title as trafilatura_title
from trafilatura.settings import Document

from crawler.extract import authors as people
from crawler.extract import tags as tag_rules
from crawler.extract import urls
from crawler.extract.dates import (
    COUNTRY_ZONES,
    Reading,
    from_url,
    guessed_zone,
    implausible,
    iso,
    local_day,
    read_date,
    settle,
)
from crawler.profiles import Profile
from crawler.rules import compiled

_SPACE = re.compile(r"\s+")
_TITLE_SEPARATOR = re.compile(r"(\s+[-|–—]\s+|:\s+)")
_LD_JSON = XPath("//script[@type='application/ld+json']/text()")
# Where a page shows its dates: <time> elements, and blocks whose class says date or time
# ("date", "updated", "datetime", "read__time", "tanggal", "waktu", "publish", "posted").
_DATELINE = XPath(
    "//time | //*[@class][contains(@class, 'date') or contains(@class, 'time') or contains(@class, 'tanggal')"
    " or contains(@class, 'waktu') or contains(@class, 'publish') or contains(@class, 'posted')]"
)
MAX_DATELINES = 40  # the article's own come first; the rest are lists of other articles

PUBLISHED_META = (
    "//meta[@property='article:published_time']/@content",
    "//meta[@itemprop='datePublished']/@content",
    "//*[@itemprop='datePublished']/@datetime",
    "//meta[@name='publishdate' or @name='pubdate' or @name='publish-date' or @name='date']/@content",
    "//meta[@name='dc.date' or @name='DC.date.issued']/@content",
    "//meta[@property='og:published_time' or @name='article:published_time' or @name='parsely-pub-date'"
    " or @name='sailthru.date' or @name='publish_date' or @name='published_time']/@content",
)
MODIFIED_META = (
    "//meta[@property='article:modified_time']/@content",
    "//meta[@itemprop='dateModified']/@content",
    "//meta[@property='og:updated_time']/@content",
    "//*[@itemprop='dateModified']/@datetime",
)
AUTHOR_META = (
    "//meta[@name='author' or @property='author' or @name='dc.creator' or @name='DC.creator'"
    " or @name='parsely-author' or @name='sailthru.author' or @name='byl']/@content",
    "//*[@itemprop='author']//*[@itemprop='name']",
)
SITE_NAME = ("//meta[@property='og:site_name']/@content",)
OWN_SITE_NAME = ("/html/head/meta[@property='og:site_name']/@content",)  # the head's alone: cheap
SECTION_META = ("//meta[@property='article:section']/@content",)
# Tags: the article's own list first, keyword meta tags only failing one (crawler/extract/tags.py).
TAG_META = (*tag_rules.ARTICLE_TAG, *tag_rules.KEYWORDS_META)
CANONICAL = (urls.CANONICAL, urls.OG_URL)
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


def _readings(values: Iterable[str], tz: timezone, source: str) -> Iterator[Reading]:
    """The values that read as dates, in order."""
    for value in values:
        reading = read_date(value, tz, source)
        if reading:
            yield reading


def _dateline_values(tree: HtmlElement) -> Iterator[str]:
    """What the page shows as dates: <time> elements and date-like blocks, a machine-readable stamp first
    (<time datetime>, <abbr class="published" title>), then the text when it is short."""
    for node in _DATELINE(tree)[:MAX_DATELINES]:
        stamp = node.get("datetime") or (node.get("title") if node.tag in ("time", "abbr") else None)
        if stamp:
            yield stamp
        if len(node) > 8:
            continue  # a wrapper of many blocks ("post-date-wrapper"), not a dateline
        text = _SPACE.sub(" ", node.text_content()).strip()
        if text and len(text) <= 120:
            yield text


class _Weighing:
    """Readings offered in order of trust; the first date stands unless it is a day without a time.

    A reading without a time of day (a URL's date, a date-only meta tag, htmldate's guess)
    yields to the first later reading with a time on the same day: never the reverse.
    Implausible readings are passed over, each noted as (field, reason, detail).
    """

    def __init__(
        self, field: str, tz: timezone, founded: int | None, now: datetime | None, notes: list | None
    ):
        self.field, self.tz, self.founded, self.now = field, tz, founded, now
        self.notes = notes if notes is not None else []
        self.anchor: Reading | None = None
        self.chosen: Reading | None = None

    def offer(self, readings: Iterable[Reading]) -> bool:
        """True once a reading with a time is chosen."""
        if self.chosen:
            return True
        for reading in readings:
            reading = settle(reading, self.tz)
            reason = implausible(reading.moment, self.founded, self.now)
            if reason:
                self.notes.append((self.field, reason, f"{iso(reading.moment)} from {reading.source}"))
                continue
            if self.anchor is None:
                self.anchor = reading
            elif not (reading.timed and local_day(reading, self.tz) == self.anchor.moment.date()):
                continue
            if reading.timed:
                self.chosen = reading
                return True
        return False

    @property
    def moment(self) -> datetime | None:
        found = self.chosen or self.anchor
        return found.moment if found else None


def published_date(
    tree: HtmlElement,
    url: str,
    profile: Profile | None,
    tz: timezone,
    ld: list[dict] | None = None,
    *,
    notes: list | None = None,
    now: datetime | None = None,
) -> datetime | None:
    """Publication time, from the page's sources in order of trust.

    The profile's selectors; JSON-LD datePublished; the common meta tags; the profile's
    URL date; htmldate's guess, only when none of these gives a date; the page's
    <time> elements and datelines. The first date found stands, unless it has no time
    of day and a later source shows one on the same day (a URL date, a date-only meta
    tag). A date in the future or before the outlet was founded is passed over and
    noted in `notes` as (field, reason, detail); with no other, the date is None.
    """
    founded = profile.founded if profile else None
    weighing = _Weighing("published", tz, founded, now, notes)
    own = profile.published if profile else ()
    date_url = profile.date_url if profile else None
    in_url = from_url(url, date_url, tz)
    (
        weighing.offer(_readings(_values(tree, own), tz, "profile"))
        or weighing.offer(_readings(_ld_value(_ld(tree, ld), "datePublished"), tz, "json-ld"))
        or weighing.offer(_readings(_values(tree, PUBLISHED_META), tz, "meta"))
        or weighing.offer([in_url] if in_url else [])
        or (weighing.anchor is None and weighing.offer(_guess(tree, url, tz, founded, now)))
        or weighing.offer(_readings(_dateline_values(tree), tz, "dateline"))
    )
    return weighing.moment


def modified_date(
    tree: HtmlElement,
    profile: Profile | None,
    tz: timezone,
    ld: list[dict] | None = None,
    *,
    notes: list | None = None,
    now: datetime | None = None,
) -> datetime | None:
    """Last update time, kept apart from publication: the profile's selectors, JSON-LD, meta tags."""
    weighing = _Weighing("modified", tz, profile.founded if profile else None, now, notes)
    own = profile.modified if profile else ()
    (
        weighing.offer(_readings(_values(tree, own), tz, "profile"))
        or weighing.offer(_readings(_ld_value(_ld(tree, ld), "dateModified"), tz, "json-ld"))
        or weighing.offer(_readings(_values(tree, MODIFIED_META), tz, "meta"))
    )
    return weighing.moment


def page_zone(tree: HtmlElement, url: str | None, ld: list[dict] | None = None) -> timezone:
    """The zone of a page no profile describes: the offset its own stamps state, else its country's.

    UTC stamps say nothing of the outlet's zone and are passed over; an offset that is an
    Indonesian or Malaysian zone with the sign turned (merdeka's -07:00) is taken as meant.
    Failing a stated offset, the country of the domain (.id, .my) or of the declared language,
    else UTC (see dates.guessed_zone): a foreign page never gets WIB by default.
    """
    objects = _ld(tree, ld)
    values = chain(
        _ld_value(objects, "datePublished"),
        _values(tree, PUBLISHED_META),
        _ld_value(objects, "dateModified"),
        _values(tree, MODIFIED_META),
    )
    for reading in _readings(values, UTC, "page"):
        offset = reading.moment.utcoffset()
        if reading.stated and offset:
            mirrored = timezone(-offset)
            known = any(mirrored in zones for zones in COUNTRY_ZONES.values())
            return mirrored if offset < timedelta(0) and known else timezone(offset)
    return guessed_zone(url, declared_language(tree))


@dataclass(frozen=True)
class AuthorSources:
    """What the page's markup says of its people, one list of values per selector or source."""

    own: list[list[str]]  # the matched layout's selectors, then the profile's
    page: list[list[str]]  # JSON-LD, then the common meta tags


def author_sources(tree: HtmlElement, profile: Profile | None, ld: list[dict] | None = None) -> AuthorSources:
    """The values that may name the article's people; read them before the cleaning passes change the tree."""
    layout = profile.layout_for(tree)[0] if profile and profile.layouts else None
    own = (*(layout.authors if layout else ()), *(profile.authors if profile else ()))
    objects = _ld(tree, ld)
    page = [
        _ld_people(objects, "author"),
        [f"Editor: {name}" for name in _ld_people(objects, "editor")],
        *([people.text_of(node) for node in compiled(expr)(tree)] for expr in AUTHOR_META),
    ]
    return AuthorSources([_texts(tree, expr) for expr in own], page)


def _ld_people(objects: list[dict], key: str) -> list[str]:
    """JSON-LD names under `key`, a reference to a Person elsewhere in the @graph followed (Yoast's)."""
    by_id = {o["@id"]: o for o in objects if isinstance(o.get("@id"), str)}
    names = []
    for obj in objects:
        value = obj.get(key)
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, dict) and "name" not in v and isinstance(v.get("@id"), str):
                v = by_id.get(v["@id"], v)
            name = v.get("name") if isinstance(v, dict) else v
            if isinstance(name, str) and name.strip():
                names.append(name.strip())
    return names


def _texts(tree: HtmlElement, expr: str) -> list[str]:
    found = compiled(expr)(tree)
    nodes = found if isinstance(found, list) else [found]
    return [text for node in nodes if (text := people.text_of(node))]


def outlet_names(tree: HtmlElement, profile: Profile | None, url: str | None) -> tuple[str, ...]:
    """What the outlet calls itself, never an author: the profile's names and domains, the site's domain,
    and its og:site_name when that is one word (a blog's may be its writer's name)."""
    names = [people.site_label(url)]
    site = first(tree, OWN_SITE_NAME) or ""
    if " " not in site:
        names.append(site)
    if profile:
        names += [profile.name, profile.title, *profile.domains, *profile.publisher_authors]
    return tuple(n for n in names if n)


def credits(
    tree: HtmlElement, sources: AuthorSources, bylines: list[str], outlets: tuple[str, ...]
) -> people.Credits:
    """Authors and editors: the profile's selectors, the bylines the line rules dropped, JSON-LD and
    meta tags, in that order of trust; when none names an author, a search of the page's markup."""
    groups = [*sources.own, bylines, *sources.page]
    return people.credits(groups, outlets, fallback=lambda: people.guessed(tree))


def section(tree: HtmlElement, url: str, profile: Profile | None, ld: list[dict] | None = None) -> str | None:
    """The outlet's section (rubrik): page markup first, then the URL (bola.kompas.com)."""
    own = profile.section if profile else ()
    found = first(tree, own + SECTION_META) or next(iter(_ld_value(_ld(tree, ld), "articleSection")), None)
    if found or profile is None or profile.section_url is None:
        return found
    match = profile.section_url.search(url)
    return match["section"] if match else None


def tags(tree: HtmlElement, profile: Profile | None, ld: list[dict] | None = None) -> list[str]:
    """Topic tags: the article's own list, else its keyword meta tags without site-wide ones (tags.py)."""
    return tag_rules.tags(tree, profile, _ld(tree, ld))


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


def canonical(tree: HtmlElement, base: str | None = None) -> str | None:
    """The URL the page names as its own (canonical, then og:url), an archive capture unwrapped.

    A canonical naming the site's home page (Blogger templates) yields to og:url; see urls.py.
    """
    return urls.own_url(tree, base)


def declared_language(tree: HtmlElement) -> str | None:
    """The language the page declares, as a two-letter code."""
    value = first(tree, LANGUAGE)
    if not value:
        return None
    code = value.split("-")[0].split("_")[0].lower()[:2]
    return LEGACY_CODES.get(code, code)


def page_meta(tree: HtmlElement) -> Document:
    """trafilatura's reading of the page's meta tags and JSON-LD; Bersih takes its title.

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


def guessed_date(tree: HtmlElement, url: str | None, tz: timezone) -> datetime | None:
    """htmldate's guess, for a page whose markup states no publication date Bersih reads."""
    reading = next(_guess(tree, url, tz), None)
    return reading.moment if reading else None


def _guess(
    tree: HtmlElement, url: str | None, tz: timezone, founded: int | None = None, now: datetime | None = None
) -> Iterator[Reading]:
    """htmldate's guess, a day without a time, between the outlet's founding and now."""
    limits = {"max_date": (now or datetime.now(UTC)).strftime("%Y-%m-%d")}
    if founded:
        limits["min_date"] = f"{founded}-01-01"
    found = htmldate_find(
        tree, url=url, extensive_search=False, original_date=True, outputformat="%Y-%m-%d", **limits
    )
    reading = read_date(found, tz, "htmldate") if found else None
    if reading:
        yield reading
