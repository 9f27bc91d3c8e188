"""Huge sitemaps: peak memory and time to the first article on a sitemap index of 200,000 articles.

A sitemap index of --children sitemaps listing --urls article URLs in all (each with a lastmod)
is served by the replay server on 127.0.0.1 (a thread of this process), with one recorded page
for every article URL. `scrapy crawl news` of the index runs in a process of its own with the
project's settings (replay mode) and stops after --items articles (CLOSESPIDER_ITEMCOUNT);
Scrapy finishes reading the sitemaps before it closes, so the run also times the whole queueing.
Reports the time from the crawl's start to the first article asked of the server, the time until
every sitemap was read, the URLs queued per second, and the crawl process's peak RSS when the
last sitemap was read and over the whole run (the manifest written at the end included).

Each run replaces the row of its --label in the table and keeps the others, so that a run of the
old code (from a copy of the project) can stand beside the new.

Usage: .venv/bin/python bench/sitemap.py [--urls 200000] [--children 4] [--items 20] [--label streaming]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from results import machine, write_section  # noqa: E402

from crawler.replay.archive import Recorded, url_key  # noqa: E402
from crawler.replay.server import ReplayServer  # noqa: E402

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
SITE = "https://berita.bench.id"
INDEX = f"{SITE}/sitemap-index.xml"
ARTICLE = f"{SITE}/read/2024/11/25/{{n}}/artikel-bench-nomor-{{n}}"
PAGE = ROOT / "corpus" / "pages" / "kompas_6.html"
HEADING = "Huge sitemaps"
_READ = re.compile(r"Read sitemap (\S+): (\d+) entries")


class OneArticleArchive:
    """The replay server's table: the sitemaps by URL, and one recorded page for every article URL."""

    def __init__(self, documents: dict[str, Recorded], article: Recorded):
        self.documents = documents
        self.article = article

    def get(self, key: str) -> Recorded | None:
        return self.documents.get(key) or (self.article if "/read/" in key else None)

    def __len__(self) -> int:
        return len(self.documents) + 1


def write_sitemaps(directory: Path, urls: int, children: int) -> dict[str, Recorded]:
    """The index and its child sitemaps, written to `directory`; the server's table of them."""
    xml = {"Content-Type": "application/xml"}
    documents, locs = {}, []
    per_child = -(-urls // children)
    for child in range(children):
        path = directory / f"sitemap-{child}.xml"
        with path.open("w", encoding="utf-8") as fh:
            fh.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}">\n')
            for n in range(child * per_child, min(urls, (child + 1) * per_child)):
                fh.write(f"<url><loc>{ARTICLE.format(n=1_000_000 + n)}</loc>"
                         f"<lastmod>2024-11-25T{n % 24:02d}:00:00+07:00</lastmod></url>\n")  # fmt: skip
            fh.write("</urlset>\n")
        url = f"{SITE}/sitemap-{child}.xml"
        documents[url_key(url)] = Recorded(url=url, status=200, headers=xml, body_path=path)
        locs.append(f"<sitemap><loc>{url}</loc></sitemap>")
    index = directory / "sitemap-index.xml"
    index.write_text(
        f'<?xml version="1.0"?><sitemapindex xmlns="{SITEMAP_NS}">{"".join(locs)}</sitemapindex>\n'
    )
    documents[url_key(INDEX)] = Recorded(url=INDEX, status=200, headers=xml, body_path=index)
    return documents


def peak_rss(pid: int) -> int:
    """The peak resident memory of a running process so far (VmHWM), in bytes; 0 once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(match[1]) * 1024 if match else 0


@dataclass
class LogWatch:
    """The crawl's log as it arrives: when each sitemap was read, the crawl's peak memory then, and
    the tail for errors."""

    pid: int
    read_at: dict[str, tuple[float, int]] = field(default_factory=dict)  # sitemap -> (time, peak RSS)
    tail: deque = field(default_factory=lambda: deque(maxlen=400))

    def follow(self, stream) -> None:
        for line in stream:
            self.tail.append(line)
            if match := _READ.search(line):
                self.read_at[match[1]] = (time.monotonic(), peak_rss(self.pid))


def stat(log: str, key: str) -> int:
    match = re.search(rf"'{re.escape(key)}': (\d+)", log)
    return int(match[1]) if match else 0


def crawl(urls: int, children: int, items: int, timeout: float) -> dict:
    """One crawl of a fresh sitemap index; its measures."""
    with tempfile.TemporaryDirectory(prefix="bersih-bench-sitemap-") as tmp:
        tmp = Path(tmp)
        (tmp / "responses.jsonl").write_text("")
        server = ReplayServer(tmp)
        server.archive = OneArticleArchive(
            write_sitemaps(tmp, urls, children),
            Recorded(url=SITE, status=200, headers={"Content-Type": "text/html"}, body_path=PAGE),
        )
        server.start_in_thread()
        settings = [f"REPLAY_SERVER={server.url}", f"OUTPUT_DIR={tmp / 'out'}", f"STATE_DIR={tmp / 'state'}",
                    f"CLOSESPIDER_ITEMCOUNT={items}", "DEDUP_ENABLED=0", "LOG_LEVEL=INFO"]  # fmt: skip
        command = [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "news",
            "-a",
            f"url={INDEX}",
            "-s",
            "STATS_DUMP_LEVEL=INFO",
        ]
        command += [part for s in settings for part in ("-s", s)]
        started = time.monotonic()
        job = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        watch = LogWatch(job.pid)
        reader = threading.Thread(target=watch.follow, args=(job.stderr,), daemon=True)
        reader.start()
        try:
            job.wait(timeout)
        except subprocess.TimeoutExpired:
            job.kill()
            job.wait()
            raise SystemExit(f"the crawl took over {timeout:.0f} s:\n{''.join(watch.tail)[-3000:]}") from None
        reader.join(10)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # Linux: kilobytes
        server.shutdown()
        server.server_close()
        log = "".join(watch.tail)
        manifests = [json.loads(m.read_text()) for m in (tmp / "out").glob("*.manifest.json")]
        if not manifests:
            raise SystemExit(f"the crawl wrote no manifest:\n{log[-3000:]}")
        asked = {url: times[0] - started for url, times in server.times.items()}
    articles = sorted(t for url, t in asked.items() if "/read/" in url)
    index_at = asked.get(INDEX, 0.0)
    read = sorted((t - started, peak) for t, peak in watch.read_at.values())
    all_read, peak_reading = read[-1] if len(read) > children else (None, None)  # the index and every child
    scheduled = manifests[0]["counts"]["scheduled"]
    return {
        "urls": urls,
        "children": children,
        "scheduled": scheduled,
        "fetched": len(articles),
        "peak_rss": peak,
        "peak_reading": peak_reading,
        "first_article": articles[0] if articles else None,
        "all_read": all_read,
        "rate": scheduled / (all_read - index_at) if all_read else None,
        "in_memory": stat(log, "scheduler/enqueued/memory"),
        "seconds": time.monotonic() - started,
    }


ROW_HEAD = [
    "| code | URLs | scheduled | first article | all sitemaps read | URLs/s queued | peak RSS, reading "
    "| peak RSS, run | queued in memory |",
    "|---|---|---|---|---|---|---|---|---|",
]


def row(label: str, run: dict) -> str:
    def seconds(value: float | None) -> str:
        return f"{value:.1f} s" if value is not None else "-"

    def megabytes(value: int | None) -> str:
        return f"{value / 2**20:.0f} MB" if value else "-"

    rate = f"{run['rate']:,.0f}" if run["rate"] else "-"
    return (
        f"| {label} | {run['urls']:,} in {run['children']} | {run['scheduled']:,} "
        f"| {seconds(run['first_article'])} | {seconds(run['all_read'])} | {rate} "
        f"| {megabytes(run['peak_reading'])} | {megabytes(run['peak_rss'])} | {run['in_memory']:,} |"
    )


def merged_table(results: Path, label: str, new_row: str) -> str:
    """The section's table with this label's row replaced (or added), other labels' rows kept."""
    text = results.read_text(encoding="utf-8") if results.exists() else ""
    section = re.search(rf"^## {re.escape(HEADING)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    rows = [line for line in (section[1] if section else "").splitlines() if line.startswith("| ")]
    kept = [line for line in rows[1:] if not line.startswith(f"| {label} |")]
    return "\n".join([*ROW_HEAD, *kept, new_row])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=200_000, help="article URLs in all (200000)")
    parser.add_argument("--children", type=int, default=4, help="child sitemaps of the index (4)")
    parser.add_argument("--items", type=int, default=20, help="articles written before the crawl stops (20)")
    parser.add_argument("--timeout", type=float, default=1200, help="seconds before the crawl is killed")
    parser.add_argument("--label", default="streaming", help="the table row this run replaces")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md")
    args = parser.parse_args(argv)
    run = crawl(args.urls, args.children, args.items, args.timeout)
    table = merged_table(args.results, args.label, row(args.label, run))
    print(table)
    write_section(
        args.results,
        HEADING,
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {machine()}.\n\n"
        f"`scrapy crawl news` of a sitemap index of {args.urls:,} article URLs with lastmods in "
        f"{args.children} child sitemaps (`bench/sitemap.py`), served on 127.0.0.1 with one recorded page "
        "for every article; project settings in replay mode, dedup off (the pages are one page), stopped "
        f"after {args.items} articles (Scrapy reads the sitemaps to their end before it closes). *first "
        "article*: from the crawl's start to the first article asked of the server; *peak RSS, reading*: "
        "the crawl process's peak (VmHWM) when the last sitemap was read; *peak RSS, run*: the largest "
        "process of the crawl over the whole run, the manifest written at the end included (when "
        "crawler/ledger.py built that manifest of every URL as one string, it added 350 MB); "
        "*queued in memory*: requests the disk frontier could not take. Goal: under "
        "400 MB and 10 s.\n\n" + table,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
