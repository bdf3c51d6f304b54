"""What the modules' server-drawn SVG charts share."""

from __future__ import annotations


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 5 × 10^n at or above value (an axis' top); 1 for 1 or less."""
    step = 1.0
    while step * 10 <= value:
        step *= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= value:
            return step * factor
    return step * 10
