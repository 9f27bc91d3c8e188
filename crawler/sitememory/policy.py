"""What a site's memory counts, and when a recurring paragraph counts as its template.

A paragraph is template when, among the site's distinct articles learned within MEMORY_WINDOW,
it is in at least MEMORY_MIN_ARTICLES of them and at least MEMORY_MIN_SHARE of them, on at least
MEMORY_MIN_DAYS publication days and in at least MEMORY_MIN_SECTIONS sections. The days are the
guard against quotes: the follow-up stories of one event repeat a quote on a day or two, a
template recurs day after day. The sections guard (off at 1) is for a site whose series in one
section repeat standing text; both must hold, as a press statement quoted the same day across
sections is no template either.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from crawler.extract.memory import Template, learnable, normalise
from crawler.timespec import parse_duration

# Distinct days and sections kept per line: enough to pass any guard, and a bounded row.
KEPT_VALUES = 16
EXAMPLES = 3  # example URLs kept per line that recurs (of the articles after its first)


@dataclass(frozen=True)
class Thresholds:
    """When a recurring paragraph is template (the MEMORY_* settings)."""

    min_articles: int = 3
    min_share: float = 0.01
    max_words: int = 30
    min_days: int = 3
    min_sections: int = 1
    window: timedelta = timedelta(days=30)

    @classmethod
    def from_settings(cls, settings) -> Thresholds:
        """The MEMORY_* settings (checked at start by crawler/settingcheck.py)."""
        return cls(
            min_articles=settings.getint("MEMORY_MIN_ARTICLES"),
            min_share=settings.getfloat("MEMORY_MIN_SHARE"),
            max_words=settings.getint("MEMORY_MAX_WORDS"),
            min_days=settings.getint("MEMORY_MIN_DAYS"),
            min_sections=settings.getint("MEMORY_MIN_SECTIONS"),
            window=parse_duration(settings.get("MEMORY_WINDOW")),
        )

    @property
    def version(self) -> str:
        """The thresholds in a few characters, carried by each snapshot."""
        return (
            f"a{self.min_articles}-s{self.min_share:g}-w{self.max_words}-d{self.min_days}"
            f"-c{self.min_sections}-{int(self.window.total_seconds() // 3600)}h"
        )

    def is_template(self, line: LineCount, site_articles: int) -> bool:
        """Recurring in enough of the site's articles, and not in one story's days and section alone."""
        if line.articles < self.min_articles or line.articles < self.min_share * site_articles:
            return False
        return line.days >= self.min_days and line.sections >= self.min_sections

    def template(self, site: str, site_articles: int, lines: list[LineCount]) -> Template:
        """The snapshot cleaning takes: the site's lines that are template."""
        known = frozenset(line.line for line in lines if self.is_template(line, site_articles))
        return Template(site, known, self.max_words, self.version)


@dataclass(frozen=True)
class LineCount:
    """What the memory knows of one recurring line of a site."""

    line: str  # normalised
    text: str  # as written in the article where it first recurred
    articles: int  # distinct articles it was in
    days: int  # distinct publication days (up to KEPT_VALUES)
    sections: int  # distinct sections (up to KEPT_VALUES)
    examples: tuple[str, ...] = ()  # URLs of articles it was in

    def share(self, site_articles: int) -> float:
        return min(1.0, self.articles / site_articles) if site_articles else 0.0


@dataclass(frozen=True)
class Lesson:
    """What one committed article teaches its site's memory: its short paragraphs, normalised, once each."""

    site: str
    key: str
    url: str
    day: str
    section: str
    lines: tuple[tuple[str, str], ...] = field(repr=False)  # (normalised, as written)


def lesson(record: dict, key: str, paragraphs: list[str], max_words: int) -> Lesson:
    """The lesson of an article from its paragraphs before the memory layer removed any."""
    seen: dict[str, str] = {}
    for paragraph in paragraphs:
        if learnable(paragraph, max_words):
            line = normalise(paragraph)
            if line:
                seen.setdefault(line, paragraph)
    published = record.get("published") or ""
    day = published[:10] if len(published) >= 10 else datetime.now(UTC).date().isoformat()
    return Lesson(record["site"], key, record["url"], day, record.get("section") or "", tuple(seen.items()))


def line_id(line: str) -> int:
    """A line's key in the store: 64 bits of its SHA-1, where the text would make every row long."""
    return int.from_bytes(hashlib.sha1(line.encode("utf-8")).digest()[:8], "big", signed=True)


def merged(entry: dict | None, lesson: Lesson, line: str, text: str) -> dict:
    """A line's entry after one more article: count, days, sections; text and examples once it recurs.

    Most lines are in one article only: their entry is kept small, without text or URL.
    """
    entry = entry or {"n": 0, "days": [], "sections": []}
    entry["n"] += 1
    for name, value in (("days", lesson.day), ("sections", lesson.section)):
        if value not in entry[name] and len(entry[name]) < KEPT_VALUES:
            entry[name].append(value)
    if entry["n"] >= 2:
        examples = entry.setdefault("examples", [])
        if lesson.url not in examples and len(examples) < EXAMPLES:
            examples.append(lesson.url)
        if not entry.get("line"):
            entry["line"], entry["text"] = line, text
    return entry


def counted(entry: dict) -> LineCount:
    """The LineCount of a stored entry (one that recurs: it has its text)."""
    return LineCount(entry["line"], entry["text"], entry["n"], len(entry["days"]), len(entry["sections"]),
                     tuple(entry.get("examples", ())))  # fmt: skip
