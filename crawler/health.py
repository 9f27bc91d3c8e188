"""Health thresholds of a run: what makes a scheduled crawl exit non-zero, so that cron notices."""

from __future__ import annotations


def assess(
    counts: dict[str, int], written_before: bool, max_error_rate: float, min_scheduled: int
) -> list[str]:
    """The reasons a site's run is unhealthy; none when it is fine.

    - nothing written nor skipped for a site that has yielded articles before: discovery or
      cleaning broke (a new layout, a moved sitemap, a block);
    - more failed fetches than max_error_rate of the scheduled articles.
    """
    reasons = []
    scheduled, failed = counts.get("scheduled", 0), counts.get("failed", 0)
    if written_before and counts.get("written", 0) == 0 and counts.get("skipped", 0) == 0:
        reasons.append(
            f"no article written (of {scheduled} scheduled) for a site that has yielded articles before"
        )
    if scheduled >= min_scheduled and failed / scheduled > max_error_rate:
        reasons.append(f"{failed} of {scheduled} articles failed, over the {max_error_rate:.0%} allowed")
    return reasons
