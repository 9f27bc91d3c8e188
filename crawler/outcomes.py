"""What became of a scheduled article URL, and the counts a manifest gives of them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

# Every scheduled URL ends in exactly one: scheduled = written + skipped + duplicate + rejected + failed.
OUTCOMES = ("written", "skipped", "duplicate", "rejected", "failed")


def counts_of(entries: Iterable[dict]) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """The manifest's counts, over all URL entries and per site, so that they always add up."""
    total: Counter = Counter()
    per_site: dict[str, Counter] = {}
    for entry in entries:
        total[entry["outcome"]] += 1
        per_site.setdefault(entry.get("site") or "?", Counter())[entry["outcome"]] += 1

    def table(counter: Counter) -> dict[str, int]:
        return {"scheduled": sum(counter.values()), **{o: counter.get(o, 0) for o in OUTCOMES}}

    return table(total), {site: table(c) for site, c in sorted(per_site.items())}
