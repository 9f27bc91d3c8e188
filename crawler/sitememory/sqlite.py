"""The site memory in SQLite: two tables beside the state's own, in the same database.

An exact table, not a sketch: a row per distinct short paragraph of a site (64 bits of its line's
SHA-1, its count and its distinct days and sections; its text and a few example URLs only once it
recurs), and a row per article learned, so that an article fetched again is not counted twice.
Rows not seen within MEMORY_WINDOW are pruned at each learning, so the tables hold one window of a
site's short paragraphs: about 120 bytes on disk a paragraph that never recurs, some 50 MB for a
window of 30,000 articles of a large outlet (bench/memory.py). A Count-Min sketch would be
smaller, but would need one per day to forget and would still need a table of the texts of the
lines it finds frequent; the exact table answers exactly, and `scrapy mine` can show its counts.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from crawler.sitememory.policy import Lesson, LineCount, counted, line_id, merged

SCHEMA = """
CREATE TABLE IF NOT EXISTS memory_articles (site TEXT NOT NULL, key TEXT NOT NULL, seen REAL NOT NULL,
                                            PRIMARY KEY (site, key)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS memory_articles_by_time ON memory_articles (seen);
CREATE TABLE IF NOT EXISTS memory_lines (site TEXT NOT NULL, id INTEGER NOT NULL, n INTEGER NOT NULL,
                                         entry TEXT NOT NULL, seen REAL NOT NULL,
                                         PRIMARY KEY (site, id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS memory_lines_recurring ON memory_lines (site) WHERE n >= 2;
CREATE INDEX IF NOT EXISTS memory_lines_by_time ON memory_lines (seen);
"""


class SqliteMemory:
    """Learn lessons into, and read counts from, a SQLite connection (the state's, or one of its own)."""

    def __init__(self, db: sqlite3.Connection, readonly: bool = False):
        self.db = db
        self.readonly = readonly
        if not readonly:
            db.executescript(SCHEMA)

    @classmethod
    def in_memory(cls) -> SqliteMemory:
        """A memory of its own, in RAM: `scrapy mine --from` and the benchmark learn into one."""
        return cls(sqlite3.connect(":memory:", isolation_level=None))

    @classmethod
    def read_only(cls, path: Path) -> SqliteMemory | None:
        """The memory of a state database, read beside a run that may hold it; None if it has none."""
        if not path.is_file():
            return None
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
        found = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'memory_lines'").fetchone()
        if not found:
            db.close()
            return None
        return cls(db, readonly=True)

    def learn(self, lessons: Iterable[Lesson], now: float, cutoff: float) -> int:
        """Count each lesson's lines once for its article, in one transaction; forget what is older
        than `cutoff`. Returns how many articles were new to the memory."""
        new = 0
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for lesson in lessons:
                taken = self.db.execute("INSERT OR IGNORE INTO memory_articles VALUES (?, ?, ?)",
                                        (lesson.site, lesson.key, now))  # fmt: skip
                if not taken.rowcount:
                    continue  # learned before: an article counts once
                new += 1
                for line, text in lesson.lines:
                    self._count(lesson, line, text, now)
            self.db.execute("DELETE FROM memory_articles WHERE seen < ?", (cutoff,))
            self.db.execute("DELETE FROM memory_lines WHERE seen < ?", (cutoff,))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return new

    def _count(self, lesson: Lesson, line: str, text: str, now: float) -> None:
        key = (lesson.site, line_id(line))
        row = self.db.execute("SELECT entry FROM memory_lines WHERE site = ? AND id = ?", key).fetchone()
        entry = merged(json.loads(row[0]) if row else None, lesson, line, text)
        stored = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
        self.db.execute(
            "INSERT OR REPLACE INTO memory_lines VALUES (?, ?, ?, ?, ?)", (*key, entry["n"], stored, now)
        )

    def counts(self, site: str, cutoff: float) -> tuple[int, list[LineCount]]:
        """(articles of the site learned since `cutoff`, its lines that recur)."""
        articles = self.db.execute(
            "SELECT COUNT(*) FROM memory_articles WHERE site = ? AND seen >= ?", (site, cutoff)
        ).fetchone()[0]
        rows = self.db.execute(
            "SELECT entry FROM memory_lines WHERE site = ? AND n >= 2 AND seen >= ?", (site, cutoff)
        ).fetchall()
        return articles, [counted(json.loads(row[0])) for row in rows]

    def sites(self) -> list[str]:
        """The sites this memory has learned from."""
        return [row[0] for row in self.db.execute("SELECT DISTINCT site FROM memory_articles ORDER BY site")]

    def close(self) -> None:
        self.db.close()
