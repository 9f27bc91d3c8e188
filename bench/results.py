"""bench/RESULTS.md: each benchmark rewrites its own section and leaves the others alone."""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path

import trafilatura


def write_section(path: Path, heading: str, body: str) -> None:
    """Put `## heading` with `body` in the results file, in place of the section's earlier text."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    section = f"## {heading}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text).rstrip("\n") + "\n"
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        model = cpu
    versions = f"Python {platform.python_version()}, trafilatura {trafilatura.__version__}"
    return f"{model}, {os.cpu_count()} cores, {versions}"
