"""Every input accounted for: a broken profile, an upper-case host, an over-long URL, a cut output file."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import zlib
from collections import Counter
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE, SAMPLE_DATES, SCRAPY, crawl_sample, run_scrapy, stat
from test_crawl import outputs, records

from crawler.canonical import url_key
from crawler.ledger import OUTCOMES
from crawler.profiles import fold_host
from crawler.replay.server import ReplayServer

XMLNS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
SITE = "https://www.kompas.com"
PAGES = ROOT / "corpus" / "pages"
PLAIN = "http://nasional.kompas.com/read/2020/01/01/10000000/kasus-biasa"
UPPER = "https://NASIONAL.Kompas.COM/read/2020/01/02/10000000/kasus-huruf-besar"
LONG = "http://nasional.kompas.com/read/2020/01/03/10000000/kasus-" + "panjang-" * 260
LONG_SITEMAP = f"{SITE}/{'peta-' * 420}.xml"
LIMIT = 2083  # Scrapy's URLLENGTH_LIMIT, which Bersih keeps


def test_hosts_are_folded_and_nothing_else():
    assert fold_host(UPPER) == "https://nasional.kompas.com/read/2020/01/02/10000000/kasus-huruf-besar"
    assert (
        fold_host("HTTP://User@WWW.X.CO.ID:8080/Baca/A?Q=B#C") == "http://User@www.x.co.id:8080/Baca/A?Q=B#C"
    )
    assert fold_host("/Baca/Relatif") == "/Baca/Relatif"


def sample(directory: Path) -> None:
    """A replay folder: a sitemap index with an over-long child, and a sitemap of three articles."""
    directory.mkdir()
    html = {"Content-Type": "text/html"}
    lines = [
        {"url": fold_host(url) + "?page=all", "headers": html, "body": str(PAGES / f"kompas_{n}.html")}
        for n, url in enumerate((PLAIN, UPPER, LONG), 1)
    ]
    urlset = "".join(f"<url><loc>{u}</loc></url>" for u in (PLAIN, UPPER, LONG))
    (directory / "articles.xml").write_text(f'<?xml version="1.0"?><urlset {XMLNS}>{urlset}</urlset>')
    index = "".join(f"<sitemap><loc>{u}</loc></sitemap>" for u in (f"{SITE}/articles.xml", LONG_SITEMAP))
    (directory / "index.xml").write_text(f'<?xml version="1.0"?><sitemapindex {XMLNS}>{index}</sitemapindex>')
    xml = {"Content-Type": "application/xml"}
    lines.append({"url": f"{SITE}/sitemap-news.xml", "body": "index.xml", "headers": xml})
    lines.append({"url": f"{SITE}/articles.xml", "body": "articles.xml", "headers": xml})
    (directory / "responses.jsonl").write_text("".join(json.dumps(e) + "\n" for e in lines))


@pytest.fixture(scope="module")
def odd_urls(tmp_path_factory):
    """One real crawl of the sample above: (result, manifest, output folder, the server's hits)."""
    assert len(LONG) > LIMIT and len(LONG_SITEMAP) > LIMIT
    root = tmp_path_factory.mktemp("odd-urls")
    sample(root / "replay")
    server = ReplayServer(root / "replay").start_in_thread()
    try:
        result = run_scrapy(
            "crawl", "kompas", "-a", "dates=2020-01-01", "-s", f"REPLAY_SERVER={server.url}",
            "-s", f"OUTPUT_DIR={root / 'out'}", "-s", "EXTRACT_WORKERS=1",
        )  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
    manifests = list((root / "out").glob("*.manifest.json"))
    assert len(manifests) == 1, result.stderr[-3000:]
    return result, json.loads(manifests[0].read_text()), root / "out", dict(server.hits)


def test_an_article_under_an_upper_case_host_is_fetched_written_and_in_the_manifest(odd_urls):
    result, manifest, out, hits = odd_urls
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    entries = {e["key"]: e for e in manifest["urls"]}
    entry = entries[url_key(UPPER)]
    assert (entry["url"], entry["outcome"], entry["reason"]) == (fold_host(UPPER), "written", "")
    # Requested once, under the host as folded (the replay server sees https as http).
    asked = {url: n for url, n in hits.items() if "kasus-huruf-besar" in url}
    assert asked == {"http://nasional.kompas.com/read/2020/01/02/10000000/kasus-huruf-besar?page=all": 1}
    written = {r["url"] for r in records(outputs(out)[0])}
    assert written == {PLAIN, fold_host(UPPER)}


def test_an_over_long_url_is_rejected_by_name_and_never_requested(odd_urls):
    result, manifest, _, hits = odd_urls
    log = result.stderr
    entries = {e["key"]: e for e in manifest["urls"]}
    entry = entries[url_key(LONG)]
    assert (entry["url"], entry["outcome"], entry["reason"]) == (LONG, "rejected", "url-too-long")
    assert f"over URLLENGTH_LIMIT {LIMIT}" in entry["detail"]
    assert [e for e in manifest["urls"] if e["reason"] == "no-outcome"] == []
    assert (
        len(re.findall(r"rejected \(url-too-long\): http://nasional\.kompas\.com/read/2020/01/03/", log)) == 1
    )
    assert stat(log, "bersih/rejected/url-too-long") == 1
    # An over-long sitemap is a discovery failure, named and counted, like one that cannot be fetched.
    assert f"Could not read {LONG_SITEMAP[:100]}" in log
    assert stat(log, "bersih/discovery/failed/url-too-long") == 1
    assert not any(len(url) > LIMIT for url in hits), [u[:100] for u in hits if len(u) > LIMIT]
    assert manifest["counts"] == {"scheduled": 3, "written": 2, "skipped": 0, "duplicate": 0, "rejected": 1,
                                  "failed": 0}  # fmt: skip


def test_the_run_summary_counts_what_the_manifest_counts(odd_urls):
    result, manifest, _, _ = odd_urls
    summary = next(line for line in result.stderr.splitlines() if "Run summary for kompas" in line)
    assert_summary_matches(summary, manifest)


def assert_summary_matches(summary: str, manifest: dict) -> None:
    """Every count of the manifest, and every reason with its count, in the summary line."""
    counts = manifest["counts"]
    assert re.search(rf"\b{counts['scheduled']} scheduled\b", summary), summary
    segments = dict(
        (m[2], (int(m[1]), m[3] or ""))
        for m in re.finditer(
            rf"(\d+) ({'|'.join(OUTCOMES)})(?: \(([^)]*)\))?", summary.split("scheduled")[-1]
        )
    )
    assert {o: n for o, (n, _) in segments.items()} == {o: counts[o] for o in OUTCOMES}, summary
    reasons = Counter((e["outcome"], e["reason"]) for e in manifest["urls"] if e["reason"])
    for (outcome, reason), n in reasons.items():
        assert f"{reason} {n}" in segments[outcome][1].split(", "), (outcome, reason, summary)


def test_a_stopped_run_has_the_same_failures_in_its_summary_and_its_manifest(tmp_path):
    """A run closed early leaves URLs with no outcome: the summary counts them as the manifest does."""
    replay = tmp_path / "replay"
    replay.mkdir()
    urls = [f"http://nasional.kompas.com/read/2020/01/01/{n:08d}/kasus" for n in range(120)]
    page = {"headers": {"Content-Type": "text/html"}, "body": str(PAGES / "kompas_6.html")}
    lines = [{"url": f"{url}?page=all", **page} for url in urls]
    urlset = "".join(f"<url><loc>{u}</loc></url>" for u in urls)
    (replay / "sitemap.xml").write_text(f'<?xml version="1.0"?><urlset {XMLNS}>{urlset}</urlset>')
    lines.append({"url": f"{SITE}/sitemap-news.xml", "body": "sitemap.xml"})
    (replay / "responses.jsonl").write_text("".join(json.dumps(e) + "\n" for e in lines))
    # The first record written closes the run; the pages waiting to be cleaned hold back the
    # downloads (SCRAPER_SLOT_MAX_ACTIVE_SIZE), so most of the 120 are still queued then.
    result = run_scrapy(
        "crawl", "kompas", "-a", "dates=2020-01-01", "-s", f"REPLAY_DIR={replay}",
        "-s", f"OUTPUT_DIR={tmp_path / 'out'}", "-s", "CLOSESPIDER_ITEMCOUNT=1", "-s", "EXTRACT_WORKERS=1",
    )  # fmt: skip
    manifest = json.loads(next((tmp_path / "out").glob("*.manifest.json")).read_text())
    stopped = [e for e in manifest["urls"] if e["reason"] == "no-outcome"]
    assert manifest["counts"]["scheduled"] == 120 and stopped, manifest["counts"]
    summary = next(line for line in result.stderr.splitlines() if "Run summary for kompas" in line)
    assert "(closespider_itemcount)" in summary
    assert f"no-outcome {len(stopped)}" in summary, summary
    assert_summary_matches(summary, manifest)


# --- crawlall and a profile that cannot be loaded ----------------------------------------------


def project_copy(directory: Path, broken: str) -> Path:
    """The project's code with two profiles, kompas and a broken one: the real CLI, another sites folder."""
    for name in ("crawler", "pipelines", "settings"):
        shutil.copytree(ROOT / name, directory / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "scrapy.cfg", directory)
    sites = directory / "crawler" / "sites"
    for profile in sites.glob("*.toml"):
        if profile.name != "kompas.toml":
            profile.unlink()
    (sites / "rusak.toml").write_text(broken)
    return directory


def crawlall(project: Path, out: Path, *options: str) -> subprocess.CompletedProcess:
    """A real `scrapy crawlall` run in a copy of the project, of the demo sample."""
    return subprocess.run(
        [*SCRAPY, "crawlall", *options, "-s", f"REPLAY_DIR={SAMPLE}", "-s", f"OUTPUT_DIR={out}",
         "-s", f"STATE_DIR={out.parent / 'state'}", "-s", "EXTRACT_WORKERS=1", "-a", f"dates={SAMPLE_DATES}"],
        cwd=project, env={**os.environ, "PYTHONPATH": str(project)}, capture_output=True, text=True,
        timeout=180,
    )  # fmt: skip


def test_crawlall_names_a_profile_that_is_not_toml_crawls_the_others_and_exits_2(tmp_path):
    project = project_copy(tmp_path / "project", 'name = "rusak"\ntitle = \n')
    result = crawlall(project, tmp_path / "out", "--verified")
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr[-3000:]
    assert str(project / "crawler" / "sites" / "rusak.toml") in errors[0]
    assert "not valid TOML" in errors[0] and "line 2" in errors[0], errors[0]
    assert result.returncode == 2, result.stderr[-3000:]
    # The others still ran: the operator gets the sites that work, and the status that says one did not.
    written = records(outputs(tmp_path / "out")[0])
    assert len(written) == 5 and {r["site"] for r in written} == {"kompas"}


def test_crawlall_of_working_profiles_only_exits_0(tmp_path):
    """The control: the same copy, the broken profile not chosen, no error and status 0."""
    project = project_copy(tmp_path / "project", 'name = "rusak"\ntitle = \n')
    result = crawlall(project, tmp_path / "out", "--sites", "kompas")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Error: " not in result.stderr
    assert len(records(outputs(tmp_path / "out")[0])) == 5


def test_crawlall_names_a_profile_with_a_bad_field(tmp_path):
    good = (
        (ROOT / "crawler" / "sites" / "kompas.toml").read_text().replace('name = "kompas"', 'name = "rusak"')
    )
    project = project_copy(tmp_path / "project", good.replace('timezone = "+07:00"', 'timezone = "WIB"'))
    result = crawlall(project, tmp_path / "out")
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and "rusak.toml: field 'timezone' must look like +07:00" in errors[0], errors
    assert result.returncode == 2


# --- rebuildstate and a cut output file ------------------------------------------------------


@pytest.fixture(scope="module")
def written_sample(tmp_path_factory) -> bytes:
    """The bytes of the five records a real crawl of the demo sample writes."""
    out = tmp_path_factory.mktemp("written") / "out"
    result = crawl_sample(out)
    assert result.returncode == 0, result.stderr[-3000:]
    (final,), _ = outputs(out)
    return final.read_bytes()


def cut_gzip(data: bytes) -> bytes:
    """A gzip stream cut inside its fifth line: four whole records, then part of one."""
    packed = gzip.compress(data)
    for end in range(len(packed) - 10, 0, -20):
        start = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(packed[:end])
        if start.count(b"\n") == 4 and not start.endswith(b"\n"):
            return packed[:end]
    raise AssertionError("no cut point inside the fifth record")


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz"])
def test_rebuildstate_names_a_cut_last_line_and_keeps_every_whole_record(written_sample, tmp_path, suffix):
    lines = written_sample.splitlines(keepends=True)
    assert len(lines) == 5
    cut = written_sample[: len(written_sample) - len(lines[-1]) // 2]  # half the last record
    path = tmp_path / "out" / "kompas" / "2026-01-01" / f"20260101T000000Z-kompas-abcdef{suffix}"
    path.parent.mkdir(parents=True)
    path.write_bytes(cut_gzip(written_sample) if suffix.endswith(".gz") else cut)
    result = run_scrapy("rebuildstate", str(tmp_path / "out"), "-s", f"STATE_DIR={tmp_path / 'state'}")
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stderr  # a warning: what the line held is fetched again
    damage = [line for line in result.stderr.splitlines() if line.startswith(str(path))]
    assert len(damage) == 1, result.stderr
    assert damage[0].startswith(f"{path}: line 5: cut short: the file ends inside this record"), damage
    assert damage[0].endswith("; left out") and ("gzip stream is cut short" in damage[0]) == (
        suffix == ".jsonl.gz"
    )
    assert f"Rebuilt {tmp_path / 'state' / 'bersih.sqlite3'}: 4 articles from 1 files" in result.stdout

    # The next run skips the four articles the state now knows, and writes the cut one again.
    cut_url = json.loads(lines[-1])["url"]
    again = crawl_sample(tmp_path / "again", f"STATE_DIR={tmp_path / 'state'}")
    manifest = json.loads(next((tmp_path / "again").glob("*.manifest.json")).read_text())
    outcomes = {e["url"]: e["outcome"] for e in manifest["urls"]}
    assert outcomes.pop(cut_url) == "written", again.stderr[-3000:]
    assert set(outcomes.values()) == {"skipped"} and len(outcomes) == 4, outcomes


def test_rebuildstate_exits_2_on_a_file_with_no_readable_record(written_sample, tmp_path):
    good = tmp_path / "out" / "kompas" / "2026-01-01" / "20260101T000000Z-kompas-abcdef.jsonl"
    good.parent.mkdir(parents=True)
    good.write_bytes(written_sample)
    bad = good.with_name("20260102T000000Z-kompas-123456.jsonl.gz")
    bad.write_bytes(b"\x1f\x8b\x08\x00 not really gzip")
    result = run_scrapy("rebuildstate", str(tmp_path / "out"), "-s", f"STATE_DIR={tmp_path / 'state'}")
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, result.stderr
    assert f"{bad}: line 1: not readable as gzip" in result.stderr
    assert f"Error: no readable record in {bad}" in result.stderr
    assert "5 articles from 2 files" in result.stdout


def test_rebuildstate_reads_parquet_output(tmp_path):
    out = tmp_path / "out"
    result = crawl_sample(out, "OUTPUT_FORMAT=parquet")
    assert result.returncode == 0, result.stderr[-3000:]
    manifest = json.loads(next(out.glob("*.manifest.json")).read_text())
    assert [Path(o["path"]).suffix for o in manifest["outputs"]] == [".parquet"]
    rebuilt = run_scrapy("rebuildstate", str(out), "-s", f"STATE_DIR={tmp_path / 'state'}")
    assert rebuilt.returncode == 0 and "Traceback" not in rebuilt.stderr, rebuilt.stderr
    assert f"Rebuilt {tmp_path / 'state' / 'bersih.sqlite3'}: 5 articles from 1 files" in rebuilt.stdout
    again = crawl_sample(tmp_path / "again", f"STATE_DIR={tmp_path / 'state'}")
    manifest = json.loads(next((tmp_path / "again").glob("*.manifest.json")).read_text())
    assert {e["outcome"] for e in manifest["urls"]} == {"skipped"}, again.stderr[-3000:]
