"""Small line charts as inline SVG, drawn in Python: a report page that needs no script, server or CDN."""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 250, 120
LEFT, RIGHT, TOP, BOTTOM = 38, 8, 8, 22
RATE_TOPS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
MARKED = 150  # up to this many runs, each value is a dot with its tooltip


@dataclass(frozen=True)
class Series:
    """One line of a chart: a value per run (None where the run has none)."""

    label: str
    colour: str
    values: list[float | None]


def nice_top(value: float) -> float:
    """A round top for a count axis (1, 2 or 5 times a power of ten) at or above `value`."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def nice_rate(value: float) -> float:
    """A round top for a rate axis at or above `value`: small rates are drawn large enough to see."""
    return next((step for step in RATE_TOPS if step >= value), 1.0)


def tick(value: float, percent: bool) -> str:
    if percent:
        return f"{value:.0%}" if round(value * 100, 6).is_integer() else f"{value:.1%}"
    if value >= 10_000:
        return f"{value / 1000:.0f}k"
    if value >= 1000:
        return f"{value / 1000:.1f}k"
    return f"{value:g}"


def line_chart(
    title: str,
    series: list[Series],
    xs: list[float],
    tips: list[str],
    percent: bool,
    ends: tuple[str, str],
    top: float | None = None,
) -> str:
    """An SVG chart of some series over runs: `xs` the runs' places in time (0 to 1), `tips` their names.

    The axis goes from 0 to `top`, or to a round value above the highest. A run without a value
    breaks the line.
    """
    highest = max((v for s in series for v in s.values if v is not None), default=0)
    top = top or (nice_rate(highest) if percent else nice_top(highest))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(at: float) -> float:
        return LEFT + at * plot_w

    def y(value: float) -> float:
        return TOP + plot_h * (1 - min(value, top) / top)

    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for fraction in (0, 0.5, 1):
        level = y(top * fraction)
        parts.append(
            f'<line class="grid" x1="{LEFT}" y1="{level:.1f}" x2="{WIDTH - RIGHT}" y2="{level:.1f}"/>'
        )
        parts.append(f'<text class="tick" x="{LEFT - 4}" y="{level + 3:.1f}" text-anchor="end">'
                     f"{escape(tick(top * fraction, percent))}</text>")  # fmt: skip
    base = HEIGHT - BOTTOM + 14
    parts.append(f'<text class="tick" x="{LEFT}" y="{base}">{escape(ends[0])}</text>')
    if ends[1] != ends[0]:
        parts.append(
            f'<text class="tick" x="{WIDTH - RIGHT}" y="{base}" text-anchor="end">{escape(ends[1])}</text>'
        )
    for line in series:
        parts.extend(_drawn(line, xs, tips, percent, x, y))
    parts.append("</svg>")
    return "".join(parts)


def _drawn(line: Series, xs: list[float], tips: list[str], percent: bool, x, y) -> list[str]:
    """A series' polylines (one per unbroken stretch) and, for few runs, its dots with tooltips."""
    parts: list[str] = []
    stretch: list[str] = []
    for at, value in [*zip(xs, line.values, strict=True), (None, None)]:
        if value is None:
            if stretch:
                parts.append(f'<polyline fill="none" stroke="{line.colour}" stroke-width="1.6" '
                             f'points="{" ".join(stretch)}"/>')  # fmt: skip
            stretch = []
            continue
        stretch.append(f"{x(at):.1f},{y(value):.1f}")
    if len(xs) <= MARKED:
        for at, value, tip in zip(xs, line.values, tips, strict=True):
            if value is not None:
                shown = f"{value:.1%}" if percent else f"{value:g}"
                parts.append(f'<circle cx="{x(at):.1f}" cy="{y(value):.1f}" r="2.6" fill="{line.colour}">'
                             f"<title>{escape(f'{tip}: {line.label} {shown}')}</title></circle>")  # fmt: skip
    return parts
