"""The line engine: drop boilerplate paragraphs from extracted text by rule."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

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


def is_bare_headline(line: str, rules: Rules) -> bool:
    """Short and unpunctuated at the end, as list headlines are and sentences are not."""
    return len(line) <= rules.headline_max_chars and not line.endswith(_CLOSING)


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
        rule = matching_rule(line, line_rules)
        if rule is None and previous in rules.headline_after and is_bare_headline(line, rules):
            rule = "related-headline"
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
