"""`scrapy report`'s page: the runs of an output folder and the site memory, as one static HTML file.

Everything is inline (CSS, SVG charts drawn by crawler/svgchart.py), and a Content-Security-Policy
forbids the page any other resource and any script: it opens from disk, offline. Site names,
alarm messages and template lines come from the web or from files: every one is escaped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

from crawler.outcomes import OUTCOMES
from crawler.runhistory import Run
from crawler.sitememory import LineCount
from crawler.svgchart import Series, line_chart

LATEST_ALARMS = 50  # rows of the alarms table, newest first
TOP_LINES = 10  # template lines shown per site
FILL_FIELDS = ("authors", "published", "section", "language")
# Okabe-Ito: told apart with every common colour blindness.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
CSP = "default-src 'none'; style-src 'unsafe-inline'"


def _number(value: object) -> float | None:
    """A manifest's value as a number for a chart; anything else (absent, text) is no value."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _count(outcome: str) -> Callable[[Run, str], float | None]:
    return lambda run, site: _number(run.sites[site].get(outcome)) if site in run.sites else None


def _quality(key: str) -> Callable[[Run, str], float | None]:
    return lambda run, site: _number((run.quality.get(site) or {}).get(key))


def _fill(name: str) -> Callable[[Run, str], float | None]:
    return lambda run, site: _number(((run.quality.get(site) or {}).get("fill") or {}).get(name))


@dataclass(frozen=True)
class Chart:
    """One small multiple: its title, whether it is a rate, and its lines (label, value of a run)."""

    title: str
    percent: bool
    lines: tuple[tuple[str, Callable[[Run, str], float | None]], ...]
    top: float | None = None  # the axis' top; by default a round value above the highest


CHARTS = (
    Chart("Written", False, (("written", _count("written")),)),
    Chart("Failed", False, (("failed", _count("failed")),)),
    Chart("Rejected", False, (("rejected", _count("rejected")),)),
    Chart("Leaks (canary rate)", True, (("canary rate", _quality("canary_rate")),)),
    Chart("Fallbacks", True, (("fallback rate", _quality("fallback_rate")),)),
    Chart("Field fill", True, tuple((name, _fill(name)) for name in FILL_FIELDS), top=1.0),
    Chart("Words per article", False, (("mean words", _quality("mean_words")),)),
)


@dataclass(frozen=True)
class Alarm:
    """A health problem or a drift a run found for a site."""

    run: Run
    site: str
    kind: str
    message: str


@dataclass(frozen=True)
class Memory:
    """What the site memory holds for the page: per site, its articles and template lines; or why not."""

    sites: dict[str, tuple[int, list[LineCount]]]
    note: str = ""  # why there is no memory to show, when there is none


def alarms_of(run: Run) -> list[Alarm]:
    """A run's alarms: its health problems, then its drifts."""
    found = [
        Alarm(run, site, "health", str(reason))
        for site, reasons in run.problems.items()
        for reason in reasons
    ]
    for site, drifts in run.drift.items():
        for drift in drifts:
            if isinstance(drift, dict):
                found.append(
                    Alarm(run, site, str(drift.get("kind") or "drift"), str(drift.get("message") or drift))
                )
            else:
                found.append(Alarm(run, site, "drift", str(drift)))
    return found


def render(
    runs: list[Run], memory: Memory, source: str, unread: list[str] | None = None, now: datetime | None = None
) -> str:
    """The whole page for runs (oldest first) read from `source`."""
    now = now or datetime.now(UTC)
    sites = sorted({site for run in runs for site in run.all_sites} | set(memory.sites))
    first, last = (runs[0].started, runs[-1].started) if runs else (now, now)
    span = (last - first).total_seconds()

    def place(run: Run) -> float:
        return (run.started - first).total_seconds() / span if span else 0.5

    style = "%Y-%m-%d" if span >= 2 * 86400 else "%m-%d %H:%M"
    ends = (first.strftime(style), last.strftime(style))
    alarms = sorted((a for run in runs for a in alarms_of(run)), key=lambda a: (a.run.started, a.run.run_id),
                    reverse=True)  # fmt: skip
    body = [
        f"<h1>Bersih report: {escape(source)}</h1>",
        f'<p class="meta">{counted(len(runs), "run")} of {counted(len(sites), "site")}, '
        f"{escape(_when(first))} to {escape(_when(last))}; written {escape(_when(now))}.</p>",
    ]
    if unread:
        body.append(f'<p class="warn">{counted(len(unread), "manifest")} could not be read, left out: '
                    f"{escape(', '.join(unread))}</p>")  # fmt: skip
    body += _summary(sites, runs)
    body += _alarms(alarms)
    for number, site in enumerate(sites, 1):
        own = [run for run in runs if site in run.all_sites]
        body += _site(number, site, own, [place(run) for run in own], ends, alarms, memory)
    return _page(f"Bersih report: {source}", "\n".join(body))


def counted(number: int, noun: str) -> str:
    """A count with its noun: 1 run, 7 runs."""
    return f"{number} {noun}{'s' * (number != 1)}"


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _summary(sites: list[str], runs: list[Run]) -> list[str]:
    """A row per site: its latest run's counts and rates, and its alarms."""
    rows = []
    for number, site in enumerate(sites, 1):
        own = [run for run in runs if site in run.all_sites]
        latest = own[-1] if own else None
        cells = [f'<td><a href="#site-{number}">{escape(site)}</a></td>', f"<td>{len(own)}</td>"]
        cells.append(f"<td>{escape(_when(latest.started)) if latest else '-'}</td>")
        for outcome in OUTCOMES:
            value = _count(outcome)(latest, site) if latest else None
            cells.append(f'<td class="n">{_shown(value, False)}</td>')
        for key in ("canary_rate", "fallback_rate"):
            value = _quality(key)(latest, site) if latest else None
            cells.append(f'<td class="n">{_shown(value, True)}</td>')
        count = len([a for a in alarms_of(latest) if a.site == site]) if latest else 0
        status = (
            f'<span class="bad">{count} alarm{"s" * (count > 1)}</span>'
            if count
            else '<span class="ok">ok</span>'
        )
        cells.append(f"<td>{status}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    head = "".join(f"<th>{h}</th>" for h in ("site", "runs", "latest run", *OUTCOMES,
                                             "leaks", "fallbacks", "latest run's alarms"))  # fmt: skip
    return ['<h2 id="sites">Sites</h2>', f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}"
            "</tbody></table>"]  # fmt: skip


def _shown(value: float | None, percent: bool) -> str:
    if value is None:
        return '<span class="none">-</span>'
    return f"{value:.1%}" if percent else f"{value:g}"


def _alarms(alarms: list[Alarm], site: str | None = None) -> list[str]:
    """The latest alarms, newest first: when, which run, which site, what."""
    if not alarms:
        return (
            [] if site else ['<h2 id="alarms">Latest alarms</h2>', '<p class="ok">No alarms in any run.</p>']
        )
    rows = [
        f"<tr><td>{escape(_when(a.run.started))}</td><td><code>{escape(a.run.run_id)}</code></td>"
        f"<td>{escape(a.site)}</td><td>{escape(a.kind)}</td><td>{escape(a.message)}</td></tr>"
        for a in alarms[:LATEST_ALARMS]
    ]
    more = len(alarms) - LATEST_ALARMS
    note = [f'<p class="meta">and {more} earlier alarms</p>'] if more > 0 else []
    head = "<tr><th>run started</th><th>run</th><th>site</th><th>kind</th><th>message</th></tr>"
    heading = "<h3>Alarms</h3>" if site else '<h2 id="alarms">Latest alarms</h2>'
    return [heading, f"<table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>", *note]


def _site(
    number: int, site: str, runs: list[Run], xs: list[float], ends: tuple[str, str], alarms: list[Alarm],
    memory: Memory,
) -> list[str]:  # fmt: skip
    """A site's section: its charts over runs, its alarms, its top template lines."""
    tips = [f"{run.run_id} ({_when(run.started)})" for run in runs]
    figures = []
    for chart in CHARTS:
        series = [
            Series(label, COLOURS[i % len(COLOURS)], [value(run, site) for run in runs])
            for i, (label, value) in enumerate(chart.lines)
        ]
        figures.append(_figure(chart, series, xs, tips, ends))
    parts = [
        f'<section class="site" id="site-{number}"><h2>{escape(site)}</h2>',
        f'<p class="meta">{counted(len(runs), "run")}</p>',
        f'<div class="charts">{"".join(figures)}</div>',
    ]
    parts += _alarms([a for a in alarms if a.site == site], site)
    parts += _template(site, memory)
    parts.append("</section>")
    return parts


def _figure(
    chart: Chart, series: list[Series], xs: list[float], tips: list[str], ends: tuple[str, str]
) -> str:
    """A chart with its title, its latest values and its legend; "no data" when no run has a value."""
    if not any(v is not None for s in series for v in s.values):
        return (f'<figure class="empty"><figcaption>{escape(chart.title)}</figcaption>'
                '<div class="nodata">no data</div></figure>')  # fmt: skip
    latest = [next((v for v in reversed(line.values) if v is not None), None) for line in series]
    chart_svg = line_chart(chart.title, series, xs, tips, chart.percent, ends, chart.top)
    if len(series) == 1:
        caption = f'{escape(chart.title)} <span class="latest">{_shown(latest[0], chart.percent)}</span>'
        return f"<figure><figcaption>{caption}</figcaption>{chart_svg}</figure>"
    legend = " ".join(
        f'<span class="key"><span class="swatch" style="background:{line.colour}"></span>'
        f"{escape(line.label)} {_shown(value, chart.percent)}</span>"
        for line, value in zip(series, latest, strict=True)
    )
    return (f"<figure><figcaption>{escape(chart.title)}</figcaption>{chart_svg}"
            f'<div class="legend">{legend}</div></figure>')  # fmt: skip


def _template(site: str, memory: Memory) -> list[str]:
    """The site's most frequent template lines, as the site memory counts them now."""
    heading = "<h3>Top learned template lines</h3>"
    if memory.note:
        return [heading, f'<p class="none">{escape(memory.note)}</p>']
    articles, lines = memory.sites.get(site, (0, []))
    if not lines:
        return [heading, f'<p class="none">none learned ({articles} articles in the memory)</p>']
    rows = [
        f'<tr><td class="n">{line.articles}</td><td class="n">{line.share(articles):.1%}</td>'
        f'<td class="n">{line.days}</td><td class="n">{line.sections}</td><td>{escape(line.text)}</td></tr>'
        for line in lines[:TOP_LINES]
    ]
    head = "<tr><th>articles</th><th>share</th><th>days</th><th>sections</th><th>line</th></tr>"
    more = f" (the top {TOP_LINES} of {len(lines)})" if len(lines) > TOP_LINES else ""
    return [heading, f'<p class="meta">{articles} articles in the memory{more}</p>',
            f'<table class="lines"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>']  # fmt: skip


STYLE = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1b1b1b;background:#fff;margin:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px}h3{font-size:15px;margin:16px 0 6px}
.meta{color:#555;margin:2px 0}.warn{color:#8a4b00}.ok{color:#00734a}.bad{color:#b00020;font-weight:600}
.none{color:#777}table{border-collapse:collapse;margin:4px 0}
th,td{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
table.lines td:last-child{max-width:60em}code{font-size:12px}
.site{border-top:2px solid #ccc;margin-top:24px}
.charts{display:flex;flex-wrap:wrap;gap:10px 18px}
figure{margin:0;width:250px}figcaption{font-size:12px;font-weight:600}
.latest{font-weight:400;color:#333;margin-left:6px}.legend{font-size:11px;color:#333}
.key{white-space:nowrap;margin-right:8px}
.swatch{display:inline-block;width:8px;height:8px;margin-right:3px;border-radius:2px}
.nodata{width:250px;height:120px;display:flex;align-items:center;justify-content:center;
 background:#f7f7f7;color:#888;border:1px dashed #ccc;box-sizing:border-box}
svg.chart .grid{stroke:#e4e4e4;stroke-width:1}svg.chart .tick{font-size:9px;fill:#666}
"""


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>\n<body>\n{body}\n</body></html>\n"
    )
