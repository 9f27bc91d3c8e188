"""Output that loads the same way every time: a real multi-site crawlall, read back with datasets,
pandas and pyarrow, in every layout, compression and format, with the types the record schema declares.

The replay serves three outlets: ANTARA (pages with no canonical URL, no update time and no
section: the all-null columns that broke type inference), Kompas (the demo sample) and Malay Mail
(+08:00). Expected dates are the recorded pages' gold annotations (corpus/gold), never the code's.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard
from conftest import ROOT, SAMPLE_DATES, run_scrapy
from jsonschema import Draft202012Validator
from test_state import own_sample

from crawler.dataset import builder, data_files, read_table

PAGES, GOLD = ROOT / "corpus" / "pages", ROOT / "corpus" / "gold"
OTHERS = {  # site -> (its news sitemap, the recorded pages it lists)
    "antaranews": ("https://www.antaranews.com/sitemap-news.xml", ("antara_1", "antara_2", "antara_3")),
    "malaymail": ("https://www.malaymail.com/sitemap.xml", ("malaymail_1", "malaymail_2")),
}
SITES = ("antaranews", "kompas", "malaymail")
KOMPAS = ("kompas_1", "kompas_2", "kompas_3", "kompas_4", "kompas_6")  # what the demo sample serves
RECORD_SCHEMA = json.loads((ROOT / "crawler" / "record.schema.json").read_text(encoding="utf-8"))
# The dtypes as the README's record table gives them, written out here and not read from the code.
STRINGS = ("url", "canonical_url", "site", "title", "published", "modified", "section", "language", "text",
           "content_hash", "cleaning", "crawled_at", "bersih_version", "rules_version",
           "previous_content_hash", "duplicate_of")  # fmt: skip
ARROW_TYPES = {
    **dict.fromkeys(STRINGS, pa.string()),
    **dict.fromkeys(("authors", "editors", "tags", "language_expected"), pa.list_(pa.string())),
    "language_score": pa.float64(),
    "word_count": pa.int64(),
    "revision": pa.int64(),
    "removed": pa.list_(
        pa.struct([pa.field(name, pa.string(), nullable=False) for name in ("text", "rule", "layer")])
    ),
}


def nullable(kind: pa.DataType) -> pa.DataType:
    """A type as `datasets` stores it: its Features say nothing of nulls, so any field may hold one."""
    if pa.types.is_list(kind):
        return pa.list_(nullable(kind.value_type))
    if pa.types.is_struct(kind):
        return pa.struct([pa.field(field.name, nullable(field.type)) for field in kind])
    return kind


def gold(name: str) -> dict:
    return json.loads((GOLD / f"{name}.json").read_text(encoding="utf-8"))


# Every recorded article of the replay: its URL and its publication time as annotated by hand.
PUBLISHED = {gold(n)["url"]: gold(n)["published"] for n in (*KOMPAS, *OTHERS["antaranews"][1],
                                                              *OTHERS["malaymail"][1])}  # fmt: skip


def three_outlets(parent: Path) -> Path:
    """The demo sample, plus ANTARA's and Malay Mail's recorded pages behind their news sitemaps."""
    replay = own_sample(parent)
    entries = [json.loads(line) for line in (replay / "responses.jsonl").read_text().splitlines()]
    for site, (sitemap, pages) in OTHERS.items():
        urls = [gold(page)["url"] for page in pages]
        listed = "".join(f"<url><loc>{url}</loc></url>" for url in urls)
        (replay / f"{site}-sitemap.xml").write_text(
            f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{listed}</urlset>\n'
        )
        xml = {"Content-Type": "text/xml"}
        entries.append({"url": sitemap, "body": f"{site}-sitemap.xml", "headers": xml})
        for page, url in zip(pages, urls, strict=True):
            shutil.copy(PAGES / f"{page}.html", replay / f"{page}.html")
            entries.append({"url": url, "body": f"{page}.html", "headers": {"Content-Type": "text/html"}})
    (replay / "responses.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))
    return replay


@pytest.fixture(scope="module")
def replay(tmp_path_factory) -> Path:
    return three_outlets(tmp_path_factory.mktemp("replay"))


def crawlall(replay: Path, out: Path, *settings: str) -> subprocess.CompletedProcess:
    """A real `scrapy crawlall` of the three outlets into `out`, with -s NAME=VALUE settings."""
    extra = [part for setting in settings for part in ("-s", setting)]
    return run_scrapy(
        "crawlall", "--sites", ",".join(SITES), "-s", f"REPLAY_DIR={replay}", "-s", f"OUTPUT_DIR={out}",
        "-a", f"dates={SAMPLE_DATES}", *extra,
    )  # fmt: skip


# name -> (settings, the file suffix, whether files sit in a date folder)
OUTPUTS = {
    "jsonl-crawl-date": ((), ".jsonl", True),
    "gzip-site": (("OUTPUT_COMPRESSION=gzip", "OUTPUT_PARTITION=site"), ".jsonl.gz", False),
    "zstd-crawl-date": (("OUTPUT_COMPRESSION=zstd",), ".jsonl.zst", True),
    "parquet-site": (("OUTPUT_FORMAT=parquet", "OUTPUT_PARTITION=site"), ".parquet", False),
    "parquet-zstd-crawl-date": (("OUTPUT_FORMAT=parquet", "OUTPUT_COMPRESSION=zstd"), ".parquet", True),
}


@pytest.fixture(scope="module")
def crawled(replay, tmp_path_factory):
    """The output folder of each configuration, crawled once for all the tests that read it."""
    done: dict[str, Path] = {}

    def output(name: str) -> Path:
        if name not in done:
            out = tmp_path_factory.mktemp(name) / "out"
            result = crawlall(replay, out, *OUTPUTS[name][0])
            assert result.returncode == 0, result.stderr[-3000:]
            done[name] = out
        return done[name]

    return output


def raw_records(path: Path) -> list[dict]:
    """A file's records as written, read with the plain libraries (json, gzip, zstandard, pyarrow)."""
    if path.name.endswith(".parquet"):
        return pq.read_table(path).to_pylist()
    raw = path.read_bytes()
    if path.name.endswith(".gz"):
        raw = gzip.decompress(raw)
    elif path.name.endswith(".zst"):
        raw = zstandard.ZstdDecompressor().decompressobj().decompress(raw)
    return [json.loads(line) for line in raw.decode("utf-8").splitlines()]


@pytest.mark.parametrize("name", OUTPUTS)
def test_the_files_sit_where_the_layout_says_and_every_record_has_every_field_of_its_type(crawled, name):
    out = crawled(name)
    _, suffix, dated = OUTPUTS[name]
    files = data_files(out)
    assert files == sorted(str(p) for p in out.rglob(f"*{suffix}") if not p.name.startswith("."))
    folder = r"/\d{4}-\d{2}-\d{2}" if dated else ""
    layout = re.compile(rf"(\w+){folder}/\d{{8}}T\d{{6}}Z-(\w+)-[0-9a-f]+{re.escape(suffix)}")
    where = [layout.fullmatch(str(Path(f).relative_to(out))) for f in files]
    assert all(where), files
    assert sorted(m[1] for m in where) == list(SITES) and all(m[1] == m[2] for m in where)
    validator = Draft202012Validator(RECORD_SCHEMA)
    records = [record for f in files for record in raw_records(Path(f))]
    assert len(records) == len(PUBLISHED)
    for record in records:
        assert list(record) == list(RECORD_SCHEMA["properties"]), record["url"]  # every field, in order
        assert not list(validator.iter_errors(record)), record["url"]
    if suffix == ".parquet":
        for f in files:
            assert {field.name: field.type for field in pq.read_schema(f)} == ARROW_TYPES
    antara = [r for r in records if r["site"] == "antaranews"]
    assert len(antara) == 3  # the site whose columns are all null: the first file a reader sees
    assert all(r[f] is None for r in antara for f in ("canonical_url", "modified", "section"))
    assert {r["url"]: r["published"] for r in records} == PUBLISHED


@pytest.mark.parametrize("name", OUTPUTS)
def test_load_dataset_with_the_shipped_features_keeps_every_type_and_offset(crawled, name, tmp_path):
    import datasets

    from crawler.dataset import FEATURES

    datasets.disable_progress_bars()
    files = data_files(crawled(name))
    corpus = datasets.load_dataset(
        builder(files), data_files=files, features=FEATURES, split="train", cache_dir=str(tmp_path)
    )
    assert corpus.num_rows == len(PUBLISHED)
    assert list(corpus.features) == list(RECORD_SCHEMA["properties"])
    stored = {field.name: field.type for field in corpus.data.schema}
    for field, declared in ARROW_TYPES.items():
        if field in ("published", "modified", "crawled_at"):
            assert corpus.features[field] == datasets.Json(), field
        else:
            assert stored[field] == nullable(declared), field
    rows = corpus.to_list()
    assert {row["url"]: row["published"] for row in rows} == PUBLISHED  # +07:00 and +08:00 kept as written
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row["crawled_at"]) for row in rows)
    assert {row["site"]: row["modified"] for row in rows}["malaymail"].endswith("+08:00")
    frame = corpus.to_pandas()
    assert pandas.api.types.is_string_dtype(frame["published"]) and frame["word_count"].dtype == "int64"
    assert frame["language_score"].dtype == "float64" and frame["revision"].dtype == "int64"


@pytest.mark.parametrize("name", OUTPUTS)
def test_pyarrow_and_pandas_read_the_declared_types(crawled, name):
    table = read_table(crawled(name))
    assert {field.name: field.type for field in table.schema} == ARROW_TYPES
    assert table.schema.names == list(RECORD_SCHEMA["properties"])
    assert dict(zip(table["url"].to_pylist(), table["published"].to_pylist(), strict=True)) == PUBLISHED
    frame = table.to_pandas(types_mapper=pandas.ArrowDtype)
    assert {c: frame[c].dtype for c in frame} == {f: pandas.ArrowDtype(t) for f, t in ARROW_TYPES.items()}
    assert dict(zip(frame["url"], frame["published"], strict=True)) == PUBLISHED
    antara = frame[frame["site"] == "antaranews"]
    assert antara["modified"].isna().all() and antara["canonical_url"].isna().all()


def test_the_readme_loading_code_runs_as_written_on_json_lines_and_on_parquet(crawled, tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Loading") :]
    start = section.index("```python\n") + len("```python\n")
    code = section[start : section.index("\n```", start)]
    check = code + (
        "\nimport json\n"
        "published = dict(zip(corpus['url'], corpus['published']))\n"
        "print(json.dumps({'rows': corpus.num_rows, 'published': published, 'table': table.num_rows,"
        " 'frame': str(frame['published'].dtype)}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HOME": str(tmp_path / "hf"), "HF_HUB_OFFLINE": "1",
           "HF_DATASETS_DISABLE_PROGRESS_BARS": "1"}  # fmt: skip
    for name in ("jsonl-crawl-date", "parquet-site"):
        where = tmp_path / name
        where.mkdir()
        (where / "out").symlink_to(crawled(name))
        result = subprocess.run([sys.executable, "-c", check], cwd=where, env=env, capture_output=True,
                                text=True, timeout=300)  # fmt: skip
        assert result.returncode == 0, result.stderr[-3000:]
        found = json.loads(result.stdout.splitlines()[-1])
        assert found == {"rows": 10, "published": PUBLISHED, "table": 10, "frame": "string[pyarrow]"}


def test_one_folder_of_every_partition_and_compression_loads_at_once(crawled, tmp_path):
    import datasets

    from crawler.dataset import FEATURES

    datasets.disable_progress_bars()
    mixed = tmp_path / "out"
    for name in OUTPUTS:  # the runs' files side by side, each where its layout put it
        shutil.copytree(crawled(name), mixed, dirs_exist_ok=True, ignore=shutil.ignore_patterns("warc"))
    with pytest.raises(ValueError, match="list one with data_files"):
        builder(data_files(mixed))
    jsonl = data_files(mixed, "jsonl")
    assert len(jsonl) == 9
    assert {Path(f).name.split(".", 1)[1] for f in jsonl} == {"jsonl", "jsonl.gz", "jsonl.zst"}
    corpus = datasets.load_dataset(
        builder(jsonl), data_files=jsonl, features=FEATURES, split="train", cache_dir=str(tmp_path / "cache")
    )
    assert sorted(zip(corpus["url"], corpus["published"], strict=True)) == sorted(3 * list(PUBLISHED.items()))
    table = read_table(mixed, "parquet")
    assert table.num_rows == 2 * len(PUBLISHED)
