"""What Bersih's own commands share: unknown options refused, log lines kept clear of progress bars."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from scrapy.exceptions import UsageError
from tqdm import tqdm


def operands(args: list[str]) -> list[str]:
    """The command's operands; an option it does not know (--bogus) is a usage error (exit 2).

    Scrapy parses options with parse_known_args, so an unknown one would arrive here as a file
    name. "-" (stdin) is an operand, and so is everything after "--".
    """
    if "--" in args:
        cut = args.index("--")
        return [*operands(args[:cut]), *args[cut + 1 :]]
    unknown = [a for a in args if a.startswith("-") and a != "-"]
    if unknown:
        raise UsageError(f"unrecognized arguments: {' '.join(unknown)}")
    return args


class _AboveBars:
    """A log stream whose lines tqdm writes above its progress bars (a terminal's), not through them."""

    def __init__(self, stream: TextIO):
        self.stream = stream

    def write(self, text: str) -> None:
        tqdm.write(text, file=self.stream, end="")

    def flush(self) -> None:
        self.stream.flush()


@contextmanager
def log_above_bars() -> Iterator[None]:
    """While a command shows progress bars on a terminal, print the log's lines above them.

    The handlers keep their level, filters and format (tqdm's logging_redirect_tqdm drops them).
    """
    swapped = [
        (handler, handler.stream)
        for handler in logging.getLogger().handlers
        if isinstance(handler, logging.StreamHandler)
        and handler.stream in (sys.stderr, sys.stdout)
        and handler.stream.isatty()
    ]
    for handler, stream in swapped:
        handler.setStream(_AboveBars(stream))
    try:
        yield
    finally:
        for handler, stream in swapped:
            handler.setStream(stream)
