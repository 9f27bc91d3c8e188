"""Turn page bytes into text, trusting the bytes over a wrong charset declaration."""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, resolve_encoding

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _try(body: bytes, encoding: str | None) -> str | None:
    if not encoding:
        return None
    name = resolve_encoding(encoding)
    if not name:
        return None
    try:
        return body.decode(name)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode a page; return (text, encoding used).

    Order: a byte-order mark; then UTF-8 when the bytes are valid UTF-8 (a page
    that decodes cleanly as UTF-8 is UTF-8 whatever it declares, as old templates
    declare iso-8859-1 over UTF-8 text); then the HTTP header, then <meta>, then
    detection. A declaration that fails to decode the bytes is passed over, except a
    declared UTF-8 that fails on a few broken bytes only: detection would take such a
    page for a legacy charset and garble every accented letter.
    """
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body.decode(name, errors="replace"), name
    candidates = [
        "utf-8",
        http_content_type_encoding(content_type) if content_type else None,
        html_body_declared_encoding(body[:8192]),
    ]
    for encoding in candidates:
        text = _try(body, encoding)
        if text is not None:
            return text, resolve_encoding(encoding) or encoding
    if "utf-8" in (resolve_encoding(e or "") for e in candidates[1:]):
        text = body.decode("utf-8", errors="replace")
        if text.count("\ufffd") <= max(4, len(body) // 10_000):
            return text, "utf-8"  # declared UTF-8 with a few broken bytes (a cut character): still UTF-8
    best = from_bytes(body[:200_000]).best()
    if best is not None:
        return body.decode(best.encoding, errors="replace"), best.encoding
    return body.decode("utf-8", errors="replace"), "utf-8"
