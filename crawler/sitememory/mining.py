"""`scrapy mine`'s work: learn a site's template from output or WARC files, and propose it as patterns.

What a memory learned becomes data in the repository: each template line is written to the site's
profile as a `cleaning.text_patterns` entry, a regular expression of the whole paragraph (digits,
month and day names as the memory folds them), marked for review.
"""

from __future__ import annotations

import json
import re
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from crawler.canonical import url_key
from crawler.extract import MAX_PAGE_BYTES, stitch
from crawler.extract.memory import DAY_TOKEN, DAYS, MONTH_TOKEN, MONTHS
from crawler.profiles import ProfileError, load_profile
from crawler.sitememory.policy import Lesson, LineCount, Thresholds, lesson

WARC_SUFFIXES = (".warc.gz", ".warc")
RECORD_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".parquet")
_TOKENS = re.compile(rf"({re.escape(MONTH_TOKEN)}|{re.escape(DAY_TOKEN)}|0|\s)")


def files_under(paths: list[Path]) -> list[Path]:
    """The output and WARC files named, or found under the folders named."""
    found = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(
                (*RECORD_SUFFIXES, *WARC_SUFFIXES)) and not p.name.startswith("."))  # fmt: skip
        else:
            found.append(path)
    return found


def lessons_from(
    files: list[Path], site: str, max_words: int, on_problem: Callable[[str], None]
) -> Iterator[Lesson]:
    """The lessons of the site's articles in these files: records of output, or pages of WARC archives."""
    warcs = [f for f in files if f.name.endswith(WARC_SUFFIXES)]
    for path in files:
        if path not in warcs:
            for record in _records(path, on_problem):
                if record.get("site") == site and record.get("text"):
                    yield lesson(record, url_key(record["url"]), record["text"].split("\n"), max_words)
    if warcs:
        yield from _warc_lessons(warcs, site, max_words, on_problem)


def _records(path: Path, on_problem: Callable[[str], None]) -> Iterator[dict]:
    if path.name.endswith(".parquet"):
        from crawler.dataset import read_file

        yield from read_file(path).to_pylist()
        return
    from crawler.commands.rebuildstate import read_records

    for number, record, problem in read_records(path):
        if record is None:
            on_problem(f"{path}: line {number}: {problem}; left out")
        else:
            yield record


def _warc_lessons(files: list[Path], site: str, max_words: int, on_problem) -> Iterator[Lesson]:
    """Each archived article of the site, cleaned by the rules alone (no memory), as a lesson."""
    from crawler.pool import clean_pages
    from crawler.reprocess import DamagedRecordError, read_page, survey

    def damaged(path: Path, problem: str, read: int = 1) -> None:
        on_problem(f"WARC {path}: {problem or 'no readable record'}; the records before the damage are used")

    for key, captures in survey(files, damaged).items():
        if captures[0].site != site:
            continue
        try:
            pages = [read_page(c) for c in captures]
        except DamagedRecordError as exc:
            on_problem(f"WARC {captures[0].file}: record of {captures[0].article}: {exc}")
            continue
        _, content_type, status, _ = pages[0]
        if status != 200:
            continue
        results = clean_pages([p[0] for p in pages], captures[0].article, content_type, site, MAX_PAGE_BYTES)
        records = [value for state, value, _ in results if state == "ok" and value is not None]
        if len(records) == len(pages):
            record = stitch(records) if len(records) > 1 else records[0]
            yield lesson(record, key, record["text"].split("\n"), max_words)


def learned(
    memory, lessons: Iterator[Lesson], thresholds: Thresholds, site: str
) -> tuple[int, list[LineCount]]:
    """Learn the lessons into `memory`; (the site's articles, its template lines, most frequent first)."""
    now = time.time()
    batch: list[Lesson] = []
    for taught in lessons:
        batch.append(taught)
        if len(batch) >= 1000:
            memory.learn(batch, now, 0)
            batch = []
    memory.learn(batch, now, 0)
    return template_lines(memory, thresholds, site, cutoff=0)


def template_lines(memory, thresholds: Thresholds, site: str, cutoff: float) -> tuple[int, list[LineCount]]:
    """(the site's articles, its lines that are template, most frequent first)."""
    articles, lines = memory.counts(site, cutoff)
    found = [line for line in lines if thresholds.is_template(line, articles)]
    return articles, sorted(found, key=lambda line: (-line.articles, line.text))


def pattern(line: str) -> str:
    """A regular expression of the whole paragraph a normalised line stands for (case is ignored)."""
    months = "|".join(sorted(MONTHS.split(), key=len, reverse=True))
    days = "|".join(sorted(DAYS.split(), key=len, reverse=True))
    parts = []
    for piece in _TOKENS.split(line):
        if piece == MONTH_TOKEN:
            parts.append(f"(?:{months})")
        elif piece == DAY_TOKEN:
            parts.append(f"(?:{days})")
        elif piece == "0":
            parts.append(r"\d+")
        elif piece.isspace():
            parts.append(r"\s+")
        elif piece:
            parts.append(re.escape(piece))
    return r"[\W_]*" + "".join(parts) + r"[\W_]*"


def toml_string(text: str) -> str:
    """A TOML string of the text: a literal one where it can be."""
    return f"'{text}'" if "'" not in text and "\n" not in text else json.dumps(text)


def propose(profile_path: Path, lines: list[LineCount], articles: int, command: str) -> list[LineCount]:
    """Add the lines the profile's patterns do not match yet to its `cleaning.text_patterns`, for review.

    The file is written only if the profile still loads with them; ProfileError says why not.
    Returns the lines added.
    """
    profile = load_profile(profile_path)
    new = [line for line in lines if not (profile.text_rule and profile.text_rule.matches(line.text))]
    if not new:
        return []
    day = datetime.now(UTC).date().isoformat()
    entries = [f"  # Proposed by `{command}` on {day} from {articles} articles: review, then keep or delete."]
    for line in new:
        entries.append(f"  # in {line.articles} articles on {line.days} days: {line.text}")
        entries += [f"  # e.g. {url}" for url in line.examples[:1]]
        entries.append(f"  {toml_string(pattern(line.line))},")
    text = profile_path.read_text(encoding="utf-8")
    updated = _with_patterns(text, entries)
    tomllib.loads(updated)  # a mistake here is a bug of this function, not of the profile
    with tempfile.TemporaryDirectory() as folder:
        candidate = Path(folder) / profile_path.name
        candidate.write_text(updated, encoding="utf-8")
        try:
            load_profile(candidate)
        except ProfileError as exc:
            raise ProfileError(str(exc).replace(str(candidate), str(profile_path))) from None
    profile_path.write_text(updated, encoding="utf-8")
    return new


def _with_patterns(text: str, entries: list[str]) -> str:
    """The profile's text with `entries` (lines of a TOML array) added to cleaning.text_patterns."""
    lines = text.split("\n")
    cleaning = next((i for i, line in enumerate(lines) if line.strip() == "[cleaning]"), None)
    if cleaning is None:
        return text.rstrip("\n") + "\n\n[cleaning]\ntext_patterns = [\n" + "\n".join(entries) + "\n]\n"
    end = next((i for i in range(cleaning + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines))
    start = next((i for i in range(cleaning + 1, end) if re.match(r"\s*text_patterns\s*=", lines[i])), None)
    if start is None:
        return "\n".join([*lines[: cleaning + 1], "text_patterns = [", *entries, "]", *lines[cleaning + 1 :]])
    close = start
    while close < end and not lines[close].rstrip().endswith("]"):
        close += 1
    head, _, tail = lines[close].rpartition("]")
    if close == start:  # text_patterns = ['a', 'b'] on one line
        opened, _, items = head.partition("[")
        kept = [f"  {items.strip().rstrip(',')},"] if items.strip() else []
        return "\n".join([*lines[:start], f"{opened}[", *kept, *entries, f"]{tail}", *lines[start + 1 :]])
    before = [head] if head.strip() else []
    if before and not before[0].rstrip().endswith(","):
        before[0] = before[0].rstrip() + ","
    return "\n".join([*lines[:close], *before, *entries, f"]{tail}", *lines[close + 1 :]])
