"""Near-duplicates (syndicated copies, regional editions) by MinHash LSH over word shingles."""

from __future__ import annotations

import re
import unicodedata

import numpy
from datasketch import MinHash, MinHashLSH

NUM_PERM = 128
SHINGLE_WORDS = 5
# Fixed, so that signatures kept in the state store stay comparable across releases.
SCHEME = "affine32"
_WORD = re.compile(r"\w+")


def signature(text: str) -> MinHash:
    """MinHash of the text's 5-word shingles, case and Unicode forms folded."""
    words = _WORD.findall(unicodedata.normalize("NFKC", text).casefold())
    shingles = {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(max(len(words) - SHINGLE_WORDS + 1, 1))}
    minhash = MinHash(num_perm=NUM_PERM, scheme=SCHEME)
    minhash.update_batch([s.encode("utf-8") for s in shingles])
    return minhash


def to_bytes(minhash: MinHash) -> bytes:
    return minhash.hashvalues.astype(numpy.uint32).tobytes()


def from_bytes(raw: bytes) -> MinHash:
    return MinHash(num_perm=NUM_PERM, scheme=SCHEME, hashvalues=numpy.frombuffer(raw, dtype=numpy.uint32))


class NearDuplicates:
    """An LSH index of the articles seen: ask for an earlier near-copy, then add the new one."""

    def __init__(self, threshold: float):
        self.index = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self.urls: dict[str, str] = {}

    def add(self, key: str, url: str, minhash: MinHash) -> None:
        if key not in self.urls:
            self.index.insert(key, minhash)
            self.urls[key] = url

    def original_of(self, key: str, minhash: MinHash) -> str | None:
        """The URL of an earlier article this one nearly copies, if any."""
        for other in sorted(self.index.query(minhash)):
            if other != key:
                return self.urls[other]
        return None
