"""Scheduled runs: only what is new is written, every URL is accounted for, state is never silently lost."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE, crawl_sample
from test_crawl import outputs, records

from crawler.ledger import OUTCOMES
from crawler.state import StateError, StateStore, Written


def crawl(replay: Path, out: Path, state: Path, *settings: str):
    return crawl_sample(out, f"STATE_DIR={state}", *settings, replay=replay)


def manifests(out: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(out.glob("*.manifest.json"))]


def latest(out: Path) -> dict:
    """The manifest of the run that started last."""
    return max(manifests(out), key=lambda m: m["started_at"] + m["run_id"])


def own_sample(tmp_path: Path) -> Path:
    """A copy of the demo sample whose pages can be changed between runs."""
    replay = tmp_path / "replay"
    shutil.copytree(SAMPLE, replay)
    entries = [json.loads(line) for line in (replay / "responses.jsonl").read_text().splitlines()]
    for entry in entries:
        if entry.get("body", "").startswith("../"):
            name = Path(entry["body"]).name
            shutil.copy((SAMPLE / entry["body"]).resolve(), replay / name)
            entry["body"] = name
    (replay / "responses.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))
    return replay


def test_second_run_writes_nothing_and_counts_every_article_as_skipped(tmp_path):
    out, state = tmp_path / "out", tmp_path / "state"
    first = crawl(SAMPLE, out, state)
    assert first.returncode == 0, first.stderr[-3000:]
    second = crawl(SAMPLE, out, state)
    assert second.returncode == 0, second.stderr[-3000:]
    assert len(records(outputs(out)[0])) == 5  # all from the first run
    runs = manifests(out)
    assert [m["counts"]["written"] for m in runs] == [5, 0] or [m["counts"]["written"] for m in runs] == [
        0,
        5,
    ]
    last = max(runs, key=lambda m: m["started_at"] + m["run_id"])
    assert last["counts"] == {
        "scheduled": 5,
        "written": 0,
        "skipped": 5,
        "duplicate": 0,
        "rejected": 0,
        "failed": 0,
    }
    assert {entry["reason"] for entry in last["urls"]} <= {"unchanged", "content-unchanged"}
    for manifest in runs:
        counts = manifest["counts"]
        assert counts["scheduled"] == sum(counts[o] for o in OUTCOMES)


def correct_kompas_3(replay: Path) -> None:
    """The outlet updates kompas_3 (one sentence more) and its sitemap lastmod."""
    page = replay / "kompas_3.html"
    gold = json.loads((ROOT / "corpus" / "gold" / "kompas_3.json").read_text(encoding="utf-8"))
    sentence = gold["with"][1].encode("utf-8")
    assert sentence in page.read_bytes()
    page.write_bytes(
        page.read_bytes().replace(sentence, sentence + b" Pemerintah akan mengumumkan hasilnya pekan depan.")
    )
    sitemap = replay / "sitemap-news.xml"
    sitemap.write_text(sitemap.read_text().replace("2016-02-16T14:38:23+07:00", "2016-02-17T08:00:00+07:00"))


def test_a_changed_article_is_written_again_as_a_new_revision(tmp_path):
    replay, out, state = own_sample(tmp_path), tmp_path / "out", tmp_path / "state"
    assert crawl(replay, out, state).returncode == 0
    (first_file,) = outputs(out)[0]
    before = {r["url"]: r for r in records([first_file])}
    correct_kompas_3(replay)
    result = crawl(replay, out, state)
    assert result.returncode == 0, result.stderr[-3000:]
    new_files = [f for f in outputs(out)[0] if f != first_file]
    (changed,) = records(new_files)
    assert changed["revision"] == 2
    assert changed["previous_content_hash"] == before[changed["url"]]["content_hash"]
    assert changed["content_hash"] != before[changed["url"]]["content_hash"]
    assert "pekan depan" in changed["text"]
    last = max(manifests(out), key=lambda m: m["started_at"] + m["run_id"])
    assert last["counts"]["written"] == 1 and last["counts"]["skipped"] == 4


def test_the_same_text_under_a_new_url_in_a_later_run_is_a_duplicate(tmp_path):
    replay, out, state = own_sample(tmp_path), tmp_path / "out", tmp_path / "state"
    assert crawl(replay, out, state).returncode == 0
    copy = "http://nasional.kompas.com/read/2016/02/16/99999999/salinan.menteri.yuddy"
    index = replay / "indeks-2016-02-23.html"
    index.write_text(
        index.read_text().replace(
            "</div>\n  <a", f'<a class="article__link" href="{copy}">x</a></div>\n  <a', 1
        )
    )
    with (replay / "responses.jsonl").open("a") as fh:
        fh.write(
            json.dumps(
                {"url": copy + "?page=all", "body": "kompas_3.html", "headers": {"Content-Type": "text/html"}}
            )
            + "\n"
        )
    result = crawl(replay, out, state)
    assert result.returncode == 0, result.stderr[-3000:]
    last = max(manifests(out), key=lambda m: m["started_at"] + m["run_id"])
    entry = next(e for e in last["urls"] if e["url"] == copy)
    assert entry["outcome"] == "duplicate"
    assert entry["reason"] == "exact-duplicate"
    assert "Menteri.Yuddy" in entry["detail"]


def test_a_second_run_on_the_same_state_refuses_to_start(tmp_path):
    state = tmp_path / "state"
    holder = StateStore(state, timedelta(days=2))
    try:
        result = crawl(SAMPLE, tmp_path / "out", state)
    finally:
        holder.close()
    assert result.returncode != 0
    assert "another Bersih run is using this state" in result.stderr
    assert outputs(tmp_path / "out")[0] == []


def test_a_corrupt_state_file_is_named_with_the_way_out(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    (state / "bersih.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(StateError, match=r"not a usable state database.*Move it aside"):
        StateStore(state, timedelta(days=2))
    result = crawl(SAMPLE, tmp_path / "out", state)
    assert result.returncode != 0
    assert f"{state / 'bersih.sqlite3'} is not a usable state database" in result.stderr


def test_renames_committed_before_a_kill_are_finished_by_the_next_run(tmp_path):
    store = StateStore(tmp_path / "state", timedelta(days=2))
    partial, final = tmp_path / ".run.jsonl.part", tmp_path / "run.jsonl"
    partial.write_text('{"url": "x"}\n')
    written = Written(
        "kompas.com/read/1", "https://kompas.com/read/1", "kompas", "sha256:" + "0" * 64, 1, None, None
    )
    store.commit([written], [(partial, final)], "run-1")
    store.close()  # killed here: committed, not renamed
    assert partial.exists() and not final.exists()
    again = StateStore(tmp_path / "state", timedelta(days=2))
    assert again.finish_renames() == 1
    assert final.read_text() == '{"url": "x"}\n' and not partial.exists()
    assert again.known("kompas.com/read/1").content_hash == "sha256:" + "0" * 64
    again.close()


def regional_edition(page: Path) -> bytes:
    """The article as a regional edition runs it: its own dateline on the lead, the rest the same."""
    lead = json.loads((ROOT / "corpus" / "gold" / "kompas_3.json").read_text(encoding="utf-8"))["with"][0]
    raw = page.read_bytes()
    assert lead.encode("utf-8") in raw
    return raw.replace(lead.encode("utf-8"), ("MEDAN, KOMPAS.com Regional - " + lead).encode("utf-8"), 1)


COPY_URL = "http://regional.kompas.com/read/2016/02/16/15000001/menteri.yuddy.ancam.pns.edisi.daerah"


def add_article(replay: Path, url: str, body: bytes) -> str:
    """Serve a page at `url` (in single-page form) and list it on the 23 February index; return the URL."""
    name = url.rstrip("/").rsplit("/", 1)[-1] + ".html"
    (replay / name).write_bytes(body)
    index = replay / "indeks-2016-02-23.html"
    link = f'<a class="article__link" href="{url}">x</a></div>\n  <a'
    index.write_text(index.read_text().replace("</div>\n  <a", link, 1))
    entry = {"url": url + "?page=all", "body": name, "headers": {"Content-Type": "text/html"}}
    with (replay / "responses.jsonl").open("a") as fh:
        fh.write(json.dumps(entry) + "\n")
    return url


def add_detik_copy(replay: Path) -> str:
    """detik runs kompas_3's story on the same day, under its own URL and dateline; return its URL."""
    copy = "https://news.detik.com/berita/d-3142001/menteri-yuddy-ancam-pns-yang-terlibat-narkoba"
    (replay / "detik-copy.html").write_bytes(regional_edition(replay / "kompas_3.html"))
    (replay / "detik-indeks.html").write_text(f'<html><body><a href="{copy}">Menteri Yuddy</a></body></html>')
    html = {"Content-Type": "text/html"}
    entries = [
        {
            "url": "https://news.detik.com/indeks?date=02/16/2016",
            "body": "detik-indeks.html",
            "headers": html,
        },
        {"url": f"{copy}?single=1", "body": "detik-copy.html", "headers": html},
    ]
    with (replay / "responses.jsonl").open("a") as fh:
        fh.write("".join(json.dumps(e) + "\n" for e in entries))
    return copy


def add_reports(replay: Path, count: int) -> None:
    """Add `count` articles to a replay folder: kompas_6 with a distinct lead each."""
    raw = (replay / "kompas_6.html").read_text(encoding="utf-8")
    start = raw.index("<div class='div-read'>") + len("<div class='div-read'>")
    for n in range(count):
        lead = f"<p>Laporan tambahan nomor {n} dari meja redaksi otomotif tentang pameran kendaraan.</p>"
        add_article(replay, f"http://otomotif.kompas.com/read/2016/02/23/19000{n:03d}/laporan.{n}",
                    (raw[:start] + lead + raw[start:]).encode("utf-8"))  # fmt: skip


def slow_down(replay: Path, seconds: float) -> None:
    """Answer every article page of a replay folder `seconds` late, as a real site would."""
    entries = [json.loads(line) for line in (replay / "responses.jsonl").read_text().splitlines()]
    for entry in entries:
        if "/read/" in entry["url"]:
            entry["delay_seconds"] = seconds
    (replay / "responses.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))


def add_regional_copy(replay: Path) -> str:
    """Add the regional edition of kompas_3 to a replay folder; return its URL."""
    return add_article(replay, COPY_URL, regional_edition(replay / "kompas_3.html"))


def test_a_syndicated_copy_in_a_later_run_is_a_near_duplicate(tmp_path):
    replay, out, state = own_sample(tmp_path), tmp_path / "out", tmp_path / "state"
    assert crawl(replay, out, state).returncode == 0
    # A regional edition runs the same story under its own dateline and URL.
    copy = add_regional_copy(replay)
    result = crawl(replay, out, state)
    assert result.returncode == 0, result.stderr[-3000:]
    last = max(manifests(out), key=lambda m: m["started_at"] + m["run_id"])
    entry = next(e for e in last["urls"] if e["url"] == copy)
    assert (entry["outcome"], entry["reason"]) == ("duplicate", "near-duplicate")
    assert "Menteri.Yuddy" in entry["detail"]


def test_near_duplicates_can_be_marked_instead_of_dropped(tmp_path):
    replay, out, state = own_sample(tmp_path), tmp_path / "out", tmp_path / "state"
    copy = add_regional_copy(replay)
    result = crawl(replay, out, state, "DEDUP_ACTION=mark")
    assert result.returncode == 0, result.stderr[-3000:]
    written = records(outputs(out)[0])
    assert len(written) == 6
    marked = [r for r in written if r["duplicate_of"]]
    assert len(marked) == 1
    assert {marked[0]["url"], marked[0]["duplicate_of"]} == {
        copy,
        next(r["url"] for r in written if "Menteri.Yuddy" in r["url"]),
    }


def test_a_corrected_article_is_not_dropped_as_a_near_copy_of_its_own_dropped_copy(tmp_path):
    replay, out, state = own_sample(tmp_path), tmp_path / "out", tmp_path / "state"
    assert crawl(replay, out, state).returncode == 0
    copy = add_regional_copy(replay)
    assert crawl(replay, out, state).returncode == 0
    entry = next(e for e in latest(out)["urls"] if e["url"] == copy)
    assert (entry["outcome"], entry["reason"]) == ("duplicate", "near-duplicate")
    # The dropped copy left nothing behind: the state keeps the signatures of written records only.
    with sqlite3.connect(state / "bersih.sqlite3") as db:
        signed = {url for (url,) in db.execute("SELECT url FROM signatures")}
        written = {url for (url,) in db.execute("SELECT url FROM articles WHERE content_hash IS NOT NULL")}
    assert copy not in signed and signed == written
    correct_kompas_3(replay)
    result = crawl(replay, out, state)
    assert result.returncode == 0, result.stderr[-3000:]
    urls = {e["url"]: e for e in latest(out)["urls"]}
    original = next(u for u in urls if "Menteri.Yuddy" in u)
    assert urls[original]["outcome"] == "written", urls[original]  # the correction, not a "copy" of the copy
    (revised,) = [r for r in records(outputs(out)[0]) if r["url"] == original and r.get("revision") == 2]
    assert "pekan depan" in revised["text"]
    assert urls[copy]["outcome"] == "duplicate"  # and the copy is still the copy
