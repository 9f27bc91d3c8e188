"""A replay directory: responses.jsonl naming each recorded URL and the file of its body."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

INDEX_NAME = "responses.jsonl"


class ReplayError(ValueError):
    """A replay directory that cannot be served, with the line at fault."""


@dataclass(frozen=True)
class Recorded:
    """One recorded response."""

    url: str
    status: int
    headers: dict[str, str]
    body_path: Path | None
    body_text: str | None = None
    delay_seconds: float = 0.0  # answer late, as a slow server does
    # A fault to play for the first `times` requests (all, without it), for tests of a hostile web:
    # {"kind": "status", "status": 429, "retry_after": 2} · {"kind": "hang", "seconds": 60} ·
    # {"kind": "reset"} (connection reset mid-body) · {"kind": "truncate"} (body cut short of its
    # Content-Length) · {"kind": "gzip-bomb", "bytes": 200000000}
    fault: dict | None = None

    def body(self) -> bytes:
        """The response body, read when served (pages stay on disk until asked for)."""
        if self.body_path is not None:
            return self.body_path.read_bytes()
        return (self.body_text or "").encode("utf-8")


def url_key(url: str) -> str:
    """A lookup key that ignores the scheme and a default port, as replay serves both."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return urlunsplit(("", host, parts.path or "/", parts.query, ""))


FAULTS = ("status", "hang", "reset", "truncate", "gzip-bomb")


def _fault(fault: dict | None, where: str) -> dict | None:
    if fault is not None and (not isinstance(fault, dict) or fault.get("kind") not in FAULTS):
        raise ReplayError(f"{where}: a fault is an object whose kind is one of {', '.join(FAULTS)}")
    return fault


def load_archive(directory: str | Path) -> dict[str, Recorded]:
    """Read responses.jsonl of a replay directory into a lookup table."""
    directory = Path(directory)
    index = directory / INDEX_NAME
    if not index.is_file():
        raise ReplayError(f"{directory}: no {INDEX_NAME}; a replay directory lists its responses there")
    table: dict[str, Recorded] = {}
    for number, line in enumerate(index.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{index}:{number}"
        try:
            entry = json.loads(line)
            url = entry["url"]
        except (ValueError, KeyError) as exc:
            raise ReplayError(f"{where}: expected a JSON object with a 'url': {exc}") from exc
        body_path = None
        if "body" in entry:
            body_path = (directory / entry["body"]).resolve()
            if not body_path.is_file():
                raise ReplayError(f"{where}: body file {entry['body']!r} does not exist")
        table[url_key(url)] = Recorded(
            url=url,
            status=int(entry.get("status", 200)),
            headers=dict(entry.get("headers", {})),
            body_path=body_path,
            body_text=entry.get("text"),
            delay_seconds=float(entry.get("delay_seconds", 0)),
            fault=_fault(entry.get("fault"), where),
        )
    return table
