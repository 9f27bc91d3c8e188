"""A run's quality measures per site: what its written records and its cleaned pages add up to."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from crawler.drift.canary import leaked

if TYPE_CHECKING:
    from pipelines.layout import LayoutWatch

# The record fields whose fill rate is watched: an empty one means its selector or meta tag moved.
FIELDS = ("authors", "published", "section", "language")


def rate(part: int, whole: int) -> float | None:
    """part / whole to four places, or None of nothing."""
    return round(part / whole, 4) if whole else None


@dataclass
class Tally:
    """The records of one site written in this run, counted as they are written."""

    records: int = 0
    leaks: int = 0
    fallbacks: int = 0
    words: int = 0
    filled: Counter[str] = field(default_factory=Counter)

    def add(self, record: dict) -> None:
        text = record.get("text") or ""
        self.records += 1
        self.leaks += leaked(text) is not None
        self.fallbacks += record.get("cleaning") == "fallback"
        self.words += record.get("word_count") or len(text.split())
        for name in FIELDS:
            self.filled[name] += bool(record.get(name))

    def measures(self) -> dict:
        """The site's record measures, as the manifest's `quality` gives them."""
        n = self.records
        return {
            "records": n,
            "canary_rate": rate(self.leaks, n),
            "fallback_rate": rate(self.fallbacks, n),
            "fill": {name: rate(self.filled[name], n) for name in FIELDS},
            "mean_words": round(self.words / n, 1) if n else None,
        }


def selector_rates(watch: LayoutWatch | None, site: str) -> dict:
    """The share of a site's cleaned pages each selector of its profile matched (pipelines/layout.py).

    A layout's body selectors are one entry, the pages read with that layout; a drop selector
    is judged on the pages it could have matched: the profile's common drops on every page, a
    layout's drops on the pages of that layout (as LayoutWatch judges them). `selector_pages`
    gives how many pages each rate is of. Without a watch (no extract pipeline), no page.
    """
    profile, pages = (watch.profiles.get(site), watch.pages.get(site, 0)) if watch else (None, 0)
    if profile is None or not pages:
        return {"pages": pages, "selectors": {}, "selector_pages": {}}
    judged: dict[str, tuple[int, int]] = {}  # label -> (pages matched, pages judged)
    for layout in profile.layouts:
        label = ", ".join(profile.label(xpath) for xpath in layout.body)
        judged.setdefault(label, (watch.layouts[site][layout.name], pages))
    hits = watch.hits[site]
    anywhere = sum(hits.values(), Counter())
    for where, xpath in watch.watched(site):
        common = where == "common"  # pipelines.layout.COMMON
        of = pages if common else watch.layouts[site][where]
        judged.setdefault(profile.label(xpath), ((anywhere if common else hits[where])[xpath], of))
    return {
        "pages": pages,
        "selectors": {label: rate(hit, of) for label, (hit, of) in judged.items()},
        "selector_pages": {label: of for label, (_, of) in judged.items()},
    }
