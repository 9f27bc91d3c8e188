"""`scrapy extract --explain`: the article as cleaned, with each removed fragment marked where it stood.

Each kept paragraph is printed as it is; each fragment cleaning removed (the record's `removed`,
crawler/extract/audit.py) is printed as `[- text -]  ← layer: rule` at its place in the page.
Fragments of one rule in a row (a menu trafilatura left out, item by item) share one line. A
fragment that cannot be placed (its text is not found as such in the page) is listed at the end.
"""

from __future__ import annotations

import os
import re
import sys
from collections import Counter
from collections.abc import Iterator

from scrapy import Request, Spider
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.exitcodes import UNHEALTHY
from crawler.extract import ExtractError, extract
from crawler.extract.audit import fold
from crawler.extract.core import parse
from crawler.extract.decode import decode_html
from crawler.extract.tree import text_runs

SHOWN_CHARS = 300  # a removed fragment longer than this is cut, with "…"
_URL = re.compile(r"^https?://", re.IGNORECASE)
_BULLET = re.compile(r"^[-*•]\s+")


def explained(record: dict, html: bytes | str, content_type: str | None = None) -> str:
    """The record's text with what cleaning removed marked in page order, under a header line."""
    removed = record.get("removed") or []
    layers = Counter(r["layer"] for r in removed)
    words = sum(len(r["text"].split()) for r in removed)
    summary = ", ".join(f"{layer} {n}" for layer, n in layers.items())
    head = [
        record.get("title") or "(no title)",
        record.get("url") or "(no URL)",
        f"{record.get('site')}, cleaning: {record.get('cleaning')}; "
        f"{len(removed)} fragments removed ({words} words){': ' + summary if summary else ''}",
        "",
    ]
    placed, unplaced = _in_page_order(record["text"].split("\n"), removed, _page(html, content_type))
    lines = list(_lines(placed))
    if unplaced:
        lines += ["", "Removed, not placed in the page:", *_lines([(False, r) for r in unplaced])]
    return "\n".join(head + lines)


def _page(html: bytes | str, content_type: str | None) -> str:
    """The page's visible text, folded as the audit compares text."""
    text = html if isinstance(html, str) else decode_html(html, content_type)[0]
    tree = parse(text)
    body = tree.find("body")
    return fold(" ".join(text_runs(tree if body is None else body)))


def _in_page_order(paragraphs: list[str], removed: list[dict], page: str) -> tuple[list, list]:
    """(kept?, item) in the order the page has them; the removals whose text the page does not hold."""
    order: list[tuple[int, int, bool, object]] = []
    cursor = 0  # kept paragraphs are in page order: each is looked for after the one before
    for n, paragraph in enumerate(paragraphs):
        key = fold(_BULLET.sub("", paragraph))
        at = page.find(key, cursor) if key else -1
        if at < 0:
            at = cursor  # not found as it is (a table row read cell by cell): after the one before
        cursor = at + (len(key) if at >= cursor else 0)
        order.append((at, n, True, paragraph))
    unplaced = []
    after: dict[str, int] = {}  # the same text removed twice: the second time, its next occurrence
    for n, removal in enumerate(removed):
        key = fold(_BULLET.sub("", removal["text"]))
        at = page.find(key, after.get(key, 0)) if key else -1
        if at < 0:
            unplaced.append(removal)
            continue
        after[key] = at + 1
        order.append((at, len(paragraphs) + n, False, removal))
    order.sort(key=lambda item: (item[0], item[1]))
    return [(kept, item) for _, _, kept, item in order], unplaced


def _lines(items: list[tuple[bool, object]]) -> Iterator[str]:
    """Kept paragraphs as they are; runs of removals by one rule as one marked line."""
    run: list[dict] = []
    for kept, item in [*items, (True, None)]:
        if run and (kept or (item["layer"], item["rule"]) != (run[0]["layer"], run[0]["rule"])):
            yield _marked(run)
            run = []
        if kept and item is not None:
            yield item
        elif not kept:
            run.append(item)


def _marked(run: list[dict]) -> str:
    """`[- text -]  ← layer: rule`, the texts of a run joined by " · "."""
    text = " · ".join(r["text"] for r in run)
    if len(text) > SHOWN_CHARS:
        text = text[: SHOWN_CHARS - 1] + "…"
    count = f" ({len(run)} fragments)" if len(run) > 1 else ""
    return f"[- {text} -]  ← {run[0]['layer']}: {run[0]['rule']}{count}"


def explain_command(names: list[str], url: str | None, settings: Settings) -> int:
    """`scrapy extract --explain`: each FILE (- for stdin) or URL explained on stdout; the exit status."""
    fetched = fetch([n for n in names if _URL.match(n)], settings)
    failed = 0
    try:
        for number, name in enumerate(names):
            problem = _explain_one(name, url, fetched)
            if problem:
                failed += 1
                print(f"{'<stdin>' if name == '-' else name}: {problem}", file=sys.stderr)
            elif number < len(names) - 1:
                print()
    except KeyboardInterrupt:
        print("extract: interrupted", file=sys.stderr)
        return UNHEALTHY
    except BrokenPipeError:  # the reader went away (| head): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    if failed:
        print(f"extract: {failed} of {len(names)} page(s) gave no record", file=sys.stderr)
    return 1 if failed else 0


Fetched = dict[str, tuple[bytes, str | None] | str]  # URL -> (body, content type), or why not


def _explain_one(name: str, url: str | None, fetched: Fetched) -> str | None:
    """Print the explanation of one page; return what went wrong instead, if anything."""
    content_type = None
    if name in fetched:
        if isinstance(fetched[name], str):
            return fetched[name]
        body, content_type = fetched[name]
        url = url or name
    else:
        try:
            body = sys.stdin.buffer.read() if name == "-" else open(name, "rb").read()  # noqa: SIM115
        except OSError as exc:
            return f"cannot read the file ({exc.strerror})"
    try:
        record = extract(body, url=url, content_type=content_type, audit=True)
    except ExtractError as exc:
        return f"skipped, {exc} [{exc.reason}]"
    if record is None:
        return "no article text found on the page [no-article]"
    print(explained(record, body, content_type))
    return None


class _Fetch(Spider):
    """Fetches the given URLs once each, keeping each page's body or why there is none."""

    name = "explain"

    def __init__(self, urls: list[str], pages: dict, **kwargs):
        super().__init__(**kwargs)
        self.urls, self.pages = urls, pages

    async def start(self):
        for url in self.urls:
            asked = {"asked": url}
            yield Request(url, callback=self.got, errback=self.lost, dont_filter=True, cb_kwargs=asked)

    def got(self, response, asked: str) -> None:
        if response.status != 200:
            self.pages[asked] = f"the server answered HTTP {response.status}"
            return
        content_type = response.headers.get("Content-Type")
        self.pages[asked] = (response.body, content_type.decode("latin-1") if content_type else None)

    def lost(self, failure) -> None:
        asked = failure.request.cb_kwargs["asked"]
        self.pages[asked] = f"could not fetch the page ({failure.getErrorMessage() or failure.type.__name__})"


def fetch(urls: list[str], settings: Settings) -> Fetched:
    """Each URL's (body, content type), or why not, fetched as a crawl fetches (Scrapy's downloader).

    The crawl's User-Agent, robots.txt, retries and replay (REPLAY_DIR, REPLAY_SERVER) apply; the
    run's extensions and pipelines do not (no manifest, archive or output is written).
    """
    if not urls:
        return {}
    own = Settings(settings.copy_to_dict())
    own.set("EXTENSIONS", dict.fromkeys(settings.getdict("EXTENSIONS")), priority="cmdline")
    own.set("ITEM_PIPELINES", {}, priority="cmdline")
    own.set("SCHEDULER", "scrapy.core.scheduler.Scheduler", priority="cmdline")
    own.set("TELNETCONSOLE_ENABLED", False, priority="cmdline")
    own.set("HTTPERROR_ALLOW_ALL", True, priority="cmdline")
    pages: dict = {}
    process = CrawlerProcess(own)
    process.crawl(_Fetch, urls=list(dict.fromkeys(urls)), pages=pages)
    process.start()
    for url in urls:
        pages.setdefault(url, "could not fetch the page (the download did not run)")
    return pages
