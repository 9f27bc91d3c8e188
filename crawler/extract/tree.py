"""The tree engine: small passes over the lxml tree before trafilatura reads it."""

from __future__ import annotations

import re
from functools import cache, lru_cache

from lxml.etree import Comment, XPath, iterwalk
from lxml.html import HtmlElement

from crawler.extract.lines import which
from crawler.rules import Rules, compiled

_SPACE = re.compile(r"\s+")

# Elements that flow inside a paragraph; anything else ends one.
INLINE_TAGS = frozenset(
    [
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "cite",
        "code",
        "data",
        "dfn",
        "em",
        "font",
        "i",
        "kbd",
        "mark",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "time",
        "u",
        "var",
        "wbr",
    ]
)
# Containers whose loose text (text between <br>s, outside any <p>) is wrapped into
# paragraphs, so that trafilatura does not pass over a lead written that way.
LOOSE_TEXT_HOSTS = frozenset({"div", "span", "td", "section", "article", "font", "center"})
MIN_LOOSE_TEXT = 80
_INVISIBLE = frozenset({"script", "style", "template"})


def text_of(element: HtmlElement) -> str:
    """An element's visible text with whitespace collapsed."""
    return _SPACE.sub(" ", element.text_content()).strip()


def shown_text(element: HtmlElement) -> str:
    """An element's text as a reader sees it: no script or style, a space where a block begins or ends."""
    return " ".join(text_runs(element))


def text_runs(element: HtmlElement) -> list[str]:
    """An element's visible text cut where a block begins or ends, each run's whitespace collapsed."""
    runs: list[str] = []
    current: list[str] = []
    hidden = 0  # inside a script, style or template

    def cut() -> None:
        if run := _SPACE.sub(" ", "".join(current)).strip():
            runs.append(run)
        current.clear()

    for event, node in iterwalk(element, events=("start", "end", "comment", "pi")):
        if event in ("start", "end") and node.tag in _INVISIBLE:
            hidden += 1 if event == "start" else -1
            if event == "start":
                continue
        elif event in ("start", "end") and not hidden and node.tag not in INLINE_TAGS:
            cut()
        if hidden:
            continue
        if event == "start":
            current.append(node.text or "")
        elif node is not element:
            current.append(node.tail or "")
    cut()
    return runs


def remove(element: HtmlElement) -> None:
    """Remove an element but keep its tail text in place."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    if tail and tail.strip():
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


def matching(tree: HtmlElement, xpaths: tuple[str, ...]) -> list[str]:
    """The expressions that match anything in the tree."""
    return [expression for expression in xpaths if compiled(expression)(tree)]


def in_running_text(element: HtmlElement) -> bool:
    """True for an inline element with text right beside it: a word or phrase of a sentence."""
    if element.tag not in INLINE_TAGS:
        return False
    if element.tail and element.tail.strip():
        return True
    parent = element.getparent()
    if parent is None:
        return False
    before = element.getprevious()
    if before is None:
        if parent.text and parent.text.strip():
            return True
    elif (before.tail and before.tail.strip()) or (before.tag in INLINE_TAGS and text_of(before)):
        return True
    after = element.getnext()
    if after is not None and after.tag in INLINE_TAGS and text_of(after):
        return True
    return parent.tag in INLINE_TAGS and in_running_text(parent)


def line_of(element: HtmlElement) -> HtmlElement:
    """The block an inline element flows in: its paragraph, list item or cell."""
    block = element.getparent()
    while block is not None and block.tag in INLINE_TAGS and block.getparent() is not None:
        block = block.getparent()
    return block if block is not None else element


_PUNCTUATION = re.compile(r"[\W_]+")


def what_goes(element: HtmlElement, rules: Rules, also: tuple[HtmlElement, ...] = ()) -> HtmlElement | None:
    """What removing a matched element takes, so that no sentence loses a word.

    A block, or an inline element standing alone, goes itself. An inline element inside
    running text takes its whole line with it when the line holds nothing else but it
    (and `also`, such as the links a teaser label introduces, or the label itself);
    otherwise nothing goes and the line stays whole.
    """
    if not in_running_text(element):
        return element
    line = line_of(element)
    if line.tag in ("body", "html"):
        return None
    rest = text_of(line)
    for part in (element, *also):
        rest = rest.replace(text_of(part), " ", 1)
    rest = _PUNCTUATION.sub(" ", rest).strip()
    if not rest or (rules.teaser_heading is not None and rules.teaser_heading.fullmatch(rest)):
        return line
    return None


# The audit's record of a pass (crawler/extract/audit.py): (text removed, the rule that removed it).
Found = list[tuple[str, str]] | None


def drop_matches(tree: HtmlElement, xpaths: tuple[str, ...], rules: Rules, found: Found = None) -> int:
    """Remove what a profile's drop selectors match, never a word of a sentence."""
    doomed: dict[HtmlElement, str] = {}
    for expression in xpaths:
        for node in compiled(expression)(tree):
            if isinstance(node, HtmlElement) and (goes := what_goes(node, rules)) is not None:
                doomed.setdefault(goes, expression)
    return _remove_outermost(doomed, found)


def _remove_outermost(doomed: dict[HtmlElement, str | None], found: Found = None) -> int:
    """Remove each doomed element unless an ancestor of it goes too; `found` learns what went, and why."""
    removed = 0
    for element, rule in doomed.items():
        if not any(a in doomed for a in element.iterancestors()):
            if found is not None and (text := shown_text(element)):
                found.append((text, rule or ""))
            remove(element)
            removed += 1
    return removed


def drop_blocks(tree: HtmlElement, rules: Rules, found: Found = None) -> int:
    """Remove related, caption, ad and widget blocks; return how many went.

    A block is never removed when it holds more than `max_block_share` of the page's
    text, or several paragraphs of prose: that is the article whatever its class says.
    An inline element inside a sentence is never removed (a keyword link classed "tag").
    """
    for script in list(tree.iter("script", "style", Comment)):
        if script.get("type") != "application/ld+json":
            remove(script)  # a comment's tail is text of the page (<p><!--x-->Lead…)
    body = tree.find("body")
    body = tree if body is None else body
    most = rules.max_block_share * len(body.text_content())
    doomed: dict[HtmlElement, str | None] = {}
    for element in _candidates(body, rules):
        if element.tag == "body" or any(a in doomed for a in element.iterancestors()):
            continue
        if len(element.text_content()) > most or _holds_prose(element):
            continue
        if (goes := what_goes(element, rules)) is not None:
            doomed.setdefault(goes, _block_rule(element, rules) if found is not None else None)
    return _remove_outermost(doomed, found)


def _block_rule(element: HtmlElement, rules: Rules) -> str:
    """The [blocks] rule of indonesian.toml that names an element: its tag, or its class or id's pattern."""
    if element.tag in rules.drop_tags:
        return f"tags: {element.tag}"
    marks = f"{element.get('class', '')} {element.get('id', '')}"
    return f"class_patterns: {which(rules.block_class, marks, whole=False)}"


def _candidates(body: HtmlElement, rules: Rules) -> list[HtmlElement]:
    """Elements that the generic block rules name, by tag or by class or id, in page order."""
    found = []
    for element in _named_or_marked(rules.drop_tags)(body):
        if element.tag in rules.drop_tags:
            found.append(element)
        elif rules.block_class is not None:
            marks = f"{element.get('class', '')} {element.get('id', '')}"
            if _marks_block(rules.block_class, marks):
                found.append(element)
    return found


@cache
def _named_or_marked(tags: tuple[str, ...]) -> XPath:
    """One XPath for every element with a class or id or one of these tags, in page order."""
    named = "".join(f" or self::{tag}" for tag in tags)
    return XPath(f"descendant-or-self::*[@class or @id{named}]")


@lru_cache(maxsize=1 << 16)
def _marks_block(pattern: re.Pattern[str], marks: str) -> bool:
    """Class and id strings repeat on every page of a site: each is judged once per process."""
    return pattern.search(marks) is not None


def _holds_prose(element: HtmlElement, paragraphs: int = 3, chars: int = 150) -> bool:
    """True when an element holds several long paragraphs: an article, not a widget."""
    long_ones = 0
    for p in element.iter("p"):
        if len(text_of(p)) >= chars and link_share(p) < 0.5:
            long_ones += 1
            if long_ones >= paragraphs:
                return True
    return False


# Scripts written without spaces between words: each character counts as a word.
_UNSPACED = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def count_words(text: str) -> int:
    """Words of a text, so that Chinese, Japanese or Thai pages are not taken for scraps."""
    return len(text.split()) + len(_UNSPACED.findall(text))


def prose_words(tree: HtmlElement, chars: int = 80) -> int:
    """Words in the page's paragraphs of prose: about what an extraction of its article finds."""
    words = 0
    for p in tree.iter("p"):
        text = text_of(p)
        if len(text) >= chars and sum(len(text_of(a)) for a in p.iter("a")) < 0.5 * len(text):
            words += count_words(text)
    return words


def link_share(element: HtmlElement) -> float:
    """The share of an element's text that sits inside links."""
    total = len(text_of(element))
    if not total:
        return 0.0
    linked = sum(len(text_of(a)) for a in element.iter("a"))
    return linked / total


# Elements that may label a list of teasers: short, with at most two children.
_SHORT_HEADINGS = XPath(
    "//*[(self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or self::h6 or self::p or self::div"
    " or self::span or self::strong or self::b) and count(*) <= 2 and string-length(normalize-space()) <= 64]"
)


def drop_teaser_lists(tree: HtmlElement, rules: Rules, found: Found = None) -> int:
    """Remove "Baca juga" / "Berita terkait" headings and the link list after each."""
    if rules.teaser_heading is None:
        return 0
    doomed: dict[HtmlElement, str | None] = {}
    for element in _SHORT_HEADINGS(tree):
        label = text_of(element).rstrip(":!.> ").strip()
        if not label or len(label) > 60 or not rules.teaser_heading.fullmatch(label):
            continue
        rule = f"teaser_headings: {which(rules.teaser_heading, label)}" if found is not None else None
        links = _links_after(element, rules.max_link_share)
        if not in_running_text(element):
            for goes in (element, *links):
                doomed.setdefault(goes, rule)
        elif (goes := what_goes(element, rules, tuple(links))) is not None:
            doomed.setdefault(goes, rule)
    return _remove_outermost(doomed, found)


def _links_after(heading: HtmlElement, max_link_share: float) -> list[HtmlElement]:
    """The links a teaser heading introduces: a link-dense block, or bare <a>/<br> siblings."""
    found = []
    sibling = heading.getnext()
    while sibling is not None:
        if not isinstance(sibling.tag, str):
            sibling = sibling.getnext()
            continue
        if sibling.tag in ("a", "br"):
            found.append(sibling)
            if sibling.tail and sibling.tail.strip():
                break
        elif link_share(sibling) >= max_link_share:
            found.append(sibling)
            break
        else:
            break
        sibling = sibling.getnext()
    return found


def wrap_loose_text(tree: HtmlElement) -> int:
    """Wrap text runs that sit between <br>s outside any paragraph into <p>s."""
    wrapped = 0
    for host in list(tree.iter(*LOOSE_TEXT_HOSTS)):
        if host.tag in INLINE_TAGS and host.find("br") is None:
            continue  # a span of one line is a phrase, not a paragraph to wrap
        inline = (text_of(c) for c in host if c.tag in INLINE_TAGS)
        loose = " ".join(t.strip() for t in (host.text, *(c.tail for c in host), *inline) if t and t.strip())
        if len(loose) < MIN_LOOSE_TEXT or any(a.tag == "p" for a in host.iterancestors()):
            continue
        wrapped += _paragraphs_from_runs(host)
    return wrapped


def _paragraphs_from_runs(host: HtmlElement) -> int:
    """Regroup a host's children: inline runs become <p>, blocks stay as they are."""
    items: list = []  # str for text, elements otherwise
    if host.text:
        items.append(host.text)
    for child in list(host):
        tail = child.tail
        child.tail = None
        items.append(child)
        if tail:
            items.append(tail)
        host.remove(child)
    host.text = None

    made = 0
    run: list = []

    def flush() -> None:
        nonlocal made
        if not any((x.strip() if isinstance(x, str) else text_of(x)) for x in run):
            # whitespace-only run: keep nothing
            run.clear()
            return
        p = host.makeelement("p", {})
        for x in run:
            if isinstance(x, str):
                if len(p):
                    p[-1].tail = (p[-1].tail or "") + x
                else:
                    p.text = (p.text or "") + x
            else:
                p.append(x)
        host.append(p)
        made += 1
        run.clear()

    for item in items:
        if isinstance(item, str) or (item.tag in INLINE_TAGS):
            run.append(item)
        else:
            flush()
            if item.tag != "br":
                host.append(item)
    flush()
    return made
