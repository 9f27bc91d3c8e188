"""The JSON Lines writer: complete files under final names, partial ones never."""

import json

from crawler.run import new_run_id, safe_name
from pipelines.jsonl import AtomicJsonLines


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
