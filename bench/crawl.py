"""End-to-end crawl throughput and memory: a real `scrapy crawl` of thousands of replayed pages.

The 29 recorded pages of corpus/ are served under many URLs by the replay server (in a process
of its own) behind one sitemap; politeness delays are off for the benchmark alone. Reports pages
per second beside a single-process loop of plain trafilatura over the same pages, and the peak
RSS of the crawl process and its cleaning workers.

Usage: .venv/bin/python bench/crawl.py [--pages 5000] [--big 20000] [--results bench/RESULTS.md]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import trafilatura

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.quality import gold_pages  # noqa: E402

HOST = "berita.bench.id"
FAST = [
    "AUTOTHROTTLE_ENABLED=0", "DOWNLOAD_DELAY=0", "CONCURRENT_REQUESTS=32",
    "CONCURRENT_REQUESTS_PER_DOMAIN=32",
    "ROBOTSTXT_OBEY=0", "WARC_ENABLED=0", "STATE_ENABLED=0", "DEDUP_ENABLED=0", "LOG_LEVEL=WARNING",
    "VALIDATE_MIN_WORDS=1",
]  # fmt: skip


def build_sample(directory: Path, count: int) -> str:
    """A replay folder of `count` article URLs over the corpus pages, and its sitemap URL."""
    pages = list(gold_pages())
    entries, locs = [], []
    for n in range(count):
        page = pages[n % len(pages)]
        url = f"https://{HOST}/read/2024/11/25/{1000000 + n}/artikel-bench-nomor-{n}"
        entries.append(
            {
                "url": url,
                "headers": {"Content-Type": "text/html"},
                "body": str(ROOT / "corpus" / "pages" / page.gold["file"]),
            }
        )
        locs.append(f"<url><loc>{url}</loc></url>")
    sitemap = (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(locs)
        + "</urlset>"
    )
    (directory / "sitemap.xml").write_text(sitemap)
    entries.append(
        {
            "url": f"https://{HOST}/sitemap.xml",
            "body": "sitemap.xml",
            "headers": {"Content-Type": "application/xml"},
        }
    )
    (directory / "responses.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))
    return f"https://{HOST}/sitemap.xml"


def tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        proc = int(status.parent.name)
        parents[proc] = int(fields.get("PPid", "0").strip())
        rss[proc] = int(fields.get("VmRSS", "0 kB").split()[0]) * 1024
    family, frontier = {pid}, [pid]
    while frontier:
        current = frontier.pop()
        for child, parent in parents.items():
            if parent == current and child not in family:
                family.add(child)
                frontier.append(child)
    return sum(rss.get(p, 0) for p in family)


def crawl(count: int, workers: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bersih-bench-") as tmp:
        tmp = Path(tmp)
        sitemap = build_sample(tmp, count)
        server = subprocess.Popen([sys.executable, "-m", "crawler.replay.server", str(tmp), "--port", "0"],
                                  cwd=ROOT, stdout=subprocess.PIPE, text=True)  # fmt: skip
        address = server.stdout.readline().rsplit(" at ", 1)[1].strip()
        settings = [
            *FAST,
            f"EXTRACT_WORKERS={workers}",
            f"REPLAY_SERVER={address}",
            f"OUTPUT_DIR={tmp / 'out'}",
        ]
        command = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"url={sitemap}"]
        command += [part for s in settings for part in ("-s", s)]
        started = time.monotonic()
        job = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        peak = 0
        while job.poll() is None:
            peak = max(peak, tree_rss(job.pid))
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        server.terminate()
        manifest = json.loads(next((tmp / "out").glob("*.manifest.json")).read_text())
    return {"pages": count, "workers": workers, "written": manifest["counts"]["written"],
            "seconds": elapsed, "rate": manifest["counts"]["written"] / elapsed,
            "peak_rss": peak}  # fmt: skip


def trafilatura_rate(calls: int) -> float:
    """Pages per second of a single-process loop of plain trafilatura over the same pages."""
    pages = list(gold_pages())
    started = time.monotonic()
    for n in range(calls):
        page = pages[n % len(pages)]
        trafilatura.extract(page.html, url=page.url, include_comments=False)
    return calls / (time.monotonic() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=5000, help="pages of the main crawls (5000)")
    parser.add_argument("--big", type=int, default=20000, help="pages of the memory crawl (20000)")
    parser.add_argument("--loop", type=int, default=600, help="calls of the trafilatura loop (600)")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md")
    args = parser.parse_args(argv)
    cores = os.cpu_count() or 1
    runs = []
    for count, workers in ((args.pages, cores), (args.pages, 1), (args.big, cores)):
        print(f"crawling {count} pages with {workers} cleaning worker(s)...", file=sys.stderr, flush=True)
        runs.append(crawl(count, workers))
    baseline = trafilatura_rate(args.loop)
    rows = ["| crawl | workers | pages written | seconds | pages/s | vs trafilatura loop | peak RSS |",
            "|---|---|---|---|---|---|---|"]  # fmt: skip
    for run in runs:
        rows.append(
            f"| {run['pages']} pages | {run['workers']} | {run['written']} | {run['seconds']:.0f} "
            f"| {run['rate']:.1f} "
            f"| {run['rate'] / baseline:.2f}× | {run['peak_rss'] / 2**20:.0f} MB |"
        )
    rows.append(f"| plain trafilatura, one process | - | {args.loop} | - | {baseline:.1f} | 1.00× | - |")
    table = "\n".join(rows)
    print(table)
    section = (
        "\n## End-to-end crawl\n\n`scrapy crawl news` of the corpus pages under many URLs, "
        "served by the replay "
        "server in its own process, politeness off, WARC, state and dedup off.\n\n" + table + "\n"
    )
    text = args.results.read_text(encoding="utf-8") if args.results.exists() else "# Benchmarks\n"
    text = text.split("\n## End-to-end crawl")[0].rstrip("\n") + "\n" + section
    args.results.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
