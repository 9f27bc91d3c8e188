"""The line engine: drop boilerplate paragraphs from extracted text by rule."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from crawler.rules import LineRule, Rules

_SPACE = re.compile(r"\s+")
_TABLE_BARS = re.compile(r"\s*\|\s*")
_CLOSING = tuple('.!?:;"”’)')


@dataclass(frozen=True)
class Dropped:
    """A paragraph removed, and the rule that removed it."""

    rule: str
    line: str


def normalise(line: str) -> str:
    """Collapse whitespace, as the gold snippets and readers see the text."""
    return _SPACE.sub(" ", line).strip()


def matching_rule(line: str, rules: Iterable[LineRule]) -> str | None:
    """The name of the first rule the paragraph is wholly made of, if any."""
    # Table cells come out as "| Penulis | : Nama |"; read them without the bars.
    bare = _TABLE_BARS.sub(" ", line).strip() if "|" in line else line
    for rule in rules:
        if rule.matches(line) or (bare is not line and rule.matches(bare)):
            return rule.name
    return None


def is_bare_line(line: str, max_chars: int) -> bool:
    """Short and unpunctuated at the end, as list headlines and names are and sentences are not."""
    return len(line) <= max_chars and not line.endswith(_CLOSING)


def follower_rule(line: str, previous: str | None, rules: Rules) -> str | None:
    """The rule of a line that only makes sense after the boilerplate line before it."""
    in_run = previous in rules.headline_after or previous == "related-headline"
    if in_run and is_bare_line(line, rules.headline_max_chars):
        return "related-headline"  # the list goes on while its lines stay bare
    if previous in rules.name_after and is_bare_line(line, rules.name_max_chars):
        return "byline"
    return None


def clean_lines(text: str, rules: Rules, extra: Iterable[LineRule] = ()) -> tuple[list[str], list[Dropped]]:
    """Keep the article's paragraphs; return them and what was dropped, with why."""
    line_rules = (*extra, *rules.lines)
    kept: list[str] = []
    dropped: list[Dropped] = []
    previous = None
    for raw in text.split("\n"):
        line = normalise(raw)
        if not line:
            continue
        rule = matching_rule(line, line_rules) or follower_rule(line, previous, rules)
        previous = rule
        if rule:
            dropped.append(Dropped(rule, line))
            continue
        if rules.strip_suffix is not None:
            stripped = rules.strip_suffix.sub("", line).rstrip()
            if stripped != line:
                dropped.append(Dropped("editor-code", line[len(stripped) :].strip()))
                line = stripped
            if not line:
                continue
        kept.append(line)
    return kept, dropped


_BULLET = re.compile(r"^-\s+")


def union_of_readings(first: str, second: str) -> str:
    """Every paragraph either reading found, once each, in the page's order.

    trafilatura's balanced and recall modes each lose something inside a body container
    the other keeps (headings in one, a closing list in the other); a list item read as
    "- item" in one and "item" in the other is the same paragraph.
    """
    ours = [p for p in first.split("\n") if p.strip()]
    theirs = [p for p in second.split("\n") if p.strip()]
    key = [_BULLET.sub("", normalise(p)) for p in ours]
    other = [_BULLET.sub("", normalise(p)) for p in theirs]
    merged: list[str] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, key, other, autojunk=False).get_opcodes():
        merged += ours[i1:i2]
        if tag in ("insert", "replace"):
            merged += [p for p, k in zip(theirs[j1:j2], other[j1:j2], strict=True) if k not in key]
    return "\n".join(merged)


@lru_cache(maxsize=256)
def entries(alternation: re.Pattern[str]) -> tuple[str, ...]:
    """The patterns an alternation of crawler.rules.compile_any was joined from, as written.

    compile_any writes "(?:p1)|(?:p2)|…"; a split at ")|(?:" that leaves a piece which does not
    compile was inside a pattern, and is joined back. When the pieces do not give back the
    alternation, it is one entry.
    """
    source = alternation.pattern
    if not (source.startswith("(?:") and source.endswith(")")):
        return (source,)
    found: list[str] = []
    piece = ""
    for part in source[3:-1].split(")|(?:"):
        piece = f"{piece})|(?:{part}" if piece else part
        try:
            re.compile(piece)
        except re.error:
            continue
        found.append(piece)
        piece = ""
    if piece or "|".join(f"(?:{p})" for p in found) != source:
        return (source,)
    return tuple(found)


def which(alternation: re.Pattern[str], text: str, whole: bool = True) -> str:
    """The first entry of an alternation that matches the text (all of it, or anywhere in it)."""
    for entry in entries(alternation):
        pattern = _compiled(entry, alternation.flags)
        if (pattern.fullmatch(text) if whole else pattern.search(text)) is not None:
            return entry
    return alternation.pattern


@lru_cache(maxsize=1024)
def _compiled(entry: str, flags: int) -> re.Pattern[str]:
    return re.compile(entry, flags)
