"""The explorers' redraw benchmark runs and reports every explorer."""

import math

import pytest

pytest.importorskip("ipywidgets")


def test_explorer_redraw_ms():
    from convlib.bench.explorers import explorer_redraw_ms

    times = explorer_redraw_ms(repeats=1)  # one pass over each explorer's values: the structure, not the numbers
    assert set(times) == {"channel_sum", "im2col_link", "sliding_window", "groups", "stride_padding"}
    assert all(0 < t < math.inf for t in times.values())
