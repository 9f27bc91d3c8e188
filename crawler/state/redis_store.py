"""Cross-run state in Redis, shared by every worker: the StateStore of distributed mode.

Same questions and answers as the SQLite store (sqlite_store.py; both follow records.Store), so
the pipelines do not know which one they use. Two differences, so that two workers meeting the same syndicated
story at once write it once: an exact text is claimed by the first URL that writes it,
atomically; and every signature is announced in a stream as it is checked, so that its
place in the stream decides which of two near copies came first.

An announcement stands for a record only while that record may still be written: a record
dropped or not written takes its announcement back, and one whose worker is gone (killed, or
cut off from Redis) before committing it is ignored, so that the work done again is checked
against what was written, not against what was lost.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import redis

from crawler.distributed.frontier import _dead_here
from crawler.run import process_alive
from crawler.state.records import Known, Written, _now, skip_reason

PREFIX = "bersih:state"
ANNOUNCED = f"{PREFIX}:announced"  # the stream of signatures checked, in the order workers met them
COMMITTED = f"{PREFIX}:announced:committed"  # article key -> the announcement committed with its record
# Atomically: drop a text's claim if it is still this article's and the article was not written with it.
_RELEASE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local known = redis.call('HGET', KEYS[2], ARGV[2])
if known and cjson.decode(known)['content_hash'] == ARGV[3] then return 0 end
return redis.call('DEL', KEYS[1])
"""


class RedisStateStore:
    """Articles, texts, signatures and pending renames under bersih:state:* keys."""

    announces_signatures = True
    keeps_outputs = False

    def __init__(self, server: redis.Redis, refetch_window: timedelta):
        self.server = server
        self.refetch_window = refetch_window
        # The state's identity, shared with its manifests: made by the first worker to use this Redis,
        # so a Redis restarted empty (no persistence) is new again, and says so.
        made = uuid.uuid4().hex
        self.is_new = bool(server.set(f"{PREFIX}:id", made, nx=True))
        self.state_id = made if self.is_new else server.get(f"{PREFIX}:id").decode()
        self.path = f"Redis ({PREFIX}:* keys)"
        # Renames are of files on this machine: pending ones are kept per host.
        self._renames = f"{PREFIX}:renames:{socket.gethostname()}"
        self._announced: dict[str, str] = {}  # record URL -> its announcement, until committed or let go

    _FORGET = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"

    def discard(self) -> None:
        """Take back the id this worker gave a new state it may not use: the state stays new."""
        self.server.eval(self._FORGET, 1, f"{PREFIX}:id", self.state_id)
        self.close()

    def close(self) -> None:
        self.server.close()

    # --- reading ---------------------------------------------------------------

    def known(self, key: str) -> Known | None:
        raw = self.server.hget(f"{PREFIX}:articles", key)
        return Known(key=key, **json.loads(raw)) if raw else None

    def url_with_hash(self, content_hash: str, other_than: str, url: str | None = None) -> str | None:
        """The URL of another article with this exact text; given `url`, claims the text for it if free."""
        text_key = f"{PREFIX}:texts:{content_hash}"
        mine = json.dumps([other_than, url])
        owner = self.server.set(text_key, mine, nx=True, get=True) if url else self.server.get(text_key)
        if not owner:
            return None
        owner_key, owner_url = json.loads(owner)
        return owner_url if owner_key != other_than else None

    def release_claims(self, claims: list[tuple[str, str, str]]) -> None:
        """Let go of the texts (content_hash, key, url) claimed by records that were not written, and
        take back their announcements: neither may stand for a record that is not in the output."""
        release = self.server.register_script(_RELEASE)
        for content_hash, key, url in claims:
            release(keys=[f"{PREFIX}:texts:{content_hash}", f"{PREFIX}:articles"],
                    args=[json.dumps([key, url]), key, content_hash])  # fmt: skip
        self._withdraw([url for _, _, url in claims])

    def skip_reason(self, key: str, lastmod: str | None, now: datetime) -> str | None:
        return skip_reason(self.known(key), lastmod, now, self.refetch_window)

    def has_written(self, site: str) -> bool:
        return bool(self.server.sismember(f"{PREFIX}:sites", site))

    def site_memory(self):
        """The site memory (crawler/sitememory), under bersih:memory:* keys of this Redis."""
        from crawler.sitememory.redis import RedisMemory

        return RedisMemory(self.server)

    def quality_history(self):
        """Each run's quality measures per site (crawler/drift), under bersih:state:quality:* keys."""
        from crawler.drift.history import RedisHistory

        return RedisHistory(self.server)

    def signatures_since(self, since: datetime) -> list[tuple[str, str, bytes]]:
        keys = self.server.zrangebyscore(f"{PREFIX}:signature_times", since.timestamp(), "+inf")
        if not keys:
            return []
        rows = self.server.hmget(f"{PREFIX}:signatures", keys)
        found = []
        for key, raw in zip(keys, rows, strict=True):
            if raw:
                url, minhash = raw.split(b"\n", 1)
                found.append((key.decode(), url.decode(), minhash))
        return found

    def announce_signature(
        self,
        key: str,
        url: str,
        minhash: bytes,
        after: str | None,
        since: datetime,
        worker: str | None = None,
    ) -> tuple[str, list[tuple[str, str, bytes]]]:
        """Add a signature to the shared stream; return its id and the signatures announced before
        it since `after` (by any worker) that still stand, against which it is to be checked.

        `worker` is the heartbeat key of the announcing worker: the announcement stands while
        that worker is alive to commit its record, and after only if the record was committed.
        """
        minid = f"{int(since.timestamp() * 1000)}-0"  # the stream keeps NEAR_DUP_WINDOW
        fields = {"key": key, "url": url, "minhash": minhash, **({"worker": worker} if worker else {})}
        mine = self.server.xadd(ANNOUNCED, fields, minid=minid, approximate=True).decode()
        self._announced[url] = mine
        earlier = self.server.xrange(ANNOUNCED, min=f"({after}" if after else "-", max=f"({mine}")
        standing = self._standing(earlier, worker)
        return mine, [(f[b"key"].decode(), f[b"url"].decode(), f[b"minhash"]) for f in standing]

    def _standing(self, entries: list[tuple[bytes, dict]], mine: str | None) -> list[dict]:
        """The fields of the announcements whose worker is alive (or unnamed) or whose record is committed.

        Heartbeats are read before commits: a worker commits before its heartbeat goes, so its
        announcement is never found both without its worker and not yet committed while it is.
        """
        me = (mine or "").encode()  # an unnamed announcement (of an older Bersih) always stands
        alive = {me, *self._alive(sorted({f[b"worker"] for _, f in entries if b"worker" in f} - {me}))}
        committed = self._committed([(entry, f) for entry, f in entries if f.get(b"worker", me) not in alive])
        return [f for entry, f in entries if f.get(b"worker", me) in alive or entry in committed]

    def _alive(self, heartbeats: list[bytes]) -> set[bytes]:
        """The heartbeat keys present, of workers not known dead on this machine."""
        if not heartbeats:
            return set()
        pipe = self.server.pipeline(transaction=False)
        for heartbeat in heartbeats:
            pipe.exists(heartbeat)
        present = pipe.execute()
        return {h for h, n in zip(heartbeats, present, strict=True) if n and not _dead_here(h.decode())}

    def _committed(self, entries: list[tuple[bytes, dict]]) -> set[bytes]:
        """The ids of these announcements whose records were committed with them."""
        if not entries:
            return set()
        found = self.server.hmget(COMMITTED, [f[b"key"] for _, f in entries])
        return {entry for (entry, _), kept in zip(entries, found, strict=True) if kept == entry}

    def _withdraw(self, urls: list[str]) -> None:
        """Take back the announcements of these records: they are not written."""
        ids = [self._announced.pop(url) for url in urls if url in self._announced]
        if ids:
            self.server.xdel(ANNOUNCED, *ids)

    # --- writing ---------------------------------------------------------------

    def commit(
        self,
        written: list[Written],
        renames: list[tuple[Path, Path]],
        run_id: str,
        signatures: list[tuple[str, str, bytes]] = (),
        seen_unchanged: list[tuple[str, str | None]] = (),
    ) -> None:
        """Record written articles, their signatures and the output renames due, in one transaction."""
        now = _now()
        earlier = {w.key: self.known(w.key) for w in written}
        for key, _ in seen_unchanged:
            earlier.setdefault(key, self.known(key))
        pipe = self.server.pipeline(transaction=True)
        for w in written:
            before = earlier[w.key]
            state = {
                "url": w.url, "first_seen": before.first_seen if before else now,
                "lastmod": w.lastmod or (before.lastmod if before else None), "published": w.published,
                "content_hash": w.content_hash, "revision": w.revision,
            }  # fmt: skip
            pipe.hset(f"{PREFIX}:articles", w.key, json.dumps(state))
            pipe.set(f"{PREFIX}:texts:{w.content_hash}", json.dumps([w.key, w.url]), nx=True)
            pipe.sadd(f"{PREFIX}:sites", w.site)
        for key, lastmod in seen_unchanged:
            before = earlier[key]
            if before and lastmod:
                fields = {k: getattr(before, k) for k in ("url", "first_seen", "published", "content_hash",
                                                           "revision")}  # fmt: skip
                pipe.hset(f"{PREFIX}:articles", key, json.dumps({**fields, "lastmod": lastmod}))
        stamp = datetime.fromisoformat(now).timestamp()
        for key, url, minhash in signatures:
            pipe.hset(f"{PREFIX}:signatures", key, url.encode() + b"\n" + minhash)
            pipe.zadd(f"{PREFIX}:signature_times", {key: stamp})
            if url in self._announced:  # its announcement now stands for a record in the output
                pipe.hset(COMMITTED, key, self._announced[url])
        for partial, final in renames:
            pipe.hset(self._renames, str(Path(partial).resolve()),
                      json.dumps([str(Path(final).resolve()), os.getpid()]))  # fmt: skip
        pipe.execute()
        for _, url, _ in signatures:
            self._announced.pop(url, None)

    def finish_renames(self) -> int:
        """Rename committed outputs of this process, or of dead workers of this machine; how many.

        A live worker's renames are its own business: it does them right after its commit.
        """
        done = 0
        for partial, due in self.server.hgetall(self._renames).items():
            final, pid = json.loads(due)
            if pid != os.getpid() and process_alive(pid):
                continue
            if Path(partial.decode()).exists():
                os.replace(partial.decode(), final)
                done += 1
            self.server.hdel(self._renames, partial)
        return done
