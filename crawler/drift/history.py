"""Each run's quality measures per site, kept beside the state: the history drift is judged against.

SQLite: a table `quality_runs` in the state database. Redis (distributed mode): a list per site
under bersih:state:quality:<site>, newest first, shared by the workers (each worker's run is a
run of its own). Both keep a site's latest KEPT runs, about half a kilobyte each.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

import redis

KEPT = 100  # runs kept per site: ten times DRIFT_HISTORY_RUNS, so that runs too small to judge leave room
SCHEMA = """
CREATE TABLE IF NOT EXISTS quality_runs (site TEXT NOT NULL, run_id TEXT NOT NULL, finished TEXT NOT NULL,
                                         measures TEXT NOT NULL, PRIMARY KEY (site, run_id));
CREATE INDEX IF NOT EXISTS quality_runs_by_time ON quality_runs (site, finished);
"""
PREFIX = "bersih:state:quality"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class SqliteHistory:
    """The history in the state's SQLite database (its connection, in autocommit mode)."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db
        db.executescript(SCHEMA)

    def recent(self, site: str) -> list[dict]:
        """The site's kept runs' measures, newest first."""
        rows = self.db.execute(
            "SELECT measures FROM quality_runs WHERE site = ? ORDER BY finished DESC, rowid DESC", (site,)
        ).fetchall()
        return [json.loads(row[0]) for row in rows]

    def keep(self, run_id: str, quality: dict[str, dict]) -> None:
        """Add this run's measures of each site, and forget a site's runs beyond the latest KEPT."""
        now = _now()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for site, measures in quality.items():
                self.db.execute(
                    "INSERT OR REPLACE INTO quality_runs VALUES (?, ?, ?, ?)",
                    (site, run_id, now, json.dumps(measures, ensure_ascii=False)),
                )
                self.db.execute(
                    "DELETE FROM quality_runs WHERE site = ? AND rowid NOT IN (SELECT rowid "
                    "FROM quality_runs WHERE site = ? ORDER BY finished DESC, rowid DESC LIMIT ?)",
                    (site, site, KEPT),
                )
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise


class RedisHistory:
    """The history in the Redis of distributed mode."""

    def __init__(self, server: redis.Redis):
        self.server = server

    def recent(self, site: str) -> list[dict]:
        """The site's kept runs' measures, newest first."""
        return [json.loads(raw)["measures"] for raw in self.server.lrange(f"{PREFIX}:{site}", 0, KEPT - 1)]

    def keep(self, run_id: str, quality: dict[str, dict]) -> None:
        """Add this run's measures of each site, and forget a site's runs beyond the latest KEPT."""
        pipe = self.server.pipeline(transaction=True)
        for site, measures in quality.items():
            entry = {"run_id": run_id, "finished": _now(), "measures": measures}
            pipe.lpush(f"{PREFIX}:{site}", json.dumps(entry, ensure_ascii=False))
            pipe.ltrim(f"{PREFIX}:{site}", 0, KEPT - 1)
        pipe.execute()
