"""Records outside the languages a run expects: kept as they are, marked, or rejected (LANGUAGE_ACTION)."""

from __future__ import annotations

import logging
import re

from scrapy.crawler import Crawler

from crawler.extract.language import unexpected
from crawler.items import Article
from crawler.profiles import all_profiles
from pipelines.errors import Rejected, count_rejection

logger = logging.getLogger(__name__)

ACTIONS = ("keep", "mark", "reject")
# A site with no profile (the `news` spider) is expected to be Indonesian: Bersih crawls Indonesian news.
DEFAULT_EXPECTED = ("id",)
_CODE = re.compile(r"^[a-z]{2,3}$")


class LanguagePipeline:
    """Every record carries `language` and `language_score` (crawler.extract.language); this acts on them.

    The expected languages are LANGUAGE_EXPECTED, or else the site profile's `language`. A record
    in another language is, by LANGUAGE_ACTION: "keep", written as it is; "mark", written with
    `language_expected` (the languages the run expected) and counted as bersih/language/unexpected;
    "reject", rejected as `unexpected-language`, which the manifest lists like every rejection.
    """

    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.action = settings.get("LANGUAGE_ACTION")
        if self.action not in ACTIONS:
            raise ValueError(f"LANGUAGE_ACTION must be one of {', '.join(ACTIONS)}, not {self.action!r}")
        self.expected = tuple(code.strip().lower() for code in settings.getlist("LANGUAGE_EXPECTED"))
        bad = [code for code in self.expected if not _CODE.match(code)]
        if bad:
            raise ValueError(f"LANGUAGE_EXPECTED takes ISO 639 codes such as id or en, not {bad}")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LanguagePipeline:
        return cls(crawler)

    def expected_for(self, record: dict) -> tuple[str, ...]:
        """The run's languages, else the language of the record's site profile, else Indonesian."""
        if self.expected:
            return self.expected
        profile = all_profiles().get(record.get("site") or "")
        return (profile.language,) if profile and profile.language else DEFAULT_EXPECTED

    def process_item(self, item):
        if not isinstance(item, Article) or self.action == "keep":
            return item
        record = item.record
        expected = self.expected_for(record)
        if not unexpected(record.get("language"), expected):
            return item
        if self.action == "reject":
            found = f"{record.get('language')} ({record.get('language_score')})"
            detail = f"{found}, expected {', '.join(expected)}"
            error = Rejected("unexpected-language", item.url, detail)
            count_rejection(self.crawler.stats, error)
            raise error
        self.crawler.stats.inc_value("bersih/language/unexpected")
        return item.with_fields(language_expected=list(expected))
