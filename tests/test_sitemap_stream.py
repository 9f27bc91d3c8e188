"""Huge sitemaps stream into the frontier: articles are fetched while the rest is still being read."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import ROOT, run_scrapy, stat
from scrapy.http import XmlResponse
from scrapy.utils.test import get_crawler

from crawler.spiders.news import NewsSpider

SITE = "https://berita.contoh.id"
XMLNS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
LISTED = 20_000
REPEATED = 25  # listed twice: scheduled once, counted as seen again
PAGE = ROOT / "corpus" / "pages" / "kompas_6.html"


def article(n: int) -> str:
    return f"{SITE}/read/2024/11/25/{1_000_000 + n}/artikel-nomor-{n}"


def urlset(count: int) -> bytes:
    """A sitemap of `count` articles with lastmods, the first REPEATED of them listed again at the end."""
    entries = [
        f"<url><loc>{article(n)}</loc><lastmod>2024-11-25T10:00:00+07:00</lastmod></url>"
        for n in range(count)
    ]
    entries += entries[:REPEATED]
    return f'<?xml version="1.0"?><urlset {XMLNS}>{"".join(entries)}</urlset>'.encode()


def big_site(directory: Path) -> None:
    """A replay folder: a sitemap index of one sitemap of LISTED articles, each served as the same page."""
    xml, html = {"Content-Type": "application/xml"}, {"Content-Type": "text/html"}
    (directory / "articles.xml").write_bytes(urlset(LISTED))
    index = f"<sitemap><loc>{SITE}/articles.xml</loc></sitemap>"
    (directory / "index.xml").write_text(f'<?xml version="1.0"?><sitemapindex {XMLNS}>{index}</sitemapindex>')
    lines = [
        {"url": f"{SITE}/sitemap-index.xml", "body": "index.xml", "headers": xml},
        {"url": f"{SITE}/articles.xml", "body": "articles.xml", "headers": xml},
        *({"url": article(n), "body": str(PAGE), "headers": html} for n in range(LISTED)),
    ]
    (directory / "responses.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))


def test_articles_are_fetched_while_a_huge_sitemap_is_read_and_each_is_scheduled_once(tmp_path):
    replay, out = tmp_path / "replay", tmp_path / "out"
    replay.mkdir()
    big_site(replay)
    result = run_scrapy(
        "crawl", "news", "-a", f"url={SITE}/sitemap-index.xml", "-s", f"REPLAY_DIR={replay}",
        "-s", f"OUTPUT_DIR={out}", "-s", "CLOSESPIDER_ITEMCOUNT=2", "-s", "DEDUP_ENABLED=0",
        "-s", "LOG_LEVEL=DEBUG",
    )  # fmt: skip
    log = result.stderr
    assert result.returncode in (0, 3), log[-3000:]  # 3: stopped by CLOSESPIDER_ITEMCOUNT
    assert "Traceback" not in log, log[-5000:]

    # The first article came back before the parser reached the sitemap's last entry.
    lines = log.splitlines()
    fetched = next((n for n, line in enumerate(lines) if f"Crawled (200) <GET {SITE}/read/" in line), None)
    read = next((n for n, line in enumerate(lines) if f"Read sitemap {SITE}/articles.xml: " in line), None)
    assert fetched is not None and read is not None, log[-3000:]
    assert f"Read sitemap {SITE}/articles.xml: {LISTED + REPEATED} entries" in lines[read]
    assert fetched < read, "no article was fetched until the whole sitemap had been read"

    # Closing waits for the sitemap to be read to its end: every URL is scheduled, once, from disk.
    (manifest_path,) = out.glob("*.manifest.json")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert manifest["counts"]["scheduled"] == LISTED
    assert sorted(entry["url"] for entry in manifest["urls"]) == sorted(article(n) for n in range(LISTED))
    assert stat(log, "bersih/discovery/seen_again") == REPEATED
    assert stat(log, "scheduler/enqueued") == LISTED + 2  # and the index and the sitemap
    assert stat(log, "scheduler/enqueued/memory") == 0


def test_the_sitemap_parser_yields_its_first_request_before_reading_the_rest():
    crawler = get_crawler(NewsSpider, {"STATE_ENABLED": False})
    spider = NewsSpider.from_crawler(crawler, url=f"{SITE}/articles.xml")
    response = XmlResponse(url=f"{SITE}/articles.xml", body=urlset(5_000))
    requests = spider._parse_sitemap(response)
    first = next(requests)
    assert first.url == article(0)
    assert first.meta["bersih_lastmod"] == "2024-11-25T10:00:00+07:00"
    assert spider.sitemap_entries_seen < 100  # the head of the body, not all of it
    assert len(list(requests)) == 5_000 - 1
    assert spider.sitemap_entries_seen == 5_000 + REPEATED
