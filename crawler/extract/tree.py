"""The tree engine: small passes over the lxml tree before trafilatura reads it."""

from __future__ import annotations

import re

from lxml.etree import Comment, XPath
from lxml.html import HtmlElement

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


def drop_matches(tree: HtmlElement, xpaths: tuple[str, ...], rules: Rules) -> int:
    """Remove what a profile's drop selectors match, never a word of a sentence."""
    doomed = []
    for expression in xpaths:
        for node in compiled(expression)(tree):
            if isinstance(node, HtmlElement) and (goes := what_goes(node, rules)) is not None:
                doomed.append(goes)
    return _remove_outermost(doomed)


def _remove_outermost(doomed: list[HtmlElement]) -> int:
    """Remove each doomed element unless an ancestor of it goes too."""
    marked = set(doomed)
    removed = 0
    for element in dict.fromkeys(doomed):
        if not any(a in marked for a in element.iterancestors()):
            remove(element)
            removed += 1
    return removed


_MARKED = XPath("//*[@class or @id]")


def drop_blocks(tree: HtmlElement, rules: Rules, keep: HtmlElement | None = None) -> int:
    """Remove related, caption, ad and widget blocks; return how many went.

    A block is never removed when it holds `keep` (the article body) or more than
    `max_block_share` of the page's text, or when it holds several paragraphs of prose.
    An inline element inside a sentence is never removed (a keyword link classed "tag").
    """
    for script in list(tree.iter("script", "style", Comment)):
        if script.get("type") != "application/ld+json":
            remove(script)  # a comment's tail is text of the page (<p><!--x-->Lead…)
    total = max(len(text_of(tree)), 1)
    protected = set(keep.iterancestors()) | {keep} if keep is not None else set()
    candidates = list(tree.iter(*rules.drop_tags)) if rules.drop_tags else []
    if rules.block_class is not None:
        verdicts: dict[str, bool] = {}
        for element in _MARKED(tree.find("body") if tree.find("body") is not None else tree):
            marks = f"{element.get('class', '')} {element.get('id', '')}"
            hit = verdicts.get(marks)
            if hit is None:
                hit = verdicts[marks] = rules.block_class.search(marks) is not None
            if hit:
                candidates.append(element)
    doomed = []
    for element in candidates:
        if element in protected or element.tag in ("html", "body", "head"):
            continue
        if len(text_of(element)) > rules.max_block_share * total or _holds_prose(element):
            continue
        if (goes := what_goes(element, rules)) is not None:
            doomed.append(goes)
    return _remove_outermost(doomed)


def _holds_prose(element: HtmlElement, paragraphs: int = 3, chars: int = 150) -> bool:
    """True when an element holds several long paragraphs: an article, not a widget."""
    long_ones = 0
    for p in element.iter("p"):
        if len(text_of(p)) >= chars and link_share(p) < 0.5:
            long_ones += 1
            if long_ones >= paragraphs:
                return True
    return False


def prose_words(tree: HtmlElement, chars: int = 80) -> int:
    """Words in the page's paragraphs of prose: about what an extraction of its article finds."""
    words = 0
    for p in tree.iter("p"):
        text = text_of(p)
        if len(text) >= chars and link_share(p) < 0.5:
            words += len(text.split())
    return words


def link_share(element: HtmlElement) -> float:
    """The share of an element's text that sits inside links."""
    total = len(text_of(element))
    if not total:
        return 0.0
    linked = sum(len(text_of(a)) for a in element.iter("a"))
    return linked / total


_HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "div", "span", "strong", "b")


def drop_teaser_lists(tree: HtmlElement, rules: Rules) -> int:
    """Remove "Baca juga" / "Berita terkait" headings and the link list after each."""
    if rules.teaser_heading is None:
        return 0
    doomed = []
    for element in tree.iter(_HEADING_TAGS):
        if len(element) > 2:
            continue
        label = text_of(element).rstrip(":!.> ").strip()
        if not label or len(label) > 60 or not rules.teaser_heading.fullmatch(label):
            continue
        links = _links_after(element, rules.max_link_share)
        if not in_running_text(element):
            doomed += [element, *links]
        elif (goes := what_goes(element, rules, tuple(links))) is not None:
            doomed.append(goes)
    return _remove_outermost(doomed)


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
