"""Off-target cleaning: Bersih's extract beside plain trafilatura on two public benchmarks, their own metrics.

Usage: .venv/bin/python bench/offtarget.py TRAFILATURA_CHECKOUT FUNDUS_CHECKOUT
       [--limit N] [--results bench/RESULTS.md] [--failures FILE]

trafilatura's set (tests/evaldata.json, 990 pages): its snippet metric, as tests/eval_common.py counts it
and summed over all pages. Per page, after folding whitespace runs to one space: each `with` snippet in the
text is a true positive, each one missing a false negative; each `without` snippet in the text a false
positive, each one missing a true negative. No output finds nothing. precision = tp/(tp+fp),
recall = tp/(tp+fn), F1 = 2tp/(2tp+fp+fn).

Fundus's set (tests/resources/parser/test_data, every publisher version's page): ROUGE-LSum, the score of
Fundus's own evaluation (fundus-evaluation: rouge_score's rougeLsum, no stemming), per page, averaged over
pages. The reference is the expected body (summary, then each section's headline and paragraphs); both
texts are cut into sentences and these into tokens; hits = tokens of each reference sentence in the union
of its longest common subsequences with the candidate's sentences, each token counted at most as often as
it occurs in both texts; precision = hits/candidate tokens, recall = hits/reference tokens,
F1 = 2PR/(P+R); no output scores 0. Two departures, because these pages are in 30 languages and
rouge_score's are ASCII-only: tokens are lower-cased runs of Unicode letters and digits, each Han or kana
character a token of its own (rouge_score: [a-z0-9]+); sentences are lines, cut after . ! ? before a space
and after 。！？ (rouge_score: nltk's punkt).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path

import trafilatura
from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from results import machine, write_section  # noqa: E402

from crawler.extract import ExtractError, extract  # noqa: E402

_SPACE = re.compile(r"\s+")
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])|\n")
SHORT_WORDS = 100  # "under half the other's words" only where the other has at least this many


@dataclass(frozen=True)
class Page:
    """One benchmark page: where it came from, its HTML and the benchmark's gold."""

    benchmark: str
    path: str  # inside the benchmark's checkout
    url: str
    html: bytes | str
    gold: dict  # trafilatura: "with" and "without"; Fundus: "body", the expected paragraphs


def trafilatura_pages(checkout: Path) -> Iterator[Page]:
    """trafilatura's evaluation pages, read from tests/cache or else tests/eval as its evaluate.py does."""
    tests = checkout / "tests"
    evaldata = json.loads((tests / "evaldata.json").read_text(encoding="utf-8"))
    for url in sorted(evaldata):
        item = evaldata[url]
        path = next(p for d in ("cache", "eval") if (p := tests / d / item["file"]).is_file())
        yield Page("trafilatura", str(path.relative_to(checkout)), url, path.read_bytes(), item)


def _version_order(name: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", name))


def fundus_body(version: dict) -> list[str]:
    """The expected body of one Fundus parser version: summary, then each section's headline, paragraphs."""
    body = version["body"]
    sections = (p for s in body["sections"] for p in (*s["headline"], *s["paragraphs"]))
    return [*body["summary"], *sections]


def fundus_pages(checkout: Path) -> Iterator[Page]:
    """Fundus's parser test pages; a publisher's versions, in order, go with its pages by crawl date."""
    for expected in sorted((checkout / "tests/resources/parser/test_data").glob("*/*.json")):
        meta = json.loads((expected.parent / "meta.info").read_text(encoding="utf-8"))
        versions = json.loads(expected.read_text(encoding="utf-8"))
        files = sorted(expected.parent.glob(f"{expected.stem}_*.html.gz"))
        for name, path in zip(sorted(versions, key=_version_order), files, strict=True):
            html = gzip.decompress(path.read_bytes()).decode("utf-8")  # as Fundus's HTMLTestFile.load
            gold = {"version": name, "body": fundus_body(versions[name])}
            yield Page("fundus", str(path.relative_to(checkout)), meta[path.name]["url"], html, gold)


def bersih(page: Page) -> str:
    """Bersih's clean text; "" when it finds no article or the input is not a page."""
    try:
        record = extract(page.html, url=page.url)
    except ExtractError:
        return ""
    return record["text"] if record else ""


def plain(page: Page) -> str:
    """Plain trafilatura, comments off."""
    return trafilatura.extract(page.html, url=page.url, include_comments=False) or ""


CLEANERS: dict[str, Callable[[Page], str]] = {"bersih": bersih, "trafilatura": plain}


def fold(text: str) -> str:
    """Whitespace runs to one space, as trafilatura's eval_common.norm."""
    return _SPACE.sub(" ", text).strip()


def snippet_counts(gold: dict, text: str) -> tuple[int, int, int, int]:
    """trafilatura's per-page (tp, fp, fn, tn)."""
    body = fold(text)
    tp = sum(fold(s) in body for s in gold["with"])
    fp = sum(fold(s) in body for s in gold["without"])
    return tp, fp, len(gold["with"]) - tp, len(gold["without"]) - fp


def _tokens(text: str) -> list[list[str]]:
    return [t for s in _SENTENCE_END.split(text) if (t := _TOKEN.findall(s.lower()))]


def _lcs(ref: list[str], can: list[str]) -> set[int]:
    """Indices in `ref` of a longest common subsequence with `can`, backtracked as rouge_score does."""
    table = [[0] * (len(can) + 1)]
    for token in ref:
        above, row = table[-1], [0]
        for j, other in enumerate(can):
            row.append(above[j] + 1 if token == other else max(above[j + 1], row[j]))
        table.append(row)
    i, j, found = len(ref), len(can), set()
    while i and j:
        if ref[i - 1] == can[j - 1]:
            found.add(i - 1)
            i, j = i - 1, j - 1
        elif table[i][j - 1] > table[i - 1][j]:
            j -= 1
        else:
            i -= 1
    return found


def rouge_lsum(reference: str, candidate: str) -> tuple[float, float, float]:
    """Summary-level ROUGE-L (precision, recall, F1), as rouge_score's rougeLsum."""
    ref, can = _tokens(reference), _tokens(candidate)
    m, n = sum(map(len, ref)), sum(map(len, can))
    if not m or not n:
        return 0.0, 0.0, 0.0
    left_ref, left_can = Counter(chain(*ref)), Counter(chain(*can))
    hits = 0
    for sentence in ref:
        words = set(sentence)
        union = set().union(*(_lcs(sentence, c) for c in can if words.intersection(c)))
        for token in (sentence[i] for i in sorted(union)):
            if left_ref[token] and left_can[token]:
                hits += 1
                left_ref[token] -= 1
                left_can[token] -= 1
    precision, recall = hits / n, hits / m
    return precision, recall, 2 * precision * recall / (precision + recall) if hits else 0.0


def token_bag(reference: str, candidate: str) -> tuple[float, float, float]:
    """Bag-of-tokens precision, recall and F1: the tokens both texts share, each as often as in both."""
    ref, can = Counter(chain(*_tokens(reference))), Counter(chain(*_tokens(candidate)))
    hits = sum((ref & can).values())
    if not hits:
        return 0.0, 0.0, 0.0
    precision, recall = hits / sum(can.values()), hits / sum(ref.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def page_score(page: Page, text: str) -> tuple:
    """The benchmark's own per-page score."""
    if page.benchmark == "trafilatura":
        return snippet_counts(page.gold, text)
    return rouge_lsum("\n\n".join(page.gold["body"]), text)


def summary(benchmark: str, scores: list[tuple]) -> tuple[float, float, float]:
    """Precision, recall, F1: summed counts for trafilatura's set, the mean per page for Fundus's."""
    if benchmark == "fundus":
        return tuple(sum(column) / len(scores) for column in zip(*scores, strict=True))  # type: ignore[return-value]
    tp, fp, fn, _ = (sum(column) for column in zip(*scores, strict=True))
    return tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn) if tp + fn else 0.0, 2 * tp / (2 * tp + fp + fn)


def load_holes() -> Callable[[bytes | str, str], list[str]] | None:
    """crawler.integrity.holes, or None while it is not there yet."""
    try:
        from crawler.integrity import holes
    except ImportError:
        return None
    return holes


@dataclass
class Tally:
    """One cleaner on one set."""

    scores: list[tuple] = field(default_factory=list)
    bags: list[tuple] = field(default_factory=list)  # Fundus's pages: bag-of-tokens scores
    seconds: float = 0.0
    errors: int = 0
    empty: int = 0  # empty where the other cleaner is not
    short: int = 0  # under half the other's words, the other having at least SHORT_WORDS
    holes: int = 0  # paragraphs
    holed_pages: int = 0


def run(page: Page, clean: Callable[[Page], str], tally: Tally) -> str:
    """One cleaner on one page, timed; a crash is no output, as trafilatura's evaluate.py counts it."""
    started = time.process_time()
    try:
        text = clean(page)
    except Exception:
        text = ""
        tally.errors += 1
    tally.seconds += time.process_time() - started
    return text


def evaluate(pages: list[Page], failures: list[dict]) -> dict[str, Tally]:
    """Both cleaners over one set's pages; pages where either falls short are added to `failures`."""
    holes, tallies = load_holes(), {name: Tally() for name in CLEANERS}
    for clean in CLEANERS.values():
        run(pages[0], clean, Tally())  # warm caches: compiled rules, profiles
    for page in tqdm(pages, desc=pages[0].benchmark, unit="page", file=sys.stderr, disable=None, leave=False):
        texts = {name: run(page, clean, tallies[name]) for name, clean in CLEANERS.items()}
        words = {name: len(text.split()) for name, text in texts.items()}
        detail: dict = {"benchmark": page.benchmark, "path": page.path, "url": page.url, "words": words}
        for name, other in (("bersih", "trafilatura"), ("trafilatura", "bersih")):
            tally, flags = tallies[name], []
            tally.scores.append(page_score(page, texts[name]))
            if page.benchmark == "fundus":
                tally.bags.append(token_bag("\n\n".join(page.gold["body"]), texts[name]))
            if not texts[name] and texts[other]:
                tally.empty += 1
                flags.append("empty")
            if words[other] >= SHORT_WORDS and words[name] < words[other] / 2:
                tally.short += 1
                flags.append("short")
            found = holes(page.html, texts[name]) if holes and texts[name] else []
            if found:
                tally.holes += len(found)
                tally.holed_pages += 1
                flags.append("holes")
            score, head = tally.scores[-1], texts[name][:300]
            detail[name] = {"flags": flags, "score": score, "holes": found, "head": head}
        if page.benchmark == "trafilatura":
            lost = [s for s in page.gold["with"] if fold(s) in fold(texts["trafilatura"])]
            detail["bersih"]["lost"] = [s for s in lost if fold(s) not in fold(texts["bersih"])]
        if detail["bersih"]["flags"] or detail["bersih"].get("lost"):
            failures.append(detail)
    return tallies


def revision(checkout: Path) -> str:
    """The checkout's commit, for the record."""
    done = subprocess.run(["git", "-C", str(checkout), "rev-parse", "HEAD"], capture_output=True, text=True)
    return done.stdout.strip()[:12] or "unknown"


def table(results: dict[str, tuple[int, dict[str, Tally]]], holes_known: bool) -> str:
    """The Markdown table: both cleaners on both sets."""
    rows = [
        "| set, metric | cleaner | pages | precision | recall | F1 | empty where the other is not "
        "| under half the other's words | paragraphs with holes (pages) | errors | CPU s | pages/s | speed |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    metric = {"trafilatura": "trafilatura, snippets", "fundus": "Fundus, ROUGE-LSum mean"}
    for benchmark, (count, tallies) in results.items():
        base = count / tallies["trafilatura"].seconds
        for name, tally in tallies.items():
            p, r, f = summary(benchmark, tally.scores)
            holed = f"{tally.holes} ({tally.holed_pages})" if holes_known else "n/a"
            speed = count / tally.seconds
            rows.append(
                f"| {metric[benchmark]} | {name} | {count} | {p:.3f} | {r:.3f} | {f:.3f} | {tally.empty} "
                f"| {tally.short} | {holed} | {tally.errors} | {tally.seconds:.1f} | {speed:.1f} "
                f"| {speed / base:.2f}× |"
            )
    for count, tallies in results.values():
        for name, tally in tallies.items():
            if tally.bags:
                p, r, f = summary("fundus", tally.bags)
                row = f"| Fundus, bag of tokens mean | {name} | {count} | {p:.3f} | {r:.3f} | {f:.3f} |"
                rows.append(row + " |" * 7)
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trafilatura_checkout", type=Path, help="a checkout of adbar/trafilatura")
    parser.add_argument("fundus_checkout", type=Path, help="a checkout of flairNLP/fundus")
    parser.add_argument("--limit", type=int, help="only the first N pages of each set")
    parser.add_argument(
        "--results", type=Path, default=ROOT / "bench" / "RESULTS.md", help="where to write the table"
    )
    parser.add_argument("--failures", type=Path, help="per-page details where Bersih falls short, JSON Lines")
    args = parser.parse_args(argv)
    sets = {
        "trafilatura": list(trafilatura_pages(args.trafilatura_checkout))[: args.limit],
        "fundus": list(fundus_pages(args.fundus_checkout))[: args.limit],
    }
    failures: list[dict] = []
    results = {benchmark: (len(pages), evaluate(pages, failures)) for benchmark, pages in sets.items()}
    holes_known = load_holes() is not None
    text = table(results, holes_known)
    print(text)
    if args.failures:
        lines = (json.dumps(d, ensure_ascii=False) for d in failures)
        args.failures.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    write_section(
        args.results,
        "Off-target pages",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}.\n\n"
        f"trafilatura's evaluation set (adbar/trafilatura {revision(args.trafilatura_checkout)}) "
        f"and Fundus's parser test pages (flairNLP/fundus {revision(args.fundus_checkout)}), "
        "each scored with its benchmark's own metric (see `bench/offtarget.py`); *empty* and *under half* "
        f"compare each cleaner with the other (the other having at least {SHORT_WORDS} words); *holes* are "
        "paragraphs not made of the page's own text: words cut from a sentence (`crawler.integrity.holes`); "
        "CPU time of one process, cleaning alone; *speed* is pages/s relative to plain trafilatura.\n\n"
        + text,
    )
    print(f"\nWritten to {args.results}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
