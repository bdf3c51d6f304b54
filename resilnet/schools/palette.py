"""Status colours and labels, in one place: the pages, the charts and the map use these,
and static/schools/schools.css repeats the colours as classes (a test keeps them equal).
Chosen to stay apart for the common colour-vision deficiencies and to pass WCAG AA as
text on white."""

from __future__ import annotations

from resilnet.schools.status import Connectivity, Coverage

CONNECTIVITY_COLOURS = {
    Connectivity.GOOD: "#1a7f37",
    Connectivity.MODERATE: "#b35900",
    Connectivity.BAD: "#c62828",
    Connectivity.NO_INTERNET: "#5b2a86",
    Connectivity.UNKNOWN: "#6b7280",
}
COVERAGE_COLOURS = {
    Coverage.GOOD: CONNECTIVITY_COLOURS[Connectivity.GOOD],
    Coverage.MODERATE: CONNECTIVITY_COLOURS[Connectivity.MODERATE],
    Coverage.BAD: CONNECTIVITY_COLOURS[Connectivity.BAD],
    Coverage.UNKNOWN: CONNECTIVITY_COLOURS[Connectivity.UNKNOWN],
}
CONNECTIVITY_LABELS = dict(Connectivity.choices)
COVERAGE_LABELS = dict(Coverage.choices)


def connectivity_legend() -> list[dict[str, str]]:
    return [
        {"value": value, "label": str(CONNECTIVITY_LABELS[value]), "colour": colour}
        for value, colour in CONNECTIVITY_COLOURS.items()
    ]
