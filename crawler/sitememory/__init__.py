"""Site memory: boilerplate learned from the crawl, per site (README "Site memory").

policy.py says what is counted and when a line is template; sqlite.py and redis.py keep the
counts beside the state; crawl.py gives the cleaning pool its snapshots and learns what the
writer commits. The cleaning itself (crawler/extract/memory.py) only reads a snapshot.
"""

from crawler.sitememory.policy import Lesson, LineCount, Thresholds, lesson

__all__ = ["Lesson", "LineCount", "Thresholds", "lesson"]
