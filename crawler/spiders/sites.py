"""Make `scrapy crawl <site>` work for every profile, with no code per site."""

from crawler.profiles import all_profiles, broken_profiles
from crawler.spiders.profiled import spider_for, spider_for_broken

globals().update(
    {spider.__name__: spider for spider in (spider_for(p, __name__) for p in all_profiles().values())}
)
# A profile that cannot be loaded still has its spider, which says what is wrong when run.
globals().update(
    {
        spider.__name__: spider
        for spider in (spider_for_broken(n, e, __name__) for n, e in broken_profiles().items())
    }
)
