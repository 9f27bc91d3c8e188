"""`scrapy list`, plus `-v` to show each site profile's title, whether pages verify it, and its layouts."""

from __future__ import annotations

import argparse

from scrapy.commands.list import Command as ScrapyList
from scrapy.spiderloader import get_spider_loader

from crawler.profiles import Profile, broken_profiles


class Command(ScrapyList):
    def short_desc(self) -> str:
        return "List available spiders (-v: with their profiles and verification)"

    def long_desc(self) -> str:
        return (
            "List the spiders, one name per line (the form Scrapyd reads). With -v, also show "
            "each site profile's title, whether recorded pages in corpus/ verify it, and its layout "
            "versions, newest first, with the years pages of each were seen."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "-v", "--verbose", action="store_true", help="show profile title, status and layouts"
        )

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
                outlet = f"{profile.title} ({', '.join(profile.domains)})"
                print(f"{name:<16} {status:<11} {outlet}  {layouts(profile)}")


def layouts(profile: Profile) -> str:
    """The layout versions of a profile, newest first, each with the years its pages were seen."""
    if not profile.layouts:
        return "layouts: none (the page is read whole)"
    return "layouts: " + ", ".join(f"{v.name} {v.years or '(years unknown)'}" for v in profile.layouts)
