"""`scrapy list`, plus `-v` to show each site profile's title and whether pages verify it."""

from __future__ import annotations

import argparse

from scrapy.commands.list import Command as ScrapyList
from scrapy.spiderloader import get_spider_loader

from crawler.profiles import broken_profiles


class Command(ScrapyList):
    def short_desc(self) -> str:
        return "List available spiders (-v: with their profiles and verification)"

    def long_desc(self) -> str:
        return (
            "List the spiders, one name per line (the form Scrapyd reads). With -v, also show "
            "each site profile's title and whether recorded pages in corpus/ verify it."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-v", "--verbose", action="store_true", help="show profile title and status")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if not opts.verbose:
            super().run(args, opts)
            return
        loader = get_spider_loader(self.settings)
        broken = broken_profiles()
        for name in sorted(loader.list()):
            profile = getattr(loader.load(name), "profile", None)
            if name in broken:
                print(f"{name:<16} {'BROKEN':<11} {broken[name]}")
            elif profile is None:
                print(f"{name:<16} {'-':<11} any site, from -a url=…")
            else:
                status = "verified" if profile.verified else "unverified"
                print(f"{name:<16} {status:<11} {profile.title} ({', '.join(profile.domains)})")
