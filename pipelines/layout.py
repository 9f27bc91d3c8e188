"""Notice when a profile's selectors stop matching: the outlet has changed its layout."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict

from scrapy.statscollectors import StatsCollector

from crawler.profiles import Profile

logger = logging.getLogger(__name__)


class LayoutWatch:
    """Counts, per profile, the pages cleaned, the layout each matched and the selectors that hit.

    A page on which no layout's body matches is cleaned with the generic rules alone;
    the first such page of a site is logged as a warning, every one is counted in
    bersih/layout/no_body_match/<site>, and the pages of each layout in
    bersih/layout/pages/<site>/<layout>. At the end of the run, the drop selectors that
    matched nothing are listed, of those that could have matched: the profile's common
    drops and the drops of the layouts its pages matched. The drops of a layout no page
    of this run had (an older version, kept for the archives) are not a sign of change.
    """

    def __init__(self, stats: StatsCollector):
        self.stats = stats
        self.profiles: dict[str, Profile] = {}
        self.pages: Counter[str] = Counter()
        self.unmatched_pages: Counter[str] = Counter()
        self.layouts: defaultdict[str, Counter[str]] = defaultdict(Counter)  # site -> layout name -> pages
        self.hits: defaultdict[str, Counter[str]] = defaultdict(Counter)  # site -> drop XPath -> pages

    def observe(self, profile: Profile | None, layout: dict) -> None:
        if profile is None:
            return
        name = profile.name
        self.profiles[name] = profile
        self.pages[name] += 1
        self.hits[name].update(set(layout.get("matched", [])))
        if layout.get("layout"):
            self.layouts[name][layout["layout"]] += 1
            self.stats.inc_value(f"bersih/layout/pages/{name}/{layout['layout']}")
        elif profile.layouts:
            if not self.unmatched_pages[name]:
                logger.warning(
                    "Profile %s: no body selector matched on %s; cleaned with the generic rules alone. "
                    "If this goes on, the outlet has a new layout: add it to %s",
                    name, layout.get("url"), profile.path,
                )  # fmt: skip
            self.unmatched_pages[name] += 1
            self.stats.inc_value(f"bersih/layout/no_body_match/{name}")

    def watched(self, name: str) -> list[tuple[str, str]]:
        """(where, selector) of the drops that could have matched in this run, in profile order."""
        profile = self.profiles[name]
        seen = self.layouts[name]
        out = [("common", xpath) for xpath in profile.drop]
        for version in profile.layouts:
            if seen[version.name]:
                out += [(version.name, xpath) for xpath in version.drop]
        return list(dict.fromkeys(out))

    def unmatched(self, name: str) -> list[tuple[str, str]]:
        """The watched drops that matched on none of the pages."""
        return [(where, xpath) for where, xpath in self.watched(name) if not self.hits[name][xpath]]

    def report(self) -> None:
        """Per profile: the pages no layout matched, and the watched drops that matched nothing."""
        for name, pages in sorted(self.pages.items()):
            profile = self.profiles[name]
            missed = self.unmatched_pages[name]
            if missed:
                change = "its layout has changed" if missed == pages else "the outlet may have a new layout"
                logger.warning(
                    "Profile %s: no layout matched on %d of %d pages (cleaned with the generic rules alone); "
                    "%s: add it to %s",
                    name, missed, pages, change, profile.path,
                )  # fmt: skip
            unmatched = self.unmatched(name)
            self.stats.set_value(f"bersih/layout/unmatched_selectors/{name}", len(unmatched))
            if unmatched:
                used = ", ".join(f"{v} ({n} pages)" for v, n in self.layouts[name].items()) or "none"
                logger.info(
                    "Profile %s: %d drop selectors matched nothing on %d pages (layouts matched: %s): %s",
                    name, len(unmatched), pages, used,
                    ", ".join(f"{where}: {profile.label(xpath)}" for where, xpath in unmatched),
                )  # fmt: skip
