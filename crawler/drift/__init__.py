"""Leak canaries and drift alarms: each run's quality measures per site, judged against the site's history.

measures.py counts them (the canary, in canary.py), history.py keeps them beside the state,
judge.py compares a run with the median of the site's earlier runs, and watch.py is the
pipeline that does all this in a crawl (README "Drift alarms").
"""

from crawler.drift.watch import DriftWatch, drift_of, quality_of

__all__ = ["DriftWatch", "drift_of", "quality_of"]
