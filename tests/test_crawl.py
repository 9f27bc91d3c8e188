"""Real crawls: `scrapy crawl kompas` against the replay server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import (
    PATIENCE,
    ROOT,
    SAMPLE,
    SAMPLE_DATES,
    SCRAPY,
    HeldReplay,
    crawl_sample,
    present,
    run_scrapy,
    sample_pages,
    stat,
    wait_until,
)
from jsonschema import Draft202012Validator

from crawler.ledger import OUTCOMES
from crawler.quality import gold_pages
from crawler.replay.server import ReplayServer

SCHEMA = json.loads((ROOT / "crawler" / "record.schema.json").read_text(encoding="utf-8"))
KOMPAS = {p.url: p for p in sample_pages()}


@pytest.fixture
def replay():
    server = ReplayServer(SAMPLE).start_in_thread()
    yield server
    server.shutdown()
    server.server_close()


def outputs(out: Path) -> tuple[list[Path], list[Path]]:
    """(final .jsonl files, leftover partial files) under an output folder."""
    files = sorted(out.rglob("*")) if out.exists() else []
    return [f for f in files if f.suffix == ".jsonl"], [f for f in files if f.name.endswith(".jsonl.part")]


def records(files: list[Path]) -> list[dict]:
    return [json.loads(line) for f in files for line in f.read_text(encoding="utf-8").splitlines()]


def test_sample_crawl_writes_each_article_once_clean_and_valid(replay, tmp_path):
    out = tmp_path / "out"
    result = run_scrapy(
        "crawl",
        "kompas",
        "-s",
        f"REPLAY_SERVER={replay.url}",
        "-s",
        f"OUTPUT_DIR={out}",
        "-a",
        f"dates={SAMPLE_DATES}",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    final, partial = outputs(out)
    assert partial == []
    assert len(final) == 1 and final[0].parent.parent.name == "kompas"
    written = records(final)
    assert sorted(r["url"] for r in written) == sorted(KOMPAS)

    validator = Draft202012Validator(SCHEMA)
    for record in written:
        assert list(validator.iter_errors(record)) == []
        page = KOMPAS[record["url"]]
        assert [s for s in page.without if present(s, record["text"])] == []
        assert [s for s in page.with_ if not present(s, record["text"])] == []
        assert "page=all" not in record["url"]

    # Navigation: single-page form, once each; no section, tag or off-site pages.
    for url in KOMPAS:
        assert replay.hits.get(url.replace("http://", "http://", 1) + "?page=all") == 1
    assert not any("/tag/" in u or "example.org" in u for u in replay.hits)
    assert any(u.endswith("/robots.txt") for u in replay.hits)
    assert stat(result.stderr, "bersih/discovery/seen_again") == 1  # kompas_3 is in the sitemap and the index
    assert replay.user_agents == {"Bersih/0.1.0 (+https://github.com/bersih-id/bersih)"}
    assert f"Wrote 5 records to {final[0]}" in result.stderr


def test_replay_dir_starts_its_own_server_as_the_demo_does(tmp_path):
    out = tmp_path / "out"
    result = crawl_sample(out)
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(records(outputs(out)[0])) == 5
    assert "Replaying" in result.stderr


def test_since_skips_older_articles_and_counts_them(replay, tmp_path):
    out = tmp_path / "out"
    result = run_scrapy(
        "crawl", "kompas", "-s", f"REPLAY_SERVER={replay.url}", "-s", f"OUTPUT_DIR={out}",
        "-a", f"dates={SAMPLE_DATES}", "-a", "since=2016-02-20",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    written = records(outputs(out)[0])
    assert [r["published"] for r in written] == ["2016-02-23T16:52:00+07:00"]
    assert stat(result.stderr, "bersih/discovery/older_than_since") == 4  # all four sitemap entries
    # kompas_3 and kompas_4 come again through the 16 February index, and are rejected after cleaning.
    assert stat(result.stderr, "bersih/rejected/older-than-since") == 2


def hostile_sample(directory: Path) -> dict[str, str]:
    """A replay folder of bad responses behind a news sitemap; returns url -> expected outcome."""
    real = (ROOT / "corpus" / "pages" / "kompas_6.html").read_bytes().decode("utf-8")
    base = "http://nasional.kompas.com/read/2020/01/{:02d}/10000000/kasus-{}"
    cases = {
        "png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "text/html", "rejected/not-html"),
        "pdf": (b"%PDF-1.4 binary", "application/pdf", "rejected/not-html"),
        "empty": (b"", "text/html", "rejected/empty"),
        "huge": (real.encode("utf-8") + b"<!--" + b"x" * 400_000 + b"-->", "text/html", "rejected/too-large"),
        "giant": (b"<html><body>" + b"<p>kata</p>" * 90_000 + b"</body></html>", "text/html", "failed"),
        "cp1252": (real.encode("cp1252", errors="ignore"), "text/html; charset=utf-8", "written"),
        # A layout the Kompas profile does not know (a detik page): cleaned by the generic rules, and noticed.
        "newlayout": ((ROOT / "corpus" / "pages" / "detik_3.html").read_bytes(), "text/html", "written"),
        # robots.txt disallows this one's path: skipped, never fetched
        "robots": (real.encode("utf-8"), "text/html", "skipped"),
        # the same article under another URL: a duplicate of "cp1252"
        "salinan": (real.encode("utf-8"), "text/html", "duplicate"),
        "noarticle": (b"<html><body><nav><a href='/'>Beranda</a></nav></body></html>", "text/html",
                      "rejected/no-article"),
    }  # fmt: skip
    lines, expected = [], {}
    sitemap = ['<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for day, (name, (body, content_type, outcome)) in enumerate(cases.items(), 1):
        url = base.format(day, name)
        (directory / f"{name}.bin").write_bytes(body)
        lines.append(
            {"url": url + "?page=all", "headers": {"Content-Type": content_type}, "body": f"{name}.bin"}
        )
        sitemap.append(f"<url><loc>{url}</loc></url>")
        expected[url] = outcome
    (directory / "robots.txt").write_text("User-agent: *\nDisallow: /read/2020/01/08/\n")
    lines.append({"url": "http://nasional.kompas.com/robots.txt", "body": "robots.txt"})
    missing = base.format(0, "hilang")
    sitemap.append(f"<url><loc>{missing}</loc></url>")  # not recorded: the server answers 404
    expected[missing] = "http-404"
    sitemap.append("</urlset>")
    (directory / "sitemap.xml").write_text("".join(sitemap), encoding="utf-8")
    # The news sitemap is an index of one good sitemap, an HTML error page, an empty one and a corrupt gzip.
    (directory / "broken.xml").write_bytes(b"<html><body><h1>502 Bad Gateway</h1></body></html>")
    (directory / "empty.xml").write_bytes(b'<?xml version="1.0"?><urlset></urlset>')
    (directory / "corrupt.xml.gz").write_bytes(b"\x1f\x8b\x08\x00 not really gzip")
    index = ['<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for name in ("sitemap.xml", "broken.xml", "empty.xml", "corrupt.xml.gz"):
        index.append(f"<sitemap><loc>https://www.kompas.com/{name}</loc></sitemap>")
        lines.append({"url": f"https://www.kompas.com/{name}", "body": name,
                      "headers": {"Content-Type": "application/xml"}})  # fmt: skip
    (directory / "index.xml").write_text("".join(index) + "</sitemapindex>", encoding="utf-8")
    lines.append({"url": "https://www.kompas.com/sitemap-news.xml", "body": "index.xml",
                  "headers": {"Content-Type": "application/xml"}})  # fmt: skip
    (directory / "responses.jsonl").write_text("".join(json.dumps(e) + "\n" for e in lines), encoding="utf-8")
    return expected


def test_bad_pages_are_rejected_by_name_and_the_crawl_goes_on(tmp_path):
    sample = tmp_path / "hostile"
    sample.mkdir()
    expected = hostile_sample(sample)
    out = tmp_path / "out"
    result = run_scrapy(
        "crawl", "kompas", "-s", f"REPLAY_DIR={sample}", "-s", f"OUTPUT_DIR={out}",
        "-s", "EXTRACT_MAX_BYTES=300000", "-s", "DOWNLOAD_MAXSIZE=800000", "-a", "dates=2020-01-01",
    )  # fmt: skip
    log = result.stderr
    assert result.returncode == 0, log[-3000:]
    assert "Traceback" not in log
    written = records(outputs(out)[0])
    assert sorted(r["title"] for r in written) == [
        "5 Pernyataan Trump di Pidato Kemenangan Pilpres AS",
        "Merek China “Serbu” Indonesia, Ini Kata Gaikindo",
    ]
    assert "Profile kompas: no body selector matched on http://nasional.kompas.com/read/2020/01/" in log
    assert stat(log, "bersih/layout/no_body_match/kompas") == 2  # and the page with no article
    for outcome in set(expected.values()) - {"written", "http-404", "failed", "skipped", "duplicate"}:
        count = sum(1 for v in expected.values() if v == outcome)
        assert stat(log, f"bersih/{outcome}") == count, outcome
    assert stat(log, "downloader/response_status_count/404") >= 1
    assert "2 written, 5 rejected (empty 1, no-article 1, not-html 2, too-large 1), 2 failed" in log
    assert "(DownloadCancelledError 1, http-404 1)" in log  # over DOWNLOAD_MAXSIZE, and not recorded
    assert "larger than download max size (800000)" in log
    assert stat(log, "bersih/discovery/broken_sitemap") == 3
    assert "Sitemap https://www.kompas.com/corrupt.xml.gz cannot be parsed" in log
    assert "Sitemap https://www.kompas.com/broken.xml lists no entry" in log
    assert "Sitemap https://www.kompas.com/empty.xml lists no entry" in log

    # The manifest accounts for every URL, with every outcome present, and the counts add up.
    (manifest_path,) = out.glob("*.manifest.json")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    counts = manifest["counts"]
    assert counts["scheduled"] == len(expected) == sum(counts[o] for o in OUTCOMES)
    assert all(counts[o] > 0 for o in OUTCOMES), counts
    got = {entry["url"]: entry for entry in manifest["urls"]}
    assert sorted(got) == sorted(expected)
    for url, outcome in expected.items():
        entry = got[url]
        if outcome.startswith("rejected/"):
            assert (entry["outcome"], entry["reason"]) == ("rejected", outcome.split("/", 1)[1]), url
        elif outcome == "http-404":
            assert (entry["outcome"], entry["reason"]) == ("failed", "http-404"), url
    copies = [got[u]["outcome"] for u in expected if u.endswith(("kasus-cp1252", "kasus-salinan"))]
    assert sorted(copies) == ["duplicate", "written"]
    assert got[next(u for u in expected if u.endswith("kasus-robots"))]["outcome"] == "skipped"
    assert got[next(u for u in expected if u.endswith("kasus-giant"))]["outcome"] == "failed"
    (output,) = outputs(out)[0]
    assert manifest["outputs"] == [
        {
            "path": str(output.relative_to(out)),
            "records": 2,
            "sha256": hashlib.sha256(output.read_bytes()).hexdigest(),
        }
    ]


def test_a_killed_crawl_leaves_no_file_under_a_final_name(tmp_path):
    # The crawl waits on kompas_6 (…/165200515/…), held to the end, with the other records written.
    server = HeldReplay(SAMPLE, lambda url: "165200515" in url).start_in_thread()
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    crawl = subprocess.Popen(
        [*SCRAPY, "crawl", "kompas", "-s", f"REPLAY_SERVER={server.url}", "-s", f"OUTPUT_DIR={out}",
         "-s", f"STATE_DIR={tmp_path / 'state'}",
         "-s", f"DOWNLOAD_TIMEOUT={PATIENCE}", "-a", f"dates={SAMPLE_DATES}"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip

    def four_written() -> bool:
        partial = outputs(out)[1]
        return bool(partial) and len(partial[0].read_text(encoding="utf-8").splitlines()) >= 4

    try:
        wait_until(four_written, "the crawl writes four records")
        crawl.send_signal(signal.SIGKILL)
        crawl.wait(timeout=PATIENCE)
    finally:
        server.shutdown()
        if crawl.poll() is None:
            crawl.kill()
    final, partial = outputs(out)
    assert final == []
    assert len(partial) == 1


CRAWL_WITH_PROFILE = """
import sys
from pathlib import Path
from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings
from crawler.profiles import load_profile
from crawler.spiders.profiled import spider_for

profile = load_profile(Path(sys.argv[1]), strict=False)
settings = get_project_settings()
settings.set("REPLAY_DIR", sys.argv[2], priority="cmdline")
settings.set("OUTPUT_DIR", sys.argv[3], priority="cmdline")
settings.set("STATE_DIR", sys.argv[4], priority="cmdline")
settings.set("STATS_DUMP_LEVEL", "INFO", priority="cmdline")  # stat() reads the dump
process = CrawlerProcess(settings)
process.crawl(spider_for(profile, "__main__"), dates="2016-02-16,2016-02-23")
process.start()
"""


def test_a_profile_with_a_bad_selector_still_crawls_with_the_generic_rules(tmp_path):
    text = (ROOT / "crawler" / "sites" / "kompas.toml").read_text(encoding="utf-8")
    broken = tmp_path / "kompas.toml"
    assert 'body = ["div.read__content"]' in text
    broken.write_text(text.replace('"div.read__content"]', '"div.read__content[["]'), encoding="utf-8")
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", CRAWL_WITH_PROFILE, *map(str, (broken, SAMPLE, out, tmp_path / "state"))],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    log = result.stderr
    assert result.returncode == 0, log[-3000:]
    assert "field 'cleaning.layouts[0].body': bad selector 'div.read__content[['" in log
    assert "left out, the generic rules stand in for it" in log
    assert stat(log, "bersih/layout/bad_selector/kompas") == 1
    assert len(records(outputs(out)[0])) == 5


def test_a_broken_profile_file_makes_its_spider_say_what_is_wrong(tmp_path):
    from scrapy.exceptions import UsageError

    from crawler.spiders.profiled import spider_for_broken

    spider = spider_for_broken("rusak", "rusak.toml: missing required field 'title'", __name__)
    assert spider.name == "rusak"
    with pytest.raises(UsageError, match=r"missing required field 'title'\. Fix the file"):
        spider()


def test_a_feed_on_another_host_than_the_articles_is_still_read(tmp_path):
    # Tempo English publishes en.tempo.co articles in a feed on rss.tempo.co.
    page = next(p for p in gold_pages(ROOT / "corpus") if p.name == "tempoen_1")
    replay = tmp_path / "replay"
    replay.mkdir()
    (replay / "feed.xml").write_text(f"<rss><channel><item><link>{page.url}</link></item></channel></rss>")
    (replay / "article.html").write_bytes(page.html)
    entries = [
        {
            "url": "https://rss.tempo.co/en",
            "body": "feed.xml",
            "headers": {"Content-Type": "application/rss+xml"},
        },
        {"url": page.url, "body": "article.html", "headers": {"Content-Type": "text/html"}},
    ]
    (replay / "responses.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))
    out = tmp_path / "out"
    result = run_scrapy("crawl", "tempo-en", "-s", f"REPLAY_DIR={replay}", "-s", f"OUTPUT_DIR={out}")
    assert result.returncode == 0, result.stderr[-3000:]
    written = records(outputs(out)[0])
    assert [r["url"] for r in written] == [page.url]
    assert stat(result.stderr, "offsite/filtered") == 0
    # and the feed host's robots.txt is read and obeyed like the outlet's own
    (replay / "robots.txt").write_text("User-agent: *\nDisallow: /en\n")
    robots = {
        "url": "https://rss.tempo.co/robots.txt",
        "body": "robots.txt",
        "headers": {"Content-Type": "text/plain"},
    }
    (replay / "responses.jsonl").write_text("".join(json.dumps(e) + "\n" for e in [*entries, robots]))
    again = run_scrapy(
        "crawl", "tempo-en", "-s", f"REPLAY_DIR={replay}", "-s", f"OUTPUT_DIR={tmp_path / 'again'}"
    )
    assert again.returncode == 0, again.stderr[-3000:]
    assert stat(again.stderr, "robotstxt/forbidden") == 1
    assert "Could not read https://rss.tempo.co/en: robots.txt" in again.stderr
