"""Site memory: what it learns from each outlet's bulk pages, and what it costs on the gold pages.

Usage: .venv/bin/python bench/memory.py [--results bench/RESULTS.md] [--sweep]

For each outlet (kompas, liputan6, viva, detik): its 150 bulk pages (tests/data/bulk/<outlet>.tar.xz)
are cleaned by the rules (extract() without memory), and each record teaches a fresh memory
(crawler/sitememory: the crawl's own lesson(), SqliteMemory.learn() and Thresholds), as committed
articles do in a crawl. The memory's snapshot of the outlet is then applied:
- on the bulk pages: the recurring lines that survive the rules and the memory removes, listed with
  the number of pages each was removed from, and the words removed;
- on the outlet's gold pages (corpus/, every page of the outlet): the `with` snippets found with and
  without memory (body recall), the snippets lost (found without memory, missing with it: must be 0)
  and the `without` snippets leaked.
--sweep adds a table of other thresholds: lines removed from the bulk pages, gold snippets lost.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from results import machine, write_section  # noqa: E402

from crawler.canonical import url_key  # noqa: E402
from crawler.extract import extract  # noqa: E402
from crawler.extract.memory import Template, normalise  # noqa: E402
from crawler.quality import GoldPage, collapse, gold_pages  # noqa: E402
from crawler.sitememory import Thresholds, lesson  # noqa: E402
from crawler.sitememory.sqlite import SqliteMemory  # noqa: E402

OUTLETS = ("kompas", "liputan6", "viva", "detik")
BULK = ROOT / "tests" / "data" / "bulk"
NOW = 2_000_000_000.0  # one learning moment: the window is not what is measured here
# What each line the memory removes from the bulk pages is, read by hand on the pages (normalised
# start of the line, or the whole line before "$" -> kind). A line not listed shows as "not labelled".
KINDS = {
    "motogptm": "embed: an embedded tweet's credit line",
    "pantau berita terkini di viva": "promo",
    "jakarta$": "dateline, alone on its line",
    "perjalanan kasus corona di indonesia": "standing box of the daily corona report: its heading",
    "0 <month> 0, presiden joko widodo": "standing box of the daily corona report",
    "ada dua suspect": "standing box of the daily corona report",
    "agus wibowo menjelaskan": "standing box of the daily corona report",
    "berdasarkan situs covid0.go.id": "standing box of the daily corona report",
    "gugus tugas memiliki": "standing box of the daily corona report",
    "<day> 0 <month> 0, yurianto": "standing box of the daily corona report",
    "kontak tracing": "standing box of the daily corona report",
    "penanganan kasus virus corona": "standing box of the daily corona report",
    "arab saudi akhirnya": "teaser of another photo story",
    "dalam raperda": "teaser of another photo story",
    "ini merupakan lawatan": "teaser of another photo story",
    "mulai hari ini pt kereta": "teaser of another photo story",
    "pemerintah israel": "teaser of another photo story",
    "restoran di manhattan": "teaser of another photo story",
    "sebanyak dua gereja": "teaser of another photo story",
    "korea selatan pada <day>": "teaser of another photo story",
    "progres pembangunan underpass": "teaser of another photo story",
    "data update pasien": "ARTICLE TEXT: the daily report's sentence giving its data's cut-off",
    "informasi tersebut berdasarkan data": "ARTICLE TEXT: the daily report's sentence naming its source",
}


def kind(line: str) -> str:
    """The hand label of a removed line (KINDS)."""
    for start, label in KINDS.items():
        if line == start.removesuffix("$") or (not start.endswith("$") and line.startswith(start)):
            return label
    return "not labelled"


def bulk_pages(outlet: str) -> list[tuple[str, bytes]]:
    """(URL, page) of an outlet's bulk pages, in the order of its manifest."""
    with tarfile.open(BULK / f"{outlet}.tar.xz") as archive:
        manifest = archive.extractfile(f"{outlet}/MANIFEST.jsonl").read().decode("utf-8").splitlines()
        entries = [json.loads(line) for line in manifest if line.strip()]
        return [(e["url"], archive.extractfile(f"{outlet}/{e['file'].removesuffix('.gz')}").read())
                for e in entries]  # fmt: skip


@dataclass
class Outlet:
    """One outlet's measures under one set of thresholds."""

    name: str
    pages: int = 0
    learned: int = 0
    template: Template | None = None
    removed: dict[str, list] = field(default_factory=dict)  # normalised line -> [as one page has it, pages]
    words: int = 0
    words_removed: int = 0
    gold_pages: int = 0
    with_total: int = 0
    found_without_memory: int = 0
    found_with_memory: int = 0
    lost: list[str] = field(default_factory=list)
    leaked_without_memory: int = 0
    leaked_with_memory: int = 0
    without_total: int = 0


def records(pages: list[tuple[str, bytes]], template: Template | None = None) -> list[tuple[dict, list[str]]]:
    """(record, paragraphs the memory removed) of each page holding an article."""
    found = []
    for url, html in pages:
        layout: dict = {}
        record = extract(html, url=url, memory=template, layout=layout)
        if record is not None:
            found.append((record, layout.get("remembered", [])))
    return found


def measure(name: str, pages: list[tuple[str, bytes]], rules_only: list[tuple[dict, list[str]]],
            gold: list[GoldPage], thresholds: Thresholds) -> Outlet:  # fmt: skip
    """Learn from the outlet's cleaned pages, then clean its bulk and gold pages with what was learned."""
    outlet = Outlet(name, pages=len(pages))
    memory = SqliteMemory.in_memory()
    taught = [
        lesson(r, url_key(r["url"]), r["text"].split("\n"), thresholds.max_words) for r, _ in rules_only
    ]
    outlet.learned = memory.learn(taught, NOW, 0)
    site = rules_only[0][0]["site"]
    outlet.template = thresholds.template(site, *memory.counts(site, 0))
    for record, remembered in records(pages, outlet.template):
        outlet.words += len(record["text"].split()) + sum(len(p.split()) for p in remembered)
        outlet.words_removed += sum(len(p.split()) for p in remembered)
        for line, paragraph in {normalise(p): p for p in remembered}.items():
            outlet.removed.setdefault(line, [paragraph, 0])[1] += 1
    for page in gold:
        plain = extract(page.html, url=page.url)
        cleaned = extract(page.html, url=page.url, memory=outlet.template)
        before, after = collapse(plain["text"] if plain else ""), collapse(cleaned["text"] if cleaned else "")
        outlet.gold_pages += 1
        outlet.with_total += len(page.with_)
        outlet.without_total += len(page.without)
        for snippet in page.with_:
            was, now = collapse(snippet) in before, collapse(snippet) in after
            outlet.found_without_memory += was
            outlet.found_with_memory += now
            if was and not now:
                outlet.lost.append(f"{page.name}: {snippet}")
        outlet.leaked_without_memory += sum(collapse(s) in before for s in page.without)
        outlet.leaked_with_memory += sum(collapse(s) in after for s in page.without)
    return outlet


def report(outlets: list[Outlet], thresholds: Thresholds) -> str:
    """The RESULTS.md section."""
    t = thresholds
    lines = [
        f"`.venv/bin/python bench/memory.py` on {machine()}. Thresholds (settings/__init__.py): a line of at "
        f"most {t.max_words} words (MEMORY_MAX_WORDS) in at least {t.min_articles} articles "
        f"(MEMORY_MIN_ARTICLES) and {t.min_share:.0%} of the site's (MEMORY_MIN_SHARE), on "
        f"{t.min_days} publication days (MEMORY_MIN_DAYS) and in {t.min_sections} section(s) "
        "(MEMORY_MIN_SECTIONS). Each outlet's 150 bulk pages (tests/data/bulk) teach a fresh memory; "
        "its snapshot then cleans the bulk pages again and the outlet's gold pages (corpus/, all of them).",
        "",
        "| outlet | bulk pages | template lines | lines removed (in pages) | bulk words removed | gold pages "
        "| `with` found, rules | `with` found, memory | lost | `without` leaked, rules → memory |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for o in outlets:
        removals = sum(pages for _, pages in o.removed.values())
        lines.append(
            f"| {o.name} | {o.pages} | {len(o.template.lines)} | {len(o.removed)} ({removals}) "
            f"| {o.words_removed} of {o.words} ({o.words_removed / max(o.words, 1):.2%}) | {o.gold_pages} "
            f"| {o.found_without_memory}/{o.with_total} | {o.found_with_memory}/{o.with_total} "
            f"| {len(o.lost)} "
            f"| {o.leaked_without_memory} → {o.leaked_with_memory} of {o.without_total} |"
        )
    lines += ["", "The lines removed from the bulk pages (outlet, pages, what the line is, by hand: the line "
              "as one page has it):", ""]  # fmt: skip
    for o in outlets:
        for line, (text, pages) in sorted(o.removed.items(), key=lambda item: (-item[1][1], item[0])):
            lines.append(f"- {o.name}, {pages}, {kind(line)}: {text[:150]}")
    lost = [snippet for o in outlets for snippet in o.lost]
    lines += ["", f"Gold `with` snippets lost with memory on: {len(lost)}."]
    lines += [f"- {snippet}" for snippet in lost]
    return "\n".join(lines)


def sweep(pages, rules_only, gold, base: Thresholds) -> str:
    """Lines removed and gold snippets lost under other thresholds."""
    variants = [
        ("defaults", base),
        ("MIN_ARTICLES 2", replace(base, min_articles=2)),
        ("MIN_ARTICLES 5", replace(base, min_articles=5)),
        ("MIN_SHARE 5%", replace(base, min_share=0.05)),
        ("MAX_WORDS 15", replace(base, max_words=15)),
        ("MAX_WORDS 40", replace(base, max_words=40)),
        ("MAX_WORDS 60", replace(base, max_words=60)),
        ("MIN_DAYS 1 (no quote guard)", replace(base, min_days=1)),
        ("MIN_SECTIONS 2", replace(base, min_sections=2)),
    ]
    head = "| thresholds | " + " | ".join(f"{o}: lines (pages), lost" for o in OUTLETS) + " |"
    rows = [head, "|---" * (len(OUTLETS) + 1) + "|"]
    for label, thresholds in variants:
        cells = []
        for name in OUTLETS:
            o = measure(name, pages[name], rules_only[name], gold[name], thresholds)
            cells.append(f"{len(o.removed)} ({sum(pages for _, pages in o.removed.values())}), {len(o.lost)}")
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def footprint(articles: int = 10_000, paragraphs: int = 15) -> str:
    """What the exact table costs: learning time and bytes on disk per short paragraph learned."""
    with tempfile.TemporaryDirectory() as folder:
        db = sqlite3.connect(Path(folder) / "memory.sqlite3", isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        memory = SqliteMemory(db)
        words = ["warga", "kota", "desa", "jalan", "pasar", "harga", "beras", "petani", "nelayan", "sekolah"]
        lessons = []
        for n in range(articles):
            record = {
                "site": "bench",
                "url": f"https://bench.example/read/{n:06d}/artikel-ke-{n}",
                "published": f"2024-03-{1 + n % 28:02d}T10:00:00+07:00",
                "section": f"s{n % 7}",
            }
            lines = []
            for k in range(paragraphs):  # each its own: digits would be folded, letters are not
                tag = "".join(chr(97 + int(d)) for d in f"{n:06d}{k:02d}")
                lines.append(" ".join(words[(n + k + i) % len(words)] for i in range(12)) + f" {tag}.")
            lessons.append(lesson(record, record["url"], lines, 30))
        started = time.process_time()
        for at in range(0, articles, 1000):  # one commit per 1,000 records: CHECKPOINT_RECORDS
            memory.learn(lessons[at : at + 1000], NOW, 0)
        seconds = time.process_time() - started
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        rows = db.execute("SELECT COUNT(*) FROM memory_lines").fetchone()[0]
        size = (Path(folder) / "memory.sqlite3").stat().st_size
        db.close()
    return (
        f"Footprint of the exact table: {articles:,} articles of {paragraphs} short paragraphs each, none "
        f"recurring ({rows:,} rows), learned in commits of 1,000: {seconds / articles * 1000:.2f} ms of CPU "
        f"per article, {size / rows:.0f} bytes on disk per paragraph ({size / 2**20:.1f} MB). A window of "
        "30,000 articles of a large outlet would take about "
        f"{size / rows * 30_000 * paragraphs / 2**20:.0f} MB."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--sweep", action="store_true", help="also measure other thresholds")
    args = parser.parse_args(argv)
    from scrapy.settings import Settings

    thresholds = Thresholds.from_settings(Settings(_settings()))
    all_gold = list(gold_pages(ROOT / "corpus"))
    pages, rules_only, gold = {}, {}, {}
    for name in OUTLETS:
        pages[name] = bulk_pages(name)
        rules_only[name] = records(pages[name])
        gold[name] = [p for p in all_gold if p.name.startswith(f"{name}_")]
    outlets = [measure(name, pages[name], rules_only[name], gold[name], thresholds) for name in OUTLETS]
    body = report(outlets, thresholds) + "\n\n" + footprint()
    if args.sweep:
        body += "\n\nOther thresholds (lines removed from the bulk pages, in how many pages; gold `with` "
        body += "snippets lost):\n\n" + sweep(pages, rules_only, gold, thresholds)
    print(body)
    write_section(args.results, "Site memory", body)
    return 1 if any(o.lost for o in outlets) else 0


def _settings() -> dict:
    """The project's MEMORY_* defaults."""
    import settings

    return {name: getattr(settings, name) for name in dir(settings) if name.startswith("MEMORY_")}


if __name__ == "__main__":
    sys.exit(main())
