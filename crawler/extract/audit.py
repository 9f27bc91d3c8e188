"""The cleaning audit (CLEANING_AUDIT): what each layer of cleaning removed from a page, and by which rule.

Each removal is a run of the page's text with the rule that took it and the layer the rule
belongs to: `profile` (a site profile's drop selectors and text patterns), `tree` (the generic
[blocks] rules of indonesian.toml), `trafilatura` (text of the pruned page that trafilatura's
reading of it holds none of), `lines` (the generic line rules) and `memory` (boilerplate the
site memory learned, crawler/extract/memory.py). Nothing here runs unless extract() is asked for
the audit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from lxml.html import HtmlElement

from crawler.extract.lines import Dropped, which
from crawler.extract.tree import text_runs
from crawler.rules import LineRule

LAYERS = ("profile", "tree", "trafilatura", "lines", "memory")
# The rule of a run of the pruned page's text that trafilatura's reading of it left out.
NOT_EXTRACTED = "not-extracted"
# A run counts as left out only when neither this many characters of its start nor of its end
# (whitespace folded away) are in trafilatura's text: one it kept in part is not attributed.
_EDGE = 30
_WORDY = re.compile(r"\w.*\w")  # a run of separators alone ("|", "»") is not worth a line


@dataclass(frozen=True)
class Removal:
    """A run of the page's text that cleaning removed, the rule that removed it and the rule's layer."""

    text: str
    rule: str
    layer: str

    def __post_init__(self) -> None:
        if self.layer not in LAYERS:
            raise ValueError(f"unknown cleaning layer {self.layer!r}; one of {', '.join(LAYERS)}")

    def as_dict(self) -> dict[str, str]:
        """The record's form of a removal: {text, rule, layer}."""
        return {"text": self.text, "rule": self.rule, "layer": self.layer}


def from_tree(found: list[tuple[str, str]], layer: str, label=None) -> list[Removal]:
    """The (text, rule) pairs a tree pass reported, as removals of one layer; `label` renames the rule."""
    return [Removal(text, label(rule) if label else rule, layer) for text, rule in found]


def from_lines(dropped: Iterable[Dropped], site_rule: LineRule | None = None) -> list[Removal]:
    """The line rules' drops; those of the site profile's text patterns are the profile's."""
    removals = []
    for drop in dropped:
        if site_rule is not None and drop.rule == site_rule.name:
            bare = re.sub(r"\s*\|\s*", " ", drop.line).strip()
            rule = which(site_rule.pattern, drop.line)
            if rule == site_rule.pattern.pattern and bare != drop.line:
                rule = which(site_rule.pattern, bare)
            removals.append(Removal(drop.line, rule, "profile"))
        else:
            removals.append(Removal(drop.line, drop.rule, "lines"))
    return removals


def text_blocks(tree: HtmlElement) -> list[str]:
    """The runs of text of the page's body, block by block, as trafilatura is given them."""
    body = tree.find("body")
    return [run for run in text_runs(tree if body is None else body) if _WORDY.search(run)]


def fold(text: str) -> str:
    """Text as compared: Unicode forms folded, whitespace and invisible characters gone."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(c for c in folded if c.isprintable() and not c.isspace())


def not_extracted(runs: list[str], extracted: str) -> list[Removal]:
    """The runs of the page's text that trafilatura's text holds nothing of, neither start nor end."""
    seen = fold(extracted)
    removals = []
    for run in runs:
        folded = fold(run)
        if folded[:_EDGE] in seen or folded[-_EDGE:] in seen:
            continue
        removals.append(Removal(run, NOT_EXTRACTED, "trafilatura"))
    return removals
