"""One article, one key: the URL with tracking, AMP, mobile and single-page variants folded."""

from __future__ import annotations

import re
from contextlib import suppress
from urllib.parse import parse_qsl, urlencode, urlsplit

from courlan import normalize_url

from crawler.extract.urls import unwrap
from crawler.profiles import Profile, profile_for_url

_AMP_PATH = re.compile(r"(^/amp(?=/)|/amp/?$)")
_HOST_PREFIXES = ("www.", "m.", "amp.", "mobile.")
_AMP_PARAMETERS = {"amp", "amp_js_v", "outputType", "usqp"}


def url_key(url: str, profile: Profile | None = None) -> str:
    """The key of an article URL in manifests and the state store (no scheme: http and https agree).

    An Internet Archive capture has the key of the page it captured.
    """
    url = unwrap(url) or url
    profile = profile or profile_for_url(url)
    if profile:
        url = profile.without_single_page(url)
    with suppress(ValueError):
        url = normalize_url(url, strict=True)  # courlan: lower-cased host, no tracking parameters or fragment
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    for prefix in _HOST_PREFIXES:
        host = host.removeprefix(prefix)
    path = _AMP_PATH.sub("", parts.path) or "/"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in _AMP_PARAMETERS]
    )
    return f"{host}{path}" + (f"?{query}" if query else "")
