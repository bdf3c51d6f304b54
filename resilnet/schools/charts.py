"""A school's download speed over time as inline SVG, drawn on the server: no chart
library, a few kilobytes, a title and a description for screen readers (the page shows
the same figures as a table too). Time runs left to right in every language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from resilnet.core.charts import nice_ceiling

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 28


def mbps(bps: float) -> str:
    value = bps / 1_000_000
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def speed_chart(
    points: Sequence[tuple[dt.date, int | None]],
    benchmark_bps: int,
    *,
    title: str,
) -> SafeString:
    """A line of download speeds (bits per second) by date, with the benchmark as a
    dashed line. Points without a speed break the line. Empty string for no points."""
    known = [(day, bps) for day, bps in points if bps is not None]
    if not known:
        return mark_safe("")
    first, last = points[0][0], points[-1][0]
    span = max((last - first).days, 1)
    top = nice_ceiling(max(max(bps for _day, bps in known), benchmark_bps) * 1.05)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: dt.date) -> float:
        return LEFT + plot_w * (day - first).days / span

    def y(bps: float) -> float:
        return TOP + plot_h * (1 - bps / top)

    parts = []
    for i in range(5):
        value = top * i / 4
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" '
            f'y2="{y(value):.1f}"/><text x="{LEFT - 6}" y="{y(value) + 4:.1f}" '
            f'text-anchor="end">{mbps(value)}</text>'
        )
    parts.append(
        f'<text x="4" y="{TOP + 8}" text-anchor="start">{escape(_("Mbit/s"))}</text>'
        f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" '
        f'y2="{TOP + plot_h}"/>'
    )
    for day in (first, last):
        anchor = "start" if day == first else "end"
        parts.append(
            f'<text x="{x(day):.1f}" y="{HEIGHT - 8}" text-anchor="{anchor}">'
            f"{day.isoformat()}</text>"
        )
    parts.append(
        f'<line class="benchmark" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(benchmark_bps):.1f}" '
        f'y2="{y(benchmark_bps):.1f}"/>'
    )
    segments: list[list[str]] = [[]]
    for day, bps in points:
        if bps is None:
            segments.append([])
            continue
        segments[-1].append(f"{x(day):.1f},{y(bps):.1f}")
        parts.append(f'<circle class="point" cx="{x(day):.1f}" cy="{y(bps):.1f}" r="2.5"/>')
    for segment in segments:
        if len(segment) > 1:
            parts.append(f'<polyline class="line" points="{" ".join(segment)}"/>')
    lowest = min(bps for _day, bps in known)
    highest = max(bps for _day, bps in known)
    desc = _(
        "%(count)d values from %(first)s to %(last)s, between %(low)s and %(high)s Mbit/s; "
        "the dashed line is the benchmark, %(benchmark)s Mbit/s."
    ) % {
        "count": len(known),
        "first": first.isoformat(),
        "last": last.isoformat(),
        "low": mbps(lowest),
        "high": mbps(highest),
        "benchmark": mbps(benchmark_bps),
    }
    svg = (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" direction="ltr" '
        f'aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="chart-title">{escape(title)}</title><desc id="chart-desc">{escape(desc)}'
        f"</desc>{''.join(parts)}</svg>"
    )
    return mark_safe(svg)  # noqa: S308 (every text in it is escaped above)


def share_bar(counts: dict[str, int] | None, statuses: Sequence[str]) -> SafeString:
    """A thin horizontal bar split by the share of each status (classes s-<status> give
    the colours), with each share as its own <title>."""
    total = sum((counts or {}).values())
    if not counts or not total:
        return mark_safe("")
    parts, start = [], 0.0
    for status in statuses:
        n = counts.get(status, 0)
        if not n:
            continue
        width = 100 * n / total
        parts.append(
            f'<rect class="share s-{escape(status)}" x="{start:.2f}" y="0" width="{width:.2f}" '
            f'height="10"><title>{escape(status)}: {n}</title></rect>'
        )
        start += width
    return mark_safe(  # noqa: S308 (numbers and escaped status names only)
        '<svg class="shares" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">'
        + "".join(parts)
        + "</svg>"
    )
