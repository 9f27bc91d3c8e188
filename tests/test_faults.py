"""The hostile web: one crawl over a sample with every fault, and every URL accounted for."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

from conftest import PATIENCE, ROOT, SCRAPY, stat
from test_crawl import outputs, records

from crawler.ledger import OUTCOMES
from crawler.replay.server import ReplayServer

PAGE = (ROOT / "corpus" / "pages" / "kompas_6.html").read_bytes()
TITLE = "Merek China “Serbu” Indonesia, Ini Kata Gaikindo"
BASE = "http://nasional.kompas.com/read/2020/01/{:02d}/10000000/kasus-{}"
SITE = "https://www.kompas.com"
XMLNS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def padded(size: int) -> bytes:
    """The real page, padded with prose to `size` bytes."""
    text = PAGE.decode("utf-8")
    start = text.index("<div class='div-read'>") + len("<div class='div-read'>")
    filler = (
        "<p>" + "Kalimat panjang tentang industri otomotif di Indonesia yang terus tumbuh. " * 5 + "</p>\n"
    )
    return (text[:start] + filler * (size // len(filler)) + text[start:]).encode("utf-8")


def latin1_meta_with_bom() -> bytes:
    return b"\xef\xbb\xbf" + PAGE.replace(b"<head>", b'<head><meta charset="iso-8859-1">', 1)


# name: (body, content type, fault, expected outcome, expected reason). Each is an article URL
# listed in the news sitemap; the server plays the fault for it. The big bodies are made when the
# test runs, not when the suite is collected.
CASES = {
    "ratelimit": (PAGE, "text/html", {"kind": "status", "status": 429, "retry_after": 2, "times": 1},
                  "written", ""),
    "flaky": (PAGE.replace(b"Gaikindo", b"Gaikindo (2)"), "text/html", {"kind": "status", "status": 503,
              "times": 2}, "written", ""),
    "down": (PAGE, "text/html", {"kind": "status", "status": 500}, "failed", "http-500"),
    "hang": (PAGE, "text/html", {"kind": "hang", "seconds": 120}, "failed", "DownloadTimeoutError"),
    "reset": (PAGE, "text/html", {"kind": "reset"}, "failed", "ResponseDataLossError"),
    "cut": (PAGE, "text/html", {"kind": "truncate"}, "failed", "ResponseDataLossError"),
    "truncated-html": (PAGE[: int(len(PAGE) * 0.6)], "text/html", None, "written", ""),
    "cp1252-as-utf8": (PAGE.decode("utf-8").encode("cp1252", errors="ignore"), "text/html; charset=utf-8",
                       None, "written", ""),
    "bom-latin1-meta": (latin1_meta_with_bom(), "text/html", None, "written", ""),
    "no-charset": (re.sub(rb"<meta[^>]*charset[^>]*>", b"", PAGE), "text/html", None, "written", ""),
    "png-as-html": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8, "text/html", None,
                    "rejected", "not-html"),
    "html-as-png": (PAGE, "image/png", None, "rejected", "not-html"),
    "fifty-mb": (lambda: padded(50 * 2**20), "text/html", None, "failed", "DownloadCancelledError"),
    "gzip-bomb": (PAGE, "text/html", {"kind": "gzip-bomb", "bytes": 200_000_000}, "failed", "too-large"),
    "loop": (None, None, None, "failed", "redirect-loop"),
    "elsewhere": (None, None, None, "skipped", "offsite"),
    "robots": (PAGE, "text/html", None, "skipped", "robots.txt"),
    "cleaner-hang": (lambda: padded(9_500_000), "text/html", None, "rejected", "cleaner-timeout"),
    "missing": (None, None, None, "failed", "http-404"),
}  # fmt: skip
LAUGHS = "".join(f'<!ENTITY lol{n} "{(f"&lol{n - 1};" if n > 1 else "&lol;") * 10}">' for n in range(1, 10))
SITEMAP_FAULTS = {
    "malformed.xml": "<html><body><h1>502 Bad Gateway</h1></body></html>",
    "empty.xml": f'<?xml version="1.0"?><urlset {XMLNS}></urlset>',
    "corrupt.xml.gz": "\x1f\x8b\x08\x00 not really gzip",
    "laughs.xml": f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">{LAUGHS}]>'
    f"<urlset {XMLNS}><url><loc>&lol9;</loc></url></urlset>",
    "xxe.xml": '<?xml version="1.0"?><!DOCTYPE u [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    f"<urlset {XMLNS}><url><loc>http://nasional.kompas.com/&xxe;</loc></url></urlset>",
}
DEPTH = 10
# Limits only a fault trips, however busy the machine: a download from loopback takes well under a
# second (the 16 MB cut of fifty-mb included), a page's cleaning under half a second on a new worker;
# the hang lasts 120 s, the 9.5 MB page takes some 45 s of CPU. Four tries of the hang take 40 s.
DOWNLOAD_TIMEOUT, EXTRACT_TIMEOUT = 10, 10


def fault_sample(directory: Path) -> dict[str, tuple[str, str]]:
    """The replay folder of the matrix; returns article URL -> (outcome, reason)."""
    lines, expected, locs = [], {}, []
    for day, (name, (body, content_type, fault, outcome, reason)) in enumerate(CASES.items(), 1):
        url = BASE.format(day, name)
        locs.append(url)
        expected[url] = (outcome, reason)
        if body is None:
            continue
        (directory / f"{name}.bin").write_bytes(body() if callable(body) else body)
        entry = {"url": url + "?page=all", "headers": {"Content-Type": content_type}, "body": f"{name}.bin"}
        lines.append({**entry, "fault": fault} if fault else entry)
    loop = next(u for u in locs if u.endswith("kasus-loop")) + "?page=all"
    lines.append(
        {"url": loop, "status": 302, "headers": {"Location": loop.replace("kasus-loop", "kasus-pool")}}
    )
    lines.append(
        {"url": loop.replace("kasus-loop", "kasus-pool"), "status": 302, "headers": {"Location": loop}}
    )
    away = next(u for u in locs if u.endswith("kasus-elsewhere")) + "?page=all"
    lines.append({"url": away, "status": 301, "headers": {"Location": "https://evil.example.com/steal"}})
    (directory / "robots.txt").write_text(
        f"User-agent: *\nDisallow: /read/2020/01/{list(CASES).index('robots') + 1:02d}/\n"
    )
    lines.append({"url": "http://nasional.kompas.com/robots.txt", "body": "robots.txt"})
    # The deepest of ten nested sitemap indexes lists one more article.
    deep = BASE.format(28, "terdalam")
    expected[deep] = ("written", "")
    (directory / "deep.bin").write_bytes(PAGE.replace(b"Gaikindo", b"Gaikindo (3)"))
    lines.append({"url": deep + "?page=all", "headers": {"Content-Type": "text/html"}, "body": "deep.bin"})
    children = ["good.xml", *SITEMAP_FAULTS, "nested-1.xml"]
    urlset = "".join(f"<url><loc>{u}</loc></url>" for u in locs)
    files = {"good.xml": f'<?xml version="1.0"?><urlset {XMLNS}>{urlset}</urlset>',
             **SITEMAP_FAULTS}  # fmt: skip
    for level in range(1, DEPTH + 1):
        inner = f"<sitemap><loc>{SITE}/nested-{level + 1}.xml</loc></sitemap>" if level < DEPTH else ""
        body = (f'<?xml version="1.0"?><sitemapindex {XMLNS}>{inner}</sitemapindex>'
                if level < DEPTH else
                f'<?xml version="1.0"?><urlset {XMLNS}><url><loc>{deep}</loc></url></urlset>')  # fmt: skip
        files[f"nested-{level}.xml"] = body
    for name, body in files.items():
        (directory / name).write_bytes(body.encode("latin-1"))
        lines.append({"url": f"{SITE}/{name}", "body": name, "headers": {"Content-Type": "application/xml"}})
    index = "".join(f"<sitemap><loc>{SITE}/{name}</loc></sitemap>" for name in children)
    (directory / "index.xml").write_text(f'<?xml version="1.0"?><sitemapindex {XMLNS}>{index}</sitemapindex>')
    lines.append(
        {
            "url": f"{SITE}/sitemap-news.xml",
            "body": "index.xml",
            "headers": {"Content-Type": "application/xml"},
        }
    )
    (directory / "responses.jsonl").write_text("".join(json.dumps(e) + "\n" for e in lines))
    return expected


def test_a_crawl_survives_every_fault_and_accounts_for_every_url(tmp_path):
    replay, out = tmp_path / "replay", tmp_path / "out"
    replay.mkdir()
    expected = fault_sample(replay)
    server = ReplayServer(replay).start_in_thread()
    try:
        result = subprocess.run(
            [*SCRAPY, "crawl", "kompas", "-a", "dates=2020-01-01", "-s", f"REPLAY_SERVER={server.url}",
             "-s", f"OUTPUT_DIR={out}", "-s", f"STATE_DIR={tmp_path / 'state'}",
             "-s", f"DOWNLOAD_TIMEOUT={DOWNLOAD_TIMEOUT}", "-s", f"EXTRACT_TIMEOUT={EXTRACT_TIMEOUT}",
             "-s", "EXTRACT_WORKERS=1", "-s", "DEDUP_ENABLED=0"],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
            timeout=PATIENCE,
        )  # fmt: skip
    finally:
        server.shutdown()
    log = result.stderr
    assert result.returncode in (0, 3), log[-3000:]  # 3: the health check fails on this many errors
    assert "Traceback" not in log, log[-5000:]

    # Every URL in the manifest, with its outcome and reason; the counts add up.
    manifest = json.loads(next(out.glob("*.manifest.json")).read_text())
    got = {e["url"]: (e["outcome"], e["reason"]) for e in manifest["urls"]}
    assert got == expected
    counts = manifest["counts"]
    assert counts["scheduled"] == len(expected) == sum(counts[o] for o in OUTCOMES)

    # Retried pages written once; the charsets read right.
    written = records(outputs(out)[0])
    assert sorted(r["url"] for r in written) == sorted(u for u, (o, _) in expected.items() if o == "written")
    for record in written:
        if record["url"].endswith(("kasus-cp1252-as-utf8", "kasus-bom-latin1-meta", "kasus-no-charset")):
            assert record["title"] == TITLE, record["url"]
    hits = {name: server.hits.get(BASE.format(n, name) + "?page=all", 0) for n, name in enumerate(CASES, 1)}
    assert hits["ratelimit"] == 2 and hits["flaky"] == 3 and hits["down"] == 4  # RETRY_TIMES = 3

    # Retry-After respected: the second request came two seconds or more after the 429.
    first, second = server.times[BASE.format(1, "ratelimit") + "?page=all"]
    assert second - first >= 2.0

    # DOWNLOAD_MAXSIZE and DOWNLOAD_WARNSIZE in force.
    assert "larger than download max size" in log
    assert "download warn size" in log
    # No entity expanded, no file read, no request outside the allowed domains.
    assert not any("root:" in url or "lol" in url for url in server.hits)
    assert all(re.match(r"https?://([a-z0-9-]+\.)*kompas\.com/", url) for url in server.hits), server.hits
    assert "Sitemap https://www.kompas.com/laughs.xml lists no entry" in log  # &lol9; left unexpanded
    assert stat(log, "memusage/max") < 2**30  # a billion laughs expanded would be gigabytes
    assert "root:" not in "".join(path.read_text(errors="replace") for path in out.rglob("*.json*"))
    # The article at the bottom of ten nested sitemap indexes: found, and fetched once.
    assert server.hits.get(BASE.format(28, "terdalam") + "?page=all") == 1

    # The end-of-run summary names each kind of failure with its count.
    summary = next(line for line in log.splitlines() if "Run summary for kompas" in line)
    for outcome, reason in {v for v in expected.values() if v[0] in ("failed", "rejected")}:
        count = sum(1 for v in expected.values() if v == (outcome, reason))
        assert f"{reason} {count}" in summary, (reason, summary)
