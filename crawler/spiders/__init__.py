"""Spiders: one per site profile in crawler/sites, all of the same class (see sites.py)."""
