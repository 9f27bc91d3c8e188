"""Output options: compression, file size, partitions; and the files load with pandas."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pandas
import zstandard
from conftest import ROOT, crawl_sample


def crawl(out: Path, *settings: str) -> dict:
    result = crawl_sample(out, *settings)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(next(out.glob("*.manifest.json")).read_text())


def test_default_output_loads_with_pandas(tmp_path):
    manifest = crawl(tmp_path)
    (output,) = manifest["outputs"]
    frame = pandas.read_json(tmp_path / output["path"], lines=True)
    assert len(frame) == 5 and "text" in frame.columns
    assert frame["site"].unique().tolist() == ["kompas"]


def test_gzip_and_zstd_outputs_hold_the_same_records(tmp_path):
    plain = crawl(tmp_path / "plain")
    gz = crawl(tmp_path / "gz", "OUTPUT_COMPRESSION=gzip")
    zst = crawl(tmp_path / "zst", "OUTPUT_COMPRESSION=zstd")
    (gz_out,), (zst_out,), (plain_out,) = gz["outputs"], zst["outputs"], plain["outputs"]
    assert gz_out["path"].endswith(".jsonl.gz") and zst_out["path"].endswith(".jsonl.zst")

    def texts(raw: bytes) -> set[str]:
        return {json.loads(line)["text"] for line in raw.decode("utf-8").splitlines()}

    expected = texts((tmp_path / "plain" / plain_out["path"]).read_bytes())
    assert texts(gzip.decompress((tmp_path / "gz" / gz_out["path"]).read_bytes())) == expected
    zst_bytes = (tmp_path / "zst" / zst_out["path"]).read_bytes()
    assert texts(zstandard.ZstdDecompressor().decompressobj().decompress(zst_bytes)) == expected
    assert len(pandas.read_json(tmp_path / "gz" / gz_out["path"], lines=True)) == 5


def test_max_records_and_publication_date_partitions(tmp_path):
    manifest = crawl(tmp_path, "OUTPUT_MAX_RECORDS=1", "OUTPUT_PARTITION=published-date")
    paths = sorted(o["path"] for o in manifest["outputs"])
    # one file per record, in the folder of the day each article was published
    assert [p.split("/")[1] for p in paths] == [
        "2015-06-17",
        "2015-11-04",
        "2016-02-16",
        "2016-02-16",
        "2016-02-23",
    ]
    assert sum(o["records"] for o in manifest["outputs"]) == 5
    assert any(p.endswith("-0002.jsonl") for p in paths)  # 16 February holds two articles, so two files


def test_the_readme_record_table_documents_every_field_of_the_schema_with_its_null_rule():
    schema = json.loads((ROOT / "crawler" / "record.schema.json").read_text(encoding="utf-8"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| field | type | null or empty when | meaning |") :].split("\n\n", 1)[0]
    rows = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert len(cells) == 4 and all(cells), line  # a type, a null rule and a meaning for each
        for name in re.findall(r"`([a-z_]+)`", cells[0]):
            rows[name] = cells
    assert set(rows) == set(schema["properties"])
