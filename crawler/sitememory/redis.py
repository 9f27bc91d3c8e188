"""The site memory in Redis, shared by the workers of distributed mode: the SQLite memory's twin.

Per site, under bersih:memory:<site>:*: `articles` (a sorted set of the article keys learned,
by time), `lines` (a hash of line id -> its entry, as JSON), `seen` (a sorted set of line ids by
the time last seen, to forget them) and `recurring` (the ids of lines in two articles or more,
which snapshots read). One Lua script learns an article's lesson atomically, so two workers
learning at once neither count an article twice nor lose a count.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import redis

from crawler.sitememory.policy import EXAMPLES, KEPT_VALUES, Lesson, LineCount, counted, line_id

PREFIX = "bersih:memory"
# KEYS: articles, lines, seen, recurring. ARGV: key, now, day, section, url, the days and sections kept,
# the examples kept, then id, line and text for each line. Mirrors policy.merged().
_LEARN = """
if redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1]) == 0 then return 0 end
local function add(list, value, cap)
  for _, v in ipairs(list) do if v == value then return end end
  if #list < cap then table.insert(list, value) end
end
for i = 8, #ARGV, 3 do
  local id = ARGV[i]
  local raw = redis.call('HGET', KEYS[2], id)
  local e
  if raw then e = cjson.decode(raw) else e = {n = 0, days = {}, sections = {}} end
  e.n = e.n + 1
  add(e.days, ARGV[3], tonumber(ARGV[6]))
  add(e.sections, ARGV[4], tonumber(ARGV[6]))
  if e.n >= 2 then
    if not e.examples then e.examples = {} end
    add(e.examples, ARGV[5], tonumber(ARGV[7]))
    if not e.line then e.line = ARGV[i + 1]; e.text = ARGV[i + 2] end
    redis.call('SADD', KEYS[4], id)
  end
  redis.call('HSET', KEYS[2], id, cjson.encode(e))
  redis.call('ZADD', KEYS[3], ARGV[2], id)
end
return 1
"""


def _keys(site: str) -> list[str]:
    return [f"{PREFIX}:{site}:{name}" for name in ("articles", "lines", "seen", "recurring")]


class RedisMemory:
    """Learn lessons into, and read counts from, the Redis of distributed mode."""

    readonly = False

    def __init__(self, server: redis.Redis):
        self.server = server
        self._learn = server.register_script(_LEARN)

    def learn(self, lessons: Iterable[Lesson], now: float, cutoff: float) -> int:
        """Count each lesson's lines once for its article; forget what is older than `cutoff`."""
        new = 0
        sites = set()
        for lesson in lessons:
            sites.add(lesson.site)
            args = [lesson.key, now, lesson.day, lesson.section, lesson.url, KEPT_VALUES, EXAMPLES]
            for line, text in lesson.lines:
                args += [line_id(line), line, text]
            new += int(self._learn(keys=_keys(lesson.site), args=args))
        for site in sites:
            self._forget(site, cutoff)
        return new

    def _forget(self, site: str, cutoff: float) -> None:
        articles, lines, seen, recurring = _keys(site)
        old = self.server.zrangebyscore(seen, "-inf", f"({cutoff}")
        pipe = self.server.pipeline(transaction=True)
        pipe.zremrangebyscore(articles, "-inf", f"({cutoff}")
        if old:
            pipe.hdel(lines, *old)
            pipe.srem(recurring, *old)
            pipe.zrem(seen, *old)
        pipe.execute()

    def counts(self, site: str, cutoff: float) -> tuple[int, list[LineCount]]:
        """(articles of the site learned since `cutoff`, its lines that recur)."""
        articles, lines, seen, recurring = _keys(site)
        learned = self.server.zcount(articles, cutoff, "+inf")
        ids = sorted(self.server.smembers(recurring))
        found = []
        if ids:
            pipe = self.server.pipeline(transaction=False)
            for line in ids:
                pipe.zscore(seen, line)
            times = pipe.execute()
            for raw, when in zip(self.server.hmget(lines, ids), times, strict=True):
                if raw and when is not None and when >= cutoff:
                    found.append(counted(json.loads(raw)))
        return learned, found

    def sites(self) -> list[str]:
        """The sites this memory has learned from."""
        keys = self.server.scan_iter(f"{PREFIX}:*:articles")
        return sorted(key.decode()[len(PREFIX) + 1 : -len(":articles")] for key in keys)

    def close(self) -> None:
        """The state store owns the connection."""
