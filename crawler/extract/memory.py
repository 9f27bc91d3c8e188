"""The `memory` layer of cleaning: drop the paragraphs a site's memory knows as its template.

Pure functions over a read-only snapshot (Template): which paragraphs recur across a site's
articles is learned by the crawl (crawler/sitememory/), never here. A paragraph is compared by
its normalised form, so a closing promo that names today's date or a number still matches; only
whole paragraphs of at most `max_words` words are ever dropped, never part of one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from crawler.extract.tree import count_words

# Names of months and days, Indonesian and English, folded to one token each: "Senin, 3 Maret"
# and "Kamis, 12 Juni" are the same line of a template. Whole words only.
MONTHS = (
    "januari january jan februari february feb maret march mar april apr mei may juni june jun juli july jul "
    "agustus august agu agt ags aug september sept sep oktober october okt oct november nov desember "
    "december des dec"
)
DAYS = "senin selasa rabu kamis jumat jum'at sabtu minggu ahad monday tuesday wednesday thursday friday "
DAYS += "saturday sunday"
_MONTH = re.compile(r"\b(?:" + "|".join(sorted(MONTHS.split(), key=len, reverse=True)) + r")\b")
_DAY = re.compile(r"\b(?:" + "|".join(sorted(DAYS.split(), key=len, reverse=True)) + r")\b")
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
# A table row as the line engine reads it ("| 1 | Max Verstappen | NED |"): a row is the article's
# data (standings, schedules), repeated across articles as data is, so it is never learned.
_TABLE_CELLS = re.compile(r"\|[^|]*\|")
MONTH_TOKEN = "<month>"
DAY_TOKEN = "<day>"


def normalise(paragraph: str) -> str:
    """The form in which a paragraph recurs: case, digits, dates and names of days folded.

    Unicode forms are folded (NFKC), letters lower-cased, every run of digits becomes 0, month
    and day names become one token each, whitespace is collapsed, and punctuation and spaces at
    either end are trimmed.
    """
    text = unicodedata.normalize("NFKC", paragraph).casefold()
    text = _DIGITS.sub("0", text)
    text = _MONTH.sub(MONTH_TOKEN, _DAY.sub(DAY_TOKEN, text))
    text = _SPACE.sub(" ", text)
    return _trim(text)


def _trim(text: str) -> str:
    """Without punctuation, symbols or spaces at either end."""
    start, end = 0, len(text)
    while start < end and not _kept_edge(text[start]):
        start += 1
    while end > start and not _kept_edge(text[end - 1]):
        end -= 1
    return text[start:end]


def _kept_edge(char: str) -> bool:
    return char.isalnum() or char in "<>"


def learnable(paragraph: str, max_words: int) -> bool:
    """Whether a paragraph may be learned and dropped: short, with words, and not a table row."""
    return 0 < count_words(paragraph) <= max_words and not _TABLE_CELLS.search(paragraph)


@dataclass(frozen=True)
class Template:
    """What a site's memory knows as its template, as one crawl's read-only snapshot.

    `lines` are normalised paragraphs (normalise()); `version` names the thresholds they were
    learned under (crawler.sitememory.Thresholds.version).
    """

    site: str
    lines: frozenset[str]
    max_words: int
    version: str = ""

    def __contains__(self, paragraph: str) -> bool:
        return learnable(paragraph, self.max_words) and normalise(paragraph) in self.lines


def drop_remembered(paragraphs: list[str], template: Template | None) -> tuple[list[str], list[str]]:
    """(kept, dropped): the paragraphs, without the whole ones the template knows."""
    if template is None or not template.lines:
        return list(paragraphs), []
    kept: list[str] = []
    dropped: list[str] = []
    for paragraph in paragraphs:
        (dropped if paragraph in template else kept).append(paragraph)
    return kept, dropped
