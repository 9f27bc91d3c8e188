"""Distributed scaling: 1, 2 and 3 workers sharing one Redis frontier over thousands of replayed pages.

The outlets sample of bench/crawl.py (the corpus pages under their own outlets' URL shapes) is
seeded into a Redis server of the benchmark's own on 127.0.0.1; then N worker processes run
`scrapy crawlall` in distributed mode, each with one cleaning process, politeness off. The rate
is the articles written over the time from the workers' start to the last record's cleaning.

Usage: .venv/bin/python bench/distributed.py [--pages 5000] [--results bench/RESULTS.md]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import redis
from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from crawl import DAY, FAST, build_outlets_sample  # noqa: E402
from results import write_section  # noqa: E402


def start_redis(directory: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    binary = shutil.which("redis-server") or sys.exit(
        "redis-server is not installed (apt-get install redis-server)"
    )
    options = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    server = subprocess.Popen([binary, *options, "--dir", str(directory)], stdout=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    for _ in range(200):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    return server, f"redis://127.0.0.1:{port}/0"


def crawl(count: int, workers: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bersih-bench-") as tmp:
        tmp = Path(tmp)
        sites = build_outlets_sample(tmp, count)
        replay = subprocess.Popen([sys.executable, "-m", "crawler.replay.server", str(tmp), "--port", "0"],
                                  cwd=ROOT, stdout=subprocess.PIPE, text=True)  # fmt: skip
        address = replay.stdout.readline().rsplit(" at ", 1)[1].strip()
        server, url = start_redis(tmp)
        settings = [*FAST, "DISTRIBUTED=1", f"REDIS_URL={url}", "EXTRACT_WORKERS=1",
                    "DISTRIBUTED_IDLE_EXIT=5", f"REPLAY_SERVER={address}", "NEAR_DUP_ENABLED=0"]  # fmt: skip
        options = [part for s in settings for part in ("-s", s)]
        scrapy = [sys.executable, "-m", "scrapy"]
        subprocess.run([*scrapy, "seed", *sites, "-a", f"dates={DAY}", *options], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        started = datetime.now().astimezone()
        samples = [(time.time(), *cpu_busy())]  # CPU use over time, read up to the last record
        jobs = [
            subprocess.Popen(
                [
                    *scrapy,
                    "crawlall",
                    "--sites",
                    ",".join(sites),
                    *options,
                    "-s",
                    f"OUTPUT_DIR={tmp / f'worker{n}'}",
                ],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for n in range(workers)
        ]
        while any(job.poll() is None for job in jobs):
            samples.append((time.time(), *cpu_busy()))
            time.sleep(0.5)
        stamps = [json.loads(line)["crawled_at"] for f in tmp.glob("worker*/**/*.jsonl")
                  for line in f.read_text(encoding="utf-8").splitlines()]  # fmt: skip
        replay.terminate()
        server.terminate()
    last = max(datetime.fromisoformat(s.replace("Z", "+00:00")) for s in stamps)
    seconds = (last - started).total_seconds()
    end = next((s for s in samples if s[0] >= last.timestamp() + 1), samples[-1])
    busy, total = end[1] - samples[0][1], end[2] - samples[0][2]
    return {"workers": workers, "written": len(stamps), "seconds": seconds, "rate": len(stamps) / seconds,
            "cpu": busy / total}  # fmt: skip


def cpu_busy() -> tuple[int, int]:
    """(busy, total) CPU time of the whole machine so far, in clock ticks (/proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return sum(fields) - idle, sum(fields)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=5000, help="articles in the sample (5000)")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md")
    args = parser.parse_args(argv)
    runs = [crawl(args.pages, n) for n in tqdm((1, 2, 3), desc="crawls", unit="crawl", file=sys.stderr,
                                                   disable=None)]  # fmt: skip
    one = runs[0]["rate"]
    rows = [
        "| workers | written | seconds | pages/s | vs one worker | per worker | CPU busy |",
        "|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        scale = run["rate"] / one
        rows.append(
            f"| {run['workers']} | {run['written']} | {run['seconds']:.0f} | {run['rate']:.1f} "
            f"| {scale:.2f}× | {scale / run['workers']:.2f} | {run['cpu']:.0%} |"
        )
    table = "\n".join(rows)
    print(table)
    write_section(
        args.results,
        "Distributed scaling",
        "`scrapy seed` of the outlets sample of the end-to-end crawl "
        f"({args.pages} articles) into a Redis on 127.0.0.1, then N `scrapy crawlall` workers in "
        f"distributed mode, each with one cleaning process, on this {os.cpu_count()}-core machine.\n\n"
        + table,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
