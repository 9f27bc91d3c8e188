"""`scrapy report`: real crawls, the real CLI, and the page opened in a real headless Chromium.

Three outlets are crawled twice into one output folder (the second run finds a Malay Mail article
gone, a health alarm), then Kompas pages with a planted promo teach the site memory its template.
The page is loaded over the DevTools protocol: its DOM as Chromium built it, every console message
and uncaught error, and a screenshot. Expected values are read from the manifests with json and
from the test's own constants, never from the report's code.
"""

from __future__ import annotations

import base64
import io
import itertools
import json
import shutil
import subprocess
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import PATIENCE, SAMPLE_DATES, run_scrapy, wait_until
from lxml import html
from PIL import Image
from test_loading import three_outlets
from test_memory import PAGES, PROMO, bulk, plant, replay_folder
from test_memory import crawl as crawl_kompas
from websockets.sync.client import ClientConnection, connect

from crawler.ledger import write_manifest
from crawler.runhistory import manifest_head

CHROMIUM = shutil.which("chromium")
INSTALL = (
    "The report's tests open the page in a real Chromium and none is on PATH: install Debian's "
    "(apt-get install chromium); .ci/run installs it."
)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1280,2000", "--remote-debugging-port=0"]  # fmt: skip
SITES = ("antaranews", "kompas", "malaymail")
GONE = "https://www.malaymail.com/news/malaysia/2024/05/02/an-article-taken-down/296001"
# The charts of what the manifests' "quality" measures, which older manifests lack.
MEASURED = ("Leaks (canary rate)", "Fallbacks", "Field fill", "Words per article")
BLUE = (0x00, 0x72, 0xB2)  # the colour of a chart's first line (crawler/htmlreport.py COLOURS)


class Page:
    """A page as Chromium loaded it: its DOM, what it said on the console, a screenshot."""

    def __init__(self, dom: str, problems: list[str], png: bytes):
        self.dom = dom
        self.tree = html.fromstring(dom)
        self.problems = problems
        self.png = png

    def text(self, css: str) -> list[str]:
        return [" ".join(node.text_content().split()) for node in self.tree.cssselect(css)]

    def section(self, site: str) -> html.HtmlElement:
        """A site's section, by its heading."""
        (found,) = [
            s for s in self.tree.cssselect("section.site") if s.cssselect("h2")[0].text_content() == site
        ]
        return found

    def captions(self, site: str) -> list[str]:
        """Each chart of a site: its title and latest values, or its "no data"."""
        parts = "figcaption, .legend, .nodata"
        return [" ".join(" ".join(p.text_content() for p in figure.cssselect(parts)).split())
                for figure in self.section(site).cssselect("figure")]  # fmt: skip


class Chromium:
    """A headless Chromium driven over the DevTools protocol (the browser's own websocket)."""

    def __init__(self, socket: ClientConnection):
        self.socket = socket
        self.ids = itertools.count(1)
        self.events: list[dict] = []

    def call(self, method: str, session: str | None = None, **params) -> dict:
        number = next(self.ids)
        self.socket.send(json.dumps({"id": number, "method": method, "params": params,
                                     **({"sessionId": session} if session else {})}))  # fmt: skip
        while True:
            message = json.loads(self.socket.recv(timeout=PATIENCE))
            if message.get("id") == number:
                assert "error" not in message, message
                return message["result"]
            self.events.append(message)

    def until(self, method: str) -> None:
        """Wait for an event of the page (one already received counts)."""
        while not any(event.get("method") == method for event in self.events):
            self.events.append(json.loads(self.socket.recv(timeout=PATIENCE)))

    def open(self, page: Path) -> Page:
        """Load a file in a new tab; its DOM once loaded, its console's errors, a full-page screenshot."""
        self.events = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session)
        navigated = self.call("Page.navigate", session, url=page.resolve().as_uri())
        assert not navigated.get("errorText"), navigated
        self.until("Page.loadEventFired")
        dom = self.call("Runtime.evaluate", session, expression="document.documentElement.outerHTML",
                        returnByValue=True)["result"]["value"]  # fmt: skip
        shot = self.call("Page.captureScreenshot", session, format="png", captureBeyondViewport=True)
        self.call("Target.closeTarget", targetId=target)
        return Page(dom, problems(self.events), base64.b64decode(shot["data"]))


def problems(events: list[dict]) -> list[str]:
    """What the console would show in red: console.error and assert, uncaught errors, failed loads."""
    found = []
    for event in events:
        params = event.get("params", {})
        if event.get("method") == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
            found.append(" ".join(str(arg.get("value", arg.get("description"))) for arg in params["args"]))
        elif event.get("method") == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            found.append(details.get("exception", {}).get("description") or details["text"])
        elif event.get("method") == "Log.entryAdded" and params["entry"]["level"] == "error":
            found.append(params["entry"]["text"])
    return found


@pytest.fixture(scope="module")
def chromium(tmp_path_factory) -> Iterator[Chromium]:
    """One Chromium for the module's pages; without one, the tests that need it fail saying what to get."""
    if CHROMIUM is None:
        pytest.fail(INSTALL, pytrace=False)
    profile = tmp_path_factory.mktemp("chromium-profile")
    process = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        active = profile / "DevToolsActivePort"  # Chromium writes its port and path there once listening
        wait_until(lambda: active.exists() and len(active.read_text().splitlines()) >= 2, "Chromium listens")
        port, path = active.read_text().splitlines()[:2]
        with connect(f"ws://127.0.0.1:{port}{path}", max_size=None) as socket:
            browser = Chromium(socket)
            yield browser
            browser.call("Browser.close")
        process.wait(timeout=PATIENCE)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def heads(out: Path) -> list[dict]:
    """The manifests of a folder, read whole with json."""
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(out.glob("*.manifest.json"))]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> tuple[Path, Path]:
    """(output folder, state) of three real runs: two crawlalls of three outlets, one Kompas crawl."""
    base = tmp_path_factory.mktemp("report")
    out, state = base / "out", base / "state"
    first = three_outlets(base / "first")
    second = base / "second"  # the same pages, and a Malay Mail article listed but gone (404)
    shutil.copytree(first, second)
    sitemap = second / "malaymail-sitemap.xml"
    sitemap.write_text(sitemap.read_text().replace("</urlset>", f"<url><loc>{GONE}</loc></url></urlset>"))
    for replay, status in ((first, 0), (second, 3)):
        result = run_scrapy(
            "crawlall", "--sites", ",".join(SITES), "-s", f"REPLAY_DIR={replay}", "-s", f"OUTPUT_DIR={out}",
            "-s", f"STATE_DIR={state}", "-s", "HEALTH_MIN_SCHEDULED=1", "-a", f"dates={SAMPLE_DATES}",
        )  # fmt: skip
        assert result.returncode == status, result.stderr[-3000:]
    planted = replay_folder(
        base / "planted", [(url, plant(page, PROMO)) for url, page in bulk("kompas", PAGES)]
    )
    result = crawl_kompas(planted, out, state)
    assert result.returncode == 0, result.stderr[-3000:]
    return out, state


@pytest.fixture(scope="module")
def report(crawled, chromium) -> tuple[subprocess.CompletedProcess, Page]:
    out, state = crawled
    result = run_scrapy("report", str(out), "--state", str(state))
    page = chromium.open(out / "report.html")
    (out.parent / "report.png").write_bytes(page.png)  # to look at by hand
    return result, page


def test_the_report_of_real_runs_loads_in_chromium_without_console_errors(crawled, report):
    out, _ = crawled
    result, page = report
    runs = len(heads(out))
    assert runs == 7  # two crawlalls of three sites, one crawl of Kompas
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Report: {out / 'report.html'} ({runs} runs of 3 sites)"
    assert result.stderr == ""
    assert page.problems == []
    assert page.text("h1") == [f"Bersih report: {out}"]


def test_every_site_has_its_section_with_a_dot_per_run_in_its_charts(crawled, report):
    out, _ = crawled
    _, page = report
    assert page.text("section.site > h2") == list(SITES)
    assert page.text("#sites + table tbody td:first-child") == list(SITES)
    for site in SITES:
        own = [m for m in heads(out) if site in m["sites"]]
        section = page.section(site)
        figures = {fig.cssselect("figcaption")[0].text_content().split()[0]: fig
                   for fig in section.cssselect("figure")}  # fmt: skip
        for outcome in ("Written", "Failed", "Rejected"):
            dots = figures[outcome].cssselect("svg circle")
            assert len(dots) == len(own), (site, outcome)
        latest = own[-1]["sites"][site]
        captions = page.captions(site)
        assert captions[0] == f"Written {latest['written']}"
        measured = [m["quality"][site] for m in own if site in m.get("quality", {})]  # in newer manifests
        if measured:
            assert captions[3] == f"Leaks (canary rate) {measured[-1]['canary_rate']:.1%}"
            assert captions[6] == f"Words per article {measured[-1]['mean_words']:g}"
        else:
            assert captions[3:] == [f"{title} no data" for title in MEASURED]


def test_the_alarm_of_the_second_run_is_in_the_table_with_its_run(crawled, report):
    out, _ = crawled
    _, page = report
    alarmed = [
        (m["run_id"], site, reason)
        for m in heads(out)
        for site, reasons in m["health"]["problems"].items()
        for reason in reasons
    ]
    assert [site for _, site, _ in alarmed] == ["malaymail"]
    run_id, site, reason = alarmed[0]
    rows = page.text("#alarms + table tbody tr")
    assert any(run_id in row and site in row and reason in row for row in rows), rows
    section = page.section("malaymail")
    assert reason in section.text_content()


def test_the_planted_promo_is_the_top_template_line_of_kompas(report):
    _, page = report
    kompas = page.section("kompas")
    rows = [
        [cell.text_content() for cell in row.cssselect("td")]
        for row in kompas.cssselect("table.lines tbody tr")
    ]
    assert rows and rows[0][-1] == PROMO, rows
    assert rows[0][0] == str(len(PAGES))  # in every planted article


def test_the_screenshot_shows_the_page_with_its_charts(report):
    _, page = report
    image = Image.open(io.BytesIO(page.png)).convert("RGB")
    assert image.width >= 1200 and image.height >= 2000  # the window, less a scroll bar
    colours = image.getcolors(image.width * image.height)
    background = max(colours)[1]
    inked = sum(count for count, colour in colours if colour != background)
    assert inked > 0.03 * image.width * image.height, "the screenshot is (almost) blank"
    assert any(colour == BLUE for _, colour in colours), "no chart line was painted"


# --- Manifests as older and newer runs write them, and text from the web ---------------------------

HOSTILE = "<img src=x onerror=console.error('injected')><script>console.error('injected')</script>"
QUALITY = {
    "records": 40,
    "canary_rate": 0.025,
    "fallback_rate": 0.125,
    "mean_words": 321,
    "fill": {"authors": 0.9, "published": 1.0, "section": 0.5, "language": 1.0},
    "selectors": {},
}


def test_quality_and_drift_are_drawn_and_an_older_manifest_shows_no_data(crawled, chromium, tmp_path):
    out, _ = crawled
    original = heads(out)[0]
    folder = tmp_path / "runs"
    older = {k: v for k, v in original.items() if k not in ("quality", "drift")}
    site = next(iter(older["sites"]))
    older = {**older, "run_id": "20240101T000000Z-older", "started_at": "2024-01-01T00:00:00+00:00",
             "sites": {site: older["sites"][site]}}  # fmt: skip
    older["health"] = {"ok": True, "problems": {}}
    newer = {
        **older,
        "run_id": "20240102T000000Z-newer",
        "started_at": "2024-01-02T00:00:00+00:00",
        "sites": {HOSTILE: older["sites"][site]},
        "health": {"ok": False, "problems": {HOSTILE: [HOSTILE]}},
        "quality": {HOSTILE: QUALITY},
        "drift": {HOSTILE: [{"kind": "fill-drop", "message": HOSTILE}]},
    }
    for manifest in (older, newer):
        entries = manifest.pop("urls")
        write_manifest(folder / f"{manifest['run_id']}.manifest.json", manifest, entries)
    (folder / "broken.manifest.json").write_text('{"run_id": "cut short", "sta')
    result = run_scrapy(
        "report", str(folder), "-o", str(tmp_path / "page" / "r.html"), "--state", str(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    (told,) = result.stderr.splitlines()
    assert told.startswith(
        f"report: {folder / 'broken.manifest.json'} is not a run's manifest (JSONDecodeError"
    )
    assert told.endswith("; left out")
    page = chromium.open(tmp_path / "page" / "r.html")
    assert page.problems == []
    assert not page.tree.cssselect("script, img"), "text from the web became markup"
    assert page.text("section.site > h2") == sorted([site, HOSTILE])
    assert any("broken.manifest.json" in warning for warning in page.text(".warn"))
    assert page.text("#alarms + table tbody tr td:nth-child(4)") == ["health", "fill-drop"]
    assert all(HOSTILE in row for row in page.text("#alarms + table tbody tr"))

    assert page.captions(HOSTILE) == [
        f"Written {older['sites'][site]['written']}", f"Failed {older['sites'][site]['failed']}",
        f"Rejected {older['sites'][site]['rejected']}", "Leaks (canary rate) 2.5%", "Fallbacks 12.5%",
        "Field fill authors 90.0% published 100.0% section 50.0% language 100.0%", "Words per article 321",
    ]  # fmt: skip
    assert page.captions(site)[3:] == [f"{title} no data" for title in MEASURED]
    assert f"no site memory in {tmp_path}" in page.section(site).text_content()


def test_the_browser_check_sees_console_errors(chromium, tmp_path):
    """The harness itself: a page that errs is caught (else "no console errors" would prove nothing)."""
    page = tmp_path / "errs.html"
    page.write_text("<!DOCTYPE html><p>x</p><script>console.error('said'); missing();</script>"
                    '<img src="absent.png">')  # fmt: skip
    found = chromium.open(page).problems
    assert len(found) == 3, found
    assert "said" in found
    assert any("missing is not defined" in problem for problem in found), found
    assert any("ERR_FILE_NOT_FOUND" in problem for problem in found), found


# --- The command's input -------------------------------------------------------------------------


def test_a_big_manifest_is_read_up_to_its_url_entries_only(tmp_path):
    path = tmp_path / "big.manifest.json"
    head = {"run_id": "r", "started_at": "2024-01-01T00:00:00+00:00", "sites": {"kompas": {"written": 1}}}
    entries = ({"key": f"example.com/{n}", "url": f"https://example.com/{n}", "site": "kompas",
                "outcome": "written", "reason": "", "detail": ""} for n in range(200_000))  # fmt: skip
    write_manifest(path, head, entries)
    assert path.stat().st_size > 20_000_000
    tracemalloc.start()
    try:
        assert manifest_head(path) == head
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000, peak


def test_no_folder_or_no_manifest_is_one_error_line_and_status_2(tmp_path):
    missing = run_scrapy("report", str(tmp_path / "nowhere"))
    assert missing.returncode == 2
    assert missing.stderr.splitlines() == [
        f"Error: no output folder {tmp_path / 'nowhere'}: give the OUTPUT_DIR the crawls wrote to"
    ]
    empty = run_scrapy("report", str(tmp_path))
    assert empty.returncode == 2
    assert empty.stderr.splitlines() == [
        f"Error: no run manifest (*.manifest.json) in {tmp_path}: crawl into it first"
    ]
    assert not (tmp_path / "report.html").exists()


def test_an_unknown_option_or_no_folder_is_a_usage_error(tmp_path):
    for args in (["--bogus", str(tmp_path)], []):
        result = run_scrapy("report", *args)
        assert result.returncode == 2, args
        assert "Traceback" not in result.stderr
        assert "scrapy report OUTPUT_DIR" in result.stderr
    assert "error: unrecognized arguments: --bogus" in run_scrapy("report", "--bogus", str(tmp_path)).stderr
