"""Health thresholds of a run: what makes a scheduled crawl exit non-zero, so that cron notices."""

from __future__ import annotations

from collections.abc import Iterable

from scrapy.crawler import Crawler


def assess(
    counts: dict[str, int],
    written_before: bool,
    max_error_rate: float,
    min_scheduled: int,
    older: tuple[int, int] = (0, 0),
) -> list[str]:
    """The reasons a site's run is unhealthy; none when it is fine.

    - nothing written nor skipped for a site that has yielded articles before: discovery or
      cleaning broke (a new layout, a moved sitemap, a block). A quiet window is no failure:
      when every article the site listed was older than `since` (`older`: those rejected as
      older after cleaning, those left out at discovery), there was nothing to write;
    - more failed fetches than max_error_rate of the scheduled articles.
    """
    reasons = []
    scheduled, failed = counts.get("scheduled", 0), counts.get("failed", 0)
    rejected_older, left_out = older
    quiet = scheduled == rejected_older and rejected_older + left_out > 0
    if written_before and counts.get("written", 0) == 0 and counts.get("skipped", 0) == 0 and not quiet:
        reasons.append(
            f"no article written (of {scheduled} scheduled) for a site that has yielded articles before"
        )
    if scheduled >= min_scheduled and failed / scheduled > max_error_rate:
        reasons.append(f"{failed} of {scheduled} articles failed, over the {max_error_rate:.0%} allowed")
    return reasons


def older_than_since(crawler: Crawler, site: str, entries: Iterable[dict]) -> tuple[int, int]:
    """(articles of the site rejected as older than `since`, entries its discovery left out as older)."""
    rejected = sum(1 for e in entries if e.get("site") == site and e.get("reason") == "older-than-since")
    own = getattr(getattr(crawler.spider, "profile", None), "name", None)
    left_out = crawler.stats.get_value("bersih/discovery/older_than_since", 0) if site == own else 0
    return rejected, left_out
