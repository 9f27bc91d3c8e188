"""Which outlet a page is: from the URL the page names, the URL it came from, or its own domain hints."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

from courlan import extract_domain
from lxml.html import HtmlElement

from crawler.extract.urls import is_web, unwrap
from crawler.profiles import Profile, all_profiles, outlet_for_url
from crawler.rules import compiled

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
# What the page says about its outlet, and how much each says: the name it gives itself and its
# publisher outweigh its alternate URLs and images, which outweigh one link or asset of the page.
NAME_WEIGHT = 10
NEAR_WEIGHT = 3
LINK_WEIGHT = 1
# Below this, the hints are too thin to name an outlet.
MIN_SCORE = 3
SITE_NAMES = ("//meta[@property='og:site_name']/@content", "//meta[@name='application-name']/@content")
NEAR_URLS = (
    "//link[@rel='amphtml' or @rel='alternate' or @rel='shortlink']/@href",
    "//meta[@property='og:image' or @name='twitter:image' or @property='twitter:image']/@content",
    "//meta[@name='twitter:url' or @property='twitter:url']/@content",
)
LINK_URLS = ("//a/@href", "//img/@src", "//script/@src", "//link/@href", "//iframe/@src")
# android-app://package/http/host/path (app links): the host is in the path.
_APP_LINK = re.compile(r"^(?:android-app|app-android)://[^/]+/(https?)/(.+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Site:
    """The page's outlet: its profile, if Bersih has one, and the name records carry."""

    profile: Profile | None
    name: str | None
    how: str  # "given", "claim" (canonical/og:url), "url", "hints", "domain" or "none"


def site_of(tree: HtmlElement, url: str | None, claim: str | None, profile: Profile | None = None) -> Site:
    """The outlet of a page fetched from `url` that names `claim` as its own URL.

    A profile the caller gives (the crawl's site) is kept. Otherwise the URL's outlet, except
    that within a group (a profile's group_outlets) the outlet whose own domain the page's
    canonical/og:url names wins over the group domain it was served from: a Jakarta Globe page
    under beritasatu.com is Jakarta Globe's. Across outlets the URL decides: a page an
    unprofiled site republishes, naming kompas.com as canonical, is that site's. Without a URL,
    the outlet the canonical/og:url names; without either, the page's own domain hints
    (og:site_name, JSON-LD publisher, its alternate URLs, links and assets). An unprofiled site
    is named by its registered domain.
    """
    if profile is not None:
        return Site(profile, profile.name, "given")
    by_url, by_claim = outlet_for_url(url), outlet_for_url(claim)
    if by_claim[1] and (not is_web(url) or same_group(by_url[1], by_claim[1])):
        return Site(*by_claim, "claim")
    if by_url[1]:
        return Site(*by_url, "url")
    known = next((u for u in (url, claim) if is_web(u)), None)
    if not known:
        hinted = from_hints(tree)
        if hinted:
            return hinted
    domain = extract_domain(known) if known else None
    return Site(None, domain or None, "domain" if domain else "none")


def same_group(one: str | None, other: str | None) -> bool:
    """True for two outlets of one group: a profile lists the other's name in its group_outlets."""
    if not one or not other or one == other:
        return False
    for profile in all_profiles().values():
        members = {profile.name, *(name for name, _ in profile.group_outlets)}
        if len(members) > 1 and {one, other} <= members:
            return True
    return False


def from_hints(tree: HtmlElement) -> Site | None:
    """The outlet the page's own markup points to most, when it is clear; None otherwise."""
    scores: Counter[str] = Counter()
    owners: dict[str, Profile | None] = {}

    def add(name: str | None, owner: Profile | None, weight: int) -> None:
        if name:
            scores[name] += weight
            owners.setdefault(name, owner)

    for value in (*_strings(tree, SITE_NAMES), *_publisher_names(tree)):
        add(*_named(value), NAME_WEIGHT)
    for url in _publisher_urls(tree):
        add(*_reversed(outlet_for_url(_web(url))), NAME_WEIGHT)
    for url in _strings(tree, NEAR_URLS):
        add(*_reversed(outlet_for_url(_web(url))), NEAR_WEIGHT)
    for url in _strings(tree, LINK_URLS):
        add(*_reversed(outlet_for_url(_web(url))), LINK_WEIGHT)
    if not scores:
        return None
    (best, top), *rest = scores.most_common(2)
    if top < MIN_SCORE or (rest and rest[0][1] == top):
        return None
    return Site(owners[best], best, "hints")


def _reversed(owner: tuple[Profile | None, str | None]) -> tuple[str | None, Profile | None]:
    return owner[1], owner[0]


def _web(url: str) -> str | None:
    """An absolute web URL from a page attribute: archive captures unwrapped, app links read."""
    url = unwrap(url.strip())
    if url and url.startswith("//"):
        url = "https:" + url
    match = _APP_LINK.match(url or "")
    if match:
        url = f"{match[1]}://{match[2]}"
    return url if is_web(url) else None


def _strings(tree: HtmlElement, xpaths: tuple[str, ...]) -> list[str]:
    return [str(v).strip() for expr in xpaths for v in compiled(expr)(tree) if str(v).strip()]


def _publishers(tree: HtmlElement) -> list[dict]:
    from crawler.extract.metadata import json_ld

    found = []
    for obj in json_ld(tree):
        value = obj.get("publisher")
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                found.append(item)
    return found


def _publisher_names(tree: HtmlElement) -> list[str]:
    return [p["name"] for p in _publishers(tree) if isinstance(p.get("name"), str)]


def _publisher_urls(tree: HtmlElement) -> list[str]:
    urls = []
    for publisher in _publishers(tree):
        logo = publisher.get("logo")
        logo = logo.get("url") if isinstance(logo, dict) else logo
        for value in (publisher.get("url"), publisher.get("@id"), logo):
            if isinstance(value, str):
                urls.append(value)
    return urls


def _fold(text: str) -> str:
    return _NOT_ALNUM.sub("", text.casefold())


@cache
def _name_keys() -> tuple[tuple[str, str, Profile | None], ...]:
    """(folded key, outlet name, profile) for every way an outlet names itself, longest key first."""
    keys: dict[tuple[str, str], Profile | None] = {}
    for profile in all_profiles().values():
        owners = [(profile, profile.name, (profile.title, *profile.domains))]
        owners += [(None, name, domains) for name, domains in profile.group_outlets]
        for owner, name, words in owners:
            for word in (name, *words):
                keys[_fold(word), name] = owner
                if "." in word:  # kompas.com -> kompas, thejakartapost.com -> thejakartapost
                    keys[_fold(word.split(".")[0]), name] = owner
    usable = [(key, name, owner) for (key, name), owner in keys.items() if len(key) >= 4]
    return tuple(sorted(usable, key=lambda k: (-len(k[0]), k[1])))


def _named(value: str) -> tuple[str | None, Profile | None]:
    """The outlet a site or publisher name names ("KOMPAS.com", "detikHealth"): the longest key it holds."""
    folded = _fold(value)
    for key, name, owner in _name_keys():
        if key in folded:
            return name, owner
    return None, None
