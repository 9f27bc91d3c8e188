"""extract(): site rules, then trafilatura, then the generic Indonesian rules."""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from copy import copy
from dataclasses import dataclass
from datetime import UTC, datetime

import lxml.html
from lxml.etree import ParserError
from lxml.html import HtmlElement
from trafilatura import bare_extraction

from crawler import __version__
from crawler.extract import audit as audits
from crawler.extract import metadata, urls
from crawler.extract.authors import dropped_bylines
from crawler.extract.dates import iso
from crawler.extract.decode import decode_html
from crawler.extract.language import identify
from crawler.extract.lines import Dropped, clean_lines, union_of_readings
from crawler.extract.memory import Template, drop_remembered
from crawler.extract.site import site_of
from crawler.extract.tree import (
    count_words,
    drop_blocks,
    drop_matches,
    drop_teaser_lists,
    matching,
    prose_words,
    wrap_loose_text,
)
from crawler.profiles import Profile
from crawler.rules import LineRule, generic_rules

logger = logging.getLogger(__name__)

MAX_PAGE_BYTES = 10 * 1024 * 1024
# Below this, what trafilatura found is a scrap of navigation, not an article.
MIN_ARTICLE_WORDS = 10
# The guard against losing text: below this share of the words in the page's paragraphs of
# prose, trafilatura reads the whole page too; below GUARD_SHARE of what it then keeps,
# its text is taken instead (cleaning "fallback").
GUARD_PROSE_SHARE = 0.5
GUARD_SHARE = 0.5
GUARD_GENERIC_SHARE = 0.8
GUARD_SHORT = 100
_HTML_HINT = re.compile(rb"<\s*(html|head|body|p|div|article|title|meta)\b", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
# Control characters are not text in HTML; a stray one before the doctype costs lxml the <head>.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SELF_CLOSING_ROOT = re.compile(r"(<html\b[^<>]*?)\s*/>", re.IGNORECASE)
_END_OF_DOCUMENT = re.compile(r"</\s*(?:body|html)\s*>", re.IGNORECASE)


class ExtractError(ValueError):
    """A page that cannot be read as HTML; `reason` names why (not-html, too-large, empty)."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def _as_text(html: str | bytes, content_type: str | None, max_bytes: int) -> str:
    """Check size and kind, then decode."""
    raw = html.encode("utf-8", "surrogatepass") if isinstance(html, str) else html
    if len(raw) > max_bytes:
        raise ExtractError("too-large", f"page is {len(raw):,} bytes, over the {max_bytes:,}-byte limit")
    if not raw.strip():
        raise ExtractError("empty", "page is empty")
    if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ExtractError("not-html", "page is binary data, not HTML")
    if content_type and not any(t in content_type.lower() for t in ("html", "xml", "text/plain")):
        raise ExtractError("not-html", f"content type is {content_type!r}, not HTML")
    if isinstance(html, str):
        text = html
    else:
        text, _ = decode_html(raw, content_type)
    if not _HTML_HINT.search(text[:65536].encode("utf-8", "ignore")):
        raise ExtractError("not-html", "page has no HTML markup")
    return text


def repair(text: str) -> str:
    """Mend what makes libxml2 read less of a page than a browser does.

    The text is decoded already, so an XML declaration's encoding would only mislead
    lxml. A self-closing `<html … />` (some IDN Media templates) empties the tree, and
    libxml2 stops reading at the first `</html>`, so a page with several `<html>`
    documents loses all but the first: browsers read on, and so does Bersih.
    """
    text = _XML_DECLARATION.sub("", _CONTROL.sub("", text), count=1)
    text = _SELF_CLOSING_ROOT.sub(r"\1>", text, count=1)
    return _END_OF_DOCUMENT.sub("", text)


def parse(text: str) -> HtmlElement:
    """The page's tree, read as a browser would; ExtractError when it is not HTML at all."""
    try:
        return lxml.html.document_fromstring(repair(text))
    except (ParserError, ValueError) as exc:
        raise ExtractError("not-html", f"page cannot be parsed as HTML: {exc}") from exc


def _focus(tree: HtmlElement, body: HtmlElement) -> HtmlElement:
    """A page of the <head> and the article body alone."""
    page = lxml.html.document_fromstring("<html><head></head><body></body></html>")
    head = tree.find("head")
    if head is not None:
        page.replace(page.find("head"), lxml.html.fromstring(lxml.html.tostring(head)))
    page.find("body").append(lxml.html.fromstring(lxml.html.tostring(body, with_tail=False)))
    return page


def content_hash(text: str) -> str:
    """Hash of the text as a reader sees it: case, spacing and Unicode forms folded."""
    folded = _SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()
    return "sha256:" + hashlib.sha256(folded.encode("utf-8")).hexdigest()


def rules_version(profile: Profile | None) -> str:
    """Generic rules version plus a digest of the profile, so stale records can be found."""
    version = generic_rules().version
    return f"{version}+{profile.name}.{profile.digest or 'none'}" if profile else version


def _run_trafilatura(tree: HtmlElement, url: str | None, favor_recall: bool = False):
    """trafilatura's article text; the metadata is read once, from the whole page (metadata.page_meta).

    Inside a profile's body container everything is the article's unless a rule says
    otherwise; trafilatura's two readings of it are merged (see union_of_readings): the
    balanced one drops a price list that closes a Kompas article, the recall one its headings.
    """
    return bare_extraction(
        tree,
        url=url,
        include_comments=False,
        include_images=False,
        with_metadata=False,
        favor_recall=favor_recall,
    )


def _words(paragraphs: list[str]) -> int:
    return sum(count_words(p) for p in paragraphs)


@dataclass
class _Cleaned:
    """What one way of cleaning kept, what it dropped and why, and which way it was."""

    paragraphs: list[str]
    dropped: list[Dropped]
    how: str
    removed: list[audits.Removal] | None = None  # with the audit: what each layer removed

    @property
    def words(self) -> int:
        return _words(self.paragraphs)


def _clean(
    tree: HtmlElement, url: str | None, profile: Profile | None, layout: dict | None, audit: bool = False
) -> _Cleaned | None:
    """Site rules, then the generic tree rules, then trafilatura, then the line rules."""
    rules = generic_rules()
    version, body = profile.layout_for(tree) if profile else (None, None)
    drops = (*profile.drop, *(version.drop if version else ())) if profile else ()
    attempts = [_focus(tree, body), tree] if body is not None else [tree]
    for work in attempts:
        if layout is not None and profile:
            layout["layout"] = version.name if version and work is not tree else None
            layout["matched"] = matching(work, drops)
        by_profile, by_tree = ([], []) if audit else (None, None)
        drop_matches(work, drops, rules, by_profile)
        drop_teaser_lists(work, rules, by_tree)
        drop_blocks(work, rules, by_tree)
        wrap_loose_text(work)
        runs = audits.text_blocks(work) if audit else None
        found = _read(work, url, focused=work is not tree)
        if found:
            paragraphs, dropped = clean_lines(found, rules, _text_rules(profile))
            cleaned = _Cleaned(paragraphs, dropped, "profile" if work is not tree else "generic")
            if audit:
                cleaned.removed = [
                    *audits.from_tree(by_profile, "profile", profile.label if profile else None),
                    *audits.from_tree(by_tree, "tree"),
                    *_audited(cleaned, runs, found, profile),
                ]
            return cleaned
    return None


def _audited(cleaned: _Cleaned, runs: list[str], found: str, profile: Profile | None) -> list[audits.Removal]:
    """What trafilatura left out of the page it read, then what the line rules dropped from its text."""
    site_rule = profile.text_rule if profile else None
    return [*audits.not_extracted(runs, found), *audits.from_lines(cleaned.dropped, site_rule)]


def _read(work: HtmlElement, url: str | None, focused: bool) -> str | None:
    """trafilatura's text of the page; of a profile's body container, both of its readings."""
    if not focused:
        document = _run_trafilatura(work, url)
        return document.text if document is not None else None
    for heading in work.find("body").iter("h1", "h2", "h3", "h4", "h5", "h6"):
        heading.tag = "p"  # trafilatura drops headings that close a text: not inside an article
    balanced = _run_trafilatura(copy(work), url)
    recall = _run_trafilatura(work, url, favor_recall=True)
    readings = [d.text for d in (balanced, recall) if d is not None and d.text]
    return union_of_readings(*readings) if len(readings) == 2 else next(iter(readings), None)


def _text_rules(profile: Profile | None) -> tuple[LineRule, ...]:
    return (profile.text_rule,) if profile and profile.text_rule else ()


def _guarded(
    cleaned: _Cleaned | None,
    text: str,
    url: str | None,
    profile: Profile | None,
    prose: int,
    audit: bool = False,
) -> _Cleaned | None:
    """Never less than plain trafilatura: fall back to its reading of the unpruned page.

    The cheap check first: when the cleaned text holds as many words as the page's
    paragraphs of prose, or nearly, nothing was lost; a short text cleaned without a
    profile's layout is checked whatever the prose. Otherwise trafilatura reads the
    whole page afresh, and its text, cleaned by the line rules, is the record's when the
    cleaned text holds under GUARD_SHARE of trafilatura's words or, without a profile's
    layout to trust, under GUARD_GENERIC_SHARE of what the line rules leave of them.
    """
    words = cleaned.words if cleaned else 0
    generic = cleaned is None or cleaned.how == "generic"
    short = words < MIN_ARTICLE_WORDS or (generic and words < GUARD_SHORT)
    if not short and words >= GUARD_PROSE_SHARE * prose:
        return cleaned
    page = parse(text)
    page_runs = audits.text_blocks(page) if audit else None
    document = _run_trafilatura(page, url)
    if document is None or not document.text:
        return cleaned
    paragraphs, dropped = clean_lines(document.text, generic_rules(), _text_rules(profile))
    enough = words >= GUARD_SHARE * count_words(document.text)
    if enough and not (generic and words < GUARD_GENERIC_SHARE * _words(paragraphs)):
        return cleaned
    fallback = _Cleaned(paragraphs, dropped, "fallback")
    if audit:  # the whole page, as trafilatura read it: no tree rule ran on it
        fallback.removed = _audited(fallback, page_runs, document.text, profile)
    return fallback


def _remembered(cleaned: _Cleaned | None, memory: Template | None, layout: dict | None) -> _Cleaned | None:
    """The `memory` layer, after the line rules: whole paragraphs the site's template knows, removed."""
    if cleaned is None or memory is None:
        return cleaned
    kept, dropped = drop_remembered(cleaned.paragraphs, memory)
    if layout is not None:
        layout["remembered"] = dropped
    if not dropped:
        return cleaned
    removed = cleaned.removed
    if removed is not None:
        removed = [*removed, *(audits.Removal(line, f"memory:{memory.site}", "memory") for line in dropped)]
    return _Cleaned(kept, cleaned.dropped, cleaned.how, removed)


def extract(
    html: str | bytes,
    url: str | None = None,
    *,
    content_type: str | None = None,
    profile: Profile | None = None,
    max_bytes: int = MAX_PAGE_BYTES,
    layout: dict | None = None,
    audit: bool = False,
    memory: Template | None = None,
) -> dict | None:
    """Clean one article page into the record Bersih writes, or None if it holds no article.

    Raises ExtractError for input that is not an HTML page at all. Pass a dict as
    `layout` to learn which profile selectors matched: "body" (the body selector
    used, or None) and "matched" (the drop selectors that matched). With `audit`, the
    record's `removed` lists what cleaning removed, each with its rule and layer
    (crawler/extract/audit.py); without, `removed` is null. `memory`, a snapshot of the site's
    learned template (crawler/extract/memory.py), removes the paragraphs it knows, last; their
    text is in `layout["remembered"]`.
    """
    text = _as_text(html, content_type, max_bytes)
    tree = parse(text)
    # An archive capture's URL is its original's; without a URL the page's own names the article,
    # and the outlet is the one the page's canonical/og:url names, else the URL's, else its hints.
    given = urls.unwrap(url)
    canonical = metadata.canonical(tree, given)
    page_url = given or canonical
    site = site_of(tree, given, urls.own_or_home(tree, given), profile)
    profile = site.profile
    if profile and page_url:
        page_url = profile.without_single_page(page_url)

    # Metadata first: the passes below change the tree.
    ld = metadata.json_ld(tree)
    # The outlet's zone; a page no profile describes has its own or its country's, never WIB by default.
    tz = profile.timezone if profile else metadata.page_zone(tree, page_url, ld)
    passed_over: list[tuple[str, str, str]] = []  # dates in the future or before the outlet's founding
    published = metadata.published_date(tree, page_url or "", profile, tz, ld, notes=passed_over)
    modified = metadata.modified_date(tree, profile, tz, ld, notes=passed_over)
    if passed_over:
        logger.info("Dates passed over on %s: %s", page_url, passed_over)
        if layout is not None:
            layout["dates_passed_over"] = passed_over
    section = metadata.section(tree, page_url or "", profile, ld)
    tags = metadata.tags(tree, profile, ld)
    # What the profile or the page says is a hint; the language is read from the text (below).
    declared = (profile.language if profile else None) or metadata.declared_language(tree)
    names = _site_names(tree, profile, page_url)
    people = metadata.author_sources(tree, profile, ld)
    page = metadata.page_meta(tree)
    prose = prose_words(tree)

    cleaned = _guarded(_clean(tree, page_url, profile, layout, audit), text, page_url, profile, prose, audit)
    cleaned = _remembered(cleaned, memory, layout)
    if cleaned is None or cleaned.words < MIN_ARTICLE_WORDS:
        return None
    if layout is not None:
        layout["fallback"] = cleaned.how == "fallback"
    credits = metadata.credits(
        tree, people, dropped_bylines(cleaned.dropped), metadata.outlet_names(tree, profile, page_url)
    )
    body_text = "\n".join(cleaned.paragraphs)
    language, language_score = identify(body_text, hint=declared)
    return {
        "url": page_url,
        "canonical_url": canonical,
        "site": site.name,
        "title": metadata.clean_title(page.title, names),
        "authors": credits.authors,
        "editors": credits.editors,
        "published": iso(published),
        "modified": iso(modified),
        "section": section,
        "tags": tags,  # not trafilatura's page.tags: they are the keyword meta tags unfiltered
        "language": language,
        "language_score": language_score,
        "language_expected": None,  # the fields a later pipeline may set are null until it does
        "text": body_text,
        "word_count": len(body_text.split()),
        "content_hash": content_hash(body_text),
        "cleaning": cleaned.how,
        "crawled_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "bersih_version": __version__,
        "rules_version": rules_version(profile),
        "revision": 1,
        "previous_content_hash": None,
        "duplicate_of": None,
        "removed": [r.as_dict() for r in cleaned.removed] if cleaned.removed is not None else None,
    }


def _site_names(tree: HtmlElement, profile: Profile | None, url: str | None) -> tuple[str, ...]:
    """What the outlet calls itself, to strip from titles: its names, and its og:site_name even of
    several words (which metadata.outlet_names leaves to authors, as a blog's may be its writer's)."""
    names = (metadata.first(tree, metadata.SITE_NAME) or "", *metadata.outlet_names(tree, profile, url))
    return tuple(n for n in names if len(n) >= 3)


def stitch(pages: list[dict]) -> dict:
    """One record from the records of an article's pages, in order: page 1's metadata, all the text.

    A paragraph that a later page repeats (a lead shown again, say) is kept once.
    """
    first, seen, paragraphs = pages[0], set(), []
    for page in pages:
        for paragraph in page["text"].split("\n"):
            if paragraph not in seen:
                seen.add(paragraph)
                paragraphs.append(paragraph)
    text = "\n".join(paragraphs)
    how = "fallback" if any(page.get("cleaning") == "fallback" for page in pages) else first.get("cleaning")
    audited = [page["removed"] for page in pages if page.get("removed") is not None]
    return {
        **first,
        "text": text,
        "word_count": len(text.split()),
        "content_hash": content_hash(text),
        "cleaning": how,
        "removed": [removal for removed in audited for removal in removed] if audited else None,
    }
