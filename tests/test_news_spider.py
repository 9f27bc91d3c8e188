"""`scrapy crawl news -a url=…`: sites without a profile, from a sitemap, feed or index page."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from conftest import ROOT, SAMPLE, present, run_scrapy, sample_pages, stat
from test_crawl import outputs, records

from crawler.quality import gold_pages

PAGES = {p.name: p for p in gold_pages(ROOT / "corpus")}
# Real recorded pages served under a domain no profile knows.
UNKNOWN = {
    "kompas_3": "https://berita.contoh.id/read/2016/02/16/14382361/menteri-yuddy-ancam-pns-rankingnya-terendah",
    "detik_3": "https://berita.contoh.id/internasional/d-7626006/5-pernyataan-trump-di-pidato-kemenangan",
    "okezone_3": "https://berita.contoh.id/read/2017/02/17/33/1620900/cara-indra-birowo-jaga-keromantisan",
}


def crawl_news(url: str, replay: Path, out: Path):
    return run_scrapy(
        "crawl", "news", "-a", f"url={url}", "-s", f"REPLAY_DIR={replay}", "-s", f"OUTPUT_DIR={out}"
    )


def unknown_site(directory: Path) -> None:
    entries = [
        {
            "url": url,
            "headers": {"Content-Type": "text/html"},
            "body": str(ROOT / "corpus" / "pages" / f"{n}.html"),
        }
        for n, url in UNKNOWN.items()
    ]
    links = "".join(f"<a href='{u}'>berita</a>" for u in UNKNOWN.values())
    links += "<a href='https://berita.contoh.id/tag/politik'>Politik</a><a href='https://lain.id/x-y-z-a-b-c'>x</a>"
    (directory / "indeks.html").write_text(f"<html><body><h1>Indeks</h1>{links}</body></html>")
    entries.append(
        {
            "url": "https://berita.contoh.id/indeks",
            "body": "indeks.html",
            "headers": {"Content-Type": "text/html"},
        }
    )
    (directory / "responses.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))


def test_unprofiled_site_from_its_index_page_is_cleaned_by_the_generic_rules(tmp_path):
    replay = tmp_path / "replay"
    replay.mkdir()
    unknown_site(replay)
    out = tmp_path / "out"
    result = crawl_news("https://berita.contoh.id/indeks", replay, out)
    log = result.stderr
    assert result.returncode == 0, log[-3000:]
    assert "No profile for contoh.id: cleaning with the generic Indonesian rules alone" in log
    written = {r["url"]: r for r in records(outputs(out)[0])}
    assert sorted(written) == sorted(UNKNOWN.values())
    for name, url in UNKNOWN.items():
        record = written[url]
        assert record["site"] == "contoh.id"
        assert all(present(s, record["text"]) for s in PAGES[name].with_), name
        assert not [s for s in PAGES[name].without if present(s, record["text"])], name
    assert outputs(out)[0][0].parent.parent.name == "contoh.id"


def test_news_spider_reads_a_feed_and_uses_the_profile_of_a_known_site(tmp_path):
    replay = tmp_path / "replay"
    replay.mkdir()
    entries = [json.loads(line) for line in (SAMPLE / "responses.jsonl").read_text().splitlines()]
    for entry in entries:
        if entry.get("body", "").startswith("../"):
            entry["body"] = str((SAMPLE / entry["body"]).resolve())
        elif "body" in entry:
            entry["body"] = str(SAMPLE / entry["body"])
    kompas = sample_pages()
    assert len(kompas) == 5
    items = "".join(
        f"<entry><title>{p.name}</title><link href='{p.url}'/><updated>2016-02-23T00:00:00Z</updated></entry>"
        for p in kompas
    )
    (replay / "atom.xml").write_text(
        f"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'>{items}</feed>"
    )
    entries.append(
        {
            "url": "https://www.kompas.com/atom.xml",
            "body": "atom.xml",
            "headers": {"Content-Type": "application/atom+xml"},
        }
    )
    (replay / "responses.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))
    out = tmp_path / "out"
    result = crawl_news("https://www.kompas.com/atom.xml", replay, out)
    assert result.returncode == 0, result.stderr[-3000:]
    written = records(outputs(out)[0])
    assert sorted(r["url"] for r in written) == sorted(p.url for p in kompas)
    assert {r["site"] for r in written} == {"kompas"}
    assert "No profile for" not in result.stderr
    assert stat(result.stderr, "bersih/written") == len(kompas)


def test_news_spider_without_url_says_what_to_give():
    result = run_scrapy("crawl", "news")
    assert result.returncode != 0
    assert "scrapy crawl news needs -a url=" in result.stderr


def test_a_page_the_rules_cannot_read_falls_back_to_trafilatura_counted_and_logged(tmp_path):
    """A recorded off-target page whose generic cleaning keeps too little: the record says fallback."""
    replay = tmp_path / "replay"
    replay.mkdir()
    url = "https://berita.contoh.id/read/2022/05/04/154632771/beef-maker-von-aldi-im-test"
    page = gzip.decompress((ROOT / "tests" / "data" / "offtarget" / "chip.de.beef.html.gz").read_bytes())
    (replay / "beef.html").write_bytes(page)
    (replay / "indeks.html").write_text(f"<html><body><h1>Indeks</h1><a href='{url}'>x</a></body></html>")
    html = {"Content-Type": "text/html"}
    entries = [
        {"url": url, "headers": html, "body": "beef.html"},
        {"url": "https://berita.contoh.id/indeks", "headers": html, "body": "indeks.html"},
    ]
    (replay / "responses.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))
    out = tmp_path / "out"
    result = crawl_news("https://berita.contoh.id/indeks", replay, out)
    log = result.stderr
    assert result.returncode == 0, log[-3000:]
    (record,) = records(outputs(out)[0])
    assert record["cleaning"] == "fallback"
    assert record["word_count"] > 500
    assert stat(log, "bersih/cleaning/fallback") == 1
    assert f"Cleaning fell back to trafilatura's reading of the whole page: {url}" in log
