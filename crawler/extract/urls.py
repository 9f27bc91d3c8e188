"""The URLs a page enters with: archive copies unwrapped, and the URL the page names as its own."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from crawler.rules import compiled

# An Internet Archive (Wayback Machine) capture: web.archive.org/web/<timestamp>[<flag>_]/<original>.
# The flag (id_, js_, im_, cs_, if_, fw_, oe_ ...) says how the capture is served; the timestamp is
# 1 to 14 digits. Archived pages also carry the same form as a path (/web/<timestamp>/<original>).
_WAYBACK = re.compile(
    r"^(?:(?:https?:)?//(?:web\.|www\.|wayback\.)?archive\.org)?/web/\d{1,14}(?:[a-z]{2}_)?/(?P<original>.+)$",
    re.IGNORECASE,
)
# The archive shortens a scheme's slashes in some captures: http:/example.com.
_SCHEME = re.compile(r"^(https?):/*", re.IGNORECASE)
# The page's own URL, as its <head> states it, in order of trust.
CANONICAL = "//link[@rel='canonical']/@href"
OG_URL = "//meta[@property='og:url']/@content"


def unwrap(url: str | None) -> str | None:
    """The original URL of an Internet Archive capture; any other URL as it is.

    https://web.archive.org/web/20220721150811/https://www.jpnn.com/news/x -> https://www.jpnn.com/news/x
    """
    if not url:
        return url
    url = url.strip()
    for _ in range(3):  # a capture of a capture
        match = _WAYBACK.match(url)
        if not match:
            break
        original = match["original"]
        url = _SCHEME.sub(lambda m: m[1].lower() + "://", original, count=1)
        if "://" not in url:
            url = "http://" + url  # the archive keeps a bare host when the capture had no scheme
    return url


def is_web(url: str | None) -> bool:
    """True for an absolute http(s) URL with a host."""
    if not url:
        return False
    parts = urlsplit(url)
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def is_root(url: str) -> bool:
    """True for a site's home page, which no article names as its own URL."""
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query


def claimed(tree: HtmlElement, base: str | None = None) -> list[str]:
    """The URLs the page names as its own (canonical link, then og:url): absolute, unwrapped, deduplicated.

    A relative canonical is read against `base`, the URL the page was fetched from.
    """
    found: list[str] = []
    for expr in (CANONICAL, OG_URL):
        for value in compiled(expr)(tree):
            url = unwrap(str(value).strip())
            if url and base and not is_web(url):
                url = unwrap(urljoin(base, url))
            if is_web(url) and url not in found:
                found.append(url)
    return found


def own_url(tree: HtmlElement, base: str | None = None) -> str | None:
    """The article's URL as the page states it; a home page named as canonical (Blogger) yields to og:url."""
    urls = claimed(tree, base)
    return next((url for url in urls if not is_root(url)), None)


def own_or_home(tree: HtmlElement, base: str | None = None) -> str | None:
    """The URL the page names, or, failing an article URL, the home page it names: it still tells the site."""
    urls = claimed(tree, base)
    return next((url for url in urls if not is_root(url)), urls[0] if urls else None)
