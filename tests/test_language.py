"""The record's language comes from its text; the page's claim only settles a near tie.

crawler/extract/language.py. Indonesian and English: the repository's recorded pages. Malay and
Javanese: no recorded page exists anywhere Bersih can read, so real texts stand in
(tests/data/language, with their provenance).
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest
from conftest import ROOT, crawl_sample, stat
from scrapy.utils.test import get_crawler

from crawler.extract import extract
from crawler.extract.core import _as_text, parse
from crawler.extract.language import ISO_639_1, NEAR_TIE, NO_LANGUAGE, _identifier, identify
from crawler.extract.metadata import declared_language
from crawler.items import Article
from crawler.profiles import profile_for_url
from crawler.quality import gold_pages
from pipelines.errors import Rejected
from pipelines.language import LanguagePipeline

with gzip.open(ROOT / "tests" / "data" / "language" / "texts.jsonl.gz", "rt", encoding="utf-8") as lines:
    TEXTS = [json.loads(line) for line in lines]
PAGES = list(gold_pages(ROOT / "corpus"))
SCHEMA = json.loads((ROOT / "crawler" / "record.schema.json").read_text(encoding="utf-8"))
# Pages whose <html lang> is wrong: the language the page declares, and the one its text is in.
MISDECLARED = {"kompas_1": ("en", "id"), "kompas_m1": ("en", "id"), "kapanlagi_1": ("en", "id"),
               "merdeka_m1": ("en", "id"), "okezone_3": ("en", "id")}  # fmt: skip


def text_of(lang: str, repo: str) -> list[dict]:
    return [t for t in TEXTS if t["lang"] == lang and t["repo"] == repo]


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_every_recorded_page_is_identified_in_its_outlets_language(page):
    record = extract(page.html, url=page.url)
    # en: the Jakarta Post, Tempo English and Malay Mail; id: the rest
    assert record["language"] == profile_for_url(page.url).language
    assert 0.5 < record["language_score"] <= 1


@pytest.mark.parametrize("name", sorted(MISDECLARED))
def test_a_page_that_declares_the_wrong_language_gets_the_language_of_its_text(name):
    page = next(p for p in PAGES if p.name == name)
    declared, spoken = MISDECLARED[name]
    assert declared_language(parse(_as_text(page.html, None, 10**8))) == declared
    assert extract(page.html, url=page.url)["language"] == spoken


@pytest.mark.parametrize(
    ("lang", "repo", "least"),
    [
        ("ms", "mesolitica/malaya", 23),  # Malaysian news in Malay
        ("en", "mesolitica/malaya", 3),  # and in Malaysian English
        ("jv", "IndoNLP/nusax", 121),  # Javanese, translated from the Indonesian beside it
        ("id", "IndoNLP/nusax", 121),
        ("en", "IndoNLP/nusax", 141),
    ],
)
def test_malay_javanese_indonesian_and_english_texts_are_told_apart(lang, repo, least):
    texts = text_of(lang, repo)
    assert len(texts) >= least
    wrong = [(identify(t["text"]), t["text"][:80]) for t in texts if identify(t["text"])[0] != lang]
    assert wrong == []


def test_a_hint_settles_a_near_tie_between_indonesian_and_malay_and_nothing_else():
    # Real sentences a hair apart: an Indonesian review line and a Malaysian news line.
    indonesian = "Saya mengunjungi restoran ini untuk makan malam bersama teman."
    malay = next(t for t in text_of("ms", "mesolitica/malaya") if "FESTIVAL KL Jamm" in t["text"])["text"]
    malay = next(line for line in malay.splitlines() if line.startswith("FESTIVAL KL Jamm"))
    assert any(indonesian in t["text"] for t in text_of("id", "IndoNLP/nusax"))
    for sentence, spoken in ((indonesian, "id"), (malay, "ms")):
        guess, score = identify(sentence)
        assert guess != spoken and score < 0.5 + NEAR_TIE / 2  # the text alone tips the wrong way
        assert identify(sentence, hint=spoken)[0] == spoken
    # A clear text keeps its language whatever the page says (Jakarta Globe's English pages say id).
    english = next(p for p in PAGES if p.name == "jakartapost_1")
    text = extract(english.html, url=english.url)["text"]
    assert identify(text, hint="id")[0] == "en"
    assert identify(text_of("jv", "IndoNLP/nusax")[0]["text"], hint="id")[0] == "jv"


def test_an_unprofiled_english_page_declared_indonesian_is_english():
    html = gzip.decompress((ROOT / "tests/data/offtarget/bettycrocker.com.pineapple.html.gz").read_bytes())
    html = html.replace(b'<html id="html" lang="en"', b'<html id="html" lang="id"', 1)
    record = extract(html, url="https://www.example.com/recipes/pineapple-upside-down-cake")
    assert record["language"] == "en" and record["language_score"] > 0.5


def test_a_language_of_indonesia_without_an_iso_639_1_code_keeps_its_iso_639_3_code():
    acehnese = text_of("ace", "IndoNLP/nusax")
    assert len(acehnese) >= 100
    assert {identify(t["text"])[0] for t in acehnese} == {"ace"}
    labels = {ISO_639_1.get(code, code) for code in _identifier().labels} - {NO_LANGUAGE}
    assert all(re.fullmatch(SCHEMA["properties"]["language"]["pattern"], code) for code in labels)


def pipeline(**settings) -> LanguagePipeline:
    return LanguagePipeline.from_crawler(get_crawler(settings_dict=settings))


def record(language: str, site: str = "kompas", **more) -> Article:
    fields = {"url": "https://a.id/1", "site": site, "language": language, "language_score": 0.99}
    return Article({**fields, **more}, key="a.id/1")


def test_the_action_keeps_marks_or_rejects_a_record_outside_the_expected_languages():
    assert pipeline(LANGUAGE_ACTION="keep").process_item(record("en")) == record("en")
    marker = pipeline(LANGUAGE_ACTION="mark")
    assert marker.process_item(record("id")) == record("id")
    assert marker.process_item(record("en")) == record("en", language_expected=["id"])
    assert marker.crawler.stats.get_value("bersih/language/unexpected") == 1
    rejecter = pipeline(LANGUAGE_ACTION="reject", LANGUAGE_EXPECTED="id,jv")
    assert rejecter.process_item(record("jv")) == record("jv")
    with pytest.raises(Rejected) as error:
        rejecter.process_item(record("ms"))
    assert (error.value.reason, error.value.detail) == ("unexpected-language", "ms (0.99), expected id, jv")
    assert rejecter.crawler.stats.get_value("bersih/rejected/unexpected-language") == 1


def test_without_a_setting_the_profile_says_what_is_expected_and_indonesian_without_a_profile():
    marker = pipeline(LANGUAGE_ACTION="mark")
    assert marker.process_item(record("en", site="jakartapost")) == record("en", site="jakartapost")
    assert marker.process_item(record("id", site="jakartapost")).record["language_expected"] == ["en"]
    assert marker.process_item(record("en", site="example.co.id")).record["language_expected"] == ["id"]


@pytest.mark.parametrize(
    "settings",
    [{"LANGUAGE_ACTION": "drop"}, {"LANGUAGE_EXPECTED": "Indonesian"}, {"LANGUAGE_EXPECTED": ["ind"]}],
)
def test_a_wrong_setting_stops_the_run_instead_of_being_ignored(settings):
    with pytest.raises(ValueError, match="LANGUAGE_"):
        pipeline(**settings)


def test_a_crawl_expecting_english_rejects_every_indonesian_article_by_name(tmp_path: Path):
    out = tmp_path / "out"
    result = crawl_sample(out, "LANGUAGE_EXPECTED=en", "LANGUAGE_ACTION=reject")
    log = result.stderr
    assert result.returncode == 0, log[-3000:]
    assert "Traceback" not in log
    assert not list(out.rglob("*.jsonl"))
    (manifest_path,) = out.glob("*.manifest.json")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert manifest["counts"]["scheduled"] == manifest["counts"]["rejected"] == 5
    assert {(u["outcome"], u["reason"]) for u in manifest["urls"]} == {("rejected", "unexpected-language")}
    details = [u["detail"] for u in manifest["urls"]]
    assert all(d.startswith("id (") and d.endswith("), expected en") for d in details), details
    assert stat(log, "bersih/rejected/unexpected-language") == 5
    assert "5 rejected (unexpected-language 5)" in log


def test_a_default_crawl_writes_the_language_and_its_score_and_marks_nothing(tmp_path: Path):
    out = tmp_path / "out"
    result = crawl_sample(out)
    assert result.returncode == 0, result.stderr[-3000:]
    written = [json.loads(line) for f in out.rglob("*.jsonl") for line in f.read_text().splitlines()]
    assert len(written) == 5
    assert {r["language"] for r in written} == {"id"}  # Kompas's 2016 pages declare lang="en"
    assert all(0.5 < r["language_score"] <= 1 and r["language_expected"] is None for r in written)
    assert stat(result.stderr, "bersih/language/unexpected") == 0
