"""Cross-run state in SQLite: what each article was when last written, so runs add only what is new."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import sqlite3
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from crawler import faults
from crawler.state.records import Known, NewerSchemaError, StateError, Written, _now, skip_reason

logger = logging.getLogger(__name__)

DATABASE_NAME = "bersih.sqlite3"
LOCK_NAME = "bersih.lock"
SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    key TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    site TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    lastmod TEXT,
    etag TEXT,
    published TEXT,
    content_hash TEXT,
    revision INTEGER NOT NULL DEFAULT 0,
    run_id TEXT
);
CREATE INDEX IF NOT EXISTS articles_by_hash ON articles (content_hash);
CREATE TABLE IF NOT EXISTS signatures (key TEXT PRIMARY KEY, url TEXT NOT NULL, seen TEXT NOT NULL,
                                       minhash BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS signatures_by_time ON signatures (seen);
-- Output files whose records are committed here but whose rename may not have happened.
CREATE TABLE IF NOT EXISTS pending_renames (partial TEXT PRIMARY KEY, final TEXT NOT NULL);
-- Committed output files no manifest lists yet (the run was killed before it wrote one), with the
-- keys of their records: a lost file's articles are taken out of the state, the others get a manifest.
CREATE TABLE IF NOT EXISTS unlisted_outputs (final TEXT PRIMARY KEY, partial TEXT NOT NULL,
                                             run_id TEXT NOT NULL, output_dir TEXT NOT NULL,
                                             keys TEXT NOT NULL);
"""
META = "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"


def _add_identity(db: sqlite3.Connection) -> None:
    """Version 1 to 2: the meta table, with the state's identity (its id, shared with its manifests)."""
    db.execute(META)
    db.execute("INSERT OR IGNORE INTO meta VALUES ('state_id', ?)", (uuid.uuid4().hex,))


# MIGRATIONS[i] upgrades a state of version i + 1 to version i + 2, in place; a state without a
# meta table (or without a schema_version in it) is version 1.
MIGRATIONS = [_add_identity]
SCHEMA_VERSION = len(MIGRATIONS) + 1


class StateStore:
    """One SQLite file under STATE_DIR, held by one run at a time (a lock file says which)."""

    announces_signatures = False
    keeps_outputs = True

    def __init__(self, directory: Path, refetch_window: timedelta):
        self.directory = directory
        self.path = directory / DATABASE_NAME
        self.refetch_window = refetch_window
        directory.mkdir(parents=True, exist_ok=True)
        self._lock = self._take_lock(directory / LOCK_NAME)
        self.is_new = not self.path.exists()
        self._db = self._open()
        self._file_id = _identity(self.path)
        self.missing: list[str] = []  # committed parts found gone by finish_renames, not yet reported

    # --- opening ---------------------------------------------------------------

    @staticmethod
    def _take_lock(path: Path):
        handle = path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise StateError(
                f"{path} is held by {holder}: another Bersih run is using this state. Two runs on one "
                "state would fetch and write the same articles twice, so this one stops. Wait for the "
                "other run, or give this one its own state with -s STATE_DIR=…"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        return handle

    def _open(self) -> sqlite3.Connection:
        try:
            db = sqlite3.connect(self.path, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            check = db.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(check)
            self._refuse_newer(db)
            db.executescript(SCHEMA)
            self._upgrade(db)
            self.state_id = db.execute("SELECT value FROM meta WHERE key = 'state_id'").fetchone()[0]
        except NewerSchemaError:
            db.close()
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            raise
        except sqlite3.DatabaseError as exc:
            raise StateError(
                f"{self.path} is not a usable state database ({exc}). Move it aside (for example to "
                f"{self.path}.corrupt), then rebuild it from the output with `scrapy rebuildstate`, "
                "or run without it and every article will be written once more."
            ) from exc
        return db

    def _refuse_newer(self, db: sqlite3.Connection) -> None:
        version = stored_schema_version(db)
        if version > SCHEMA_VERSION:
            raise NewerSchemaError(
                f"{self.path} has schema version {version}, newer than this Bersih knows "
                f"({SCHEMA_VERSION}); run it with a newer Bersih, or give another STATE_DIR"
            )

    def _upgrade(self, db: sqlite3.Connection) -> None:
        """Bring the stored schema to SCHEMA_VERSION, one migration at a time; a newer one is refused."""
        version = stored_schema_version(db)
        for number in range(version, SCHEMA_VERSION):
            db.execute("BEGIN IMMEDIATE")
            try:
                MIGRATIONS[number - 1](db)
                db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(number + 1),))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            if not self.is_new:
                logger.warning(
                    "State %s upgraded from schema version %d to %d", self.path, number, number + 1
                )
        self.upgraded_from = version if version < SCHEMA_VERSION and not self.is_new else None

    def adopt_identity(self, state_id: str) -> None:
        """Take the id of the state this one replaces (rebuildstate), so that its output's manifests match."""
        self._db.execute("UPDATE meta SET value = ? WHERE key = 'state_id'", (state_id,))
        self.state_id = state_id

    def discard(self) -> None:
        """Close a state this run made and may not use, and remove it: it stays new for the next run."""
        self._db.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        fcntl.flock(self._lock, fcntl.LOCK_UN)
        self._lock.close()

    def close(self) -> None:
        self._db.close()
        fcntl.flock(self._lock, fcntl.LOCK_UN)
        self._lock.close()

    # --- reading ---------------------------------------------------------------

    def known(self, key: str) -> Known | None:
        row = self._db.execute(
            "SELECT key, url, first_seen, lastmod, published, content_hash, revision "
            "FROM articles WHERE key = ?",
            (key,),
        ).fetchone()
        return Known(*row) if row else None

    def url_with_hash(self, content_hash: str, other_than: str, url: str | None = None) -> str | None:
        """The URL of another written article with this exact text (one run at a time: no claim needed)."""
        row = self._db.execute(
            "SELECT url FROM articles WHERE content_hash = ? AND key != ? LIMIT 1", (content_hash, other_than)
        ).fetchone()
        return row[0] if row else None

    def skip_reason(self, key: str, lastmod: str | None, now: datetime) -> str | None:
        return skip_reason(self.known(key), lastmod, now, self.refetch_window)

    # --- writing ---------------------------------------------------------------

    def commit(
        self,
        written: list[Written],
        renames: list[tuple[Path, Path]],
        run_id: str,
        signatures: list[tuple[str, str, bytes]] = (),
        seen_unchanged: list[tuple[str, str | None]] = (),
        outputs: list[tuple[Path, Path, Path, list[str]]] = (),
    ) -> None:
        """Record written articles, their signatures and the output renames due, in one transaction.

        `outputs` are (partial, final, output folder, record keys) of the files committed.
        """
        now = _now()
        with self._transaction():
            self._check_identity()
            for w in written:
                self._db.execute(
                    """INSERT INTO articles (key, url, site, first_seen, last_seen, lastmod, published,
                                             content_hash, revision, run_id)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT (key) DO UPDATE SET url = excluded.url, last_seen = excluded.last_seen,
                           lastmod = COALESCE(excluded.lastmod, lastmod), published = excluded.published,
                           content_hash = excluded.content_hash, revision = excluded.revision,
                           run_id = excluded.run_id""",
                    (
                        w.key,
                        w.url,
                        w.site,
                        now,
                        now,
                        w.lastmod,
                        w.published,
                        w.content_hash,
                        w.revision,
                        run_id,
                    ),
                )
            self._db.executemany(
                "UPDATE articles SET last_seen = ?, lastmod = COALESCE(?, lastmod) WHERE key = ?",
                [(now, lastmod, key) for key, lastmod in seen_unchanged],
            )
            self._db.executemany(
                "INSERT OR REPLACE INTO signatures VALUES (?, ?, ?, ?)",
                [(key, url, now, minhash) for key, url, minhash in signatures],
            )
            self._db.executemany(
                "INSERT OR REPLACE INTO pending_renames VALUES (?, ?)", [(str(p), str(f)) for p, f in renames]
            )
            self._db.executemany(
                "INSERT OR REPLACE INTO unlisted_outputs VALUES (?, ?, ?, ?, ?)",
                [(str(f), str(p), run_id, str(d), json.dumps(keys)) for p, f, d, keys in outputs],
            )

    def _check_identity(self) -> None:
        """The file this run opened must still be the state: a deleted or replaced one takes no commit."""
        try:
            now = _identity(self.path)
        except OSError:
            now = None
        if now != self._file_id:
            raise StateError(
                f"{self.path} was {'deleted' if now is None else 'replaced'} during the run, so this run's "
                "records are not committed; the next run fetches them again (rebuild a lost state from the "
                "output with `scrapy rebuildstate`)"
            )

    def release_claims(self, claims: list[tuple[str, str, str]]) -> None:
        """Nothing to release: here a text belongs to an article only once it is committed."""

    def has_written(self, site: str) -> bool:
        """True when an earlier run wrote an article of this site."""
        return (
            self._db.execute("SELECT 1 FROM articles WHERE site = ? LIMIT 1", (site,)).fetchone() is not None
        )

    def site_memory(self):
        """The site memory (crawler/sitememory), in tables of this database."""
        from crawler.sitememory.sqlite import SqliteMemory

        return SqliteMemory(self._db)

    def quality_history(self):
        """Each run's quality measures per site (crawler/drift), in a table of this database."""
        from crawler.drift.history import SqliteHistory

        return SqliteHistory(self._db)

    def signatures_since(self, since: datetime) -> list[tuple[str, str, bytes]]:
        """(key, url, minhash) of the articles written since a time, for the near-duplicate index."""
        return self._db.execute(
            "SELECT key, url, minhash FROM signatures WHERE seen >= ?", (since.isoformat(timespec="seconds"),)
        ).fetchall()

    def finish_renames(self) -> int:
        """Rename committed outputs still under their temporary names (after a kill); return how many.

        A committed part that is gone (and not renamed) is lost: its articles are taken out of the
        state, so that they are fetched again, and its name is kept in `missing` for the run to report.
        """
        done = 0
        for partial, final in self._db.execute("SELECT partial, final FROM pending_renames").fetchall():
            if Path(partial).exists():
                os.replace(partial, final)
                done += 1
                faults.crash("between-renames")
            elif not Path(final).exists():
                self._forget_output(final)
                self.missing.append(partial)
            self._db.execute("DELETE FROM pending_renames WHERE partial = ?", (partial,))
        return done

    def _forget_output(self, final: str) -> None:
        """Take the articles of a lost output file out of the state (those it was the last write of)."""
        query = "SELECT run_id, keys FROM unlisted_outputs WHERE final = ?"
        row = self._db.execute(query, (final,)).fetchone()
        if row is None:
            return
        run, keys = row[0], json.loads(row[1])
        with self._transaction():
            for key in keys:
                self._db.execute("DELETE FROM articles WHERE key = ? AND run_id = ?", (key, run))
                self._db.execute("DELETE FROM signatures WHERE key = ?", (key,))
            self._db.execute("DELETE FROM unlisted_outputs WHERE final = ?", (final,))

    def unlisted_outputs(self) -> dict[str, tuple[Path, list[Path]]]:
        """{run id: (output folder, final files)} of committed outputs that no manifest lists yet."""
        runs: dict[str, tuple[Path, list[Path]]] = {}
        for final, run, folder in self._db.execute(
            "SELECT final, run_id, output_dir FROM unlisted_outputs ORDER BY final"
        ).fetchall():
            runs.setdefault(run, (Path(folder), []))[1].append(Path(final))
        return runs

    def outputs_listed(self, run_id: str) -> None:
        """A manifest now lists the run's outputs."""
        self._db.execute("DELETE FROM unlisted_outputs WHERE run_id = ?", (run_id,))

    def _transaction(self):
        db = self._db

        class _Tx:
            def __enter__(self):
                db.execute("BEGIN IMMEDIATE")

            def __exit__(self, kind, value, tb):
                db.execute("COMMIT" if kind is None else "ROLLBACK")

        return _Tx()


def stored_schema_version(db: sqlite3.Connection) -> int:
    """The schema version a state database says it has: 1 before the meta table."""
    if not db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone():
        return 1
    row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 1


def _identity(path: Path) -> tuple[int, int]:
    """Which file a path is: (device, inode)."""
    found = os.stat(path)
    return found.st_dev, found.st_ino
