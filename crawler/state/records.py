"""What a state store remembers and answers, whichever store it is: the records and the Protocol."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol


class StateError(RuntimeError):
    """A state store that cannot be used; the message gives the path and what to do."""


class NewerSchemaError(StateError):
    """A state written by a newer Bersih: a configuration error (exit 2), never touched."""


@dataclass(frozen=True)
class Known:
    """What the store remembers of one article."""

    key: str
    url: str
    first_seen: str
    lastmod: str | None
    published: str | None
    content_hash: str | None
    revision: int


@dataclass(frozen=True)
class Written:
    """A record about to be committed: the state it leaves behind."""

    key: str
    url: str
    site: str
    content_hash: str
    revision: int
    published: str | None
    lastmod: str | None


class Store(Protocol):
    """What the pipelines ask of a state store; SQLite (StateStore) and Redis (RedisStateStore) answer.

    Two capabilities differ, named here instead of probed: a shared store announces each
    signature to the other workers as it is checked (`announces_signatures`), and a local one
    keeps each committed file's record keys until a manifest lists it (`keeps_outputs`).
    """

    announces_signatures: bool
    keeps_outputs: bool
    is_new: bool
    state_id: str

    def known(self, key: str) -> Known | None: ...
    def url_with_hash(self, content_hash: str, other_than: str, url: str | None = None) -> str | None: ...
    def release_claims(self, claims: list[tuple[str, str, str]]) -> None: ...
    def skip_reason(self, key: str, lastmod: str | None, now: datetime) -> str | None: ...
    def has_written(self, site: str) -> bool: ...
    def signatures_since(self, since: datetime) -> list[tuple[str, str, bytes]]: ...
    def site_memory(self): ...  # the site memory kept beside the state (crawler/sitememory)
    def quality_history(self): ...  # each run's quality measures per site (crawler/drift/history.py)
    def commit(self, written: list[Written], renames: list[tuple[Path, Path]], run_id: str,
               signatures: list[tuple[str, str, bytes]] = (),
               seen_unchanged: list[tuple[str, str | None]] = (), **outputs) -> None: ...  # fmt: skip
    def finish_renames(self) -> int: ...
    def discard(self) -> None: ...
    def close(self) -> None: ...


def skip_reason(known: Known | None, lastmod: str | None, now: datetime, window: timedelta) -> str | None:
    """Why an already written article need not be fetched again, or None to fetch it.

    Articles published (or first seen) inside the refetch window are always fetched again,
    as they may still change; older ones only when their sitemap lastmod moved.
    """
    if known is None or known.content_hash is None:
        return None
    recent = _parse(known.published or known.first_seen)
    if recent and now - recent < window:
        return None
    if lastmod and lastmod != known.lastmod:
        return None
    if lastmod:
        return f"sitemap lastmod {lastmod} as when written"
    return "written before, and older than the refetch window"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _parse(stamp: str | None) -> datetime | None:
    try:
        moment = datetime.fromisoformat(stamp) if stamp else None
    except ValueError:
        return None
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)
