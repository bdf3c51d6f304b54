"""A plan's figures as inline SVG drawn on the server (no chart library; colours as
attributes, which the strict style policy allows), and the translated texts of the
engine's reason and note codes. Each chart's page shows the same figures as a table."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from resilnet.core.charts import nice_ceiling
from resilnet.planning.selectors import COLOURS, LABELS, SHOWN

WIDTH = 640
ROW, LABEL, RIGHT = 28, 110, 90

# The engine's codes (engine/plan.py REASONS) in the planner's language.
REASONS = {
    "existing": gettext_lazy("Already connected: left as it is."),
    "fibre_node": gettext_lazy("Fibre from the nearest fibre node is the cheapest option."),
    "fibre_via_site": gettext_lazy(
        "Fibre through a neighbouring site on fibre is the cheapest option."
    ),
    "cellular_in_range": gettext_lazy(
        "Covered by a 4G/5G tower, and cellular is the cheapest option."
    ),
    "microwave_in_range": gettext_lazy(
        "A tower is within microwave range; microwave is the cheapest option."
    ),
    "satellite_only": gettext_lazy("No tower or fibre within reach: satellite is the only option."),
    "satellite_cheapest": gettext_lazy("Satellite is the cheapest option."),
    "over_budget": gettext_lazy("Not funded: the budget runs out before this site."),
    "no_students": gettext_lazy("Not funded: the plan maximises students and this site has none."),
    "demand_over_capacity": gettext_lazy("No technology within reach can carry the site's demand."),
}
NOTES = {
    "no_fibre_nodes": gettext_lazy("The fibre nodes file has no node: no site can get fibre."),
    "no_towers": gettext_lazy("The towers file has no tower: no cellular or microwave."),
}


def reason_text(code: str) -> str:
    return str(REASONS.get(code, code))


def reason_texts() -> dict[str, str]:
    return {code: str(text) for code, text in REASONS.items()}


def note_text(code: str) -> str:
    return str(NOTES.get(code, code))


def money(value: float) -> str:
    """US dollars the short way: 12.3 M, 450 k."""
    if abs(value) >= 1e9:
        return f"{value / 1e9:.2f} bn"
    if abs(value) >= 1e6:
        return f"{value / 1e6:.1f} M"
    if abs(value) >= 1e3:
        return f"{value / 1e3:.0f} k"
    return f"{value:.0f}"


def _bars(
    items: Sequence[tuple[str, float, str, str]], *, title: str, desc: str, unit: str
) -> SafeString:
    """Horizontal bars: (label, value, colour, shown value) per row."""
    if not items:
        return mark_safe("")
    top = nice_ceiling(max(value for _label, value, _colour, _shown in items) or 1)
    height = ROW * len(items) + 24
    plot = WIDTH - LABEL - RIGHT
    parts = []
    for i, (label, value, colour, shown) in enumerate(items):
        y = 8 + i * ROW
        width = plot * value / top if top else 0
        parts.append(
            f'<text x="{LABEL - 8}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{LABEL}" y="{y}" width="{width:.1f}" height="{ROW - 8}" '
            f'fill="{escape(colour)}"><title>{escape(label)}: {escape(shown)}</title></rect>'
            f'<text x="{LABEL + width + 6:.1f}" y="{y + 15}">{escape(shown)}</text>'
        )
    parts.append(
        f'<text x="{LABEL}" y="{height - 4}">{escape(unit)}</text>'
        f'<line class="axis" x1="{LABEL}" x2="{LABEL}" y1="4" y2="{height - 18}"/>'
    )
    svg = (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" direction="ltr" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        f"<desc>{escape(desc)}</desc>{''.join(parts)}</svg>"
    )
    return mark_safe(svg)  # noqa: S308 (every text in it is escaped above)


def technology_bars(rows: list[dict[str, Any]]) -> SafeString:
    """Sites per technology."""
    items = [(str(row["label"]), row["sites"], row["colour"], str(row["sites"])) for row in rows]
    desc = "; ".join(f"{label}: {shown}" for label, _v, _c, shown in items)
    return _bars(items, title=_("Sites by technology"), desc=desc, unit=_("sites"))


def cost_bars(rows: list[dict[str, Any]]) -> SafeString:
    """Cost over the horizon per technology (those with a cost)."""
    items = [
        (str(row["label"]), row["npv"], row["colour"], money(row["npv"]))
        for row in rows
        if row["npv"] > 0
    ]
    desc = "; ".join(f"{label}: {shown}" for label, _v, _c, shown in items)
    return _bars(items, title=_("Cost over the horizon by technology"), desc=desc, unit="USD")


def comparison_bars(columns: list[dict[str, Any]]) -> SafeString:
    """Sites connected by each compared scenario, split by technology (stacked)."""
    height = ROW * len(columns) + 24
    plot = WIDTH - LABEL - RIGHT
    top = nice_ceiling(max(sum(col["mix"].values()) for col in columns) or 1)
    parts = []
    for i, col in enumerate(columns):
        y, x = 8 + i * ROW, float(LABEL)
        name = str(col["scenario"].name)[:18]
        parts.append(f'<text x="{LABEL - 8}" y="{y + 15}" text-anchor="end">{escape(name)}</text>')
        for tech in SHOWN:
            n = col["mix"].get(tech, 0)
            if not n:
                continue
            width = plot * n / top
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{ROW - 8}" '
                f'fill="{COLOURS[tech]}"><title>{escape(str(LABELS[tech]))}: {n}</title></rect>'
            )
            x += width
    desc = "; ".join(
        f"{col['scenario'].name}: "
        + ", ".join(f"{tech} {n}" for tech, n in col["mix"].items() if n)
        for col in columns
    )
    svg = (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" direction="ltr" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(_("Technology mix"))}</title>'
        f"<desc>{escape(desc)}</desc>{''.join(parts)}</svg>"
    )
    return mark_safe(svg)  # noqa: S308 (every text in it is escaped above)
