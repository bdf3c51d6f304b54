"""The top of a chart's axis: a round number (1, 2 or 5 × 10^n) at or above the peak."""

from __future__ import annotations

import pytest

from resilnet.core.charts import nice_ceiling


@pytest.mark.parametrize(
    ("peak", "top"),
    [(0, 1), (0.3, 1), (1, 1), (1.5, 2), (3, 5), (7, 10), (10, 10), (11, 20), (4_900, 5_000)],
)
def test_the_axis_top_is_the_next_round_number(peak, top):
    assert nice_ceiling(peak) == top
