"""The command-line tools, run as a user runs them."""

import json

from conftest import ROOT, present, run_scrapy

from crawler.quality import gold_pages

PAGES = ROOT / "corpus" / "pages"


def test_extract_prints_one_record_per_page_and_reports_bad_files(tmp_path):
    image = tmp_path / "foto.html"
    image.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    empty = tmp_path / "kosong.html"
    empty.write_bytes(b"")
    result = run_scrapy(
        "extract", str(PAGES / "kompas_2.html"), str(image), str(tmp_path / "tidak-ada.html"), str(empty),
        str(PAGES / "detik_3.html"),
    )  # fmt: skip
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    # --url defaults to the page's canonical / og:url
    assert first["url"].startswith("http://regional.kompas.com/read/2015/11/04/21040031/")
    assert first["site"] == "kompas"
    assert second["url"].startswith("https://news.detik.com/internasional/d-7626006/")
    assert "foto.html: skipped" in result.stderr and "[not-html]" in result.stderr
    assert "tidak-ada.html: cannot read the file" in result.stderr
    assert "kosong.html: skipped" in result.stderr and "[empty]" in result.stderr
    assert "3 of 5 file(s) gave no record" in result.stderr


def test_extract_with_url_picks_the_profile_and_keeps_non_ascii(tmp_path):
    page = next(p for p in gold_pages(ROOT / "corpus") if p.name == "kompas_6")
    result = run_scrapy("extract", "--url", page.url, str(PAGES / "kompas_6.html"))
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["url"] == page.url
    assert "“Serbu”" in result.stdout  # written as UTF-8, not \\u escapes
    assert all(present(s, record["text"]) for s in page.with_)


def test_extract_without_files_is_a_usage_error():
    result = run_scrapy("extract")
    assert result.returncode == 2
    assert "give at least one HTML file" in result.stderr


def test_evaluate_scores_every_gold_page_and_passes_the_gate():
    result = run_scrapy("evaluate", "--no-baseline")
    assert result.returncode == 0, result.stdout + result.stderr
    gold = [json.loads(p.read_text()) for p in (ROOT / "corpus" / "gold").glob("*.json")]
    total_with = sum(len(g["with"]) for g in gold)
    total_without = sum(len(g["without"]) for g in gold)
    row = next(line for line in result.stdout.splitlines() if line.startswith("all "))
    assert row.split()[1:] == [str(len(gold)), f"{total_with}/{total_with}", f"0/{total_without}"]


def test_list_shows_the_kompas_spider():
    result = run_scrapy("list")
    assert result.returncode == 0, result.stderr
    assert "kompas" in result.stdout.split()
