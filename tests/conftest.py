"""Shared helpers: the repository's recorded pages and real crawls in a subprocess."""

from __future__ import annotations

import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import CodeType

import pytest

from crawler.quality import GoldPage, collapse, gold_pages
from crawler.replay.server import ReplayServer

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
# The stats dump is logged at DEBUG by default; the tests read it from stderr (stat()).
SCRAPY = [sys.executable, "-m", "scrapy", "-sSTATS_DUMP_LEVEL=INFO"]
SAMPLE = ROOT / "sample" / "kompas"
SAMPLE_DATES = "2016-02-16,2016-02-23"


def sample_pages() -> list[GoldPage]:
    """The gold pages the demo sample (sample/kompas) serves: its five 2016 Kompas articles."""
    lines = (SAMPLE / "responses.jsonl").read_text(encoding="utf-8").splitlines()
    served = {json.loads(line)["url"].split("?")[0] for line in lines if line.strip()}
    return [page for page in gold_pages(ROOT / "corpus") if page.url in served]


def present(snippet: str, text: str | None) -> bool:
    """The gold rule: a snippet counts when it is a substring after whitespace folding."""
    return collapse(snippet) in collapse(text)


@pytest.fixture(scope="session")
def corpus() -> list[GoldPage]:
    pages = list(gold_pages(ROOT / "corpus"))
    assert len(pages) == 61, "the repository carries the 61 recorded gold pages"
    return pages


# The crawls' own state stores, removed when the test session ends.
STATES = tempfile.TemporaryDirectory(prefix="bersih-states-")


def run_scrapy(*args: str, timeout: int = 180, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run a real `scrapy` command in the project, as a user would.

    Each crawl gets a state store of its own unless the test gives STATE_DIR.
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if args and args[0] in ("crawl", "crawlall") and not any(a.startswith("STATE_DIR=") for a in args):
        args = (*args, "-s", f"STATE_DIR={tempfile.mkdtemp(prefix='bersih-state-', dir=STATES.name)}")
    return subprocess.run([*SCRAPY, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def crawl_sample(out: Path, *settings: str, replay: Path = SAMPLE) -> subprocess.CompletedProcess:
    """A real `scrapy crawl kompas` of a replay folder (the demo sample by default) into `out`.

    `settings` are NAME=VALUE pairs given with -s.
    """
    extra = [part for setting in settings for part in ("-s", setting)]
    return run_scrapy(
        "crawl", "kompas", "-s", f"REPLAY_DIR={replay}", "-s", f"OUTPUT_DIR={out}",
        "-a", f"dates={SAMPLE_DATES}", *extra,
    )  # fmt: skip


def stat(log: str, key: str) -> int:
    """A counter from the stats dump at the end of a crawl log (0 when absent)."""
    match = re.search(rf"'{re.escape(key)}': (\d+)", log)
    return int(match[1]) if match else 0


# Only a hang trips these: on a busy machine an event may come late, but it comes.
PATIENCE = 180


def wait_until(condition: Callable[[], object], what: str, timeout: float = PATIENCE) -> None:
    """Wait for an event (polled), failing with `what` when it does not come."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.05)


class HeldReplay(ReplayServer):
    """A replay server that holds its answers to some URLs until the test says `release()`.

    A crawl waits on such a page for as long as the test needs, however busy the machine, where
    a page answered a fixed time late would race the test.
    """

    def __init__(self, directory: Path, held: Callable[[str], bool]):
        super().__init__(directory)
        self.held = held
        self.released = threading.Event()

    def count(self, url: str, user_agent: str) -> int:
        number = super().count(url, user_agent)
        if self.held(url):
            self.released.wait(PATIENCE)
        return number

    def release(self) -> None:
        """Answer the held requests, and those still to come, at once."""
        self.released.set()

    def shutdown(self) -> None:
        self.release()
        super().shutdown()


# --- The two tiers: `pytest -m "not e2e"` (fast) and the whole suite ----------------------------

# A test is end-to-end when it, or a helper, class or fixture of the tests it uses (followed through
# the test modules), names one of these: a real crawl or CLI in a subprocess, a Redis, a Scrapyd.
E2E_NAMES = frozenset({"run_scrapy", "crawl_sample", "subprocess", "redis", "scrapyd"})
# Names of a test that needs a redis-server binary on PATH (a fixture asked for by name counts too).
REDIS_NAMES = frozenset({"redis", "redis_url", "start_redis"})
ASKED_BY_NAME = frozenset({"redis_url"})  # fixtures a test may ask for at run time
REDIS_MISSING = pytest.StashKey[bool]()
NAMES = pytest.StashKey[frozenset]()
REDIS_HINT = (
    "redis-server is not installed; the distributed tests start their own on 127.0.0.1. "
    "Install it (Debian: apt-get install redis-server) or run the fast tier alone: pytest -m 'not e2e'"
)


def _ours(thing: object) -> bool:
    """Whether `thing` is a plain function or a class of the test modules (or of this file)."""
    if inspect.isclass(thing):
        where = getattr(sys.modules.get(thing.__module__), "__file__", None)
        return where is not None and Path(where).parent == TESTS
    return inspect.isfunction(thing) and Path(thing.__code__.co_filename).parent == TESTS


def _codes(thing: object) -> list[tuple[CodeType, dict]]:
    """The code of a function of ours, or of each method of a class of ours, with its globals."""
    functions = (
        [v for v in vars(thing).values() if inspect.isfunction(v)] if inspect.isclass(thing) else [thing]
    )
    return [(f.__code__, f.__globals__) for f in functions if _ours(f)]


def _names(code: CodeType, namespace: dict, found: set[str], seen: set[CodeType]) -> None:
    """Add the names `code` uses to `found`, and theirs: our own functions and classes, followed."""
    if code in seen:
        return
    seen.add(code)
    found.update(code.co_names)
    for const in code.co_consts:
        if isinstance(const, CodeType):
            _names(const, namespace, found, seen)
        elif const in ASKED_BY_NAME:  # request.getfixturevalue("redis_url")
            found.add(const)
    for name in code.co_names:
        target = inspect.unwrap(namespace[name]) if name in namespace else None
        if _ours(target):
            for inner, globals_ in _codes(target):
                _names(inner, globals_, found, seen)


def names_of(item: pytest.Item) -> frozenset:
    """Every name the test uses, itself or through its fixtures and the test modules' helpers."""
    if NAMES not in item.stash:
        functions = [getattr(item, "function", None)]
        fixtures = getattr(item, "_fixtureinfo", None)
        if fixtures is not None:
            functions += [defs[-1].func for defs in fixtures.name2fixturedefs.values() if defs]
        found: set[str] = set(getattr(item, "fixturenames", ()))
        seen: set[CodeType] = set()
        for function in functions:
            if function is not None and _ours(inspect.unwrap(function)):
                for code, globals_ in _codes(inspect.unwrap(function)):
                    _names(code, globals_, found, seen)
        item.stash[NAMES] = frozenset(found)
    return item.stash[NAMES]


def is_e2e(item: pytest.Item) -> bool:
    """A test marked e2e, or one that runs a real crawl, CLI, Redis or Scrapyd (itself or its fixtures)."""
    return item.get_closest_marker("e2e") is not None or bool(E2E_NAMES & names_of(item))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the end-to-end tests; leave the long runs out unless -m names them."""
    for item in items:
        if is_e2e(item):
            item.add_marker(pytest.mark.e2e)
    if "long" not in (config.option.markexpr or ""):
        long = [item for item in items if item.get_closest_marker("long")]
        if long:
            config.hook.pytest_deselected(items=long)
            items[:] = [item for item in items if not item.get_closest_marker("long")]


def needs_missing_redis(items: list[pytest.Item]) -> bool:
    """Whether a selected test needs redis-server and there is none on PATH."""
    return shutil.which("redis-server") is None and any(REDIS_NAMES & names_of(item) for item in items)


@pytest.hookimpl(tryfirst=True)  # before xdist sends the worker's tests to the controller
def pytest_collection_finish(session: pytest.Session) -> None:
    """Stop before the first test when a selected test needs redis-server and there is none.

    An xdist worker runs nothing and tells the controller, which says so once (below).
    """
    if not needs_missing_redis(session.items):
        return
    if not hasattr(session.config, "workerinput"):
        raise pytest.UsageError(REDIS_HINT)
    session.config.workeroutput["redis_missing"] = True
    session.items.clear()


@pytest.hookimpl(optionalhook=True)  # an xdist hook: absent with -p no:xdist
def pytest_testnodedown(node, error) -> None:
    """xdist controller: note a worker that found redis-server missing."""
    if getattr(node, "workeroutput", {}).get("redis_missing"):
        node.config.stash[REDIS_MISSING] = True


def pytest_sessionfinish(session: pytest.Session) -> None:
    """xdist controller: say once what is missing, and exit as a usage error does."""
    if session.config.stash.get(REDIS_MISSING, False):
        session.config.pluginmanager.get_plugin("terminalreporter").write_line(f"ERROR: {REDIS_HINT}")
        session.exitstatus = pytest.ExitCode.USAGE_ERROR
