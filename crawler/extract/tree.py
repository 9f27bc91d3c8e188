"""The tree engine: small passes over the lxml tree before trafilatura reads it."""

from __future__ import annotations

import re
from functools import cache

from lxml.etree import Comment, XPath
from lxml.html import HtmlElement

from crawler.rules import Rules

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


def text_of(element: HtmlElement) -> str:
    """An element's visible text with whitespace collapsed."""
    return _SPACE.sub(" ", element.text_content()).strip()


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


@cache
def compiled(expression: str) -> XPath:
    """Profile selectors are compiled once per process."""
    return XPath(expression)


def first_match(tree: HtmlElement, xpaths: tuple[str, ...]) -> tuple[HtmlElement | None, str | None]:
    """The first element of the first expression that matches, and that expression."""
    for expression in xpaths:
        for node in compiled(expression)(tree):
            if isinstance(node, HtmlElement):
                return node, expression
    return None, None


def matching(tree: HtmlElement, xpaths: tuple[str, ...]) -> list[str]:
    """The expressions that match anything in the tree."""
    return [expression for expression in xpaths if compiled(expression)(tree)]


def drop_blocks(tree: HtmlElement, rules: Rules, keep: HtmlElement | None = None) -> int:
    """Remove related, caption, ad and widget blocks; return how many went.

    A block is never removed when it holds `keep` (the article body) or more
    than `max_block_share` of the page's text.
    """
    for script in list(tree.iter("script", "style", Comment)):
        if script.get("type") != "application/ld+json":
            remove(script)  # a comment's tail is text of the page (<p><!--x-->Lead…)
    total = max(len(text_of(tree)), 1)
    protected = set(keep.iterancestors()) | {keep} if keep is not None else set()
    doomed = []
    for element in tree.iter():
        if not isinstance(element.tag, str) or element in protected:
            continue
        if element.tag in rules.drop_tags:
            doomed.append(element)
            continue
        if rules.block_class is None:
            continue
        marks = f"{element.get('class', '')} {element.get('id', '')}".strip()
        if (
            marks
            and rules.block_class.search(marks)
            and element.tag not in ("html", "body")
            and len(text_of(element)) <= rules.max_block_share * total
            and not _holds_prose(element)
        ):
            doomed.append(element)
    for element in doomed:
        if not any(a in doomed for a in element.iterancestors()):
            remove(element)
    return len(doomed)


def _holds_prose(element: HtmlElement, paragraphs: int = 3, chars: int = 150) -> bool:
    """True when an element holds several long paragraphs: an article, not a widget."""
    long_ones = 0
    for p in element.iter("p"):
        if len(text_of(p)) >= chars and link_share(p) < 0.5:
            long_ones += 1
            if long_ones >= paragraphs:
                return True
    return False


def link_share(element: HtmlElement) -> float:
    """The share of an element's text that sits inside links."""
    total = len(text_of(element))
    if not total:
        return 0.0
    linked = sum(len(text_of(a)) for a in element.iter("a"))
    return linked / total


def drop_teaser_lists(tree: HtmlElement, rules: Rules) -> int:
    """Remove "Baca juga" / "Berita terkait" headings and the link list after each."""
    if rules.teaser_heading is None:
        return 0
    doomed = []
    for element in tree.iter("h1", "h2", "h3", "h4", "h5", "h6", "p", "div", "span", "strong", "b"):
        if len(element) > 2:
            continue
        label = text_of(element).rstrip(":!.> ").strip()
        if not label or len(label) > 60 or not rules.teaser_heading.fullmatch(label):
            continue
        doomed.append(element)
        doomed.extend(_links_after(element, rules.max_link_share))
    for element in doomed:
        remove(element)
    return len(doomed)


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
        loose = " ".join(t.strip() for t in (host.text, *(c.tail for c in host)) if t and t.strip())
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
