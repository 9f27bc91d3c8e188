"""Test-only fault points: a disk that fills up, played on demand so that tests can prove nothing is lost.

BERSIH_FAULT=<point>:<first>-<last>[,...] makes the writes numbered first to last at that point
(counted from 1 in the process) fail as a full disk does; <first>- fails every write from there on.
Points: `jsonl` (each record appended to an output file) and `warc` (each archived response). It is
read from the environment alone, never from settings, so no profile or -s option can switch it on.

BERSIH_FAULT=crash:<point>[@<n>] kills the process with SIGKILL the n-th time (default: the first)
it reaches that point of a commit, as a power cut would. A run commits at each checkpoint and at
its end, so each point is reached once per commit: `before-commit` (output fsynced, state not
committed), `after-commit` (committed with the renames due, none done), `between-renames` (after
the first of several renames), `before-manifest` (renamed, no manifest) and `warc-finish` (WARC
part fsynced, not renamed).
"""

from __future__ import annotations

import errno
import os
import signal
from collections import Counter


def _plan(spec: str) -> dict[str, tuple[int, float]]:
    """{point: (first, last)} from the BERSIH_FAULT value."""
    plan = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        if part.startswith("crash:"):
            continue
        point, _, span = part.partition(":")
        first, _, last = span.partition("-")
        plan[point] = (int(first), int(last) if last else float("inf"))
    return plan


_PLAN = _plan(os.environ.get("BERSIH_FAULT", ""))
_WRITES: Counter = Counter()
_SPECS = [p.strip() for p in os.environ.get("BERSIH_FAULT", "").split(",")]
_CRASH_SPECS = [spec[6:] for spec in _SPECS if spec.startswith("crash:")]
_CRASHES = {name: int(n or 1) for name, _, n in (spec.partition("@") for spec in _CRASH_SPECS)}
_REACHED: Counter = Counter()


def crash(point: str) -> None:
    """Die here with SIGKILL when BERSIH_FAULT says crash:<point>[@n] and this is the n-th time."""
    if point in _CRASHES:
        _REACHED[point] += 1
        if _REACHED[point] == _CRASHES[point]:
            os.kill(os.getpid(), signal.SIGKILL)


def disk_full(point: str) -> OSError | None:
    """Count one write at `point`; the error it must fail with, when BERSIH_FAULT says so."""
    if point not in _PLAN:
        return None
    _WRITES[point] += 1
    first, last = _PLAN[point]
    if first <= _WRITES[point] <= last:
        return OSError(errno.ENOSPC, f"No space left on device (BERSIH_FAULT {point})")
    return None
