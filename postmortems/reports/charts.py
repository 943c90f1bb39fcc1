"""Small server-rendered SVG charts for the managers' report (no JavaScript, no external assets).

Every label goes through format_html, so text from the database is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from postmortems.reports.figures import Report

PALETTE = ("#b91c1c", "#c2410c", "#a16207", "#4b5563", "#2563eb", "#059669")


@dataclass(frozen=True)
class Series:
    name: str
    colour: str
    values: Sequence[float]


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step:
            return float(step)
    return float(value)


def stacked_bars(
    labels: Sequence[str], series: Sequence[Series], *, title: str, width: int = 720, height: int = 220
) -> SafeString:
    """Vertical stacked bars, one per label (e.g. incidents per week by severity)."""
    left, bottom, top = 36, 36, 24
    plot_w, plot_h = width - left - 8, height - bottom - top
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    peak = _nice_max(max(totals, default=0))
    slot = plot_w / max(len(labels), 1)
    bar_w = round(max(2.0, slot * 0.7), 1)
    parts: list[SafeString] = []
    for i, label in enumerate(labels):
        x = round(left + i * slot + (slot - bar_w) / 2, 1)
        y: float = top + plot_h
        for s in series:
            value = s.values[i]
            if not value:
                continue
            h = round(plot_h * value / peak, 1)
            y = round(y - h, 1)
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{} {}: {}</title></rect>',
                    x,
                    y,
                    bar_w,
                    h,
                    s.colour,
                    label,
                    s.name,
                    _fmt(value),
                )
            )
        # Label every bar when few, else about eight labels.
        every = max(1, len(labels) // 8)
        if i % every == 0:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" font-size="10" text-anchor="middle">{}</text>',
                    round(x + bar_w / 2, 1),
                    height - bottom + 14,
                    label,
                )
            )
    return _frame(width, height, left, top, plot_w, plot_h, peak, title, parts, series)


def horizontal_bars(
    rows: Sequence[tuple[str, Sequence[float]]],
    series_names: Sequence[tuple[str, str]],
    *,
    title: str,
    width: int = 480,
) -> SafeString:
    """One horizontal bar group per row (e.g. open and overdue action items per owner)."""
    bar_h, gap, left, top = 12, 10, 140, 24
    height = top + len(rows) * (bar_h * len(series_names) + gap) + 28
    plot_w = width - left - 40
    peak = _nice_max(max((v for _, values in rows for v in values), default=0))
    parts: list[SafeString] = []
    y = top
    for label, values in rows:
        parts.append(
            format_html('<text x="{}" y="{}" font-size="11" text-anchor="end">{}</text>', left - 6, y + 10, label)
        )
        for (name, colour), value in zip(series_names, values, strict=True):
            w = round(plot_w * value / peak, 1)
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{} {}: {}</title></rect>'
                    '<text x="{}" y="{}" font-size="10">{}</text>',
                    left,
                    y,
                    w,
                    bar_h,
                    colour,
                    label,
                    name,
                    _fmt(value),
                    left + w + 4,
                    y + 10,
                    _fmt(value),
                )
            )
            y += bar_h
        y += gap
    legend = _legend([Series(n, c, ()) for n, c in series_names], left, height - 10)
    body = mark_safe("".join(parts))  # noqa: S308 - every part was built with format_html
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="wr-chart" role="img" aria-label="{}" viewBox="0 0 {} {}" '
        'width="{}" height="{}"><text x="0" y="14" font-size="13" font-weight="bold">{}</text>{}{}</svg>',
        title,
        width,
        height,
        width,
        height,
        title,
        body,
        legend,
    )


def line_chart(
    labels: Sequence[str], values: Sequence[float | None], *, title: str, colour: str = "#2563eb", width: int = 480
) -> SafeString:
    """Percentages over time (0-100), gaps where there is no value."""
    height, left, bottom, top = 200, 36, 36, 24
    plot_w, plot_h = width - left - 28, height - bottom - top
    step = plot_w / max(len(labels) - 1, 1)
    points = [(left + i * step, top + plot_h * (1 - v / 100), v) for i, v in enumerate(values) if v is not None]
    parts: list[SafeString] = []
    if len(points) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points)
        parts.append(format_html('<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>', path, colour))
    for x, y, v in points:
        parts.append(
            format_html('<circle cx="{}" cy="{}" r="3" fill="{}"><title>{}%</title></circle>', x, y, colour, _fmt(v))
        )
    every = max(1, len(labels) // 6)
    for i, label in enumerate(labels):
        if i % every == 0:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" font-size="10" text-anchor="middle">{}</text>',
                    round(left + i * step, 1),
                    height - bottom + 14,
                    label,
                )
            )
    return _frame(width, height, left, top, plot_w, plot_h, 100.0, title, parts, [], unit="%")


def _fmt(value: float) -> str:
    """A number as shown (not a coordinate), with the active language's decimal separator."""
    return f"{value:g}".replace(".", str(formats.get_format("DECIMAL_SEPARATOR")))


def _legend(series: Sequence[Series], x: int, y: int) -> SafeString:
    items = []
    for s in series:
        items.append(
            format_html(
                '<rect x="{}" y="{}" width="10" height="10" fill="{}"/><text x="{}" y="{}" font-size="11">{}</text>',
                x,
                y - 9,
                s.colour,
                x + 14,
                y,
                s.name,
            )
        )
        x += 24 + 7 * len(s.name)
    return mark_safe("".join(items))  # noqa: S308 - built with format_html


def _frame(
    width: int,
    height: int,
    left: int,
    top: int,
    plot_w: float,
    plot_h: float,
    peak: float,
    title: str,
    parts: list[SafeString],
    series: Sequence[Series],
    unit: str = "",
) -> SafeString:
    grid = format_html_join(
        "",
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#e5e7eb"/>'
        '<text x="{}" y="{}" font-size="10" text-anchor="end">{}{}</text>',
        (
            (
                left,
                left + plot_w,
                top + plot_h * (1 - f),
                top + plot_h * (1 - f),
                left - 4,
                top + plot_h * (1 - f) + 3,
                _fmt(peak * f),
                unit,
            )
            for f in (0, 0.5, 1)
        ),
    )
    legend = _legend(series, left, height - 4) if series else mark_safe("")
    body = mark_safe("".join(parts))  # noqa: S308 - every part was built with format_html
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="wr-chart" role="img" aria-label="{}" viewBox="0 0 {} {}" '
        'width="{}" height="{}"><text x="0" y="14" font-size="13" font-weight="bold">{}</text>{}{}{}</svg>',
        title,
        width,
        height,
        width,
        height,
        title,
        grid,
        body,
        legend,
    )


def severity_series(rows: Sequence[dict], levels: Sequence[tuple[str, str]]) -> list[Series]:
    """From [{period, P1: n, ...}] rows and (level, colour) pairs, one series per severity."""
    return [Series(level, colour, [row.get(level, 0) for row in rows]) for level, colour in levels]


def data_table(
    title: str, heading: str, labels: Sequence[str], columns: Sequence[tuple[str, Sequence[float | None]]]
) -> SafeString:
    """The numbers a chart draws, as a table (WCAG 1.1.1: a text equivalent), folded under the chart."""
    header = format_html_join("", '<th scope="col">{}</th>', ((name,) for name, _ in columns))

    def cell(value: float | None) -> str:
        return _("no data") if value is None else _fmt(value)

    def cells(i: int) -> SafeString:
        return format_html_join("", "<td>{}</td>", ((cell(values[i]),) for _, values in columns))

    rows = format_html_join(
        "", '<tr><th scope="row">{}</th>{}</tr>', ((label, cells(i)) for i, label in enumerate(labels))
    )
    return format_html(
        '<details class="wr-chart-data"><summary>{}</summary><table><caption>{}</caption>'
        '<thead><tr><th scope="col">{}</th>{}</tr></thead><tbody>{}</tbody></table></details>',
        _("%(title)s (table)") % {"title": title},
        title,
        heading,
        header,
        rows,
    )


def columns(series: Sequence[Series]) -> list[tuple[str, Sequence[float | None]]]:
    return [(s.name, s.values) for s in series]


def report_charts(report: Report) -> dict[str, Any]:
    levels = [(row["severity"], row["colour"]) for row in report.incidents["by_severity"]]
    weeks = report.incidents["per_week"][-26:]
    months = report.incidents["per_month"][-24:]
    completion = report.action_items["completion"][-18:]
    owners = report.action_items["by_owner"][:12]
    return {
        "per_week": stacked_bars(
            [row["period"][5:] for row in weeks],
            severity_series(weeks, levels),
            title=_("Incidents per week by severity (last 26 weeks shown)"),
        ),
        "per_month": stacked_bars(
            [row["period"] for row in months],
            severity_series(months, levels),
            title=_("Incidents per month by severity"),
        ),
        "completion": line_chart(
            [row["month"] for row in completion],
            [row["completion_pct"] for row in completion],
            title=_("Action items done, by month due (%)"),
        ),
        "per_week_table": data_table(
            _("Incidents per week by severity"),
            _("Week"),
            [row["period"] for row in weeks],
            columns(severity_series(weeks, levels)),
        ),
        "per_month_table": data_table(
            _("Incidents per month by severity"),
            _("Month"),
            [row["period"] for row in months],
            columns(severity_series(months, levels)),
        ),
        "completion_table": data_table(
            _("Action items done, by month due"),
            _("Month due"),
            [row["month"] for row in completion],
            [(_("Done (%)"), [row["completion_pct"] for row in completion])],
        ),
        "by_owner": horizontal_bars(
            [(row["owner_name"], [row["open"], row["overdue"]]) for row in owners],
            [(_("open"), "#2563eb"), (_("overdue"), "#b91c1c")],
            title=_("Open and overdue action items by owner"),
        ),
    }
