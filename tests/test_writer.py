"""The JSON Lines writer: complete files under final names, partial ones never."""

import json
from pathlib import Path

from conftest import crawl_sample
from scrapy.utils.test import get_crawler

from crawler.items import Article
from crawler.run import new_run_id, safe_name
from pipelines.jsonl import AtomicJsonLines, JsonLinesPipeline


def test_final_name_appears_only_on_commit(tmp_path):
    final = tmp_path / "kompas" / "2026-11-25" / "run.jsonl"
    output = AtomicJsonLines(final)
    output.write({"title": "Merek China “Serbu” Indonesia", "n": 1})
    output.write({"title": "Kedua", "n": 2})
    assert not final.exists()
    assert output.partial.exists() and output.partial.name.startswith(".")
    output.commit()
    assert final.exists() and not output.partial.exists()
    raw = final.read_text(encoding="utf-8")
    assert "“Serbu”" in raw
    assert [json.loads(line)["n"] for line in raw.splitlines()] == [1, 2]


def test_names_from_data_cannot_leave_the_output_folder():
    for hostile in ("../../etc", "/abs/path", "a\x00b", "x" * 500, "..", ""):
        name = safe_name(hostile)
        assert "/" not in name and "\x00" not in name and not name.startswith(".")
        assert 0 < len(name) <= 120


def test_run_ids_sort_by_time_and_do_not_collide():
    first, second = new_run_id("kompas"), new_run_id("kompas")
    assert first != second
    assert first.split("-")[1] == "kompas"


def _files_outside(root: Path, allowed: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and not p.resolve().is_relative_to(allowed.resolve())]


def test_hostile_sites_dates_and_run_ids_write_nothing_outside_the_output_folder(tmp_path):
    out = tmp_path / "nest" / "out"
    settings = {"OUTPUT_DIR": str(out), "OUTPUT_PARTITION": "published-date", "STATE_ENABLED": False,
                "BERSIH_RUN_ID": "../../../run/../../x"}  # fmt: skip
    crawler = get_crawler(settings_dict=settings)
    crawler.spider = crawler._create_spider("hostile")
    writer = JsonLinesPipeline.from_crawler(crawler)
    writer.open_spider()
    hostile = ["../../etc", "/abs/path", "a\x00b", "x" * 5000, "..", "", "\\..\\..\\win", "~root"]
    for n, value in enumerate(hostile):
        record = {"url": f"https://a.id/{n}", "site": value, "published": value, "text": "t"}
        writer.process_item(Article(record, key=f"a.id/{n}"))
    writer.close_spider()
    assert _files_outside(tmp_path, out) == []
    written = [json.loads(line) for f in out.rglob("*.jsonl") for line in f.read_text().splitlines()]
    assert len(written) == len(hostile)  # every record landed, inside
    assert all(len(p.name) <= 255 for p in out.rglob("*"))


def test_a_crawl_with_a_hostile_run_id_writes_inside_its_output_folder(tmp_path):
    out = tmp_path / "deep" / "out"
    result = crawl_sample(out, "BERSIH_RUN_ID=../../../escaped/../" + "y" * 300, "WARC_ENABLED=1")
    assert result.returncode == 0, result.stderr[-3000:]
    assert _files_outside(tmp_path, out) == []
    assert len(list(out.rglob("*.jsonl"))) == 1 and len(list(out.glob("*.manifest.json"))) == 1
    assert list(out.rglob("*.warc.gz"))
