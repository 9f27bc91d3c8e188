"""OUTPUT_FORMAT=parquet: the same atomic commit, manifest and recovery as JSON Lines, in row groups."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import SAMPLE, crawl_sample, run_scrapy
from test_durability import in_state

from pipelines.parquetfile import AtomicParquet

PARQUET = "OUTPUT_FORMAT=parquet"


def manifests(out: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(out.glob("*.manifest.json"))]


def finals(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*.parquet") if not p.name.startswith("."))


def urls_on_disk(out: Path) -> list[str]:
    return [url for path in finals(out) for url in pq.read_table(path, columns=["url"])["url"].to_pylist()]


def assert_manifest_matches_disk(out: Path, manifest: dict) -> None:
    """The manifest's files, record counts, sha256 and written URLs are the disk's."""
    urls = []
    for output in manifest["outputs"]:
        path = out / output["path"]
        assert path.suffix == ".parquet"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == output["sha256"], path
        table = pq.read_table(path)
        assert table.num_rows == output["records"], path
        urls += table["url"].to_pylist()
    assert sorted(e["url"] for e in manifest["urls"] if e["outcome"] == "written") == sorted(urls)
    assert manifest["counts"]["written"] == len(urls)


@pytest.fixture(scope="module")
def records(tmp_path_factory) -> list[dict]:
    """The demo's five records, as a real crawl wrote them."""
    out = tmp_path_factory.mktemp("jsonl") / "out"
    result = crawl_sample(out)
    assert result.returncode == 0, result.stderr[-3000:]
    (path,) = out.rglob("*.jsonl")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_records_go_to_disk_a_row_group_at_a_time_and_the_final_name_only_on_commit(tmp_path, records):
    final = tmp_path / "kompas" / "run.parquet"
    output = AtomicParquet(final, "zstd", row_group=2)
    for record in records:
        output.write(record)
    assert output.partial.name == ".run.parquet.part" and output.partial.exists() and not final.exists()
    assert output.records == 5 and output.urls == [r["url"] for r in records]
    output.commit()
    assert final.exists() and not output.partial.exists()
    assert output.sha256 == hashlib.sha256(final.read_bytes()).hexdigest()
    parquet = pq.ParquetFile(final)
    assert [parquet.metadata.row_group(i).num_rows for i in range(parquet.num_row_groups)] == [2, 2, 1]
    assert parquet.metadata.row_group(0).column(0).compression == "ZSTD"
    assert pq.read_table(final).to_pylist() == records  # every field and value as the record had it


def test_nested_values_and_nulls_keep_their_types(tmp_path, records):
    removed = [{"text": "Baca juga: Berita lain", "rule": "baca-juga", "layer": "lines"}]
    record = {**records[0], "removed": removed, "language_expected": ["id", "jv"], "modified": None}
    output = AtomicParquet(tmp_path / "run.parquet")
    output.write(record)
    output.commit()
    (back,) = pq.read_table(output.final).to_pylist()
    assert back == record
    other = AtomicParquet(tmp_path / "other.parquet")
    with pytest.raises(ValueError, match="removed is a list"):  # an audit entry without its rule
        other.write({**record, "removed": [{"text": "x", "layer": "lines"}]})
    other.abandon()


def test_a_record_off_the_schema_is_refused_whole_and_the_file_goes_on(tmp_path, records):
    output = AtomicParquet(tmp_path / "run.parquet")
    with pytest.raises(ValueError, match="fields outside the schema: surprise"):
        output.write({**records[0], "surprise": 1})
    with pytest.raises(ValueError, match="no value for title"):
        output.write({**records[0], "title": None})
    with pytest.raises(ValueError, match="word_count is a str, not int64"):
        output.write({**records[0], "word_count": "many"})
    output.write(records[1])
    output.commit()
    assert pq.read_table(output.final)["url"].to_pylist() == [records[1]["url"]]


def test_an_abandoned_file_leaves_nothing(tmp_path, records):
    output = AtomicParquet(tmp_path / "run.parquet", row_group=1)
    output.write(records[0])
    output.abandon()
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_breaks_the_file_its_records_fail_and_the_next_run_writes_them(tmp_path, monkeypatch):
    out, state = tmp_path / "out", tmp_path / "state"
    monkeypatch.setenv("BERSIH_FAULT", "jsonl:3-3")  # the third record meets a full disk
    full = crawl_sample(out, f"STATE_DIR={state}", PARQUET)
    assert full.returncode == 4, full.stderr[-3000:]
    assert "Traceback" not in full.stderr
    (first,) = manifests(out)
    failed = {e["url"] for e in first["urls"] if e["outcome"] == "failed"}
    assert {e["reason"] for e in first["urls"] if e["outcome"] == "failed"} == {"write-error"}
    # a Parquet file cannot be cut back: the two records before the fault fail with it, the last two
    # go to a new file
    assert len(failed) == 3 and first["counts"]["written"] == 2
    assert set(urls_on_disk(out)) == in_state(state) and failed.isdisjoint(urls_on_disk(out))
    assert_manifest_matches_disk(out, first)
    assert list(out.rglob("*.part")) == []
    monkeypatch.delenv("BERSIH_FAULT")
    again = crawl_sample(out, f"STATE_DIR={state}", PARQUET)
    assert again.returncode == 0, again.stderr[-3000:]
    second = next(m for m in manifests(out) if m["run_id"] != first["run_id"])
    assert {e["url"] for e in second["urls"] if e["outcome"] == "written"} == failed
    assert_manifest_matches_disk(out, second)
    assert len(urls_on_disk(out)) == len(set(urls_on_disk(out))) == 5


def test_a_run_killed_after_its_commit_is_finished_and_listed_by_the_next(tmp_path, monkeypatch):
    out, state = tmp_path / "out", tmp_path / "state"
    monkeypatch.setenv("BERSIH_FAULT", "crash:after-commit")  # committed, no file renamed yet
    killed = crawl_sample(out, f"STATE_DIR={state}", PARQUET, "OUTPUT_MAX_RECORDS=2")
    assert killed.returncode == -9, killed.stderr[-3000:]
    assert len(list(out.rglob(".*.parquet.part"))) == 3 and finals(out) == []
    monkeypatch.delenv("BERSIH_FAULT")
    resume = crawl_sample(out, f"STATE_DIR={state}", PARQUET, "OUTPUT_MAX_RECORDS=2")
    assert resume.returncode == 0, resume.stderr[-3000:]
    assert list(out.rglob("*.part")) == [] and len(finals(out)) == 3
    killed_run = next(m for m in manifests(out) if m.get("recovered_by"))
    assert killed_run["finish_reason"] == "killed" and len(killed_run["outputs"]) == 3
    assert_manifest_matches_disk(out, killed_run)  # records and sha256 read back from the Parquet files


def test_an_unknown_output_format_stops_the_run_with_one_line(tmp_path):
    out = tmp_path / "out"
    result = run_scrapy("crawl", "kompas", "-s", f"REPLAY_DIR={SAMPLE}", "-s", f"OUTPUT_DIR={out}",
                        "-s", "OUTPUT_FORMAT=csv")  # fmt: skip
    assert result.returncode == 2, result.stderr[-3000:]
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1 and "OUTPUT_FORMAT" in lines[0] and "'parquet'" in lines[0], result.stderr[-3000:]
    assert "Traceback" not in result.stderr and not out.exists()
