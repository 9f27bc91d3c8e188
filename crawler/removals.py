"""The run's removals report: what cleaning removed from the written records, by site, layer and rule.

With CLEANING_AUDIT on, each record lists what cleaning removed (its `removed` field). This
extension adds up those of the records the run wrote and, when the run closes, writes
OUTPUT_DIR/<run-id>.removed.json beside the manifest (under a temporary name, then renamed):
fragments and words for each (site, layer, rule), with a few example texts. A record's removals
count once its output file is final: records whose file could not be completed (records_failed,
output_abandoned) are left out, as the manifest leaves them out of "written".
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler import signals as bersih_signals
from crawler.items import Article
from crawler.ledger import write_atomically
from crawler.run import run_id

logger = logging.getLogger(__name__)

EXAMPLES = 3  # example texts kept for each (site, layer, rule)
EXAMPLE_CHARS = 300  # an example longer than this is cut, with "…"
SUFFIX = ".removed.json"

Key = tuple[str, str, str]  # (site, layer, rule)


@dataclass
class Tally:
    """Fragments and words removed by one rule on one site, with a few of the texts."""

    fragments: int = 0
    words: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.fragments += 1
        self.words += len(text.split())
        example = text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1] + "…"
        if len(self.examples) < EXAMPLES and example not in self.examples:
            self.examples.append(example)


def tally(tallies: dict[Key, Tally], site: str, removed: list[dict]) -> None:
    """Add one record's removals to the tallies by (site, layer, rule)."""
    for removal in removed:
        tallies.setdefault((site, removal["layer"], removal["rule"]), Tally()).add(removal["text"])


def report(run: str, records: int, sites: Counter, tallies: dict[Key, Tally]) -> dict:
    """The side file's content: totals per site and per (layer, rule), then each (site, layer, rule)."""
    by_site: dict[str, dict] = {site: {"records": n, "fragments": 0, "words": 0} for site, n in sites.items()}
    by_rule: dict[tuple[str, str], dict] = {}
    for (site, layer, rule), t in tallies.items():
        for total in (by_site[site], by_rule.setdefault((layer, rule), {"fragments": 0, "words": 0})):
            total["fragments"] += t.fragments
            total["words"] += t.words
    rows = sorted(tallies.items(), key=lambda item: (item[0][0], -item[1].words, item[0][1], item[0][2]))
    return {
        "run_id": run,
        "records": records,
        "by_site": dict(sorted(by_site.items())),
        "by_rule": [
            {"layer": layer, "rule": rule, **total}
            for (layer, rule), total in sorted(by_rule.items(), key=lambda item: -item[1]["words"])
        ],
        "by_site_rule": [
            {
                "site": site,
                "layer": layer,
                "rule": rule,
                "fragments": t.fragments,
                "words": t.words,
                "examples": t.examples,
            }
            for (site, layer, rule), t in rows
        ],
    }


class RemovalsReport:
    """Adds up the written records' `removed` fields; writes <run-id>.removed.json at the end of the run."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.output_dir = Path(crawler.settings.get("OUTPUT_DIR"))
        self.pending: dict[str, tuple[str, list[dict]]] = {}  # url -> (site, removed), file not final yet
        self.tallies: dict[Key, Tally] = {}
        self.sites: Counter = Counter()  # records written, by site
        self.lost: set[str] = set()  # records failed before the item left the pipelines (a checkpoint's)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RemovalsReport:
        if not crawler.settings.getbool("CLEANING_AUDIT"):
            raise NotConfigured("CLEANING_AUDIT is off")
        extension = cls(crawler)
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(extension.committed, signal=bersih_signals.checkpoint_committed)
        crawler.signals.connect(extension.failed, signal=bersih_signals.records_failed)
        crawler.signals.connect(extension.failed, signal=bersih_signals.output_abandoned)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def item_scraped(self, item, response, spider) -> None:
        """An article the writer took: its removals wait for its file to be final."""
        if isinstance(item, Article) and item.url not in self.lost:
            self.pending[item.url] = (item.record["site"], item.record.get("removed") or [])

    def committed(self, urls: list[str]) -> None:
        """A checkpoint made these records final."""
        for url in urls:
            if url in self.pending:
                self._final(self.pending.pop(url))

    def failed(self, urls: list[str], **_) -> None:
        """These records were not written after all."""
        for url in urls:
            if self.pending.pop(url, None) is None:
                self.lost.add(url)

    def _final(self, record: tuple[str, list[dict]]) -> None:
        site, removed = record
        self.sites[site] += 1
        tally(self.tallies, site, removed)

    def spider_closed(self, spider, reason: str) -> None:
        """The run's end: what is still pending was committed with the last files."""
        if self.crawler.stats.get_value("bersih/start_error"):
            return  # nothing ran, as the manifest says
        for record in self.pending.values():
            self._final(record)
        self.pending.clear()
        run = run_id(self.crawler)
        records = sum(self.sites.values())
        content = report(run, records, self.sites, self.tallies)
        path = self.output_dir / f"{run}{SUFFIX}"
        try:
            write_atomically(path, json.dumps(content, ensure_ascii=False, indent=1) + "\n")
        except OSError as exc:
            logger.error("Could not write the removals report %s: %s", path, exc)
            return
        logger.info("Removals of %d records by site and rule: %s", records, path)
