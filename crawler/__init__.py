"""Bersih: clean, deduplicated JSON Lines corpora from Indonesian news sites."""

__version__ = "0.1.0"
