"""Notice when a profile's selectors stop matching: the outlet has changed its layout."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict

from scrapy.statscollectors import StatsCollector

from crawler.profiles import Profile

logger = logging.getLogger(__name__)


class LayoutWatch:
    """Counts, per profile, the pages cleaned and the selectors that matched on them.

    A page on which no body selector matches is cleaned with the generic rules alone;
    the first such page of a site is logged as a warning, every one is counted in
    bersih/layout/no_body_match/<site>. At the end of the run, each selector that
    matched nothing is listed.
    """

    def __init__(self, stats: StatsCollector):
        self.stats = stats
        self.profiles: dict[str, Profile] = {}
        self.pages: Counter[str] = Counter()
        self.hits: defaultdict[str, Counter[str]] = defaultdict(Counter)

    def observe(self, profile: Profile | None, layout: dict) -> None:
        if profile is None:
            return
        name = profile.name
        self.profiles[name] = profile
        self.pages[name] += 1
        self.hits[name].update(layout.get("matched", []))
        if layout.get("layout"):
            self.hits[name][layout["layout"]] += 1
        elif profile.layouts:
            if not self.stats.get_value(f"bersih/layout/no_body_match/{name}"):
                logger.warning(
                    "Profile %s: no body selector matched on %s; cleaned with the generic rules alone. "
                    "If this goes on, the outlet has a new layout: add it to %s",
                    name, layout.get("url"), profile.path,
                )  # fmt: skip
            self.stats.inc_value(f"bersih/layout/no_body_match/{name}")

    def report(self) -> None:
        """List, per profile, the selectors that matched nothing in this run."""
        for name, pages in sorted(self.pages.items()):
            profile = self.profiles[name]
            unmatched = [s for s in profile.drop if not self.hits[name][s]]
            self.stats.set_value(f"bersih/layout/unmatched_selectors/{name}", len(unmatched))
            if profile.layouts and not any(self.hits[name][v.name] for v in profile.layouts):
                logger.warning(
                    "Profile %s: no body selector matched on any of %d pages; its layout has changed",
                    name, pages,
                )  # fmt: skip
            if unmatched:
                logger.info(
                    "Profile %s: %d selectors matched nothing on %d pages (older layouts, or a new one): %s",
                    name, len(unmatched), pages, ", ".join(profile.label(s) for s in unmatched),
                )  # fmt: skip
