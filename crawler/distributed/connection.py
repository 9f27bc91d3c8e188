"""The Redis connection of a distributed run, and the checks made before a worker starts."""

from __future__ import annotations

import redis
from scrapy.settings import BaseSettings

from crawler import __version__
from crawler.extract import rules_version
from crawler.profiles import Profile

META_KEY = "bersih:%(site)s:meta"


class DistributedError(RuntimeError):
    """Redis cannot serve this worker; the message says why and what to do."""


def redis_from_settings(settings: BaseSettings) -> redis.Redis:
    """A checked connection to REDIS_URL."""
    url = settings.get("REDIS_URL")
    if not url:
        raise DistributedError(
            "distributed mode needs REDIS_URL, for example -s REDIS_URL=redis://host:6379/0"
        )
    server = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30, health_check_interval=30)
    try:
        server.ping()
    except redis.RedisError as exc:
        raise DistributedError(
            f"cannot reach Redis at {url} ({exc}). Start it (redis-server) or give the right -s REDIS_URL=…"
        ) from None
    return server


def expected_versions(profile: Profile | None) -> dict[str, str]:
    """What every worker of a site must run: the same Bersih, generic rules and profile."""
    return {"bersih_version": __version__, "rules_version": rules_version(profile)}


def record_versions(server: redis.Redis, site: str, profile: Profile | None) -> None:
    """Stamp the site's versions in Redis (scrapy seed does this)."""
    server.hset(META_KEY % {"site": site}, mapping=expected_versions(profile))


def check_versions(server: redis.Redis, url: str, site: str, profile: Profile | None) -> None:
    """Refuse a worker whose Bersih or rules differ from the ones the site was seeded with."""
    stored = {k.decode(): v.decode() for k, v in server.hgetall(META_KEY % {"site": site}).items()}
    if not stored:
        return
    mismatched = [
        f"{name} {stored[name]} in Redis, {mine} here"
        for name, mine in expected_versions(profile).items()
        if stored.get(name) not in (None, mine)
    ]
    if mismatched:
        raise DistributedError(
            f"this worker runs another Bersih than the run at {url} ({'; '.join(mismatched)}). "
            "Mixed versions would clean the same site two ways, so it stops. Install the same version "
            "on every worker, or start a new run with `scrapy seed`."
        )


def distributed_problem(settings: BaseSettings, site: str) -> str | None:
    """Why a worker for `site` cannot start (Redis unreachable, versions differ), or None."""
    from crawler.profiles import all_profiles

    try:
        server = redis_from_settings(settings)
        check_versions(server, settings.get("REDIS_URL"), site, all_profiles().get(site))
    except DistributedError as exc:
        return str(exc)
    server.close()
    return None
