"""Layout versions at crawl time: the watch on selectors, and `scrapy list -v`."""

import logging

from conftest import run_scrapy, sample_pages
from scrapy.utils.test import get_crawler

from crawler.extract import extract
from crawler.profiles import all_profiles
from pipelines.layout import LayoutWatch


def watch_kompas(*pages: dict) -> LayoutWatch:
    """A LayoutWatch fed Kompas pages, each as the `layout` dict extract() fills."""
    watch = LayoutWatch(get_crawler().stats)
    for page in pages:
        watch.observe(all_profiles()["kompas"], {"url": "https://nasional.kompas.com/read/x", **page})
    return watch


def xpath_of(label: str) -> str:
    kompas = all_profiles()["kompas"]
    drops = (*kompas.drop, *(x for version in kompas.layouts for x in version.drop))
    return next(x for x in drops if kompas.label(x) == label)


def test_only_the_drops_of_the_layouts_pages_matched_are_watched(caplog):
    kompas = all_profiles()["kompas"]
    newest = kompas.layouts[0]
    matched = [xpath_of("a.inner-link-baca-juga")]
    watch = watch_kompas({"layout": newest.name, "matched": matched})
    assert {where for where, _ in watch.watched("kompas")} <= {"common", newest.name}
    assert [x for _, x in watch.watched("kompas")] == [*kompas.drop, *newest.drop]
    unmatched = [x for _, x in watch.unmatched("kompas")]
    assert matched[0] not in unmatched and xpath_of(".ads-on-body") in unmatched
    with caplog.at_level(logging.INFO, logger="pipelines.layout"):
        watch.report()
    assert "matched nothing" in caplog.text and "read-content (1 page): .ads-on-body" in caplog.text
    assert "no layout matched" not in caplog.text
    assert watch.stats.get_value("bersih/layout/unmatched_selectors/kompas") == len(unmatched)
    assert watch.stats.get_value(f"bersih/layout/pages/kompas/{newest.name}") == 1


def test_drops_of_layouts_no_page_had_are_not_reported(caplog):
    kompas = all_profiles()["kompas"]
    old = kompas.layouts[-1]
    assert not old.drop and kompas.layouts[0].drop  # the newest layout's drops would be noise here
    watch = watch_kompas({"layout": old.name, "matched": []}, {"layout": old.name, "matched": []})
    assert watch.unmatched("kompas") == [("common", x) for x in kompas.drop]
    with caplog.at_level(logging.INFO, logger="pipelines.layout"):
        watch.report()
    assert "inner-link-baca-juga" not in caplog.text
    if not kompas.drop:
        assert "matched nothing" not in caplog.text


def test_a_layouts_drop_is_judged_on_the_pages_of_that_layout_alone(caplog):
    kompas = all_profiles()["kompas"]
    newest, old = kompas.layouts[0], kompas.layouts[-1]
    baca_juga = xpath_of("a.inner-link-baca-juga")
    # A page of the old layout that happens to hold the newest layout's selector says nothing of it.
    watch = watch_kompas({"layout": newest.name, "matched": []}, {"layout": old.name, "matched": [baca_juga]})
    assert (newest.name, baca_juga) in watch.unmatched("kompas")
    with caplog.at_level(logging.INFO, logger="pipelines.layout"):
        watch.report()
    assert "read-content (1 page): a.inner-link-baca-juga" in caplog.text


def test_the_demo_sample_leaves_no_selector_unmatched(caplog):
    """The five 2016 pages of the demo, cleaned as a crawl does: each layout's drops on its own pages."""
    watch = LayoutWatch(get_crawler().stats)
    for page in sample_pages():
        layout: dict = {"url": page.url}
        extract(page.html, url=page.url, profile=all_profiles()["kompas"], layout=layout)
        watch.observe(all_profiles()["kompas"], layout)
    with caplog.at_level(logging.INFO, logger="pipelines.layout"):
        watch.report()
    assert sum(watch.layouts["kompas"].values()) == 5
    assert "matched nothing" not in caplog.text and watch.unmatched("kompas") == []


def test_pages_no_layout_matched_are_warned_about(caplog):
    with caplog.at_level(logging.INFO, logger="pipelines.layout"):
        watch = watch_kompas({"layout": None, "matched": []}, {"layout": "read-content", "matched": []})
        watch.report()
    assert "Profile kompas: no body selector matched on https://nasional.kompas.com/read/x" in caplog.text
    assert "Profile kompas: no layout matched on 1 of 2 pages" in caplog.text
    assert watch.stats.get_value("bersih/layout/no_body_match/kompas") == 1


def test_list_shows_each_profiles_layouts_with_their_years():
    result = run_scrapy("list", "-v")
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    assert "layouts: read-content 2020-2023, kcm 2015-2016" in lines["kompas"]
    assert lines["kompas"].split()[1] == "verified"
    assert "layouts: jnews 2020" in lines["beritamanado"]
    assert "layouts: articles-content 2023-, mdk-mobile 2021" in lines["merdeka"]  # newest first
    assert "layouts: none" in lines["kumparan"]
