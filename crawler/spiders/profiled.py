"""One generic spider; each site profile configures a copy of it."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar

from scrapy import Request, Selector, signals
from scrapy.exceptions import IgnoreRequest, UsageError
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.spiders import SitemapSpider, Spider
from scrapy.utils.sitemap import sitemap_urls_from_robots
from twisted.python.failure import Failure
from w3lib.url import safe_url_string

from crawler import signals as bersih_signals
from crawler.canonical import url_key
from crawler.items import Page
from crawler.profiles import Profile, fold_host
from crawler.sitemaps import describe_parse_error, report_broken_sitemap
from crawler.sitemapstream import SitemapReading, entry_links, open_sitemap, read_aside
from crawler.state import state_for
from crawler.timespec import parse_dates, parse_since

# A chain of "next page" links longer than this is a loop, not an article.
MAX_ARTICLE_PAGES = 30
_NUMBER = re.compile(r"\d+")


class ProfileSpider(SitemapSpider):
    """Discover a profiled outlet's articles (news sitemaps, feeds, date index pages) and fetch them.

    Arguments: -a since=6h|2d|2024-11-25 skips older articles;
    -a dates=2024-11-01..2024-11-03 reads the index pages of those days
    (default: the last `index_days` days of the profile, or since `since`).
    """

    profile: ClassVar[Profile]

    def __init__(self, *args: Any, since: str | None = None, dates: str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        try:
            self.since = parse_since(since)
            self.index_dates = parse_dates(dates) if dates else self._default_dates()
        except ValueError as exc:  # a bad -a: one line and exit status 2 (crawler/exitcodes.py)
            raise UsageError(f"-a {exc}") from None
        # Discovery hosts too (rss.tempo.co feeds en.tempo.co), so that their robots.txt is read.
        self.allowed_domains = [*self.profile.domains, *self.profile.discovery_hosts]
        self._articles = LinkExtractor(allow=self.profile.article_url.pattern)  # hosts come folded
        self._scheduled: set[str] = set()
        self._skipped: set[str] = set()  # scheduled, and skipped unfetched as unchanged
        self.sitemap_entries_seen = 0  # in all the sitemaps read

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._redirect_off_site, signal=signals.request_scheduled)
        crawler.signals.connect(spider._redirect_loop, signal=signals.request_dropped)
        crawler.signals.connect(spider._discovery_scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(spider._discovery_reached, signal=signals.response_received)
        return spider

    def _discovery_scheduled(self, request: Request, spider=None) -> None:
        """A discovery page that fails is told once, by discovery_failed: not also by RetryMiddleware."""
        if request.errback == self.discovery_failed:
            request.meta.setdefault("give_up_log_level", logging.DEBUG)

    def _discovery_reached(self, response: Response, request: Request, spider=None) -> None:
        """A discovery page that answered (even 404): the site is reachable (crawler/exitcodes.py)."""
        if request.errback == self.discovery_failed:
            self.crawler.stats.inc_value("bersih/discovery/reached")

    def _redirect_off_site(self, request: Request, spider=None) -> None:
        """An article redirected off the outlet's domains: Scrapy's OffsiteMiddleware drops it as it
        is scheduled, before any errback, so its outcome is given here."""
        meta = request.meta
        if "bersih_key" in meta and meta.get("redirect_urls") and not self.profile.owns(request.url):
            self._outcome(meta["bersih_key"], "skipped", "offsite", f"redirected to {request.url}")

    def _redirect_loop(self, request: Request, spider=None) -> None:
        """An article redirected back to a URL already asked for: the duplicate filter drops it."""
        meta = request.meta
        if "bersih_key" in meta and meta.get("redirect_urls"):
            self._outcome(
                meta["bersih_key"],
                "failed",
                "redirect-loop",
                " -> ".join([*meta["redirect_urls"], request.url]),
            )

    def _outcome(self, key: str, outcome: str, reason: str, detail: str) -> None:
        (self.logger.error if outcome == "failed" else self.logger.info)(
            "%s %s: %s: %s", outcome.title(), key, reason, detail
        )
        self.crawler.stats.inc_value(f"bersih/{outcome}")
        self.crawler.stats.inc_value(f"bersih/{outcome}/{reason}")
        self.crawler.signals.send_catch_log(
            bersih_signals.article_outcome, key=key, outcome=outcome, reason=reason, detail=detail
        )

    def _default_dates(self) -> list[date]:
        today = datetime.now(self.profile.timezone).date()
        first = today - timedelta(days=self.profile.index_days - 1)
        if self.since:
            first = min(first, self.since.astimezone(self.profile.timezone).date())
        return [first + timedelta(days=n) for n in range((today - first).days + 1)]

    async def start(self) -> AsyncIterator[Any]:
        for problem in self.profile.problems:
            self.logger.warning("%s; left out, the generic rules stand in for it", problem)
            self.crawler.stats.inc_value(f"bersih/layout/bad_selector/{self.profile.name}")
        if self.settings.getbool("DISTRIBUTED"):
            self.logger.info(
                "Distributed mode: taking work from Redis (scrapy seed %s puts it there)", self.name
            )
            return
        async for request in self.discovery_requests():
            yield request

    async def discovery_requests(self) -> AsyncIterator[Request]:
        """The sitemaps, feeds and index pages to read (`scrapy seed` sends them to Redis)."""
        # Their hosts are allowed domains of the spider (Profile.discovery_hosts), even off the
        # outlet's own (rss.tempo.co feeds en.tempo.co); the articles they list must be the outlet's.
        async for request in super().start():
            request.errback = self.discovery_failed
            yield request
        for feed in self.profile.feeds:
            yield self._discovery(feed, self.parse_feed)
        for template in self.profile.index_pages:
            for day in self.index_dates:
                yield self._discovery(template.format(date=day), self.parse_index)

    def _discovery(self, url: str, callback) -> Request:
        return Request(url, callback=callback, errback=self.discovery_failed, dont_filter=True)

    def discovery_failed(self, failure: Failure) -> None:
        """A sitemap, feed or index page that could not be fetched: one line and a count."""
        error, request = failure.value, failure.request
        _, kind = failure_outcome(error)
        self.logger.warning("Could not read %s: %s: %s", request.url, kind, error)
        self.crawler.stats.inc_value(f"bersih/discovery/failed/{kind}")
        if not isinstance(error, (HttpError, IgnoreRequest)):  # no answer at all: DNS, refused, timeout
            self.crawler.stats.inc_value("bersih/discovery/unreachable")

    # --- discovery -------------------------------------------------------------

    def _parse_sitemap(self, response: Response) -> Iterator[Request]:
        """SitemapSpider's parser as a stream: each entry is queued as it is parsed, so that articles
        are fetched while the rest is read (Scrapy's lists them all first); a broken or empty
        sitemap is reported instead of raised."""
        reading = SitemapReading(response.url)
        with read_aside(self.crawler, response):
            yield from self._sitemap_requests(response, reading)
        if reading.broken is not None:
            report_broken_sitemap(self.crawler, response.url, describe_parse_error(reading.broken))
        elif reading.entries == 0 and reading.links == 0:
            report_broken_sitemap(self.crawler, response.url, "lists no entry (empty or not a sitemap)")
        else:
            self.logger.info(
                "Read sitemap %s: %d entries, %d URLs taken", response.url, reading.entries, reading.links
            )

    def _sitemap_requests(self, response: Response, reading: SitemapReading) -> Iterator[Request]:
        """A sitemap's requests as its entries are parsed; a parse error ends them, noted in `reading`."""
        if response.url.endswith("/robots.txt"):
            for url in sitemap_urls_from_robots(response.body, base_url=response.url):
                reading.links += 1
                yield Request(url, callback=self._parse_sitemap, errback=self.discovery_failed)
            return
        try:
            body = self._get_sitemap_body(response)
            sitemap = open_sitemap(body) if body else None
        except Exception as exc:  # lxml and gzip errors of a malformed body
            reading.broken = exc
            return
        if sitemap is None or sitemap.type not in ("sitemapindex", "urlset"):
            return
        for entry in reading.until_broken(self.sitemap_filter(reading.counted(sitemap))):
            for url, lastmod in entry_links(entry, self.sitemap_alternate_links):
                if (request := self._sitemap_link(url, lastmod, sitemap.type)) is not None:
                    reading.links += 1
                    yield request

    def _sitemap_link(self, url: str, lastmod: str | None, kind: str) -> Request | None:
        """The request for one URL a sitemap lists: a sitemap to follow, an article, or None."""
        if kind == "sitemapindex":
            if any(rule.search(url) for rule in self._follow):
                return Request(url, callback=self._parse_sitemap, errback=self.discovery_failed)
            return None
        callback = next((c for rule, c in self._cbs if rule.search(url)), None)
        if callback is None:
            return None
        if callback == self.parse_article:
            return self.article_request(safe_url_string(url), lastmod)
        return Request(url, callback=callback, errback=self.discovery_failed)

    def sitemap_filter(self, entries: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
        """Skip entries older than `since`, counting them; fold hosts, so that the rules match any case."""
        for entry in entries:
            self.sitemap_entries_seen += 1
            if isinstance(entry.get("loc"), str):
                entry["loc"] = fold_host(entry["loc"])
            if self.since and _older(entry.get("lastmod"), self.since):
                self.crawler.stats.inc_value("bersih/discovery/older_than_since")
                continue
            yield entry

    def parse_feed(self, response: Response) -> Iterable[Request]:
        """An RSS or Atom feed: the article links of its items."""
        selector = response.selector
        selector.remove_namespaces()
        items = selector.xpath("//item | //entry")
        if not items:
            report_broken_sitemap(self.crawler, response.url, "lists no item (empty or not a feed)")
        for item in items:
            link = item.xpath("link/@href").get() or item.xpath("link/text()").get() or ""
            published = item.xpath("pubDate/text() | published/text() | updated/text()").get()
            if self.since and _older(published, self.since):
                self.crawler.stats.inc_value("bersih/discovery/older_than_since")
                continue
            url = response.urljoin(link.strip())
            if self.profile.is_article(url) and (request := self.article_request(url, published)):
                yield request

    def parse_index(self, response: Response) -> Iterable[Request]:
        """An index page: its article links, then its next page."""
        for link in self._articles.extract_links(response):
            if request := self.article_request(link.url):
                yield request
        if self.profile.index_next:
            next_page = response.xpath(f"({self.profile.index_next})/@href").get()
            if next_page:
                yield response.follow(next_page, callback=self.parse_index, errback=self.discovery_failed)

    # --- articles --------------------------------------------------------------

    def article_request(self, url: str, lastmod: str | None = None) -> Request | None:
        """An article, asked for in single-page form, once per run (None if not to be fetched).

        Scheduling is announced (signals.article_scheduled) so that the manifest accounts for
        it. An article the state store knows unchanged is skipped without being fetched; the
        skip is provisional, as the same article may turn up again in this run (a sitemap
        after an index page) with a lastmod that shows a change, and is fetched then.
        """
        url = fold_host(url)  # as Scrapy requests it, and as the manifest lists it
        if not self.profile.owns(url):  # listed by a discovery host, but not the outlet's
            self.crawler.stats.inc_value("bersih/discovery/off_outlet_domains")
            return None
        key = url_key(url, self.profile)
        store = state_for(self.crawler)
        now = datetime.now(UTC)
        if key in self._scheduled:
            if store is not None and lastmod:  # the latest listing's lastmod is the one the state keeps
                store.lastmods[key] = lastmod
            if key in self._skipped and store is not None and store.skip_reason(key, lastmod, now) is None:
                self._skipped.discard(key)
                return self._fetch(url, key, lastmod)
            self.crawler.stats.inc_value("bersih/discovery/seen_again")
            return None
        self._scheduled.add(key)
        reason = store.skip_reason(key, lastmod, now) if store is not None else None
        if reason or not self.settings.getbool("DISTRIBUTED"):
            # In distributed mode the worker that takes a fetched article from Redis announces it.
            self.crawler.signals.send_catch_log(
                bersih_signals.article_scheduled, url=url, key=key, site=self.profile.name
            )
        if reason:
            self._skipped.add(key)
            self.crawler.stats.inc_value("bersih/skipped/unchanged")
            self.crawler.signals.send_catch_log(
                bersih_signals.article_outcome,
                key=key,
                outcome="skipped",
                reason="unchanged",
                detail=reason,
                provisional=True,
            )
            return None
        return self._fetch(url, key, lastmod)

    def _fetch(self, url: str, key: str, lastmod: str | None) -> Request:
        """The article's request; its lastmod travels with it (on disk while it is queued), not in memory."""
        meta = {"bersih_article": url, "bersih_key": key}
        if lastmod:
            meta["bersih_lastmod"] = lastmod
        return Request(
            self.profile.single_page(url), callback=self.parse_article, errback=self.article_failed, meta=meta
        )

    def article_failed(self, failure: Failure) -> None:
        """An article that could not be fetched: one clear line, a count and its outcome.

        robots.txt and off-site redirects are "skipped"; download errors, redirect loops, bodies
        over DOWNLOAD_MAXSIZE and HTTP error statuses are "failed".
        """
        error, request = failure.value, failure.request
        outcome, kind = failure_outcome(error)
        where = request.url
        if request.meta.get("bersih_parts"):
            where += f" (page {len(request.meta['bersih_parts']) + 1} of {request.meta['bersih_article']})"
        if outcome == "failed":
            self.logger.error("Failed %s: %s: %s", where, kind, error)
        else:
            self.logger.info("Skipped %s: %s: %s", where, kind, error)
        self.crawler.stats.inc_value(f"bersih/{outcome}")
        self.crawler.stats.inc_value(f"bersih/{outcome}/{kind}")
        self.crawler.signals.send_catch_log(
            bersih_signals.article_outcome,
            key=request.meta["bersih_key"],
            outcome=outcome,
            reason=kind,
            detail=str(error),
        )

    def parse_article(self, response: Response) -> Iterable[Page | Request]:
        """Collect the article's pages, then hand them to the pipelines; cleaning is theirs."""
        meta = response.meta
        store = state_for(self.crawler)
        if store is not None and meta.get("bersih_lastmod"):  # for StatePipeline; a later listing's stands
            store.lastmods.setdefault(meta["bersih_key"], meta["bersih_lastmod"])
        parts: list[tuple[str, bytes]] = [*meta.get("bersih_parts", []), (response.url, response.body)]
        article = meta["bersih_article"]
        page = self._own_selector(response)
        declared = meta.get("bersih_declared") or self._declared_pages(page)
        following = self._next_page(page, response, [url for url, _ in parts])
        del page
        if following:
            yield response.follow(
                following,
                callback=self.parse_article,
                errback=self.article_failed,
                meta={
                    "bersih_article": article,
                    "bersih_key": meta["bersih_key"],
                    "bersih_parts": parts,
                    "bersih_declared": declared,
                },
            )
            return
        self.crawler.stats.inc_value("bersih/pages")
        yield Page(
            url=article,
            fetched_url=parts[0][0],
            status=response.status,
            content_type=(response.headers.get("Content-Type") or b"").decode("latin-1") or None,
            body=parts[0][1],
            site=self.profile.name,
            more_bodies=[body for _, body in parts[1:]],
            declared_pages=declared,
            key=meta["bersih_key"],
        )

    def _own_selector(self, response: Response) -> Selector | None:
        """A parse of the page for the pagination rules, or None when the profile has none.

        Not response.xpath(): the response caches its tree, and keeps it while the page waits
        for cleaning, megabytes for each page in flight.
        """
        if not (self.profile.next_page or self.profile.page_total) or not isinstance(response, TextResponse):
            return None
        return Selector(body=response.body, encoding=response.encoding, type="html", base_url=response.url)

    def _next_page(self, page: Selector | None, response: Response, seen: list[str]) -> str | None:
        """The article's next page, when the profile says how to find it."""
        if page is None or not self.profile.next_page or len(seen) >= MAX_ARTICLE_PAGES:
            return None
        href = page.xpath(f"({self.profile.next_page})/@href").get()
        url = response.urljoin(href) if href else None
        return url if url and url not in seen and self.profile.owns(url) else None

    def _declared_pages(self, page: Selector | None) -> int | None:
        """The page count the article states ("Halaman 1 dari 3"): the largest number shown."""
        if page is None or not self.profile.page_total:
            return None
        text = " ".join(page.xpath(f"({self.profile.page_total})//text()").getall())
        numbers = [int(n) for n in _NUMBER.findall(text)]
        return max(numbers) if numbers else None


# Scrapy refuses a request with IgnoreRequest for several reasons; its message tells which.
REFUSALS = (
    ("Forbidden by robots.txt", "skipped", "robots.txt"),
    ("Filtered offsite request", "skipped", "offsite"),
    ("max redirections reached", "failed", "too-many-redirects"),
    ("DOWNLOAD_MAXSIZE", "failed", "too-large"),  # a compressed body over the limit once unpacked
)


def failure_outcome(error: BaseException) -> tuple[str, str]:
    """(outcome, reason) of a request that failed or was refused."""
    if isinstance(error, HttpError):
        return "failed", f"http-{error.response.status}"
    if isinstance(error, IgnoreRequest):
        message = str(error)
        return next(((o, r) for text, o, r in REFUSALS if text in message), ("skipped", "IgnoreRequest"))
    return "failed", type(error).__name__


def _older(stamp: str | None, since: datetime) -> bool:
    """True when a sitemap lastmod (ISO) or feed date (RFC 822 or ISO) is before `since`."""
    if not stamp:
        return False
    stamp = stamp.strip()
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(stamp)
        except (TypeError, ValueError):
            return False
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)) < since


def spider_for_broken(name: str, error: str, module: str) -> type[Spider]:
    """A spider for a profile that cannot be loaded: running it prints the error and how to fix it."""

    def refuse(self, *args: Any, **kwargs: Any) -> None:
        raise UsageError(f"the {name} profile cannot be used: {error}. Fix the file, then run again.")

    return type(
        f"Broken{name.title().replace('-', '')}Spider",
        (Spider,),
        {"name": name, "__init__": refuse, "__module__": module, "__doc__": f"Broken profile: {error}"},
    )


def spider_for(profile: Profile, module: str) -> type[ProfileSpider]:
    """A ProfileSpider subclass named after the profile, for `scrapy crawl <name>`."""
    return type(
        f"{profile.name.title().replace('-', '')}Spider",
        (ProfileSpider,),
        {
            "name": profile.name,
            "profile": profile,
            "sitemap_urls": list(profile.news_sitemaps),
            "sitemap_rules": [(profile.article_url, "parse_article")],
            "sitemap_follow": list(profile.sitemap_follow) or [""],
            "__module__": module,
            "__doc__": f"{profile.title}: {'verified' if profile.verified else 'unverified'} profile.",
        },
    )
