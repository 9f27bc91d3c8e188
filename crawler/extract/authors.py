"""Who wrote an article, from the bylines a page shows: people, never labels, outlets or UI text.

A byline is read as labelled parts. "Penulis: A | Editor: B", "Redaktur & Reporter : Boy",
"Kontributor Lhokseumawe, Masriadi", "Fakhrizal Fakhri Jurnalis", "Oleh : Adrianus Mandey" and
"Bagus Kurniawan - detiknews" all come apart the same way: a label gives the role of the names
after it (or, alone at the end, of those before it), several names are split, and what is left
is checked to be a person's name. Editors are kept apart from authors.

The sources of a page are tried in order of trust (see credits()); the rules are data, below.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urlsplit

from lxml.etree import XPath
from lxml.html import HtmlElement

from crawler.extract.lines import Dropped

AUTHOR, EDITOR, OTHER = "author", "editor", "other"

# fmt: off
# Labels and their roles. A label is matched as whole words, in any case, alone or joined to
# others ("Redaktur & Reporter", "Laporan Wartawan"); names after an OTHER label are dropped.
LABELS: dict[str, tuple[str, ...]] = {
    AUTHOR: (
        "penulis", "reporter", "pewarta", "kontributor", "koresponden", "wartawan", "jurnalis",
        "laporan", "oleh", "ditulis oleh", "by", "written by", "reporting by", "author", "authors",
        "writer", "teks",
    ),
    EDITOR: (
        "editor", "redaktur", "penyunting", "disunting oleh", "edited by", "editing by",
        "editor in chief", "pemimpin redaksi",
    ),
    OTHER: (
        "fotografer", "foto", "photo", "photos", "video", "videografer", "kameramen", "produser",
        "producer", "sumber", "source", "ilustrasi", "grafis", "infografis", "penerjemah",
        "alih bahasa", "translator", "narasumber", "dikutip dari", "dilansir dari", "powered by",
        "tweets by", "posted by",
    ),
}
# Labels followed by where the writer reports from, up to a comma, when no colon comes after the
# label: "Kontributor Lhokseumawe, Masriadi", "Laporan Wartawan Tribunnews.com, Reza Deni".
PLACE_LABELS = frozenset({"kontributor", "koresponden", "wartawan", "laporan"})
# Words never part of a person's name: page furniture, platforms, companies, sections, dates.
UI_WORDS = frozenset({
    "web", "design", "development", "developer", "admin", "administrator", "redaksi", "newsroom",
    "staff", "webmaster", "facebook", "twitter", "instagram", "whatsapp", "youtube", "tiktok",
    "telegram", "google", "linkedin", "share", "bagikan", "komentar", "comment", "comments",
    "login", "logout", "masuk", "daftar", "register", "home", "beranda", "menu", "search", "cari",
    "copyright", "powered", "choice", "follow", "ikuti", "subscribe", "berlangganan",
    "selengkapnya", "baca", "read", "more", "news", "berita", "update", "updated", "terbaru",
    "terpopuler", "populer", "galeri", "gallery", "advertisement", "iklan", "sponsored",
    "advertorial", "kanal", "rubrik", "topik", "tags", "indeks", "index", "media", "cyber",
    "online", "network", "pt", "tbk", "nasional", "internasional", "world", "sport", "sports",
    "bisnis", "ekonomi", "tekno", "otomotif", "hiburan", "lifestyle", "kredit", "credits",
    "diperbarui", "diupdate", "dipublikasikan", "diterbitkan", "terbit", "published", "posted",
    "ditayangkan", "link", "links", "copy", "copied", "toggle", "click", "klik", "tautan",
    "salin", "disalin", "mehr", "weiterlesen", "más",
})
# Wire agencies credited as if they were a writer: an agency is not a person.
AGENCIES = frozenset({
    "afp", "agence france-presse", "agence france presse", "reuters", "ap", "associated press",
    "antara", "xinhua", "bloomberg", "kyodo", "dpa", "bernama", "anadolu", "efe", "ansa", "upi",
    "yonhap",
})
WEEKDAYS = (
    "senin", "selasa", "rabu", "kamis", "jumat", "jum'at", "sabtu", "minggu",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
)
# Second-level labels under which a country's sites register: detik.co.id is "detik".
SECOND_LEVEL = frozenset({"co", "com", "or", "ac", "go", "net", "org", "web", "my", "sch", "biz", "gov"})
# fmt: on
MAX_WORDS = 5
MAX_CHARS = 60

_SPACE = re.compile(r"\s+")


def _alternation(words: Iterable[str]) -> str:
    """Whole-word alternatives, longest first, spaces matching any run of spaces."""
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


_ROLE_OF = {label: role for role, labels in LABELS.items() for label in labels}
_ONE_LABEL = _alternation(_ROLE_OF)
# One label or several joined ("Redaktur & Reporter", "Laporan Wartawan"), then an optional colon.
_LABEL_GROUP = re.compile(
    rf"(?<![\w.])(?:{_ONE_LABEL})(?:(?:\s*(?:&|/|\bdan\b|\band\b)\s*|\s+)(?:{_ONE_LABEL}))*(?![\w])\s*:?",
    re.IGNORECASE,
)
_LABEL = re.compile(rf"(?<![\w])(?:{_ONE_LABEL})(?![\w])", re.IGNORECASE)
# Parts of a byline: a role, a channel, a section or a date each stand apart.
_SEGMENT = re.compile(r"\s*(?:\||\s[-–—]\s|\n)\s*")
# Several names: "A, B dan C", "A & B", "A; B", "A/B".
_NAMES = re.compile(r"\s*(?:[,;&/]|\b(?:dan|and|serta)\b)\s*", re.IGNORECASE)
# Where a date begins, a name has ended: "Jenly Wenur Jumat, 9 Oktober 2020", "Ann on 18 Jun 2015".
_DATE_TAIL = re.compile(
    rf"(?:\s+(?:on|pada|at|pukul)\b)?\s*(?:\b(?:{_alternation(WEEKDAYS)})\b|\S*\d).*$",
    re.IGNORECASE | re.DOTALL,
)
_BRACKETS = re.compile(r"\([^)]*\)?|\[[^\]]*\]?")
_STRIP = " \t.,:;-–—|/*'\"“”‘’•·"
_NOT_A_NAME = re.compile(r"[\d@#<>=_{}\\]|://|www\.|\w\.(?:com|co|id|net|org|my|tv|news)\b", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


class Credits(NamedTuple):
    """The people a page credits: its authors, and apart from them its editors."""

    authors: list[str]
    editors: list[str]


def normalise_name(raw: str) -> str:
    """A name without brackets, stray punctuation or shouting: "(Papua)" goes, "DINI TEJA" is Dini Teja."""
    name = _SPACE.sub(" ", _BRACKETS.sub(" ", raw)).strip(_STRIP)
    letters = [c for c in name if c.isalpha()]
    if len(letters) > 3 and all(c.isupper() for c in letters):
        name = name.title()
    return name


def is_outlet(name: str, outlets: Iterable[str]) -> bool:
    """True when the name is, or holds, one of the outlet's names ("detiknews"), or is a wire agency."""
    folded = name.casefold()
    if folded in AGENCIES:
        return True
    pattern = _outlet_pattern(tuple(outlets))
    return pattern is not None and pattern.search(folded) is not None


@lru_cache(maxsize=256)
def _outlet_pattern(outlets: tuple[str, ...]) -> re.Pattern[str] | None:
    """Any of the outlet's names at the start of a word: "detik.com" gives detik.com and detik."""
    tokens = set()
    for name in outlets:
        folded = _SPACE.sub(" ", name.casefold()).strip()
        tokens.update(t for t in (folded, folded.split(".")[0], folded.removeprefix("the ")) if len(t) >= 3)
    return re.compile(rf"(?<!\w)(?:{_alternation(tokens)})") if tokens else None


def site_label(url: str | None) -> str:
    """The site's own name in its host: "news.detik.com" and "www.viva.co.id" give detik and viva."""
    labels = (urlsplit(url or "").hostname or "").split(".")[:-1]
    if len(labels) > 1 and labels[-1] in SECOND_LEVEL:
        labels.pop()
    return labels[-1] if labels else ""


def is_person_name(name: str) -> bool:
    """A name as people have them: a few words of letters, no label, address, date or page furniture."""
    if not name or len(name) > MAX_CHARS or _NOT_A_NAME.search(name):
        return False
    words = name.split()
    if len(words) > MAX_WORDS or not name[0].isalpha():
        return False
    if len(words) == 1 and (name.islower() or len(name) < 2):
        return False  # a code ("bgs") or a handle, not a name
    folded = {w.casefold() for w in _WORD.findall(name)}
    if folded & UI_WORDS:
        return False
    return _LABEL.fullmatch(name) is None


def _roles(label_group: str) -> set[str]:
    return {_ROLE_OF[_SPACE.sub(" ", m.group(0).casefold())] for m in _LABEL.finditer(label_group)}


def _without_place(body: str) -> str:
    """ "Lhokseumawe, Masriadi" -> "Masriadi": the place (or outlet) a contributor reports from."""
    place, comma, rest = body.partition(",")
    return rest if comma and rest.strip() and len(place.split()) <= 3 else body


def _labelled_parts(segment: str) -> list[tuple[set[str] | None, str]]:
    """The parts of one segment with the roles their labels give (None: no label)."""
    groups = list(_LABEL_GROUP.finditer(segment))
    head = segment[: groups[0].start()] if groups else segment
    parts: list[tuple[set[str] | None, str]] = []
    pending: set[str] = set()
    for k, group in enumerate(groups):
        roles = pending | _roles(group.group(0))
        end = groups[k + 1].start() if k + 1 < len(groups) else len(segment)
        body = segment[group.end() : end]
        if not _DATE_TAIL.sub("", body).strip(_STRIP):  # nothing, or a date: "…, Jurnalis-Kamis, 2 Januari"
            if k + 1 < len(groups):
                pending = roles  # "Penulis : Kontributor Lhokseumawe, ..."
            elif head.strip(_STRIP):
                parts.append((roles, head))  # a label after the name: "Fakhrizal Fakhri Jurnalis"
                head = ""
            continue
        pending = set()
        label = group.group(0).rstrip()
        last = _SPACE.sub(" ", _LABEL.findall(label)[-1].casefold())
        if last in PLACE_LABELS and not label.endswith(":"):
            body = _without_place(body)
        parts.append((roles, body))
    if head.strip(_STRIP):
        parts.insert(0, (None, head))
    return parts


def names_in(body: str) -> list[str]:
    """The names one labelled part lists, normalised, stopping at a dateline ("…, CHARLESTON")."""
    body = _DATE_TAIL.sub("", body)
    out: list[str] = []
    mixed_case = False
    for piece in _NAMES.split(body):
        letters = [c for c in piece if c.isalpha()]
        shouted = len(letters) > 3 and all(c.isupper() for c in letters)
        if shouted and mixed_case:
            break  # a place in capitals after a name is a dateline, and what follows it too
        mixed_case = mixed_case or (bool(letters) and not shouted)
        name = normalise_name(piece)
        if name:
            out.append(name)
    return out


def parse_byline(text: str, default: str = AUTHOR) -> list[tuple[str, str]]:
    """(role, name) pairs of one byline.

    A byline with labels names people only after (or, alone at the end, before) a label:
    "JABAR | 16 Juni 2021 13:00 Reporter : Andre Kurniawan" names one. A byline without
    labels names them in its first part, with the `default` role; what follows a "|" or a
    spaced dash is a channel, a section or a date ("Bagus Kurniawan - detiknews",
    "… | World | Fri, June 19 2015").
    """
    segments = [_labelled_parts(s) for s in _SEGMENT.split(text.strip()) if s.strip(_STRIP)]
    parts = [part for segment in segments for part in segment if part[0] is not None]
    if not parts and segments:
        parts = [({default}, body) for _, body in segments[0]]
    return [(role, name) for roles, body in parts for role in sorted(roles or ()) for name in names_in(body)]


def _read(values: list[str], outlets: tuple[str, ...]) -> tuple[list[str], set[str], list[str]]:
    """One group's names taken as authors, those a label calls an author, and its editors."""
    authors: list[str] = []
    labelled: set[str] = set()
    editors: list[str] = []
    for value in values:
        for role, name in parse_byline(value, default=""):
            if not is_person_name(name) or is_outlet(name, outlets):
                continue
            if role == EDITOR:
                editors.append(name)
            elif role in (AUTHOR, ""):
                authors.append(name)
                if role == AUTHOR:
                    labelled.add(name)
    return authors, labelled, editors


def credits(
    groups: Iterable[list[str]],
    outlets: Iterable[str] = (),
    fallback: Callable[[], Iterable[list[str]]] | None = None,
) -> Credits:
    """The authors of the first group of values that names one, and every editor named.

    `groups` come in order of trust, each the values of one selector or source. A name a
    label calls an editor is an editor; an unlabelled name that some group calls an editor
    is not taken as an author (Kompas and Media Indonesia give their editor as the JSON-LD
    author). When no group names an author, the `fallback` groups (a costly search) are read
    in turn until one does.
    """
    outlets = tuple(outlets)
    read = [_read(values, outlets) for values in groups]
    editors = _unique(name for _, _, names in read for name in names)
    authors = _first_authors(read, editors)
    if not authors and fallback is not None:
        for values in fallback():
            found = _read(values, outlets)
            editors = _unique([*editors, *found[2]])
            authors = _first_authors([found], editors)
            if authors:
                break
    return Credits(authors, editors)


def _first_authors(read: list[tuple[list[str], set[str], list[str]]], editors: list[str]) -> list[str]:
    for names, labelled, _ in read:
        authors = _unique(n for n in names if n in labelled or n not in editors)
        if authors:
            return authors
    return []


def _unique(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(names))


def dropped_bylines(dropped: Iterable[Dropped]) -> list[str]:
    """The byline lines among those the line rules dropped, a bare label joined to its name."""
    out: list[str] = []
    label: str | None = None
    for line in dropped:
        if line.rule == "byline-label":
            label = line.line
            continue
        if line.rule == "byline":
            out.append(f"{label} {line.line}" if label else line.line)
        label = None
    return [line for line in out if _LABEL_GROUP.search(line)]


# The cheap search of a page for a byline, when nothing else names an author: elements whose
# markup says they hold the author, read in page order, never inside comments or photos.
# One pass over the classes ("uthor": author, Author, authorName), then the rarer marks.
GUESS = XPath(
    "//body//*[@class][contains(@class, 'uthor') or contains(@class, 'yline') or contains(@class, 'enulis')"
    " or contains(@class, 'eporter') or contains(@class, 'riter')]"
    " | //body//*[@rel='author' or contains(@itemprop, 'uthor') or contains(@id, 'uthor')"
    " or contains(@id, 'enulis') or contains(@id, 'yline')]"
)
_AWAY = re.compile(r"comment|caption|photo|foto|figure|related|terkait|sidebar|widget|footer", re.IGNORECASE)
GUESS_NODES = 8
GUESS_CHARS = 200


def text_of(node: HtmlElement | str) -> str:
    """A node's text with its elements kept apart: "By <a>Ann</a>on 18 Jun" reads "By Ann on 18 Jun",
    and the items of a list are names apart: "<li>Ann</li><li>Bo</li>" reads "Ann, Bo"."""
    if not isinstance(node, HtmlElement):
        return _SPACE.sub(" ", str(node)).strip()
    parts: list[str] = []
    _walk(node, parts)
    return _SPACE.sub(" ", " ".join(parts)).strip(" ,")


def _walk(element: HtmlElement, parts: list[str]) -> None:
    if isinstance(element.tag, str) and element.tag not in ("script", "style"):
        if element.text:
            parts.append(element.text)
        for child in element:
            _walk(child, parts)
            if child.tail:
                parts.append(child.tail)
        if element.tag == "li":
            parts.append(",")


def _away(node: HtmlElement) -> bool:
    for element in (node, *node.iterancestors()):
        if element.tag in ("figure", "figcaption", "footer", "aside"):
            return True
        marks = f"{element.get('class', '')} {element.get('id', '')}"
        if marks.strip() and _AWAY.search(marks):
            return True
    return False


def guessed(tree: HtmlElement, text: Callable[[HtmlElement], str] = text_of) -> Iterator[list[str]]:
    """Bylines the page's markup points at, one group each, in page order."""
    tried = 0
    for node in GUESS(tree):
        if tried >= GUESS_NODES:
            return
        value = text(node)
        if not value or len(value) > GUESS_CHARS or _away(node):
            continue
        tried += 1
        yield [value]
