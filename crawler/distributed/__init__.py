"""Distributed crawling: several workers share one frontier and one state in Redis (scrapy-redis)."""
