"""The Kompas article that started Bersih comes out exactly as its clean text."""

from html import escape

from conftest import ROOT

from crawler.extract import extract

SEED = ROOT / "tests" / "data" / "seed"


def test_seed_article_is_cleaned_paragraph_for_paragraph():
    lines = (SEED / "kompas-zelensky-brussels.txt").read_text(encoding="utf-8").splitlines()
    expected = (SEED / "kompas-zelensky-brussels.clean.txt").read_text(encoding="utf-8").strip()
    page = (
        "<!DOCTYPE html><html lang='id'><head><meta charset='utf-8'>"
        "<title>Zelensky Cari Bantuan di Brussels - Kompas.com</title></head><body><article>"
        + "".join(f"<p>{escape(line)}</p>" for line in lines if line.strip())
        + "</article></body></html>"
    )
    record = extract(page, url="https://internasional.kompas.com/read/2024/12/19/120000070/zelensky")
    assert record is not None
    assert record["text"].split("\n") == expected.split("\n")
    assert "Baca juga" not in record["text"]
    assert "Di saat situasi tidak menentu" not in record["text"]
