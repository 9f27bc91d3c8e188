"""Site memory: boilerplate learned from the crawl, removed by the `memory` layer of cleaning.

The crawls replay Kompas bulk pages (tests/data/bulk) into which a promo line no rule knows is
planted: with memory off it leaks into every record; with memory on, the articles written after
the threshold are clean and keep every other paragraph; `scrapy reprocess` cleans the first ones
too once the memory has learned; `scrapy mine` lists what was learned and proposes it for review.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import tarfile
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from conftest import ROOT, run_scrapy
from test_distributed import distributed, worker
from test_distributed import redis_url as redis_url

from crawler.extract import extract
from crawler.extract.memory import Template, drop_remembered, normalise
from crawler.profiles import load_profile
from crawler.replay.server import ReplayServer
from crawler.sitememory import Thresholds, lesson
from crawler.sitememory.redis import RedisMemory
from crawler.state import StateStore

BULK = Path(__file__).resolve().parent / "data" / "bulk"
# A closing promo no rule of Bersih knows: the kind of line only the memory can learn.
PROMO = "Simak terus kisah otomotif pilihan redaksi setiap pekan bersama komunitas pembaca setia kami."
# Twelve otomotif pages of Kompas, each published on a day of its own (2020-21).
PAGES = (1, 2, 3, 4, 5, 7, 8, 9, 14, 15, 16, 17)
# The thresholds the crawls run with: a line in 3 articles on 3 days is template.
MIN_ARTICLES = 3


def bulk(outlet: str, numbers: tuple[int, ...]) -> list[tuple[str, bytes]]:
    """(URL, page) of some bulk pages of an outlet."""
    with tarfile.open(BULK / f"{outlet}.tar.xz") as archive:
        manifest = archive.extractfile(f"{outlet}/MANIFEST.jsonl").read().decode("utf-8").splitlines()
        urls = {json.loads(line)["file"]: json.loads(line)["url"] for line in manifest}
        return [(urls[f"{n}.html.gz"], archive.extractfile(f"{outlet}/{n}.html").read()) for n in numbers]


def plant(page: bytes, line: str) -> bytes:
    """The page with `line` as a paragraph of its body, after the first one."""
    html = page.decode("utf-8")
    body = html.index('<div class="read__content">')
    end = html.index("</p>", body) + len("</p>")
    return (html[:end] + f"\n<p>{line}</p>" + html[end:]).encode("utf-8")


def replay_folder(folder: Path, pages: list[tuple[str, bytes]]) -> Path:
    """A replay folder serving the pages (single-page form) and a news sitemap listing them."""
    folder.mkdir(parents=True)
    entries = []
    sitemap = []
    for number, (url, page) in enumerate(pages, 1):
        (folder / f"{number}.html").write_bytes(page)
        entries.append({"url": f"{url}?page=all", "body": f"{number}.html",
                        "headers": {"Content-Type": "text/html; charset=utf-8"}})  # fmt: skip
        sitemap.append(f"<url><loc>{url}</loc></url>")
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    )
    (folder / "sitemap-news.xml").write_text(xml + "".join(sitemap) + "</urlset>\n")
    (folder / "index.html").write_text("<html><body><p>Indeks</p></body></html>")
    entries += [
        {"url": "https://www.kompas.com/sitemap-news.xml", "body": "sitemap-news.xml",
         "headers": {"Content-Type": "application/xml"}},
        {"url": "https://indeks.kompas.com/?site=all&date=2021-03-01", "body": "index.html",
         "headers": {"Content-Type": "text/html"}},
    ]  # fmt: skip
    (folder / "responses.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))
    return folder


def crawl(replay: Path, out: Path, state: Path, *settings: str):
    """A real `scrapy crawl kompas`, one page at a time, each record committed as it is written."""
    options = ["EXTRACT_WORKERS=0", "CONCURRENT_REQUESTS=1", "CHECKPOINT_RECORDS=1", "DOWNLOAD_DELAY=0",
               "AUTOTHROTTLE_ENABLED=0", f"MEMORY_MIN_ARTICLES={MIN_ARTICLES}", *settings]  # fmt: skip
    return run_scrapy(
        "crawl", "kompas", "-a", "dates=2021-03-01", "-s", f"REPLAY_DIR={replay}", "-s", f"OUTPUT_DIR={out}",
        "-s", f"STATE_DIR={state}", *[part for option in options for part in ("-s", option)],
    )  # fmt: skip


def written(out: Path) -> list[dict]:
    """The records of a run's output, in the order they were written (part 1, 2, ...)."""

    def part(path: Path) -> int:
        number = re.search(r"-(\d{4})\.jsonl$", path.name)
        return int(number[1]) if number else 1

    files = sorted((p for p in out.rglob("*.jsonl") if "warc" not in p.parts), key=part)
    return [json.loads(line) for f in files for line in f.read_text(encoding="utf-8").splitlines()]


def paragraphs(record: dict) -> list[str]:
    return record["text"].split("\n")


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> Path:
    """The twelve pages, each with the promo planted."""
    base = tmp_path_factory.mktemp("planted")
    return replay_folder(base / "replay", [(url, plant(page, PROMO)) for url, page in bulk("kompas", PAGES)])


@pytest.fixture(scope="module")
def memory_off(planted, tmp_path_factory) -> list[dict]:
    base = tmp_path_factory.mktemp("off")
    result = crawl(planted, base / "out", base / "state", "MEMORY_ENABLED=0")
    assert result.returncode == 0, result.stderr[-3000:]
    return written(base / "out")


@pytest.fixture(scope="module")
def memory_on(planted, tmp_path_factory) -> tuple[Path, list[dict]]:
    """(the crawl's folder: out/, state/; its records in the order written)."""
    base = tmp_path_factory.mktemp("on")
    result = crawl(planted, base / "out", base / "state")
    assert result.returncode == 0, result.stderr[-3000:]
    return base, written(base / "out")


# --- normalise(), the snapshot, the layer --------------------------------------------------------


def test_normalise_folds_case_digits_dates_and_day_names():
    assert normalise("Senin, 3 Maret 2025") == normalise("Kamis, 12 Juni 2024") == "<day>, 0 <month> 0"
    assert normalise("Updated Friday, 7 Aug 2020 10:15") == "updated <day>, 0 <month> 0 0:0"
    assert normalise("  Ikuti kami di Google News!  ") == "ikuti kami di google news"
    assert normalise("«Baca   berita\tlainnya»") == "baca berita lainnya"
    assert normalise("Ａｐｐ ２０２４") == "app 0"  # full-width forms folded (NFKC)
    assert normalise("Jum'at pagi") == normalise("Rabu pagi") == "<day> pagi"
    # Words that merely contain a month or day name are left alone.
    assert normalise("Marsekal Sabtuan") == "marsekal sabtuan"


def test_only_whole_short_paragraphs_the_template_knows_are_dropped():
    promo = normalise("Ikuti kami di Google News, Senin 1 Juli")
    template = Template("kompas", frozenset({promo}), max_words=8)
    kept, dropped = drop_remembered(
        [
            "Ikuti kami di Google News, Kamis 12 Maret",  # the same line of another day
            "Harga mobil naik. Ikuti kami di Google News, Senin 1 Juli",  # inside a paragraph: kept
            "| Ikuti kami di Google News, Senin 1 Juli | 2 |",  # a table row: never
        ],
        template,
    )
    assert dropped == ["Ikuti kami di Google News, Kamis 12 Maret"]
    assert len(kept) == 2
    short = Template("kompas", template.lines, max_words=3)
    assert drop_remembered(["Ikuti kami di Google News, Senin 1 Juli"], short) == (
        ["Ikuti kami di Google News, Senin 1 Juli"], [],
    )  # fmt: skip


def test_extract_applies_the_memory_last_and_says_so_in_the_audit():
    ((url, page),) = bulk("kompas", (1,))
    html = plant(page, PROMO)
    plain = extract(html, url=url)
    assert PROMO in paragraphs(plain)
    layout: dict = {}
    template = Template("kompas", frozenset({normalise(PROMO)}), max_words=30)
    cleaned = extract(html, url=url, memory=template, layout=layout, audit=True)
    assert paragraphs(cleaned) == [p for p in paragraphs(plain) if p != PROMO]
    assert layout["remembered"] == [PROMO]
    assert {"text": PROMO, "rule": "memory:kompas", "layer": "memory"} in cleaned["removed"]


# --- learning: distinct articles, the quote guard -------------------------------------------------


def record(url: str, day: str, section: str = "Nasional") -> dict:
    return {"site": "kompas", "url": url, "published": f"{day}T10:00:00+07:00", "section": section}


def learn(memory, *articles: tuple[dict, list[str]], now: float = 1_000_000.0) -> int:
    lessons = [lesson(r, r["url"], lines, max_words=30) for r, lines in articles]
    return memory.learn(lessons, now, now - timedelta(days=30).total_seconds())


def template_of(memory, thresholds: Thresholds | None = None, now: float = 1_000_000.0) -> frozenset[str]:
    thresholds = thresholds or Thresholds()
    return thresholds.template("kompas", *memory.counts("kompas", now - 30 * 86400)).lines


QUOTE = '"Kami akan mengusut tuntas kasus ini sampai ke akarnya," kata Kapolda.'


def test_a_quote_repeated_by_follow_up_stories_of_one_event_is_not_template(tmp_path):
    store = StateStore(tmp_path / "state", timedelta(days=2))
    memory = store.site_memory()
    # Six follow-up stories of one case, in one section, over two days: each repeats the quote.
    stories = [(record(f"https://x/kasus-{n}", f"2024-03-0{1 + n % 2}"), [QUOTE, f"Berita ke-{n}."])
               for n in range(6)]  # fmt: skip
    assert learn(memory, *stories) == 6
    assert template_of(memory) == frozenset()
    # The same line on a third day is no longer one story's: the memory takes it as template.
    learn(memory, (record("https://x/lain", "2024-03-09"), [QUOTE]))
    assert template_of(memory) == {normalise(QUOTE)}
    store.close()


def test_an_article_counts_once_however_often_it_is_committed(tmp_path):
    store = StateStore(tmp_path / "state", timedelta(days=2))
    memory = store.site_memory()
    promo = "Baca kisah lain di aplikasi kami."
    first = (record("https://x/1", "2024-03-01"), [promo])
    assert learn(memory, first, first) == 1
    assert learn(memory, first) == 0  # fetched again, revised: not a second article
    learn(memory, (record("https://x/2", "2024-03-02"), [promo]))
    assert template_of(memory) == frozenset()  # two articles, under MEMORY_MIN_ARTICLES
    learn(memory, (record("https://x/3", "2024-03-03"), [promo]))
    assert template_of(memory) == {normalise(promo)}
    (count,) = memory.counts("kompas", 0)[1]
    assert (count.articles, count.days, count.sections, count.text) == (3, 3, 1, promo)
    store.close()


def test_the_share_and_the_window(tmp_path):
    store = StateStore(tmp_path / "state", timedelta(days=2))
    memory = store.site_memory()
    promo = "Baca kisah lain di aplikasi kami."
    day = 86400.0
    learn(memory, *[(record(f"https://x/{n}", f"2024-03-0{n + 1}"), [promo]) for n in range(3)], now=day)
    others = [(record(f"https://x/o{n}", "2024-03-05"), [f"Teks {n} yang lain sama sekali {'x' * n}."])
              for n in range(97)]  # fmt: skip
    learn(memory, *others, now=day)
    assert template_of(memory, Thresholds(min_share=0.03), now=day) == {normalise(promo)}  # 3 of 100
    assert template_of(memory, Thresholds(min_share=0.05), now=day) == frozenset()
    # Forty days on, with nothing new, the window has forgotten it all.
    learn(memory, (record("https://x/late", "2024-04-20"), ["Satu kalimat."]), now=41 * day)
    assert memory.counts("kompas", 11 * day) == (1, [])
    assert store._db.execute("SELECT COUNT(*) FROM memory_lines").fetchone()[0] == 1
    store.close()


# --- real crawls ---------------------------------------------------------------------------------


def test_with_memory_off_the_planted_promo_leaks_into_every_record(memory_off):
    assert len(memory_off) == len(PAGES)
    assert all(PROMO in paragraphs(r) for r in memory_off)


def test_with_memory_on_every_article_after_the_threshold_is_clean_and_loses_nothing(memory_on, memory_off):
    _, records = memory_on
    assert len(records) == len(PAGES)
    leaked = [PROMO in paragraphs(r) for r in records]
    # The first MIN_ARTICLES articles written teach the memory; every one after is clean.
    assert leaked == [True] * MIN_ARTICLES + [False] * (len(PAGES) - MIN_ARTICLES)
    without = {r["url"]: paragraphs(r) for r in memory_off}
    for r, leaks in zip(records, leaked, strict=True):
        expected = without[r["url"]] if leaks else [p for p in without[r["url"]] if p != PROMO]
        assert paragraphs(r) == expected  # no body paragraph lost


def test_the_memory_is_learned_in_the_state_from_committed_articles(memory_on):
    base, _ = memory_on
    db = sqlite3.connect(base / "state" / "bersih.sqlite3")
    learned = db.execute("SELECT COUNT(*) FROM memory_articles WHERE site = 'kompas'").fetchone()[0]
    assert learned == len(PAGES)
    (entry,) = [json.loads(e) for (e,) in db.execute("SELECT entry FROM memory_lines WHERE n >= 3")]
    # Learned from every article, the ones the memory cleaned included: it does not decay out.
    assert (entry["text"], entry["n"]) == (PROMO, len(PAGES))


def test_reprocess_cleans_the_first_articles_once_the_memory_has_learned(memory_on, memory_off, tmp_path):
    base, _ = memory_on
    warcs = sorted(str(p) for p in (base / "out" / "warc").glob("*.warc.gz"))
    again = tmp_path / "again"
    result = run_scrapy("reprocess", "-s", f"OUTPUT_DIR={again}", "-s", f"STATE_DIR={base / 'state'}", *warcs)
    assert result.returncode == 0, result.stderr[-3000:]
    rebuilt = {r["url"]: paragraphs(r) for r in written(again)}
    assert len(rebuilt) == len(PAGES)
    without = {r["url"]: paragraphs(r) for r in memory_off}
    for url, text in rebuilt.items():
        assert text == [p for p in without[url] if p != PROMO]


def test_mine_lists_the_learned_line_with_its_count_and_examples(memory_on):
    base, records = memory_on
    result = run_scrapy("mine", "kompas", "-s", f"STATE_DIR={base / 'state'}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert PROMO in result.stdout
    line = next(line for line in result.stdout.splitlines() if PROMO in line)
    assert re.search(rf"\b{len(PAGES)}\b", line)  # in all twelve articles
    assert records[0]["url"] in result.stdout or records[1]["url"] in result.stdout


def test_mine_from_output_and_warc_writes_patterns_for_review(memory_off, memory_on, tmp_path):
    sites = tmp_path / "sites"
    shutil.copytree(ROOT / "crawler" / "sites", sites)
    before = (sites / "kompas.toml").read_text(encoding="utf-8")
    out = tmp_path / "records.jsonl"
    out.write_text("".join(json.dumps(r) + "\n" for r in memory_off), encoding="utf-8")
    warc = memory_on[0] / "out" / "warc"  # the same articles, archived: each counts once
    result = run_scrapy("mine", "kompas", "--from", str(out), str(warc), "--write", "--sites", str(sites))
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"kompas: {len(PAGES)} articles learned; 1 template lines" in result.stdout
    assert PROMO in result.stdout
    after = (sites / "kompas.toml").read_text(encoding="utf-8")
    assert after.startswith(before.split("text_patterns = [")[0])
    assert "review" in after.lower()
    profile = load_profile(sites / "kompas.toml")
    assert profile.text_rule.matches(PROMO)
    assert profile.text_rule.matches(PROMO.replace("setiap pekan", "setiap  pekan"))
    assert not profile.text_rule.matches("Harga mobil naik. " + PROMO)  # anchored to the whole paragraph
    for old in ("ikuti perkembangan berita ini dalam topik", "dapatkan update berita pilihan"):
        assert old in after  # the profile's own patterns stay


def test_mine_of_an_unknown_site_or_missing_file_says_what_to_do(tmp_path):
    result = run_scrapy("mine", "nosuchsite", "--from", str(tmp_path / "nope.jsonl"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "nope.jsonl" in result.stderr
    empty = run_scrapy("mine", "kompas", "-s", f"STATE_DIR={tmp_path / 'nostate'}")
    assert empty.returncode == 0
    assert "no site memory" in (empty.stdout + empty.stderr).lower()


# --- distributed mode: the memory in Redis -------------------------------------------------------


def test_workers_learn_and_use_the_memory_in_redis(redis_url, planted, tmp_path):
    server = ReplayServer(planted).start_in_thread()
    try:
        seeded = run_scrapy("seed", "kompas", "-a", "dates=2021-03-01", *distributed(redis_url))
        assert seeded.returncode == 0, seeded.stderr[-3000:]
        options = ["EXTRACT_WORKERS=0", "CONCURRENT_REQUESTS=1", "CHECKPOINT_RECORDS=1", "DOWNLOAD_DELAY=0",
                   f"MEMORY_MIN_ARTICLES={MIN_ARTICLES}"]  # fmt: skip
        job = worker(redis_url, server.url, tmp_path / "out", *options)
        log = job.communicate(timeout=240)[1]
    finally:
        server.shutdown()
    assert job.returncode == 0, log[-3000:]
    records = written(tmp_path / "out")
    assert len(records) == len(PAGES)
    leaked = [PROMO in paragraphs(r) for r in records]
    assert leaked == [True] * MIN_ARTICLES + [False] * (len(PAGES) - MIN_ARTICLES)
    client = redis.Redis.from_url(redis_url)
    assert client.zcard("bersih:memory:kompas:articles") == len(PAGES)
    mined = run_scrapy("mine", "kompas", *distributed(redis_url))
    assert mined.returncode == 0, mined.stderr[-3000:]
    assert f"kompas: {len(PAGES)} articles learned; 1 template lines" in mined.stdout
    assert PROMO in mined.stdout


def test_two_workers_count_an_article_once_in_redis_as_in_sqlite(redis_url, tmp_path):
    promo = "Baca kisah lain di aplikasi kami."
    articles = [
        (record(f"https://x/{n}", f"2024-03-0{n + 1}"), [promo, f"Teks {'abcd'[n]}."]) for n in range(4)
    ]
    one, two = RedisMemory(redis.Redis.from_url(redis_url)), RedisMemory(redis.Redis.from_url(redis_url))
    assert learn(one, *articles[:3]) == 3
    assert learn(two, *articles[1:]) == 1  # two of them the other worker learned already
    store = StateStore(tmp_path / "state", timedelta(days=2))
    local = store.site_memory()
    learn(local, *articles)
    shared, own = one.counts("kompas", 0), local.counts("kompas", 0)
    assert shared[0] == own[0] == 4
    assert sorted(shared[1], key=lambda c: c.line) == sorted(own[1], key=lambda c: c.line)
    assert len(shared[1]) == 1  # the promo: no other line is in two articles
    (count,) = one.counts("kompas", 0)[1]
    assert (count.articles, count.days, count.text) == (4, 4, promo)
    assert template_of(two) == {normalise(promo)}
    # Forgotten in both once out of the window.
    late = (record("https://x/late", "2024-05-01"), ["Satu kalimat."])
    learn(one, late, now=1_000_000.0 + 40 * 86400)
    assert one.counts("kompas", 1_000_000.0 + 10 * 86400) == (1, [])
    store.close()


@pytest.mark.parametrize(
    ("setting", "allowed"),
    [
        ("MEMORY_MIN_SHARE=2", "a number from 0 to 1"),
        ("MEMORY_MIN_ARTICLES=1", "a whole number, 2 or more"),
        ("MEMORY_WINDOW=a month", "a duration: 30m, 6h, 2d or 1w"),
    ],
)
def test_a_bad_memory_setting_stops_the_run_at_start(tmp_path, setting, allowed):
    name, _, value = setting.partition("=")
    result = run_scrapy("crawl", "kompas", "-s", setting, "-s", f"OUTPUT_DIR={tmp_path / 'out'}")
    assert result.returncode == 2
    assert f"Error: setting {name}={value!r} is not allowed: it takes {allowed}" in result.stderr
    assert "Traceback" not in result.stderr
