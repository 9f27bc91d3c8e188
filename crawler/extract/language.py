"""The language of an article, identified from its clean text; what the page declares is only a hint.

Outlets declare their language wrongly (Kompas's and Merdeka's Indonesian pages say `lang="en"`),
so the record's `language` comes from the text itself: py3langid (a langid.py model of 140 languages,
shipped inside the package, no network) reads the first TEXT_CHARS characters of the clean text.
`language_score` is its probability for that language, 0 to 1, as datatrove and FineWeb name it.
The code is ISO 639-1; a language that has none keeps its ISO 639-3 code (`ace`, Acehnese), and a
variety is folded into its macrolanguage's (Egyptian Arabic `arz` is `ar`, Cantonese `yue` is `zh`).
bench/language.py compares it with lingua, fastText's lid.176 and CLD2 on Indonesian, Malay,
English and Javanese texts (bench/RESULTS.md).

Indonesian and Malay are close enough that a short or mixed text can be a near tie. The hint (the
site profile's language, else the page's `<html lang>`) settles a tie, and nothing else: when the
hinted language is the runner-up within NEAR_TIE of the first, it is taken, with its own score.
"""

from __future__ import annotations

from functools import cache

# Two or three paragraphs: as accurate as the whole text on every set of bench/language.py, at
# about 0.5 ms; the identifier's cost grows with the text, so a long article costs no more.
TEXT_CHARS = 1000
# A runner-up this close to the first is a tie that the hint may settle.
NEAR_TIE = 0.2
# The model's labels that are not ISO 639-1 but have a macrolanguage that is.
ISO_639_1 = {"arz": "ar", "ary": "ar", "yue": "zh", "wuu": "zh", "uzs": "uz", "gug": "gn", "kik": "ki"}
NO_LANGUAGE = "zxx"  # the model's label for text with no linguistic content


@cache
def _identifier():
    """py3langid's bundled model with normalised probabilities, loaded once per process (~1 s)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def preload() -> None:
    """Load the model now: a cleaning worker does so as it starts, not inside a page's time limit."""
    _identifier()


def identify(text: str, hint: str | None = None) -> tuple[str | None, float | None]:
    """(ISO 639-1 code, probability) of the text's language; (None, None) for a text without language.

    `hint` is the language the page or its profile declares: it decides a near tie, never more.
    """
    sample = text[:TEXT_CHARS]
    if not any(ch.isalpha() for ch in sample):
        return None, None
    (first, p_first), (second, p_second) = [
        (ISO_639_1.get(c, c), p) for c, p in _identifier().rank(sample)[:2]
    ]
    if hint and hint == second and p_first - p_second < NEAR_TIE:
        first, p_first = second, p_second
    if first == NO_LANGUAGE:
        return None, None
    return first, round(float(p_first), 4)


def unexpected(language: str | None, expected: list[str] | tuple[str, ...]) -> bool:
    """Whether a record in `language` falls outside the languages a run expects (none: all expected)."""
    return bool(expected) and language not in expected
