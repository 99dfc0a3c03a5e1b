"""The stride/padding explorer and its picture, driven headlessly: set control values, check what is computed and drawn."""

import numpy as np
import pytest

import convlib
from convlib.geometry import coverage
from convlib.figures.explorers.stride_padding import DEFAULTS, GeometryExplorer, convention_note
from convlib.figures.geometry import CELL_CODES, OUTSIDE, geometry_grid, geometry_layout, geometry_raster, kernel_taps
from convlib.figures.raster import CELL


def brute_force_unused_rows(h, k, stride, padding, dilation):
    """Rows of an input that do not influence the output: perturb each row and look."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1, h, 1, 1))
    w = np.ones((k, 1, 1, 1))
    base = convlib.conv2d(x, w, stride=(stride, 1), padding=(padding, (0, 0)), dilation=(dilation, 1))
    unused = []
    for r in range(h):
        x2 = x.copy()
        x2[0, r] += 1.0
        if np.array_equal(convlib.conv2d(x2, w, stride=(stride, 1), padding=(padding, (0, 0)), dilation=(dilation, 1)), base):
            unused.append(r)
    return tuple(unused)


@pytest.mark.parametrize("h, k, s, p, d", [(7, 3, 2, (0, 0), 1), (8, 3, 2, (0, 0), 1), (6, 2, 3, (0, 0), 1),
                                            (9, 2, 2, (1, 0), 3), (10, 3, 4, (1, 1), 1), (5, 5, 1, (2, 2), 1)])
def test_coverage_agrees_with_perturbing_the_input(h, k, s, p, d):
    assert coverage((h, 3), (k, 1), s, (p, (0, 0)), d).unused_rows == brute_force_unused_rows(h, k, s, p, d)


def test_grid_codes_and_taps():
    grid, cov = geometry_grid((9, 5), (3, 3), stride=2, padding=((1, 0), (0, 0)))
    assert grid.shape == (10, 5)
    assert (grid[0] == CELL_CODES["padding"]).all()
    assert cov.unused_rows == (8,)  # windows start at padded rows 0, 2, 4, 6: the last input row is never read
    assert (grid[9] == CELL_CODES["unused input"]).all()
    assert (grid[1:9] == CELL_CODES["input"]).all()
    rows, cols = kernel_taps((3, 3), (2, 2), (1, 1), (1, 1))
    assert set(rows) == {2, 3, 4} and set(cols) == {2, 3, 4}


def test_geometry_layout_and_its_picture():
    d = geometry_layout((7, 6), (3, 2), stride=2, padding="same", dilation=1, position=(9, 1))
    assert d["coverage"].geometry.out == (4, 3)
    assert d["position"] == (3, 1)  # clipped to the output
    (top, _), (left, _) = d["coverage"].geometry.pads
    rows, cols = d["taps"]
    assert sorted(set(rows)) == [6 - top, 7 - top, 8 - top] and sorted(set(cols)) == [2 - left, 3 - left]
    rgb = geometry_raster(d)
    # the input panel is at least the padded canvas, the output panel beside it
    assert rgb.shape[0] >= d["canvas"].shape[0] * CELL and rgb.shape[1] >= (d["canvas"].shape[1] + 3) * CELL
    moved = geometry_raster(geometry_layout((7, 6), (3, 2), stride=2, padding="same", position=(0, 0)))
    assert moved.shape == rgb.shape and not np.array_equal(moved, rgb)


def test_explorer_defaults_and_stride_change():
    e = GeometryExplorer()
    assert e.output_size == (
        convlib.output_size(DEFAULTS["H"], DEFAULTS["KH"], DEFAULTS["stride"], DEFAULTS["padding"]),
        convlib.output_size(DEFAULTS["W"], DEFAULTS["KW"], DEFAULTS["stride"], DEFAULTS["padding"]),
    )
    first_png = bytes(e.image.value)
    assert first_png.startswith(b"\x89PNG")
    e.controls["stride"].value = 1
    assert e.output_size == (6 - 3 + 2 + 1, 7 - 3 + 2 + 1)
    assert bytes(e.image.value) != first_png
    assert e.drawn["coverage"].geometry.stride == (1, 1)
    assert "<b>7</b>" in e.summary.value


def test_explorer_padding_slider_and_modes():
    e = GeometryExplorer(H=6, W=6, KH=2, KW=2, stride=1, padding=0)
    assert e.output_size == (5, 5)
    e.controls["padding"].value = 2
    assert e.output_size == (9, 9)
    e.controls["mode"].value = "same"
    assert e.controls["padding"].disabled and e.padding == "same"
    assert e.output_size == (6, 6)
    # TensorFlow's 'same': one extra row at the bottom, none at the top.
    assert e.coverage.geometry.pads == ((0, 1), (0, 1))
    e.controls["mode"].value = "valid"
    assert e.output_size == (5, 5)


def test_explorer_reports_unused_rows():
    e = GeometryExplorer(H=8, W=8, KH=3, KW=3, stride=2, padding=0)
    assert e.coverage.unused_rows == (7,)
    assert "input rows [7] are never read" in e.summary.value
    assert e.coverage.unused_cols == (7,)
    assert "input columns [7] are never read" in e.summary.value
    e.controls["padding"].value = 1  # 10 x 10 padded: windows now reach the last row and column
    assert e.coverage.unused_rows == () and "are never read" not in e.summary.value


def test_explorer_kernel_too_large_does_not_crash():
    e = GeometryExplorer(H=3, W=3, KH=5, KW=5, padding=0, stride=1)
    assert e.output_size is None and "No output" in e.summary.value
    assert e.image.value == b"" and e.drawn is None  # the old picture does not stay
    e.controls["padding"].value = 1
    assert e.output_size == (1, 1)


def test_explorer_highlighted_output_pixel():
    e = GeometryExplorer(H=7, W=7, KH=3, KW=3, stride=2, padding=0)
    assert e.controls["i"].max == 2
    e.controls["i"].value, e.controls["j"].value = 2, 1
    rows, cols = e.drawn["taps"]
    assert set(rows) == {4, 5, 6} and set(cols) == {2, 3, 4}


def test_unknown_control_is_rejected():
    with pytest.raises(TypeError, match="unknown control"):
        GeometryExplorer(kernel=3)


def test_stored_widgets_show_a_friendly_text_not_their_repr():
    # What a notebook stores as text/plain is what a fresh clone, an untrusted notebook or a code host shows.
    import ipywidgets

    from convlib.figures.explorers import FALLBACK_TEXT, panel

    box = panel([ipywidgets.IntSlider(value=3)])
    assert isinstance(box, ipywidgets.VBox) and box._view_name == "VBoxView"
    bundle = box._repr_mimebundle_()
    assert bundle["text/plain"] == FALLBACK_TEXT and "application/vnd.jupyter.widget-view+json" in bundle
    assert "VBox(" not in FALLBACK_TEXT and "run this cell" in FALLBACK_TEXT
    # right in both states: before a run, and after a run without the widget extension
    assert "If you have run it and still read this line" in FALLBACK_TEXT
    assert panel([], text="run me")._repr_mimebundle_()["text/plain"] == "run me"
    assert GeometryExplorer().widget._repr_mimebundle_()["text/plain"] == FALLBACK_TEXT


# -- the 'same' convention switch ---------------------------------------------

from convlib.conventions import same_pads  # noqa: E402


@pytest.mark.parametrize("convention", ["upper", "lower", "symmetric"])
@pytest.mark.parametrize("H, W, KH, KW, stride, dilation", [(6, 6, 2, 2, 1, 1), (8, 7, 3, 3, 2, 1), (7, 6, 3, 2, 2, 1),
                                                            (9, 5, 3, 3, 1, 2), (10, 12, 4, 5, 3, 1)])
def test_the_drawn_padding_is_the_conventions(convention, H, W, KH, KW, stride, dilation):
    e = GeometryExplorer(H=H, W=W, KH=KH, KW=KW, stride=stride, dilation=dilation, mode="same", convention=convention)
    expected = (same_pads(H, KH, stride, dilation, convention), same_pads(W, KW, stride, dilation, convention))
    assert e.pads == expected
    g = e.coverage.geometry
    assert g.pads == expected
    assert e.output_size == tuple(convlib.output_size(n, k, stride, p, dilation)
                                  for n, k, p in zip((H, W), (KH, KW), expected))


def test_convention_is_enabled_only_in_same_mode_and_defaults_to_tensorflow():
    assert DEFAULTS["convention"] == "upper"
    e = GeometryExplorer()
    assert e.controls["convention"].value == "upper" and e.controls["convention"].disabled
    assert "convention-note" not in e.summary.value
    e.controls["mode"].value = "same"
    assert not e.controls["convention"].disabled and "convention-note" in e.summary.value
    assert e.pads == ((0, 1), (1, 1))  # 6 x 7, 3 x 3, stride 2: totals (3-1)*2+3-6 = 1 and (4-1)*2+3-7 = 2
    e.controls["convention"].value = "lower"  # the default state moves the rows: the odd total is on H
    assert e.pads == ((1, 0), (1, 1))
    assert "rows: windows start 1 row higher than TensorFlow's (top padding 1 instead of 0)" in e.summary.value
    e.controls["convention"].value = "upper"
    e.controls["mode"].value = "explicit"
    assert e.controls["convention"].disabled and e.pads == e.padding == 1


def test_summary_on_an_even_kernel():
    # 6 x 6, a 2 x 2 kernel, stride 1: TensorFlow pads (0, 1); the total is odd on both axes.
    e = GeometryExplorer(H=6, W=6, KH=2, KW=2, stride=1, mode="same")
    assert "rows: TensorFlow's split: top 0, bottom 1 (the odd extra row goes at the bottom)" in e.summary.value
    e.controls["convention"].value = "lower"
    assert e.pads == ((1, 0), (1, 0)) and e.output_size == (6, 6)
    assert "rows: windows start 1 row higher than TensorFlow's (top padding 1 instead of 0)<br>" in e.summary.value
    assert "columns: windows start 1 column further left than TensorFlow's (left padding 1 instead of 0)" \
        in e.summary.value
    assert "instead of 6" not in e.summary.value
    e.controls["convention"].value = "symmetric"
    assert e.pads == ((1, 1), (1, 1)) and e.output_size == (7, 7)
    assert "(top padding 1 instead of 0), and 7 output rows instead of 6" in e.summary.value
    assert "(left padding 1 instead of 0), and 7 output columns instead of 6" in e.summary.value


def test_summary_on_a_stride_2_odd_total():
    # 8 rows, KH = 3, stride 2: TensorFlow's total is (4 - 1)*2 + 3 - 8 = 1, odd: (0, 1).
    # 7 columns, KW = 3, stride 2: the total is (4 - 1)*2 + 3 - 7 = 2, even: (1, 1), every convention agrees.
    e = GeometryExplorer(H=8, W=7, KH=3, KW=3, stride=2, mode="same", convention="symmetric")
    assert e.pads == ((1, 1), (1, 1)) and e.output_size == (4, 4)  # the size is 'same''s: only the windows move
    assert convention_note((8, 7), (3, 3), 2, 1, "symmetric") == (
        "rows: windows start 1 row higher than TensorFlow's (top padding 1 instead of 0)\n"
        "columns: same as TensorFlow: the total padding is even")
    assert "instead of 4" not in e.summary.value
    assert "'same' pads top 1, bottom 1, left 1, right 1" in e.summary.value  # not the greyed slider's value
    e.controls["convention"].value = "lower"
    assert e.pads == ((1, 0), (1, 1)) and "windows start 1 row higher" in e.summary.value
    assert "'same' pads top 1, bottom 0, left 1, right 1" in e.summary.value


@pytest.mark.parametrize("H, W, KH, KW, stride", [(6, 7, 3, 3, 2), (6, 6, 2, 2, 1), (8, 5, 3, 2, 2)])
def test_the_input_stays_put_and_the_windows_move(H, W, KH, KW, stride):
    e = GeometryExplorer(H=H, W=W, KH=KH, KW=KW, stride=stride, mode="same")
    drawn = {}
    for convention in ("upper", "lower", "symmetric", "upper"):
        e.controls["convention"].value = convention
        info = e.drawn
        # the image's frame: same canvas, same origin, same picture height, whatever the convention
        frame = (info["canvas"].shape, info["origin"], geometry_raster(info).shape[0])
        assert drawn.setdefault("frame", frame) == frame
        g = info["coverage"].geometry
        starts = info["starts"]
        assert list(starts[0][:: g.out[1]]) == [i * stride - g.pads[0][0] for i in range(g.out[0])]
        ghosts = info["ghost_starts"]
        if convention == "upper":
            assert len(ghosts[0]) == 0 and "where TensorFlow's windows start" not in e.summary.value
        else:  # TensorFlow's window starts, marked too
            tf = same_pads(H, KH, stride, 1, "upper")[0]
            assert sorted(set(ghosts[0])) == [i * stride - tf for i in range(-(-H // stride))]
            assert "where TensorFlow's windows start" in e.summary.value
        # cells of the margin beyond this convention's padding are drawn as 'outside'
        (t, b), (l, r) = g.pads
        assert (info["canvas"] == OUTSIDE).sum() == info["canvas"].size - (H + t + b) * (W + l + r)
    assert "padding never read" in e.caption.value  # the legend of the picture


