"""The leak canary: boilerplate phrases that must never survive cleaning, whatever the site.

Each is a form no article sentence takes: the "Baca juga:" teaser with its colon (or run into
the headline it announces), a request to follow the outlet on a channel, the note that the
article first ran elsewhere. A sentence that merely mentions WhatsApp Channels or Google News
is prose and does not match. A record whose text holds one of them leaked; the share of such
records per site is the run's canary rate (crawler/drift/measures.py).
"""

from __future__ import annotations

import re

CANARIES: tuple[tuple[str, str], ...] = (
    # "Baca juga: Judul", "Simak Juga : Judul", "Lihat juga:" — the teaser with its colon
    ("teaser", r"\b(baca|simak|lihat)\s*(juga|pula)\s*:"),
    # "Baca jugaJudul Berita": the label run into the headline's link text
    ("teaser", r"\b(baca|simak|lihat)\s*(juga|pula)(?-i:[A-Z])"),
    # "Ikuti berita terkini di Google News", "Gabung ke WhatsApp Channel kami", "Follow us on Instagram"
    ("call-to-action",
     r"\b(ikuti|follow|gabung|bergabung|join|subscribe)\b[^.!?\n]{0,80}"
     r"\b(google news|(whatsapp|telegram) channel|(channel|saluran) (whatsapp|telegram))\b"),
    ("call-to-action", r"\bfollow us on\b"),
    # "Artikel ini telah tayang di Kompas.com dengan judul ..."
    ("syndication", r"\b(artikel|berita) ini (telah|sudah) (tayang|terbit|dimuat) di\b"),
)  # fmt: skip

_CANARY = re.compile("|".join(f"(?:{pattern})" for _, pattern in CANARIES), re.IGNORECASE)


def leaked(text: str) -> str | None:
    """The first canary phrase the text holds, as found in it, or None when it holds none."""
    found = _CANARY.search(text)
    return found[0] if found else None
