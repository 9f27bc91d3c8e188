"""Make `scrapy crawl <site>` work for every profile, with no code per site."""

from crawler.profiles import all_profiles
from crawler.spiders.profiled import spider_for

globals().update(
    {spider.__name__: spider for spider in (spider_for(p, __name__) for p in all_profiles().values())}
)
