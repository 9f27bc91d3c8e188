"""WARC archives and `scrapy reprocess`: a corpus rebuilt offline, with the current rules."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from conftest import crawl_sample, run_scrapy, stat
from test_crawl import outputs, records
from warcio.archiveiterator import ArchiveIterator


def archived_crawl(out: Path) -> Path:
    result = crawl_sample(out)
    assert result.returncode == 0, result.stderr[-3000:]
    (warc,) = (out / "warc").glob("*.warc.gz")
    return warc


def test_every_fetched_response_is_archived(tmp_path):
    warc = archived_crawl(tmp_path / "out")
    with warc.open("rb") as fh:
        responses = [r for r in ArchiveIterator(fh) if r.rec_type == "response"]
    urls = {r.rec_headers.get_header("WARC-Target-URI") for r in responses}
    assert "https://www.kompas.com/sitemap-news.xml" in urls
    articles = [r for r in responses if r.rec_headers.get_header("WARC-Bersih-Article")]
    assert len(articles) == 5
    assert all(r.http_headers.get_statuscode() == "200" for r in articles)


def test_reprocess_rebuilds_the_same_records_without_the_network(tmp_path):
    out = tmp_path / "out"
    warc = archived_crawl(out)
    crawled = {r["url"]: r for r in records(outputs(out)[0])}
    again = tmp_path / "again"
    result = run_scrapy("reprocess", "-s", f"OUTPUT_DIR={again}", str(warc))
    assert result.returncode == 0, result.stderr[-3000:]
    rebuilt = {r["url"]: r for r in records(outputs(again)[0])}
    assert sorted(rebuilt) == sorted(crawled)
    for url, record in rebuilt.items():
        assert record["text"] == crawled[url]["text"]
        assert record["content_hash"] == crawled[url]["content_hash"]
        fetched = datetime.fromisoformat(crawled[url]["crawled_at"])  # the time of the fetch, give or take
        assert abs((datetime.fromisoformat(record["crawled_at"]) - fetched).total_seconds()) < 60
    (manifest,) = again.glob("*.manifest.json")
    assert json.loads(manifest.read_text())["counts"]["written"] == 5
    assert not (again / "warc").exists()  # reprocessing archives nothing


def test_a_truncated_warc_is_reported_and_its_earlier_records_used(tmp_path):
    warc = archived_crawl(tmp_path / "out")
    cut = tmp_path / "cut.warc.gz"
    data = warc.read_bytes()
    cut.write_bytes(data[: int(len(data) * 0.7)])
    result = run_scrapy("reprocess", "-s", f"OUTPUT_DIR={tmp_path / 'again'}", str(cut))
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"WARC {cut} is truncated or corrupt" in result.stderr
    assert stat(result.stderr, "bersih/reprocess/damaged_warc") == 1
    written = records(outputs(tmp_path / "again")[0])
    assert 1 <= len(written) < 5
    (manifest,) = (tmp_path / "again").glob("*.manifest.json")
    reasons = [e["reason"] for e in json.loads(manifest.read_text())["urls"] if e["outcome"] == "failed"]
    assert "damaged-warc-record" in reasons


def test_reprocess_without_files_says_what_to_give(tmp_path):
    result = run_scrapy("reprocess")
    assert result.returncode == 2
    assert "give one or more WARC files" in result.stderr
    result = run_scrapy("reprocess", str(tmp_path / "nope.warc.gz"))
    assert "no such file" in result.stderr


def test_a_warc_with_no_readable_record_fails_the_command_and_the_others_are_still_used(tmp_path):
    warc = archived_crawl(tmp_path / "out")
    junk = tmp_path / "junk.warc.gz"
    junk.write_bytes(b"not an archive at all\n" * 100)
    again = tmp_path / "again"
    result = run_scrapy("reprocess", "-s", f"OUTPUT_DIR={again}", str(warc), str(junk))
    assert result.returncode == 2, result.stderr[-3000:]
    assert f"WARC {junk} holds no readable record" in result.stderr
    assert "Error: 1 WARC files hold no readable record" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(records(outputs(again)[0])) == 5  # the good archive is rebuilt all the same
