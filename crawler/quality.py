"""Score cleaning against gold annotations: `with` snippets found, `without` snippets leaked."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

_SPACE = re.compile(r"\s+")
DEFAULT_CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def collapse(text: str | None) -> str:
    """Whitespace folded to single spaces: the rule the gold snippets are written to."""
    return _SPACE.sub(" ", text or "").strip()


@dataclass(frozen=True)
class GoldPage:
    """A recorded page and what its clean text must and must not contain."""

    name: str
    site: str
    url: str
    html: bytes
    with_: tuple[str, ...]
    without: tuple[str, ...]
    gold: dict


def gold_pages(corpus: Path = DEFAULT_CORPUS) -> Iterator[GoldPage]:
    """Every page of corpus/pages with its corpus/gold annotation."""
    for gold_file in sorted((corpus / "gold").glob("*.json")):
        gold = json.loads(gold_file.read_text(encoding="utf-8"))
        yield GoldPage(
            name=gold_file.stem,
            site=gold["site"],
            url=gold["url"],
            html=(corpus / "pages" / gold["file"]).read_bytes(),
            with_=tuple(gold["with"]),
            without=tuple(gold["without"]),
            gold=gold,
        )


@dataclass
class Score:
    """Counts for one site (or the whole corpus)."""

    pages: int = 0
    with_total: int = 0
    with_found: int = 0
    without_total: int = 0
    leaked: int = 0
    misses: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.with_found / self.with_total if self.with_total else 1.0

    def add(self, page: GoldPage, text: str | None) -> None:
        body = collapse(text)
        self.pages += 1
        self.with_total += len(page.with_)
        self.without_total += len(page.without)
        for snippet in page.with_:
            if collapse(snippet) in body:
                self.with_found += 1
            else:
                self.misses.append(f"{page.name}: {snippet}")
        for snippet in page.without:
            if collapse(snippet) in body:
                self.leaked += 1
                self.leaks.append(f"{page.name}: {snippet}")


def score(pages: list[GoldPage], clean: Callable[[GoldPage], str | None]) -> dict[str, Score]:
    """Per-site scores, plus "all", for one cleaning function."""
    scores: dict[str, Score] = {}
    for page in pages:
        text = clean(page)
        for key in (page.site, "all"):
            scores.setdefault(key, Score()).add(page, text)
    return scores


def bersih_text(page: GoldPage) -> str | None:
    """Bersih's clean text of a gold page."""
    from crawler.extract import extract

    record = extract(page.html, url=page.url)
    return record["text"] if record else None


def trafilatura_text(page: GoldPage) -> str | None:
    """Plain trafilatura, comments off: the baseline."""
    import trafilatura

    return trafilatura.extract(page.html, url=page.url, include_comments=False)


def table(ours: dict[str, Score], baseline: dict[str, Score] | None = None) -> str:
    """A per-site table: with found and without leaked, beside the baseline when given."""
    head = f"{'site':<22}{'pages':>6}{'with found':>14}{'leaked':>10}"
    if baseline:
        head += f"{'trafilatura with':>19}{'leaked':>9}"
    rows = [head, "-" * len(head)]
    for site in sorted(ours, key=lambda s: (s == "all", s)):
        s = ours[site]
        row = f"{site:<22}{s.pages:>6}{f'{s.with_found}/{s.with_total}':>14}"
        row += f"{f'{s.leaked}/{s.without_total}':>10}"
        if baseline:
            b = baseline[site]
            row += f"{f'{b.with_found}/{b.with_total}':>19}{f'{b.leaked}/{b.without_total}':>9}"
        rows.append(row)
    return "\n".join(rows)
