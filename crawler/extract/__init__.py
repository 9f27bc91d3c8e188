"""The cleaning core: one page in, one clean record (or None) out. No Scrapy inside."""

from crawler.extract.core import MAX_PAGE_BYTES, ExtractError, extract, rules_version, stitch

__all__ = ["MAX_PAGE_BYTES", "ExtractError", "extract", "rules_version", "stitch"]
