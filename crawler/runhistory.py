"""The runs of an output folder, read from their manifests' heads: what `scrapy report` draws over time.

A manifest may list 200,000 URL entries. write_manifest puts them last, after a line of their own
(`\\n "urls": [`), so a head is read up to that line and the entries are never read at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

# Where write_manifest (and merge-manifests, with indent=1) starts the URL entries: a literal newline
# is never inside a JSON string, so this is the top-level key.
URLS = '\n "urls": ['
BLOCK = 1 << 16


@dataclass(frozen=True)
class Run:
    """What one run's manifest says of its sites, without its URL entries."""

    run_id: str
    started: datetime
    finished_at: str
    finish_reason: str
    sites: dict[str, dict[str, int]]
    problems: dict[str, list[str]] = field(default_factory=dict)  # health, per site
    quality: dict[str, dict] = field(default_factory=dict)  # per site; absent from older manifests
    drift: dict[str, list] = field(default_factory=dict)  # per site; absent from older manifests

    @property
    def all_sites(self) -> set[str]:
        return {*self.sites, *self.problems, *self.quality, *self.drift}


def manifest_head(path: Path) -> dict:
    """A manifest's fields but its URL entries, read only as far as the line where they start.

    A file not laid out by write_manifest (no such line) is read whole.
    """
    text = ""
    with path.open(encoding="utf-8") as fh:
        while block := fh.read(BLOCK):
            start = max(0, len(text) - len(URLS))
            text += block
            at = text.find(URLS, start)
            if at >= 0:
                return json.loads(text[:at].rstrip().removesuffix(",") + "\n}")
    head = json.loads(text)
    if not isinstance(head, dict):
        raise ValueError("not a JSON object")
    head.pop("urls", None)
    return head


def run_of(head: dict) -> Run:
    """The Run of a manifest's head; ValueError when it is not a run's (a merged one has no run_id)."""
    if not head.get("run_id"):
        raise ValueError("no run_id: not the manifest of one run")
    started = datetime.fromisoformat(head["started_at"])
    if started.tzinfo is None:
        started = started.replace(tzinfo=UTC)
    problems = (head.get("health") or {}).get("problems") or {}
    return Run(
        run_id=str(head["run_id"]),
        started=started,
        finished_at=str(head.get("finished_at") or ""),
        finish_reason=str(head.get("finish_reason") or ""),
        sites=dict(head.get("sites") or {}),
        problems={site: list(reasons) for site, reasons in problems.items()},
        quality=dict(head.get("quality") or {}),
        drift={site: list(found or []) for site, found in (head.get("drift") or {}).items()},
    )


def runs_in(folder: Path, on_problem: Callable[[Path, str], None]) -> list[Run]:
    """The runs of a folder's *.manifest.json, oldest first; a file that cannot be read is told, not run."""
    runs = []
    for path in sorted(folder.glob("*.manifest.json")):
        try:
            runs.append(run_of(manifest_head(path)))
        except (OSError, UnicodeDecodeError) as exc:
            on_problem(path, f"cannot be read ({exc})")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            on_problem(path, f"is not a run's manifest ({type(exc).__name__}: {exc})")
    return sorted(runs, key=lambda run: (run.started, run.run_id))
