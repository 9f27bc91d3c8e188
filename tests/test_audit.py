"""The cleaning audit (CLEANING_AUDIT): what cleaning removed, by which rule of which layer.

On the repository's recorded pages: every removed fragment is the page's own text; the boilerplate
the gold annotations name is either outside the article's container or in `removed`; known lines
are removed by the rules written here by hand. A real crawl writes the run's side file, whose counts
this file adds up again from the written records; `scrapy extract --explain` shows a removed line
and its rule, on a file and on a URL served by the replay.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import lxml.html
import pytest
from conftest import ROOT, SAMPLE_DATES, run_scrapy
from jsonschema import Draft202012Validator
from test_state import own_sample

from crawler.explain import explained
from crawler.extract import extract, stitch
from crawler.extract.audit import LAYERS
from crawler.integrity import holes
from crawler.profiles import all_profiles
from crawler.quality import collapse
from crawler.removals import report, tally

SEED_PAGE = ROOT / "tests" / "data" / "seed" / "kompas-zelensky-brussels.html"
SEED_CLEAN = ROOT / "tests" / "data" / "seed" / "kompas-zelensky-brussels.clean.txt"
SEED_URL = "https://internasional.kompas.com/read/2024/12/19/120000070/zelensky"
SCHEMA = json.loads((ROOT / "crawler" / "record.schema.json").read_text(encoding="utf-8"))

# Lines of recorded pages and the (layer, rule) that removes each, read off the pages and the rule files.
KNOWN = {
    "seed": [
        ("Baca juga: Zelensky Yakin Pasukan Korea Utara dalam Jumlah Besar Dilibatkan Serangan di Kursk",
         "profile", "a.inner-link-baca-juga"),
        ("ADVERTISEMENT", "profile", ".ads-on-body"),
        ("Halaman 2 Show All", "tree", r"class_patterns: (^|[\s_])paging($|\s)"),
        ("Di saat situasi tidak menentu, Kompas.com tetap berkomitmen memberikan fakta jernih dari lapangan. "
         "Ikuti terus update terkini dan notifikasi penting di Aplikasi Kompas.com. Download di sini",
         "lines", "call-to-action"),
        ("Pastikan kamu sudah install aplikasi WhatsApp ya.", "profile",
         r"pastikan kamu sudah install aplikasi whatsapp ya\.?"),  # crawler/sites/kompas.toml, text_patterns
    ],
    "liputan6_2": [("Baca Juga", "tree", "teaser_headings: baca juga")],
    "detik_m2": [("Simak juga Video: Inflasi Pangan Melampaui Kenaikan UMR Pekerja", "lines", "teaser")],
    "mediaindonesia_1": [
        ("Baca juga : Hasil Penyelidikan Tambang Nikel Raja Ampat Segera Dirilis", "profile",
         "p.related-news"),
    ],
    "jpnn_1": [
        ("BERITA TERKAIT", "tree",
         "teaser_headings: (berita|artikel|video|foto) (terkait|lainnya|pilihan|populer|terpopuler)"),
        ("Anggota DPR RI Kamrussamad (ANTARA/Facebook/Kamrussamad)", "tree", "class_patterns: caption"),
        ("Silakan baca konten menarik lainnya dari JPNN.com di Google News", "trafilatura", "not-extracted"),
        ("Redaktur & Reporter : Boy", "lines", "byline"),
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def audited(corpus) -> dict[str, tuple[object, dict]]:
    """Each recorded page and its record, cleaned with the audit."""
    return {page.name: (page, extract(page.html, url=page.url, audit=True)) for page in corpus}


def test_the_audit_is_off_by_default_and_changes_nothing_it_records(audited):
    for page, record in audited.values():
        plain = extract(page.html, url=page.url)
        assert plain["removed"] is None, page.name
        assert record["removed"] is not None, page.name
        assert {k: v for k, v in plain.items() if k not in ("removed", "crawled_at")} == {
            k: v for k, v in record.items() if k not in ("removed", "crawled_at")
        }, page.name


def test_every_removed_fragment_is_a_run_of_the_pages_own_text(audited):
    fragments = Counter()
    for page, record in audited.values():
        for removal in record["removed"]:
            assert set(removal) == {"text", "rule", "layer"}, page.name
            assert removal["text"] and removal["rule"], page.name
            assert removal["layer"] in ("profile", "tree", "trafilatura", "lines"), removal
            assert holes(page.html, removal["text"]) == [], (page.name, removal)
            fragments[removal["layer"]] += 1
    assert all(fragments[layer] for layer in ("profile", "tree", "trafilatura", "lines")), fragments


def test_the_known_boilerplate_of_the_article_is_accounted_for(audited):
    """Each gold `without` snippet inside the article's container is in `removed`; none is in the text."""
    inside = 0
    for page, record in audited.values():
        profile = all_profiles()[record["site"]]
        _, body = profile.layout_for(lxml.html.document_fromstring(page.html))
        assert record["cleaning"] == "profile" and body is not None, page.name
        container = collapse(body.text_content())
        removed = collapse(" \n ".join(r["text"] for r in record["removed"]))
        for snippet in page.without:
            assert collapse(snippet) not in collapse(record["text"]), (page.name, snippet)
            if collapse(snippet) in container:
                inside += 1
                assert collapse(snippet) in removed, (page.name, snippet)
    assert inside >= 100, inside  # the check bites: most pages have boilerplate inside their container


def test_known_lines_are_removed_by_their_rule_in_their_layer(audited):
    records = {name: record for name, (_, record) in audited.items()}
    records["seed"] = extract(SEED_PAGE.read_bytes(), audit=True)
    assert records["seed"]["text"] == SEED_CLEAN.read_text(encoding="utf-8").strip()
    for name, lines in KNOWN.items():
        removed = [(r["text"], r["layer"], r["rule"]) for r in records[name]["removed"]]
        for line in lines:
            assert line in removed, (name, line, removed)


def test_the_record_schema_declares_removed_and_accepts_the_memory_layer():
    spec = SCHEMA["properties"]["removed"]
    assert spec["type"] == ["array", "null"] and "removed" in SCHEMA["required"]
    assert spec["items"]["properties"]["layer"]["enum"] == list(LAYERS)
    assert "memory" in LAYERS
    record = extract(SEED_PAGE.read_bytes(), audit=True)
    validator = Draft202012Validator(SCHEMA)
    learned = {"text": "Harga Beras Naik Lagi", "rule": "seen on 40 pages", "layer": "memory"}
    assert not list(validator.iter_errors({**record, "removed": [*record["removed"], learned]}))
    assert not list(validator.iter_errors({**record, "removed": None}))
    assert list(validator.iter_errors({**record, "removed": [{**learned, "layer": "guess"}]}))


def test_the_report_and_explain_take_a_removal_of_the_memory_layer():
    record = extract(SEED_PAGE.read_bytes(), audit=True)
    learned = {"text": "Harga Beras Naik Lagi", "rule": "seen on 40 pages", "layer": "memory"}
    shown = explained({**record, "removed": [learned]}, SEED_PAGE.read_bytes()).splitlines()
    assert shown[2].endswith("1 fragments removed (4 words): memory 1")
    assert "[- Harga Beras Naik Lagi -]  ← memory: seen on 40 pages" in shown
    tallies: dict = {}
    tally(tallies, "kompas", [learned, learned])
    assert report("run", 1, Counter(kompas=1), tallies)["by_rule"] == [
        {"layer": "memory", "rule": "seen on 40 pages", "fragments": 2, "words": 8}
    ]


def test_a_multi_page_article_lists_the_removals_of_every_page():
    first = extract(SEED_PAGE.read_bytes(), audit=True)
    more = [{"text": "Baca juga: Judul Lain", "rule": "teaser", "layer": "lines"}]
    second = {**first, "text": "Paragraf halaman dua.", "removed": more}
    assert stitch([first, second])["removed"] == [*first["removed"], *second["removed"]]
    assert stitch([{**first, "removed": None}, {**second, "removed": None}])["removed"] is None


# --- A real crawl ------------------------------------------------------------------------------


def seed_replay(parent: Path) -> Path:
    """The demo sample, its news sitemap also listing the seed article and the recorded kompas_m pages."""
    replay = own_sample(parent)
    entries = [json.loads(line) for line in (replay / "responses.jsonl").read_text().splitlines()]
    pages = {SEED_URL: SEED_PAGE}
    for n in (1, 2, 4, 5):
        gold = json.loads((ROOT / "corpus" / "gold" / f"kompas_m{n}.json").read_text(encoding="utf-8"))
        pages[gold["url"]] = ROOT / "corpus" / "pages" / gold["file"]
    listed = "".join(f"  <url><loc>{url}</loc></url>\n" for url in pages)
    sitemap = replay / "sitemap-news.xml"
    sitemap.write_text(sitemap.read_text(encoding="utf-8").replace("</urlset>", listed + "</urlset>"))
    html = {"Content-Type": "text/html"}
    for url, path in pages.items():
        shutil.copy(path, replay / path.name)
        entries.append({"url": f"{url}?page=all", "body": path.name, "headers": html})  # Kompas's single page
    (replay / "responses.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))
    return replay


@pytest.fixture(scope="module")
def replay(tmp_path_factory) -> Path:
    return seed_replay(tmp_path_factory.mktemp("audit"))


def crawl(replay: Path, out: Path, *settings: str):
    extra = [part for setting in settings for part in ("-s", setting)]
    result = run_scrapy("crawl", "kompas", "-s", f"REPLAY_DIR={replay}", "-s", f"OUTPUT_DIR={out}",
                        "-a", f"dates={SAMPLE_DATES}", *extra)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    manifest = json.loads(next(out.glob("*.manifest.json")).read_text(encoding="utf-8"))
    records = [
        json.loads(line)
        for output in manifest["outputs"]
        for line in (out / output["path"]).read_text(encoding="utf-8").splitlines()
    ]
    return manifest, records


def test_a_crawl_with_the_audit_writes_the_side_file_that_adds_up_its_records(replay, tmp_path):
    out = tmp_path / "out"
    manifest, records = crawl(replay, out, "CLEANING_AUDIT=1", "CHECKPOINT_RECORDS=3")
    assert len(records) == 10 and len(manifest["outputs"]) >= 3  # the checkpoints committed parts
    side = json.loads((out / f"{manifest['run_id']}.removed.json").read_text(encoding="utf-8"))
    assert not list(out.glob(".*.part"))

    # Counted here from the records as written, by (site, layer, rule).
    fragments, words, texts = Counter(), Counter(), {}
    for record in records:
        for removal in record["removed"]:
            key = (record["site"], removal["layer"], removal["rule"])
            fragments[key] += 1
            words[key] += len(removal["text"].split())
            texts.setdefault(key, set()).add(removal["text"])
    assert len(fragments) >= 5 and {key[1] for key in fragments} >= {"profile", "tree", "lines"}
    rows = {(r["site"], r["layer"], r["rule"]): r for r in side["by_site_rule"]}
    assert set(rows) == set(fragments)
    for key, row in rows.items():
        assert (row["fragments"], row["words"]) == (fragments[key], words[key]), key
        assert row["examples"] and all(e in texts[key] or e.endswith("…") for e in row["examples"]), key
    assert side["run_id"] == manifest["run_id"] and side["records"] == len(records)
    assert side["by_site"] == {
        "kompas": {"records": 10, "fragments": sum(fragments.values()), "words": sum(words.values())}
    }
    seed = next(r for r in records if r["url"] == SEED_URL)
    line = "Baca juga: Zelensky Berterima Kasih ke Trump atas Tekad Akhiri Perang Rusia-Ukraina"
    removed = [(r["text"], r["layer"], r["rule"]) for r in seed["removed"]]
    assert (line, "profile", "a.inner-link-baca-juga") in removed


def test_a_crawl_without_the_audit_writes_removed_null_and_no_side_file(replay, tmp_path):
    out = tmp_path / "out"
    _, records = crawl(replay, out)
    assert len(records) == 10 and all(record["removed"] is None for record in records)
    assert not list(out.glob("*.removed.json"))


# --- scrapy extract --explain --------------------------------------------------------------------


def test_explain_shows_a_removed_line_with_its_rule_on_a_recorded_page():
    gold = json.loads((ROOT / "corpus" / "gold" / "jpnn_1.json").read_text(encoding="utf-8"))
    page = ROOT / "corpus" / "pages" / gold["file"]
    result = run_scrapy("extract", "--explain", "--url", gold["url"], str(page))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    byline = "[- Redaktur & Reporter : Boy -]  ← lines: byline"
    caption = (
        "[- Anggota DPR RI Kamrussamad (ANTARA/Facebook/Kamrussamad) -]  ← tree: class_patterns: caption"
    )
    assert byline in lines and caption in lines
    # in page order: the caption stands before the article's first paragraph, the byline after its last
    first = next(i for i, line in enumerate(lines) if line.startswith("jpnn.com, JAKARTA - Anggota DPR"))
    assert lines.index(caption) < first < lines.index(byline)
    assert result.stderr == ""


def test_explain_fetches_a_url_as_a_crawl_does(replay):
    result = run_scrapy("extract", "--explain", "-s", f"REPLAY_DIR={replay}", f"{SEED_URL}?page=all",
                        "https://www.kompas.com/search/zelensky")  # fmt: skip
    assert result.returncode == 1
    assert result.stdout.splitlines()[1] == SEED_URL
    assert (
        "[- Baca juga: Zelensky Yakin Pasukan Korea Utara dalam Jumlah Besar Dilibatkan Serangan di Kursk -]"
        "  ← profile: a.inner-link-baca-juga"
    ) in result.stdout.splitlines()
    assert result.stderr.splitlines() == [
        "https://www.kompas.com/search/zelensky: could not fetch the page (Forbidden by robots.txt)",
        "extract: 1 of 2 page(s) gave no record",
    ]


def test_the_readme_shows_the_explain_output_of_the_seed_article_as_the_command_prints_it():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = "$ .venv/bin/scrapy extract --explain tests/data/seed/kompas-zelensky-brussels.html\n"
    start = readme.index(command) + len(command)
    shown = readme[start : readme.index("\n```", start)]
    result = run_scrapy("extract", "--explain", str(SEED_PAGE.relative_to(ROOT)))
    assert result.returncode == 0, result.stderr
    assert shown == result.stdout.rstrip("\n")
