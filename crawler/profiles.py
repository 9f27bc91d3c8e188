"""Site profiles: everything Bersih knows about one outlet, loaded from TOML data."""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date, timedelta, timezone
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from urllib.parse import urlsplit

from cssselect import GenericTranslator, SelectorError
from lxml.etree import XPath, XPathSyntaxError
from lxml.html import HtmlElement
from w3lib.url import add_or_replace_parameters, url_query_cleaner

from crawler.rules import LineRule, compile_any, compiled

# Read through importlib.resources, so that profiles load from a zipped egg too (Scrapyd).
SITES_DIR = files("crawler") / "sites"

_TZ = re.compile(r"^([+-])(\d{2}):(\d{2})$")
# A URL's scheme, its user information if any, and its host and port; scheme and host ignore case.
_AUTHORITY = re.compile(r"^([a-z][a-z0-9+.-]*://)((?:[^/?#@]*@)?)([^/?#]*)", re.IGNORECASE)


def fold_host(url: str) -> str:
    """The URL with its scheme and host in lower case: hosts ignore case, article_url patterns do not."""
    return _AUTHORITY.sub(lambda m: m[1].lower() + m[2] + m[3].lower(), url, count=1)


# Field name -> (type, required). Nested tables are listed with a dot.
_SCHEMA: dict[str, tuple[type, bool]] = {
    "name": (str, True),
    "title": (str, True),
    "verified": (bool, True),
    "language": (str, True),
    "timezone": (str, True),
    "country": (str, False),
    "founded": (int, False),
    "domains": (list, True),
    "article_url": (str, True),
    "publisher_authors": (list, False),
    "discovery": (dict, True),
    "discovery.news_sitemaps": (list, False),
    "discovery.sitemap_follow": (list, False),
    "discovery.feeds": (list, False),
    "discovery.index_pages": (list, False),
    "discovery.index_next": (str, False),
    "discovery.index_days": (int, False),
    "single_page": (dict, False),
    "single_page.query": (dict, False),
    "pagination": (dict, False),
    "pagination.next": (str, False),
    "pagination.total": (str, False),
    "cleaning": (dict, False),
    "cleaning.body": (list, False),
    "cleaning.drop": (list, False),
    "cleaning.layouts": (list, False),
    "cleaning.text_patterns": (list, False),
    "metadata": (dict, False),
    "metadata.date_url": (str, False),
    "metadata.section_url": (str, False),
    "metadata.published": (list, False),
    "metadata.modified": (list, False),
    "metadata.authors": (list, False),
    "metadata.section": (list, False),
    "metadata.tags": (list, False),
    # Keywords the outlet puts on every page (its keywords meta), never an article's tags.
    "metadata.site_keywords": (list, False),
    # Other outlets of the profile's group, by name, with their domains (some under the profile's own).
    "group_outlets": (dict, False),
}


# Tables whose keys are the profile author's own (query parameters, say).
_FREE_TABLES = {"single_page.query", "group_outlets"}


# The fields of one [[cleaning.layouts]] entry -> (type, required).
_LAYOUT_SCHEMA: dict[str, tuple[type, bool]] = {
    "name": (str, True),
    "years": (str, True),
    "body": (list, True),
    "drop": (list, False),
    "authors": (list, False),
}
_YEARS = re.compile(r"^(\d{4})(?:-(\d{4})?)?$")


class ProfileError(ValueError):
    """A profile file that cannot be used; the message names the file and field."""


@dataclass(frozen=True)
class Layout:
    """One version of an outlet's article page: where its body is, what boilerplate it adds.

    Outlets are redesigned every few years; a profile keeps every version it has pages
    of, newest first, with the years each was seen ("2019-2024", or "2023-" still served).
    """

    name: str
    years: str
    body: tuple[str, ...]
    drop: tuple[str, ...] = ()
    # Where this version credits its people, tried before metadata.authors (crawler/extract/authors.py).
    authors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Profile:
    """One outlet: where its articles are and what its boilerplate looks like."""

    name: str
    title: str
    verified: bool
    language: str
    timezone: timezone
    domains: tuple[str, ...]
    article_url: re.Pattern[str]
    country: str | None = None  # ISO 3166 code: its zones bound `timezone`
    founded: int | None = None  # the year the outlet began: an earlier date is no publication date
    publisher_authors: frozenset[str] = frozenset()
    news_sitemaps: tuple[str, ...] = ()
    sitemap_follow: tuple[re.Pattern[str], ...] = ()
    feeds: tuple[str, ...] = ()
    index_pages: tuple[str, ...] = ()
    index_next: str | None = None
    index_days: int = 1
    single_page_query: dict[str, str] = field(default_factory=dict)
    next_page: str | None = None
    page_total: str | None = None
    layouts: tuple[Layout, ...] = ()
    drop: tuple[str, ...] = ()  # boilerplate of every layout
    text_rule: LineRule | None = None
    date_url: re.Pattern[str] | None = None
    section_url: re.Pattern[str] | None = None
    published: tuple[str, ...] = ()
    modified: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    section: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    site_keywords: frozenset[str] = frozenset()  # case-folded
    # (outlet name, its domains): a page on them is that outlet's, not this profile's.
    group_outlets: tuple[tuple[str, tuple[str, ...]], ...] = ()
    path: str = ""
    digest: str = ""  # of the file, for rules_version
    # Selectors left out for being malformed (a non-strict load), each named with its field.
    problems: tuple[str, ...] = ()
    # XPath -> the selector as the profile writes it, for messages.
    labels: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def body(self) -> tuple[str, ...]:
        """Every layout's body selectors, newest layout first."""
        return tuple(xpath for layout in self.layouts for xpath in layout.body)

    def layout_for(self, tree: HtmlElement) -> tuple[Layout | None, HtmlElement | None]:
        """The newest layout whose body the page has, and that body element."""
        for layout in self.layouts:
            for xpath in layout.body:
                for node in compiled(xpath)(tree):
                    if isinstance(node, HtmlElement):
                        return layout, node
        return None, None

    def label(self, xpath: str) -> str:
        """A selector as written in the profile file."""
        return self.labels.get(xpath, xpath)

    def owns(self, url: str) -> bool:
        """True when the URL's host is one of the outlet's domains or subdomains."""
        host = (urlsplit(url).hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in self.domains)

    @property
    def discovery_hosts(self) -> tuple[str, ...]:
        """Hosts off the outlet's domains that its sitemaps, feeds or index pages live on."""
        urls = (*self.news_sitemaps, *self.feeds, *self.index_pages)
        hosts = {(urlsplit(url).hostname or "").lower() for url in urls}
        return tuple(sorted(host for host in hosts if host and not self.owns(f"https://{host}/")))

    def single_page(self, url: str) -> str:
        """The URL of the whole article on one page (Kompas: ?page=all)."""
        return add_or_replace_parameters(url, self.single_page_query) if self.single_page_query else url

    def without_single_page(self, url: str) -> str:
        """The article URL as readers share it, without the single-page parameters."""
        if not self.single_page_query:
            return url
        return url_query_cleaner(url, list(self.single_page_query), remove=True, keep_fragments=True)

    def is_article(self, url: str) -> bool:
        """True for the outlet's article pages, not its sections or tags."""
        return self.article_url.search(fold_host(url)) is not None


def _check_types(data: dict, where: str) -> None:
    """Reject unknown fields and wrong types, naming the field."""

    def walk(table: dict, prefix: str) -> None:
        for key, value in table.items():
            name = f"{prefix}{key}"
            if name not in _SCHEMA:
                raise ProfileError(f"{where}: unknown field '{name}'")
            kind, _ = _SCHEMA[name]
            if not isinstance(value, kind):
                raise ProfileError(f"{where}: field '{name}' must be a {kind.__name__}")
            if kind is dict and name not in _FREE_TABLES:
                walk(value, name + ".")

    walk(data, "")
    for name, (_, required) in _SCHEMA.items():
        parent, _, leaf = name.rpartition(".")
        table = data.get(parent, {}) if parent else data
        if required and leaf not in table:
            raise ProfileError(f"{where}: missing required field '{name}'")


def _xpaths(items: list, where: str, field_name: str, problems: list[str] | None = None) -> tuple[str, ...]:
    """Selectors as XPath: one starting with '/' or '(' is XPath, any other is CSS.

    A bad selector raises, or, given a `problems` list, is noted there and left out.
    """
    out = []
    for item in items:
        expr = item
        try:
            if not item.startswith(("/", "(")):
                expr = GenericTranslator().css_to_xpath(item, prefix="descendant-or-self::")
            XPath(expr)
        except (XPathSyntaxError, SelectorError) as exc:
            message = f"{where}: field '{field_name}': bad selector {item!r}: {exc}"
            if problems is None:
                raise ProfileError(message) from exc
            problems.append(message)
            continue
        out.append(expr)
    return tuple(out)


def _labelled(
    items: list, where: str, field_name: str, problems: list[str] | None, labels: dict[str, str]
) -> tuple[str, ...]:
    """Selectors as XPath, remembering how the profile wrote each, for messages."""
    out = []
    for written in items:
        for xpath in _xpaths([written], where, field_name, problems):
            labels[xpath] = written
            out.append(xpath)
    return tuple(out)


def _layouts(
    cleaning: dict, where: str, problems: list[str] | None, labels: dict[str, str]
) -> tuple[Layout, ...]:
    """The [[cleaning.layouts]] entries, newest first; a bare `cleaning.body` is one unnamed layout."""
    if "body" in cleaning:
        if "layouts" in cleaning:
            raise ProfileError(f"{where}: give 'cleaning.body' or 'cleaning.layouts', not both")
        body = _labelled(cleaning["body"], where, "cleaning.body", problems, labels)
        return (Layout("default", "", body),)
    layouts = []
    for i, entry in enumerate(cleaning.get("layouts", [])):
        field = f"cleaning.layouts[{i}]"
        if not isinstance(entry, dict):
            raise ProfileError(f"{where}: field '{field}' must be a table")
        for key, value in entry.items():
            kind = _LAYOUT_SCHEMA.get(key, (None,))[0]
            if kind is None:
                raise ProfileError(f"{where}: unknown field '{field}.{key}'")
            if not isinstance(value, kind):
                raise ProfileError(f"{where}: field '{field}.{key}' must be a {kind.__name__}")
        missing = [key for key, (_, required) in _LAYOUT_SCHEMA.items() if required and key not in entry]
        if missing:
            raise ProfileError(f"{where}: missing required field '{field}.{missing[0]}'")
        if not _YEARS.match(entry["years"]):
            raise ProfileError(f"{where}: field '{field}.years' must look like 2019-2024, 2023- or 2016")
        body = _labelled(entry["body"], where, f"{field}.body", problems, labels)
        drop = _labelled(entry.get("drop", []), where, f"{field}.drop", problems, labels)
        authors = _labelled(entry.get("authors", []), where, f"{field}.authors", problems, labels)
        layouts.append(Layout(entry["name"], entry["years"], body, drop, authors))
    return tuple(layouts)


def _one_xpath(
    item: str | None, where: str, field_name: str, problems: list[str] | None = None
) -> str | None:
    found = _xpaths([item], where, field_name, problems) if item else ()
    return found[0] if found else None


def _regex(pattern: str, where: str, field_name: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ProfileError(f"{where}: field '{field_name}': bad pattern {pattern!r}: {exc}") from exc


def _strings(table: dict, key: str, where: str, prefix: str = "") -> list[str]:
    """A list field whose items must be non-empty strings."""
    items = table.get(key, [])
    if not all(isinstance(item, str) and item.strip() for item in items):
        raise ProfileError(f"{where}: field '{prefix}{key}' must be a list of non-empty strings")
    return [item.strip() for item in items]


def _group_outlets(table: dict, where: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """[group_outlets]: outlet name -> its domains."""
    outlets = []
    for name, domains in table.items():
        if not isinstance(domains, list) or not domains:
            raise ProfileError(f"{where}: field 'group_outlets.{name}' must be a list of domains")
        found = _strings(table, name, where, "group_outlets.")
        if any("/" in d or "." not in d for d in found):
            raise ProfileError(f"{where}: field 'group_outlets.{name}' must list bare domains (example.com)")
        outlets.append((name, tuple(d.lower() for d in found)))
    return tuple(outlets)


def _timezone(value: str, where: str) -> timezone:
    match = _TZ.match(value)
    if not match:
        raise ProfileError(f"{where}: field 'timezone' must look like +07:00, got {value!r}")
    sign = -1 if match[1] == "-" else 1
    return timezone(sign * timedelta(hours=int(match[2]), minutes=int(match[3])))


def _country(data: dict, where: str) -> str | None:
    """An ISO 3166 code; for a country Bersih knows the zones of, `timezone` must be one of them."""
    country = data.get("country")
    if country is None:
        return None
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise ProfileError(f"{where}: field 'country' must be an ISO 3166 code (ID, MY), got {country!r}")
    from crawler.extract.dates import COUNTRY_ZONES  # here: crawler.extract imports this module

    zones = COUNTRY_ZONES.get(country)
    if zones and _timezone(data["timezone"], where) not in zones:
        allowed = ", ".join(str(zone)[3:] for zone in zones)
        raise ProfileError(
            f"{where}: field 'timezone' {data['timezone']} is not a zone of country {country} ({allowed})"
        )
    return country


def _founded(data: dict, where: str) -> int | None:
    """The year the outlet began publishing, print or web."""
    year = data.get("founded")
    if year is None:
        return None
    if isinstance(year, bool) or not 1600 <= year <= date.today().year:
        raise ProfileError(f"{where}: field 'founded' must be a year like 1965, got {year!r}")
    return year


def profile_from_data(data: dict, where: str, strict: bool = True) -> Profile:
    """Validate one profile's TOML data and build the Profile.

    Strict, any mistake raises ProfileError. Otherwise a bad selector is left out
    and listed in Profile.problems, so that the crawl goes on with the rest.
    """
    _check_types(data, where)
    problems: list[str] | None = None if strict else []

    def selectors(items: list, field_name: str) -> tuple[str, ...]:
        return _xpaths(items, where, field_name, problems)

    disc = data["discovery"]
    cleaning = data.get("cleaning", {})
    meta = data.get("metadata", {})
    patterns = cleaning.get("text_patterns", [])
    text_rule = None
    if patterns:
        try:
            compiled = compile_any(patterns, f"{where}: field 'cleaning.text_patterns'")
        except ValueError as exc:
            raise ProfileError(str(exc)) from exc
        text_rule = LineRule(f"site:{data['name']}", 1000, compiled)
    labels: dict[str, str] = {}
    layouts = _layouts(cleaning, where, problems, labels)
    drop = _labelled(cleaning.get("drop", []), where, "cleaning.drop", problems, labels)
    return Profile(
        labels=labels,
        name=data["name"],
        title=data["title"],
        verified=data["verified"],
        language=data["language"],
        timezone=_timezone(data["timezone"], where),
        country=_country(data, where),
        founded=_founded(data, where),
        domains=tuple(d.lower() for d in data["domains"]),
        article_url=_regex(data["article_url"], where, "article_url"),
        publisher_authors=frozenset(a.casefold() for a in data.get("publisher_authors", [])),
        news_sitemaps=tuple(disc.get("news_sitemaps", [])),
        sitemap_follow=tuple(
            _regex(r, where, "discovery.sitemap_follow") for r in disc.get("sitemap_follow", [])
        ),
        feeds=tuple(disc.get("feeds", [])),
        index_pages=tuple(disc.get("index_pages", [])),
        index_next=_one_xpath(disc.get("index_next"), where, "discovery.index_next", problems),
        index_days=disc.get("index_days", 1),
        single_page_query=dict(data.get("single_page", {}).get("query", {})),
        next_page=_one_xpath(data.get("pagination", {}).get("next"), where, "pagination.next", problems),
        page_total=_one_xpath(data.get("pagination", {}).get("total"), where, "pagination.total", problems),
        layouts=layouts,
        drop=drop,
        text_rule=text_rule,
        date_url=_regex(meta["date_url"], where, "metadata.date_url") if "date_url" in meta else None,
        section_url=_regex(meta["section_url"], where, "metadata.section_url")
        if "section_url" in meta
        else None,
        published=selectors(meta.get("published", []), "metadata.published"),
        modified=selectors(meta.get("modified", []), "metadata.modified"),
        authors=selectors(meta.get("authors", []), "metadata.authors"),
        section=selectors(meta.get("section", []), "metadata.section"),
        tags=selectors(meta.get("tags", []), "metadata.tags"),
        site_keywords=frozenset(k.casefold() for k in _strings(meta, "site_keywords", where, "metadata.")),
        group_outlets=_group_outlets(data.get("group_outlets", {}), where),
        path=where,
        problems=tuple(problems or ()),
    )


def load_profile(path: Path | Traversable, strict: bool = True) -> Profile:
    """Read and validate one profile file (see profile_from_data for `strict`)."""
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: not valid TOML: {exc}") from exc
    profile = profile_from_data(data, str(path), strict)
    stem = path.name.removesuffix(".toml")
    if profile.name != stem:
        raise ProfileError(f"{path}: field 'name' is {profile.name!r} but the file is named {stem!r}")
    return replace(profile, digest=hashlib.sha256(raw).hexdigest()[:8])


def profile_files(directory: Path | Traversable = SITES_DIR) -> list[Path | Traversable]:
    """The profile files of a folder, by name."""
    return sorted((p for p in directory.iterdir() if p.name.endswith(".toml")), key=lambda p: p.name)


@cache
def _load_directory(directory: Path | Traversable) -> tuple[dict[str, Profile], dict[str, str]]:
    profiles, broken = {}, {}
    for path in profile_files(directory):
        name = path.name.removesuffix(".toml")
        try:
            profiles[name] = load_profile(path, strict=False)
        except ProfileError as exc:
            broken[name] = str(exc)
    return profiles, broken


def all_profiles(directory: Path | Traversable = SITES_DIR) -> dict[str, Profile]:
    """Every usable profile under crawler/sites, by name; see broken_profiles() for the rest."""
    return _load_directory(directory)[0]


def broken_profiles(directory: Path | Traversable = SITES_DIR) -> dict[str, str]:
    """Profiles that cannot be used at all, by name, with the error naming the file and field."""
    return dict(_load_directory(directory)[1])


def profile_for_url(url: str | None) -> Profile | None:
    """The profile whose domains own this URL, or None for an unprofiled site."""
    return outlet_for_url(url)[0]


def outlet_for_url(url: str | None) -> tuple[Profile | None, str | None]:
    """The outlet that owns this URL: its profile and its name, or (None, None) for an unknown site.

    The most specific domain wins: en.tempo.co over tempo.co. An outlet a profile lists in its
    group_outlets is named, with its own profile if it has one: jakartaglobe.beritasatu.com is
    Jakarta Globe's, not BeritaSatu's.
    """
    if not url:
        return None, None
    host = (urlsplit(url).hostname or "").lower()
    best: tuple[Profile | None, str | None] = (None, None)
    best_length = -1
    profiles = all_profiles()
    for profile in profiles.values():
        owners = [(profile, profile.name, profile.domains)]
        owners += [(profiles.get(name), name, domains) for name, domains in profile.group_outlets]
        for owner, name, domains in owners:
            for domain in domains:
                if (host == domain or host.endswith("." + domain)) and len(domain) > best_length:
                    best, best_length = (owner, name), len(domain)
    return best
