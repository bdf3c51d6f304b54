"""A campaign's timeline as inline SVG drawn on the server: messages submitted per minute
as bars, delivered per minute as a line. No chart library and no JavaScript; a title
and a description for screen readers, and the page shows the same figures as a table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from resilnet.core.charts import nice_ceiling

W, H = 640, 220
PAD_L, PAD_R, PAD_T, PAD_B = 52, 10, 10, 26


def timeline_chart(points: Sequence[tuple[dt.datetime, int, int]]) -> SafeString:
    """Bars of submitted and a line of delivered messages per minute; empty without data."""
    if not points:
        return mark_safe("")
    top = int(nice_ceiling(max(max(s, d) for _m, s, d in points) or 1))
    inner_w, inner_h = W - PAD_L - PAD_R, H - PAD_T - PAD_B
    slot = inner_w / len(points)

    def level(n: int) -> float:
        return PAD_T + inner_h * (1 - n / top)

    out = []
    for tick in (0, top // 2, top):
        out.append(
            f'<line class="grid" x1="{PAD_L}" x2="{W - PAD_R}" y1="{level(tick):.1f}" '
            f'y2="{level(tick):.1f}"/><text x="{PAD_L - 4}" y="{level(tick) + 4:.1f}" '
            f'text-anchor="end">{tick}</text>'
        )
    for i, (_minute, submitted, _delivered) in enumerate(points):
        x = PAD_L + i * slot
        out.append(
            f'<rect class="submitted" x="{x + slot * 0.1:.1f}" y="{level(submitted):.1f}" '
            f'width="{slot * 0.8:.1f}" height="{PAD_T + inner_h - level(submitted):.1f}"/>'
        )
    line = " ".join(
        f"{PAD_L + (i + 0.5) * slot:.1f},{level(d):.1f}" for i, (_m, _s, d) in enumerate(points)
    )
    out.append(f'<polyline class="delivered" fill="none" points="{line}"/>')
    for minute, anchor, x in ((points[0][0], "start", PAD_L), (points[-1][0], "end", W - PAD_R)):
        out.append(f'<text x="{x}" y="{H - 8}" text-anchor="{anchor}">{minute:%H:%M} UTC</text>')
    title = escape(_("Messages per minute: submitted (bars) and delivered (line)"))
    described = escape(
        _("%(n)d minutes, at most %(top)d messages in a minute.")
        % {"n": len(points), "top": max(s for _m, s, _d in points)}
    )
    return mark_safe(  # noqa: S308 (every value above is a number or escaped)
        f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-labelledby="tl-t tl-d">'
        f'<title id="tl-t">{title}</title><desc id="tl-d">{described}</desc>{"".join(out)}</svg>'
    )
