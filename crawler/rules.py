"""Load boilerplate rules declared as data (TOML) into compiled patterns."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from lxml.etree import XPath

GENERIC_RULES_PATH = files("crawler") / "extract" / "indonesian.toml"


class RulesError(ValueError):
    """A rules file that cannot be used, named with the offending field."""


@dataclass(frozen=True)
class LineRule:
    """Paragraphs that are boilerplate of one kind, e.g. "teaser" or "byline"."""

    name: str
    max_chars: int
    pattern: re.Pattern[str]

    def matches(self, line: str) -> bool:
        """Whole-line match, so a sentence that only mentions the words stays."""
        return len(line) <= self.max_chars and self.pattern.fullmatch(line) is not None


@dataclass(frozen=True)
class Rules:
    """Compiled tree and line rules, with the version records carry."""

    version: str
    drop_tags: tuple[str, ...]
    block_class: re.Pattern[str] | None
    max_block_share: float
    teaser_heading: re.Pattern[str] | None
    max_link_share: float
    lines: tuple[LineRule, ...]
    strip_suffix: re.Pattern[str] | None
    headline_after: frozenset[str] = frozenset()
    headline_max_chars: int = 0
    name_after: frozenset[str] = frozenset()
    name_max_chars: int = 0


@cache
def compiled(expression: str) -> XPath:
    """Profile selectors are compiled once per process."""
    return XPath(expression)


def compile_any(patterns: list[str], where: str) -> re.Pattern[str] | None:
    """One alternation of many patterns; a bad one is reported by name."""
    if not patterns:
        return None
    for p in patterns:
        try:
            re.compile(p)
        except re.error as exc:
            raise RulesError(f"{where}: bad pattern {p!r}: {exc}") from exc
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


def rules_from_data(data: dict, where: str) -> Rules:
    """Validate the TOML data of a rules file and compile it."""
    blocks = data.get("blocks", {})
    lines = []
    for i, entry in enumerate(data.get("lines", [])):
        name = entry.get("rule")
        if not name:
            raise RulesError(f"{where}: lines[{i}] has no 'rule' name")
        pattern = compile_any(entry.get("patterns", []), f"{where}: lines[{i}] ({name})")
        if pattern is None:
            raise RulesError(f"{where}: lines[{i}] ({name}) has no patterns")
        lines.append(LineRule(name, int(entry.get("max_chars", 10_000)), pattern))
    version = data.get("version")
    if not isinstance(version, str) or not version:
        raise RulesError(f"{where}: 'version' must be a non-empty string")
    return Rules(
        version=version,
        drop_tags=tuple(blocks.get("tags", [])),
        block_class=compile_any(blocks.get("class_patterns", []), f"{where}: blocks.class_patterns"),
        max_block_share=float(blocks.get("max_share", 0.4)),
        teaser_heading=compile_any(blocks.get("teaser_headings", []), f"{where}: blocks.teaser_headings"),
        max_link_share=float(blocks.get("max_link_share", 0.5)),
        lines=tuple(lines),
        headline_after=frozenset(data.get("headline_after", {}).get("rules", [])),
        headline_max_chars=int(data.get("headline_after", {}).get("max_chars", 0)),
        name_after=frozenset(data.get("name_after", {}).get("rules", [])),
        name_max_chars=int(data.get("name_after", {}).get("max_chars", 0)),
        strip_suffix=anchor_at_end(
            compile_any(data.get("strip_suffix", {}).get("patterns", []), f"{where}: strip_suffix")
        ),
    )


def anchor_at_end(pattern: re.Pattern[str] | None) -> re.Pattern[str] | None:
    """Suffix rules may only bite at the very end of a paragraph."""
    return pattern and re.compile(f"(?:{pattern.pattern})\\s*$", pattern.flags)


@cache
def generic_rules() -> Rules:
    """The Indonesian rules every page gets, loaded once per process."""
    return rules_from_data(
        tomllib.loads(GENERIC_RULES_PATH.read_text(encoding="utf-8")), str(GENERIC_RULES_PATH)
    )
