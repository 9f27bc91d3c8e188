"""`scrapy crawl news -a url=…`: any news site, profiled or not, from one sitemap, feed or index URL."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from datetime import timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from courlan import extract_domain
from scrapy import Request
from scrapy.exceptions import UsageError
from scrapy.http import Response

from crawler.profiles import Profile, profile_for_url
from crawler.spiders.profiled import ProfileSpider

# What an article URL looks like on a site we know nothing about: a long numeric id,
# a /YYYY/MM/DD/ date, or a slug of five or more words; never a tag, section or search page.
GENERIC_ARTICLE_URL = re.compile(
    r"^https?://[^/]+/"
    r"(?!(?:tag|tags|topik|topic|kategori|category|author|penulis|indeks|index|search|cari|"
    r"page|login|register|about|tentang|kontak|contact)(?:/|$))"
    r"[^?#]*?(?:\d{5,}|/\d{4}/\d{2}/\d{2}/|[a-z0-9]+(?:-[a-z0-9]+){4,})"
)
_FEED = re.compile(rb"<(?:rss|feed|rdf:RDF)\b")
_SITEMAP = re.compile(rb"<(?:urlset|sitemapindex)\b")


def generic_profile(url: str) -> Profile:
    """A stand-in profile for an unprofiled site: its domain and the generic URL pattern."""
    parts = urlsplit(url)
    # A host without a public suffix courlan knows (an IP address, localhost, .invalid) is its own domain.
    domain = extract_domain(url) or (parts.hostname if parts.scheme in ("http", "https") else None) or ""
    if not domain:
        raise ValueError(
            f"url={url!r}: not a web address; give https://site/sitemap.xml, a feed or an index page"
        )
    return Profile(
        name=domain,
        title=domain,
        verified=False,
        language="",
        timezone=timezone(timedelta(hours=7)),
        domains=(domain,),
        article_url=GENERIC_ARTICLE_URL,
    )


class NewsSpider(ProfileSpider):
    """Crawl a site from one URL: a (news) sitemap, an RSS/Atom feed or an index page.

    Arguments: -a url=https://… (required); -a since=6h as for the site spiders.
    Pages are cleaned with the site's profile when there is one, else with the
    generic Indonesian rules alone.
    """

    name = "news"

    def __init__(self, *args: Any, url: str | None = None, **kwargs: Any):
        if not url:
            raise UsageError("scrapy crawl news needs -a url=<a sitemap, feed or index page of the site>")
        self.start_url = url
        try:
            self.profile = profile_for_url(url) or generic_profile(url)
        except ValueError as exc:  # one line and exit status 2 (crawler/exitcodes.py)
            raise UsageError(f"-a {exc}") from None
        self.sitemap_rules = [(self.profile.article_url, "parse_article")]
        super().__init__(*args, dates=None, **kwargs)
        self.index_dates = []

    async def start(self) -> AsyncIterator[Any]:
        if not self.profile.verified and not self.profile.path:
            self.logger.warning(
                "No profile for %s: cleaning with the generic Indonesian rules alone", self.profile.name
            )
            self.crawler.stats.inc_value("bersih/layout/unprofiled_site")
        yield Request(self.start_url, callback=self.parse_start, errback=self.discovery_failed)

    def parse_start(self, response: Response) -> Iterable[Request]:
        """Read the start URL as whatever it turns out to be."""
        head = response.body[:2048]
        if _SITEMAP.search(head) or response.url.endswith((".xml.gz", "robots.txt")):
            return self._parse_sitemap(response)
        if _FEED.search(head):
            return self.parse_feed(response)
        return self.parse_index(response)
