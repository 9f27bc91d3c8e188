"""Multi-page articles: followed, stitched in order, and never written half.

The pages are the recorded jpnn.com article split in two at a paragraph, with the
pagination markup the jpnn profile reads; the feed that lists them is written here.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import lxml.html
from conftest import ROOT, present, run_scrapy, stat
from test_crawl import outputs, records

from crawler.quality import gold_pages

JPNN = next(p for p in gold_pages(ROOT / "corpus") if p.name == "jpnn_1")
SPLIT_AT = "Kamrussamad berpandangan"  # page 2 starts with this paragraph


def split_page(lis: list[str], next_href: str | None) -> tuple[bytes, bytes]:
    """(page 1, page 2) of the jpnn article, each with the given pagination items."""
    tree = lxml.html.document_fromstring(JPNN.html.decode("utf-8"))
    body = tree.xpath("//div[@itemprop='articleBody']")[0]
    children = list(body)
    cut = next(i for i, c in enumerate(children) if c.text_content().startswith(SPLIT_AT))
    pages = []
    for first in (True, False):
        page = copy.deepcopy(tree)
        page_body = page.xpath("//div[@itemprop='articleBody']")[0]
        for index, child in enumerate(list(page_body)):
            if (index >= cut) == first:
                page_body.remove(child)
        items = "".join(f"<li>{li}</li>" for li in lis)
        if first and next_href:
            items += f"<li><a rel='next' href='{next_href}'>Next</a></li>"
        pagination = page.xpath("//div[@class='pagination']/ul")[0]
        for li in lxml.html.fragments_fromstring(items):
            pagination.append(li)
        pages.append(lxml.html.tostring(page, encoding="utf-8"))
    return pages[0], pages[1]


def sample(directory: Path) -> dict[str, str]:
    """Three split articles behind a feed: complete, page 2 missing, and fewer pages than declared."""
    entries, items, urls = [], [], {}
    for case, declared, record_second in (("lengkap", 2, True), ("hilang", 2, False), ("kurang", 3, True)):
        url = f"https://www.jpnn.com/news/{case}-kamrussamad-ppkm-darurat-dihentikan"
        second = f"{url}?page=2"
        page1, page2 = split_page(
            [str(n) for n in range(1, declared + 1)], second if case != "kurang" else None
        )
        (directory / f"{case}-1.html").write_bytes(page1)
        entries.append({"url": url, "headers": {"Content-Type": "text/html"}, "body": f"{case}-1.html"})
        if record_second:
            (directory / f"{case}-2.html").write_bytes(page2)
            entries.append(
                {"url": second, "headers": {"Content-Type": "text/html"}, "body": f"{case}-2.html"}
            )
        items.append(f"<item><title>{case}</title><link>{url}</link></item>")
        urls[case] = url
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel>{"".join(items)}</channel></rss>'
    (directory / "feed.xml").write_text(feed, encoding="utf-8")
    entries.append({"url": "https://www.jpnn.com/index.php?mib=rss", "body": "feed.xml",
                    "headers": {"Content-Type": "application/rss+xml"}})  # fmt: skip
    (directory / "responses.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))
    return urls


def test_pages_are_stitched_and_incomplete_articles_never_written(tmp_path):
    replay = tmp_path / "replay"
    replay.mkdir()
    urls = sample(replay)
    out = tmp_path / "out"
    result = run_scrapy(
        "crawl", "jpnn", "-s", f"REPLAY_DIR={replay}", "-s", f"OUTPUT_DIR={out}", "-a", "dates=2021-07-18"
    )
    log = result.stderr
    assert result.returncode == 0, log[-3000:]
    written = records(outputs(out)[0])
    assert [r["url"] for r in written] == [urls["lengkap"]]
    text = written[0]["text"]
    assert all(present(s, text) for s in JPNN.with_)  # from both pages, in order
    assert text.index("mendorong pemerintah") < text.index(SPLIT_AT)
    assert not [s for s in JPNN.without if present(s, text)]
    assert "page=2" not in written[0]["url"]
    # the follow requests, carrying the pages fetched so far, went through the disk frontier too
    assert stat(log, "scheduler/enqueued/disk") == stat(log, "scheduler/enqueued") > 0
    assert stat(log, "scheduler/enqueued/memory") == 0

    assert stat(log, "bersih/failed/http-404") == 1  # page 2 of "hilang" is missing
    assert f"Failed {urls['hilang']}?page=2 (page 2 of {urls['hilang']})" in log
    assert stat(log, "bersih/rejected/incomplete-article") == 1  # "kurang" declares 3 pages, links none
    assert f"rejected (incomplete-article): {urls['kurang']}: 1 of 3 pages fetched" in log
