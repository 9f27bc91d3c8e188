"""Notice when a profile's selectors stop matching: the outlet has changed its layout."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict

from scrapy.statscollectors import StatsCollector

from crawler.profiles import Profile

logger = logging.getLogger(__name__)
COMMON = "common"  # the profile's drops outside any layout


class LayoutWatch:
    """Counts, per profile, the pages cleaned, the layout each matched and the selectors that hit.

    A page on which no layout's body matches is cleaned with the generic rules alone;
    the first such page of a site is logged as a warning, every one is counted in
    bersih/layout/no_body_match/<site>, and the pages of each layout in
    bersih/layout/pages/<site>/<layout>. At the end of the run, the drop selectors that
    matched nothing are listed, each judged on the pages it could have matched: the
    profile's common drops on all its pages, a layout's drops on the pages of that layout
    alone. The drops of a layout no page of this run had (an older version, kept for the
    archives) are not a sign of change, nor is a match on a page of another layout.
    """

    def __init__(self, stats: StatsCollector):
        self.stats = stats
        self.profiles: dict[str, Profile] = {}
        self.pages: Counter[str] = Counter()
        self.unmatched_pages: Counter[str] = Counter()
        self.layouts: defaultdict[str, Counter[str]] = defaultdict(Counter)  # site -> layout name -> pages
        # site -> the page's layout (None: none matched) -> drop XPath -> pages it matched on
        self.hits: defaultdict[str, defaultdict[str | None, Counter[str]]] = defaultdict(
            lambda: defaultdict(Counter)
        )

    def observe(self, profile: Profile | None, layout: dict) -> None:
        if profile is None:
            return
        name = profile.name
        self.profiles[name] = profile
        self.pages[name] += 1
        self.hits[name][layout.get("layout")].update(set(layout.get("matched", [])))
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
        out = [(COMMON, xpath) for xpath in profile.drop]
        for version in profile.layouts:
            if seen[version.name]:
                out += [(version.name, xpath) for xpath in version.drop]
        return list(dict.fromkeys(out))

    def unmatched(self, name: str) -> list[tuple[str, str]]:
        """The watched drops that matched on none of their pages: any page, or their layout's."""
        hits = self.hits[name]
        anywhere = sum(hits.values(), Counter())
        return [
            (where, xpath)
            for where, xpath in self.watched(name)
            if not (anywhere if where == COMMON else hits[where])[xpath]
        ]

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
                groups: dict[str, list[str]] = {}
                for where, xpath in unmatched:
                    groups.setdefault(where, []).append(profile.label(xpath))
                logger.info(
                    "Profile %s: %d drop selectors matched nothing, each judged on the pages of its own "
                    "layout: %s",
                    name, len(unmatched),
                    "; ".join(f"{where} ({self._pages(name, where)}): {', '.join(labels)}"
                              for where, labels in groups.items()),
                )  # fmt: skip

    def _pages(self, name: str, where: str) -> str:
        """The pages a drop of `where` (COMMON or a layout) was judged on: "3 pages"."""
        count = self.pages[name] if where == COMMON else self.layouts[name][where]
        return f"{count} page" if count == 1 else f"{count} pages"
