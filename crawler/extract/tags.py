"""An article's topic tags: its own tag list first, keyword meta tags only failing one, never site-wide ones.

The article's own list is what the outlet tagged it with: the profile's tag selectors, `article:tag`,
the JSON-LD keywords of the article object, and a visible list of rel="tag" links. Keyword meta tags
(news_keywords, keywords ...) are read only when the page has no own list, and lose what the outlet
puts on every page (the profile's site_keywords), generic Indonesian SEO phrases (keywords.toml) and
the headline. Any list loses a run of the title or description cut into single words, which some
templates (KapanLagi, Tempo English, Malay Mail) write as keywords.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from functools import cache
from importlib.resources import files

from lxml.html import HtmlElement

from crawler.profiles import Profile
from crawler.rules import compiled

KEYWORDS_PATH = files("crawler") / "extract" / "keywords.toml"
ARTICLE_TAG = ("//meta[@property='article:tag']/@content",)
# rel="tag" says the page is tagged with the link's topic (microformats); rel="category tag" is a rubric.
REL_TAG = (
    "//a[contains(concat(' ', normalize-space(@rel), ' '), ' tag ')"
    " and not(contains(concat(' ', normalize-space(@rel), ' '), ' category '))]",
)
# Meta names that carry keywords, in order of trust (news_keywords is meant for the one article); the
# first that names any tag is read. A bare "tags" meta comes last: VIVA's 2015 pages fill it with the
# title's word pairs.
_META_NAMES = ("news_keywords", "keywords", "parsely-tags", "citation_keywords", "dcterms.subject",
               "dc.subject", "shareaholic:keywords", "tags")  # fmt: skip
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
KEYWORDS_META = tuple(
    f"//meta[translate(@name, '{_UPPER}', '{_UPPER.lower()}')='{name}']/@content" for name in _META_NAMES
)
TEXTS = (
    "//title/text()",
    "//meta[@property='og:title']/@content",
    "//meta[@name='description']/@content",
    "//meta[@property='og:description']/@content",
)
# A JSON-LD object that is the article, whose keywords are its own (not a WebSite's or an Organization's).
_ARTICLE_TYPE = re.compile(r"article|posting|report", re.IGNORECASE)
# Labels a visible tag list starts with, linked like its items.
_LABELS = {"tag", "tags", "topik", "topic", "topics", "label", "labels", "tagar"}
_SPACE = re.compile(r"\s+")
_EDGE_PUNCTUATION = re.compile(r"^[^\w]+|[^\w]+$")
# A run of this many single-word keywords that repeats the title or description is the text cut into words.
MIN_WORD_RUN = 4
# A keyword of this many words found in the title or description is the headline, not a tag.
MIN_HEADLINE_WORDS = 5


@cache
def generic_keywords() -> frozenset[str]:
    """The generic SEO phrases of keywords.toml, case and spacing folded."""
    data = tomllib.loads(KEYWORDS_PATH.read_text(encoding="utf-8"))
    phrases = data.get("phrases")
    if not isinstance(phrases, list) or not all(isinstance(p, str) and p.strip() for p in phrases):
        raise ValueError(f"{KEYWORDS_PATH}: 'phrases' must be a list of non-empty strings")
    return frozenset(_fold(p) for p in phrases)


def tags(tree: HtmlElement, profile: Profile | None, ld: list[dict]) -> list[str]:
    """The article's tags: its own list if it has one, else its keyword meta tags without site-wide ones."""
    texts = [_words(t) for t in _strings(tree, TEXTS)]
    site = profile.site_keywords if profile else frozenset()
    own_selectors = profile.tags if profile else ()
    own = [*_strings(tree, own_selectors + ARTICLE_TAG), *_article_keywords(ld), *_visible(tree)]
    found = _clean(own, frozenset(), texts, keywords_meta=False)
    for expr in KEYWORDS_META:
        if found:
            break
        found = _clean(_strings(tree, (expr,)), site, texts, keywords_meta=True)
    return found


def _clean(
    values: Iterable[str], site: frozenset[str], texts: list[list[str]], keywords_meta: bool
) -> list[str]:
    """Split, trim and de-duplicate (ignoring case); drop site-wide, generic and cut-text items.

    Of keyword meta tags, the headline goes too; the outlet's site-wide keywords (`site`) are
    given for them alone: an editor who tags an article "Jakarta" means it.
    """
    items: list[str] = []
    for value in values:
        items += [_SPACE.sub(" ", item).strip() for item in value.split(",")]
    items = [item for item in items if item]
    drop = _cut_text(items, texts)
    out: list[str] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        folded = _fold(item)
        if (
            i in drop
            or folded in seen
            or folded in site
            or folded in generic_keywords()
            or (keywords_meta and _is_headline(item, texts))
        ):
            continue
        seen.add(folded)
        out.append(item)
    return out


def _cut_text(items: list[str], texts: list[list[str]]) -> set[int]:
    """Indexes of runs of single-word items that repeat, word for word, a run of the title or description."""
    words = [_bare(item) if " " not in item else None for item in items]
    drop: set[int] = set()
    i = 0
    while i < len(words):
        longest = 0
        if words[i]:
            for text in texts:
                for start, word in enumerate(text):
                    if word != words[i]:
                        continue
                    length = 0
                    while (
                        i + length < len(words)
                        and start + length < len(text)
                        and words[i + length] == text[start + length]
                    ):
                        length += 1
                    longest = max(longest, length)
        if longest >= MIN_WORD_RUN:
            drop.update(range(i, i + longest))
            i += longest
        else:
            i += 1
    return drop


def _is_headline(item: str, texts: list[list[str]]) -> bool:
    words = _words(item)
    if len(words) < MIN_HEADLINE_WORDS:
        return False
    n = len(words)
    return any(text[k : k + n] == words for text in texts for k in range(len(text) - n + 1))


def _article_keywords(ld: list[dict]) -> list[str]:
    """The keywords of the page's JSON-LD article objects."""
    out: list[str] = []
    for obj in ld:
        kinds = obj.get("@type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if not any(isinstance(k, str) and _ARTICLE_TYPE.search(k) for k in kinds):
            continue
        value = obj.get("keywords")
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, str) and v.strip():
                out.append(v)
    return out


def _visible(tree: HtmlElement) -> list[str]:
    """The page's rel="tag" links, without a linked label ("TAGS") heading them."""
    out = []
    for node in compiled(REL_TAG[0])(tree):
        text = _SPACE.sub(" ", node.text_content()).strip().lstrip("#").strip()
        if text and _fold(text) not in _LABELS:
            out.append(text.replace(",", " "))
    return out


def _strings(tree: HtmlElement, xpaths: tuple[str, ...]) -> list[str]:
    out = []
    for expr in xpaths:
        for node in compiled(expr)(tree):
            value = node.text_content() if isinstance(node, HtmlElement) else str(node)
            value = _SPACE.sub(" ", value).strip()
            if value:
                out.append(value)
    return out


def _fold(text: str) -> str:
    return _SPACE.sub(" ", text.casefold()).strip()


def _bare(word: str) -> str:
    return _EDGE_PUNCTUATION.sub("", word.casefold())


def _words(text: str) -> list[str]:
    return [w for w in (_bare(w) for w in text.split()) if w]
