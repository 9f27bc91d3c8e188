"""The record's columns, typed once from crawler/record.schema.json, for whoever loads the output.

`SCHEMA` (pyarrow) types the Parquet output and every reading of it; `FEATURES` (Hugging Face
`datasets`, imported only when asked for) is the same columns for `datasets.load_dataset`.
`data_files(folder)` lists a folder's output files in any layout and compression, and
`read_table(folder)` reads them with pyarrow, whatever their format.

The ISO 8601 strings (`published`, `modified`, `crawled_at`) stay strings with their offsets:
pyarrow's JSON reader, which `datasets` uses, would otherwise take them for timestamps and
keep only the UTC time. `read_table` gives it the schema; `FEATURES` declares them `Json()`,
the one type `datasets` keeps away from that reader's guessing (huggingface/datasets#7496),
and they read back as the strings they are.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import pyarrow as pa

SCHEMA_PATH = files("crawler") / "record.schema.json"
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst")
PARQUET_SUFFIX = ".parquet"
FORMATS = {"jsonl": JSONL_SUFFIXES, "parquet": (PARQUET_SUFFIX,)}
_SCALARS = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_()}


def record_schema() -> dict[str, Any]:
    """The JSON Schema of a record, as shipped."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _arrow_type(spec: dict[str, Any]) -> tuple[pa.DataType, bool]:
    """(Arrow type, nullable) of one JSON Schema property."""
    kinds = spec.get("type", "string")  # an enum of strings names no type
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    nullable = "null" in kinds
    (kind,) = [k for k in kinds if k != "null"]
    if kind == "array":
        return pa.list_(_arrow_type(spec["items"])[0]), nullable
    if kind == "object":
        return pa.struct(pa.field(n, *_arrow_type(s)) for n, s in spec["properties"].items()), nullable
    return _SCALARS[kind], nullable


@cache
def arrow_schema() -> pa.Schema:
    """Every field of a record, in the record's order, with its type and whether it may be null."""
    properties = record_schema()["properties"]
    return pa.schema(pa.field(name, *_arrow_type(spec)) for name, spec in properties.items())


SCHEMA = arrow_schema()
FIELDS = tuple(SCHEMA.names)
NOT_NULL = frozenset(field.name for field in SCHEMA if not field.nullable)
DATE_TIMES = tuple(n for n, s in record_schema()["properties"].items() if s.get("format") == "date-time")


def features():  # -> datasets.Features; datasets is imported only here
    """The columns for `datasets.load_dataset`: SCHEMA, with the date-time strings as `Json()`."""
    import datasets

    declared = datasets.Features.from_arrow_schema(SCHEMA)
    return datasets.Features({n: datasets.Json() if n in DATE_TIMES else t for n, t in declared.items()})


def __getattr__(name: str) -> Any:
    if name == "FEATURES":  # `from crawler.dataset import FEATURES` needs `datasets`; SCHEMA does not
        return features()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def file_format(path: Path | str) -> str | None:
    """The format of an output file by its name, compressed or not: "jsonl", "parquet", or None."""
    name = Path(path).name
    return next((kind for kind, suffixes in FORMATS.items() if name.endswith(suffixes)), None)


def data_files(folder: Path | str, kind: str | None = None) -> list[str]:
    """The output files under `folder`, sorted, in any OUTPUT_PARTITION and OUTPUT_COMPRESSION.

    Partial (hidden) files, manifests and WARC archives are left out. `kind` ("jsonl" or
    "parquet") picks one format where a folder holds both.
    """
    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"no output folder {root}")
    found = [
        p for p in root.rglob("*")
        if file_format(p) in ((kind,) if kind else FORMATS) and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
    ]  # fmt: skip
    if not found:
        raise FileNotFoundError(f"no {kind or 'JSON Lines or Parquet'} output files under {root}")
    return sorted(str(p) for p in found)


def builder(paths: Iterable[Path | str]) -> str:
    """The `datasets` builder for these files: "json" or "parquet"; both at once cannot be loaded."""
    kinds = {file_format(p) for p in paths}
    if kinds == {"jsonl"}:
        return "json"
    if kinds == {"parquet"}:
        return "parquet"
    raise ValueError(f"output files of {len(kinds)} kinds ({kinds}): list one with data_files(folder, kind)")


def read_file(path: Path | str) -> pa.Table:
    """One output file as a table of SCHEMA (a .jsonl.gz or .jsonl.zst is decompressed as it is read)."""
    if file_format(path) == "parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path, schema=SCHEMA)
    import pyarrow.json as paj

    options = paj.ParseOptions(explicit_schema=SCHEMA, unexpected_field_behavior="error")
    return paj.read_json(path, parse_options=options).cast(SCHEMA)  # the reader drops "not null"


def read_table(folder: Path | str, kind: str | None = None) -> pa.Table:
    """Every output file under `folder` as one table of SCHEMA, whatever its layout and format."""
    return pa.concat_tables([read_file(path) for path in data_files(folder, kind)])
