"""Leak canaries and drift alarms: an outlet replayed day after day raises none; a layout change does."""

from __future__ import annotations

import json
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from conftest import crawl_sample
from scrapy.utils.test import get_crawler
from test_distributed import redis_url as redis_url
from test_distributed import report_page
from test_state import add_article, own_sample

from crawler.drift.canary import leaked
from crawler.drift.history import KEPT, RedisHistory, SqliteHistory
from crawler.drift.judge import Limits, judge
from crawler.drift.measures import Tally, selector_rates
from crawler.profiles import all_profiles
from pipelines.layout import LayoutWatch

# The replays' runs are judged on six records and two earlier runs: a day brings six new articles.
ARTICLES_A_DAY = 6
DRIFT = ("DRIFT_MIN_RECORDS=6", "DRIFT_MIN_HISTORY=2")
# Spidermon with the package's suite, its Telegram action faked: the message is logged, not sent.
SPIDERMON = (
    "SPIDERMON_ENABLED=1",
    "BERSIH_MONITOR_ACTIONS=spidermon.contrib.actions.telegram.notifiers.SendTelegramMessageSpiderFinished",
    "SPIDERMON_TELEGRAM_FAKE=1",
    "SPIDERMON_TELEGRAM_SENDER_TOKEN=test-token",
    "SPIDERMON_TELEGRAM_RECIPIENTS=test-chat",
)
# The outlet's redesign: the body's container gets a class no layout of the profile knows, and a
# "Baca juga" link comes inside the lead paragraph, in a wrapper the generic rules do not know.
RELATED = (
    '<p>Jakarta, KompasOtomotif - Pasar mobil bergerak lagi pekan ini. <span class="sisip-tautan">Baca juga: '
    '<a href="http://otomotif.kompas.com/read/2016/02/22/1200000/lain">Harga Mobil Naik</a></span></p>'
)
SELECTOR_ALARM = "kompas: selector `div.div-read` matched 0% of pages (was 100%)"
LEAK_ALARM = "kompas: boilerplate leaked into 100% of records (was 0%)"


@dataclass
class Outlet:
    """A replayed outlet with the folders of its runs: output (manifests) and state (the history)."""

    replay: Path
    out: Path
    state: Path

    def crawl(self, *settings: str):
        return crawl_sample(self.out, f"STATE_DIR={self.state}", *DRIFT, *settings, replay=self.replay)

    def publish(self, day: int, redesigned: bool = False) -> None:
        """The day's new articles (otomotif reports, each its own text), in the new layout if `redesigned`."""
        for n in range(ARTICLES_A_DAY):
            url = f"http://otomotif.kompas.com/read/2016/02/23/19{day:02d}{n:04d}/laporan.{day}.{n}"
            page = report_page(self.replay, day * 100 + n, RELATED if redesigned else "")
            if redesigned:
                page = page.replace(b"class='div-read'", b"class='konten-artikel'")
            add_article(self.replay, url, page)

    def copy(self, where: Path) -> Outlet:
        """The outlet as it stands, in folders of its own: each test's run changes only its copy."""
        folders = [
            shutil.copytree(folder, where / folder.name) for folder in (self.replay, self.out, self.state)
        ]
        return Outlet(*folders)

    def manifests(self) -> list[dict]:
        """The runs' manifests, in the order they started."""
        found = [json.loads(p.read_text(encoding="utf-8")) for p in self.out.glob("*.manifest.json")]
        return sorted(found, key=lambda m: m["started_at"] + m["run_id"])


@pytest.fixture(scope="module")
def normal_days(tmp_path_factory) -> tuple[Outlet, object]:
    """The demo sample crawled (five records: too few to learn from), then three days of six new articles
    each: two to learn from, the third judged against them with Spidermon and HEALTH_FAIL_ON_DRIFT on.
    Returns the outlet and the third day's crawl."""
    root = tmp_path_factory.mktemp("drift")
    outlet = Outlet(own_sample(root), root / "out", root / "state")
    for day in range(4):
        if day:
            outlet.publish(day)
        result = outlet.crawl(*(("HEALTH_FAIL_ON_DRIFT=1", *SPIDERMON) if day == 3 else ()))
        assert result.returncode == 0, result.stderr[-3000:]
    return outlet, result


def redesigned(normal_days, tmp_path: Path, *settings: str):
    """The fourth day: the outlet's new layout; returns the outlet's copy and the crawl."""
    outlet = normal_days[0].copy(tmp_path)
    outlet.publish(4, redesigned=True)
    return outlet, outlet.crawl(*settings)


# --- real crawls -----------------------------------------------------------------------------------


def test_normal_days_raise_no_alarm_and_the_manifest_keeps_each_days_quality(normal_days):
    outlet, third_day = normal_days
    runs = outlet.manifests()
    assert [m["quality"]["kompas"]["records"] for m in runs] == [5, 6, 6, 6]
    assert all(m["drift"] == {} for m in runs)
    # The five demo pages: three of the 2016 layout, one otomotif, one bola; Kompas credits no author on one.
    assert runs[0]["quality"]["kompas"] == {
        "records": 5, "canary_rate": 0.0, "fallback_rate": 0.0,
        "fill": {"authors": 0.8, "published": 1.0, "section": 1.0, "language": 1.0},
        "mean_words": 229.0, "pages": 5,
        "selectors": {"div.read__content": 0.0, "div.kcm-read-text": 0.6, "div.div-read": 0.2,
                      "span.kcmread1114": 0.2},
        "selector_pages": dict.fromkeys(("div.read__content", "div.kcm-read-text", "div.div-read",
                                         "span.kcmread1114"), 5),
    }  # fmt: skip
    # A day's reports: eight paragraphs of 30 words each, all read with the otomotif layout.
    assert runs[3]["quality"]["kompas"]["selectors"]["div.div-read"] == 1.0
    assert runs[3]["quality"]["kompas"]["mean_words"] == 240.0
    assert "Drift alarm" not in third_day.stdout + third_day.stderr
    # The third day was judged (two earlier days of six records), and Spidermon's suite passed.
    assert ("Drift check of kompas (6 records): 2 earlier runs of 6 records or more to compare with, "
            "2 needed: no alarm") in third_day.stderr  # fmt: skip
    assert "[Spidermon] Bersih drift/No drift alarm... OK" in third_day.stderr
    assert "[Spidermon] Bersih health/Health checks passed... OK" in third_day.stderr
    assert "spider finished with errors" not in third_day.stderr


def test_a_layout_change_raises_alarms_in_the_log_the_manifest_and_the_summary(normal_days, tmp_path):
    outlet, result = redesigned(normal_days, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]  # an alarm alone does not fail the run
    drift = outlet.manifests()[-1]["drift"]
    assert drift == {
        "kompas": [
            {"kind": "leaks", "measure": "canary_rate", "now": 1.0, "was": 0.0, "message": LEAK_ALARM},
            {
                "kind": "selector",
                "measure": "div.div-read",
                "now": 0.0,
                "was": 1.0,
                "message": SELECTOR_ALARM,
            },
        ]
    }
    table_end = result.stdout.index("Manifest: ")
    assert result.stdout[table_end:].splitlines()[1:] == [
        f"Drift alarm: {LEAK_ALARM}",
        f"Drift alarm: {SELECTOR_ALARM}",
    ]
    assert f"WARNING: Drift alarm: {SELECTOR_ALARM}" in result.stderr
    assert ("Drift check of kompas (6 records): 3 earlier runs of 6 records or more to compare with, "
            "2 needed: 2 alarms") in result.stderr  # fmt: skip
    assert "'bersih/drift/alarms': 2" in result.stderr


def test_a_drift_alarm_exits_3_with_health_fail_on_drift(normal_days, tmp_path):
    _, result = redesigned(normal_days, tmp_path, "HEALTH_FAIL_ON_DRIFT=1")
    assert result.returncode == 3, result.stderr[-3000:]
    assert f"Drift alarm: {SELECTOR_ALARM}\n" in result.stderr


def test_spidermon_suite_fails_on_a_drift_alarm_and_runs_its_action(normal_days, tmp_path):
    _, result = redesigned(normal_days, tmp_path, *SPIDERMON)
    assert result.returncode == 0, result.stderr[-3000:]
    log = result.stderr
    assert "[Spidermon] Bersih drift/No drift alarm... FAIL" in log
    assert "[Spidermon] Bersih health/Health checks passed... OK" in log
    assert (
        f"Drift alarms:\n{LEAK_ALARM}\n{SELECTOR_ALARM}\n"
        in log[log.index("FAIL: Bersih drift/No drift alarm") :]
    )
    # The suite's action, Telegram's notifier (faked: logged instead of sent), names the failed monitor.
    notice = log[log.index("spider finished with errors!") :]
    assert (
        notice[: notice.index("SendTelegramMessageSpiderFinished... OK")].count("Bersih drift/No drift alarm")
        == 1
    )


# --- the parts, without a crawl --------------------------------------------------------------------


LIMITS = Limits(runs=3, min_history=2, min_records=10, leak_rise=0.05, fallback_rise=0.15, drop_ratio=0.5,
                min_drop=0.2)  # fmt: skip


def measures(records: int = 20, pages: int = 20, **changes) -> dict:
    """A site's measures on an ordinary day, with `changes`."""
    usual = {
        "records": records, "canary_rate": 0.0, "fallback_rate": 0.05,
        "fill": {"authors": 0.95, "published": 1.0, "section": 1.0, "language": 1.0},
        "mean_words": 480.0, "pages": pages,
        "selectors": {"div.read__content": 0.98, ".ads-on-body": 0.5},
        "selector_pages": {"div.read__content": pages, ".ads-on-body": pages},
    }  # fmt: skip
    return {**usual, **changes}


def messages(now: dict, history: list[dict]) -> list[str]:
    return [alarm.message for alarm in judge("kompas", now, history, LIMITS)]


def test_each_sharp_change_raises_its_one_line_alarm():
    history = [measures(), measures(), measures(mean_words=400.0)]
    now = measures(
        canary_rate=0.12, fallback_rate=0.4, mean_words=210.0,
        fill={"authors": 0.0, "published": 1.0, "section": 0.6, "language": 1.0},
        selectors={"div.read__content": 0.0, ".ads-on-body": 0.3},
    )  # fmt: skip
    assert messages(now, history) == [
        "kompas: boilerplate leaked into 12% of records (was 0%)",
        "kompas: cleaning fell back on 40% of records (was 5%)",
        "kompas: authors filled in 0% of records (was 95%)",  # section at 60% of 100%: above half
        "kompas: mean text 210 words (was 480)",
        # .ads-on-body, down 20 points but not to half, raises none
        "kompas: selector `div.read__content` matched 0% of pages (was 98%)",
    ]


def test_changes_under_the_limits_raise_nothing():
    history = [measures(), measures()]
    now = measures(canary_rate=0.04, fallback_rate=0.19, mean_words=241.0,
                   fill={"authors": 0.48, "published": 1.0, "section": 1.0, "language": 1.0})  # fmt: skip
    assert messages(now, history) == []
    # Down by more than half, but by less than 20 points: a rarely filled field is noise.
    history = [measures(fill={**measures()["fill"], "section": 0.3})] * 2
    assert messages(measures(fill={**measures()["fill"], "section": 0.11}), history) == []


def test_no_alarm_without_enough_history_or_records():
    broken = measures(canary_rate=1.0, selectors={"div.read__content": 0.0, ".ads-on-body": 0.5})
    assert messages(broken, [measures()]) == []  # one earlier run of the two needed
    assert messages(broken, [measures(records=9, pages=9), measures(records=9, pages=9), measures()]) == []
    assert messages(measures(records=9, pages=9, canary_rate=1.0), [measures(), measures()]) == []
    # A run's selectors are judged on its pages even when few of them became records.
    assert messages({**broken, "records": 0}, [measures(), measures()]) == [
        "kompas: selector `div.read__content` matched 0% of pages (was 98%)"
    ]


def test_only_the_latest_runs_count():
    old = [measures(canary_rate=0.5)] * 5
    assert messages(measures(canary_rate=0.5), [measures(), measures(), measures(), *old]) == [
        "kompas: boilerplate leaked into 50% of records (was 0%)"
    ]
    assert (
        messages(measures(canary_rate=0.5), [measures(), *old]) == []
    )  # the median of the last three is 50%


def test_a_selector_is_judged_on_enough_pages_of_its_own():
    few = {"div.read__content": 20, ".ads-on-body": 4}
    now = measures(selectors={"div.read__content": 0.98, ".ads-on-body": 0.0}, selector_pages=few)
    assert messages(now, [measures(), measures()]) == []
    earlier = measures(selector_pages=few)
    now = measures(selectors={"div.read__content": 0.98, ".ads-on-body": 0.0})
    assert messages(now, [earlier, earlier, measures()]) == []  # one earlier run judged it on enough pages


def test_the_canary_catches_teasers_and_calls_to_action_not_prose():
    assert leaked("Harga naik. Baca juga: Harga Emas Hari Ini") == "Baca juga:"
    assert leaked("kata dia.Baca jugaMenteri Yuddy Ancam PNS") == "Baca jugaM"
    assert leaked("Simak Juga : Jadwal Kereta Mudik") == "Simak Juga :"
    assert leaked("Dapatkan update berita, ikuti kami di Google News") == "ikuti kami di Google News"
    assert leaked("Gabung ke WhatsApp Channel Kompas.com") == "Gabung ke WhatsApp Channel"
    assert leaked("Artikel ini telah tayang di Kompas.com dengan judul X") == "Artikel ini telah tayang di"
    assert leaked("Follow us on Instagram") == "Follow us on"
    for prose in (
        "Ia meminta warga membaca juga buku panduan dari dinas.",
        "Fitur WhatsApp Channel kini tersedia di Indonesia, kata juru bicara Meta.",
        "Google News mengubah cara media menjangkau pembaca.",
        "Lihat juga bagaimana harga cabai bergerak pekan lalu.",
    ):
        assert leaked(prose) is None, prose


def test_a_sites_records_add_up_to_its_measures():
    tally = Tally()
    base = {"cleaning": "profile", "authors": ["A"], "published": "2024-01-01T10:00:00+07:00",
            "section": "nasional", "language": "id"}  # fmt: skip
    tally.add({**base, "text": "Isi berita.\nBaca juga: Judul lain", "word_count": 100})
    tally.add({**base, "text": "Isi berita lain.", "word_count": 300, "cleaning": "fallback", "authors": []})
    tally.add({**base, "text": "Isi.", "word_count": 200, "section": None, "language": None})
    tally.add({**base, "text": "Isi.", "word_count": 200})
    assert tally.measures() == {
        "records": 4, "canary_rate": 0.25, "fallback_rate": 0.25,
        "fill": {"authors": 0.75, "published": 1.0, "section": 0.75, "language": 0.75}, "mean_words": 200.0,
    }  # fmt: skip


def test_selector_hit_rates_are_the_cleanings_own_each_on_the_pages_it_could_match():
    kompas = all_profiles()["kompas"]
    newest, old = kompas.layouts[0], kompas.layouts[1]
    baca_juga = next(x for x in newest.drop if kompas.label(x) == "a.inner-link-baca-juga")
    watch = LayoutWatch(get_crawler().stats)
    for layout, matched in ((newest.name, [baca_juga]), (newest.name, []), (old.name, []), (None, [])):
        watch.observe(
            kompas, {"url": "https://nasional.kompas.com/read/x", "layout": layout, "matched": matched}
        )
    found = selector_rates(watch, "kompas")
    assert found["pages"] == 4
    assert (
        found["selectors"]["div.read__content"] == 0.5 and found["selector_pages"]["div.read__content"] == 4
    )
    assert found["selectors"]["div.kcm-read-text"] == 0.25
    # The newest layout's drops are judged on its two pages alone.
    assert found["selectors"]["a.inner-link-baca-juga"] == 0.5
    assert found["selector_pages"]["a.inner-link-baca-juga"] == 2


def kept_and_read_back(history: SqliteHistory | RedisHistory) -> None:
    """A history given KEPT + 3 runs of two sites: each site's newest first, the latest KEPT kept."""
    for n in range(KEPT + 3):
        history.keep(f"run-{n:03d}", {"kompas": {"records": n}, "detik": {"records": 1000 + n}})
    assert [run["records"] for run in history.recent("kompas")] == list(range(KEPT + 2, 2, -1))
    assert history.recent("detik")[0] == {"records": 1000 + KEPT + 2}
    assert history.recent("tempo") == []


def test_the_sqlite_history_gives_a_sites_runs_newest_first_and_keeps_the_latest(tmp_path):
    db = sqlite3.connect(tmp_path / "state.sqlite3", isolation_level=None)
    kept_and_read_back(SqliteHistory(db))
    db.close()


def test_the_redis_history_gives_a_sites_runs_newest_first_and_keeps_the_latest(redis_url):
    server = redis.Redis.from_url(redis_url)
    kept_and_read_back(RedisHistory(server))
    server.close()


def test_a_monitor_action_without_its_settings_stops_the_run_at_start(tmp_path):
    result = crawl_sample(tmp_path / "out", *SPIDERMON[:3])  # Telegram's action, without token or chat
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: BERSIH_MONITOR_ACTIONS: spidermon.contrib.actions.telegram.notifiers."
        "SendTelegramMessageSpiderFinished is not set up: You must provide a value for "
        "SPIDERMON_TELEGRAM_SENDER_TOKEN setting."
    )
    assert "Traceback" not in result.stderr
