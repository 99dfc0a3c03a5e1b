"""The im2col linker, headless: its patch row is im2col's row and its dot product is conv2d's output."""

import numpy as np
import pytest

import convlib
from convlib.figures.explorers.channel_sum import preset_data
from convlib.figures.explorers.im2col_link import column_labels, copy_counts, im2col_link_state, im2col_raster


@pytest.mark.parametrize("c_in, c_out, kh, kw, stride, padding", [
    (1, 1, 1, 1, 1, "valid"), (2, 2, 2, 3, 1, "same"), (3, 3, 3, 3, 2, "same"), (3, 1, 2, 2, 2, "valid")])
def test_row_is_im2cols_row_and_dot_is_conv2d(c_in, c_out, kh, kw, stride, padding):
    x, w, b = preset_data("random integers", c_in, c_out, kh, kw)
    cols = convlib.im2col(x, (kh, kw), stride=stride, padding=padding)
    y = convlib.conv2d(x, w, b, stride=stride, padding=padding, method="naive")
    for co in range(c_out):
        for i in range(y.shape[0]):
            for j in range(y.shape[1]):
                s = im2col_link_state(x, w, b, stride=stride, padding=padding, position=(i, j), co=co)
                np.testing.assert_array_equal(s.patch_row, cols[i * y.shape[1] + j])
                np.testing.assert_array_equal(s.kernel_column, w[..., co].ravel())
                assert s.value == y[i, j, co] and s.row == i * y.shape[1] + j


def test_column_labels_match_the_kernel_reshape():
    w = np.arange(2 * 3 * 4).reshape(2, 3, 4, 1)
    for k, (p, q, c) in enumerate(column_labels(2, 3, 4)):
        assert w.reshape(-1, 1)[k, 0] == w[p, q, c, 0]


def test_column_sources_are_what_the_column_copies():
    x, w, b = preset_data("random integers", 3, 2, 3, 2)
    for k in range(3 * 2 * 3):
        s = im2col_link_state(x, w, b, padding="same", column=k)
        p, q, c = s.column_label
        copied = s.xp[s.column_sources[:, 0], s.column_sources[:, 1], c]
        np.testing.assert_array_equal(copied, s.cols[:, k])


@pytest.mark.parametrize("hw, khw, stride, padding", [((5, 5), (3, 3), 1, "same"), ((5, 6), (2, 3), 2, "valid"),
                                                       ((4, 4), (1, 1), 1, "valid")])
def test_copy_counts_by_brute_force(hw, khw, stride, padding):
    g = convlib.conv_geometry(hw, khw, stride, padding)
    counts = np.zeros(hw, int)
    (t, _), (l, _) = g.pads
    for i in range(g.out[0]):
        for j in range(g.out[1]):
            for p in range(khw[0]):
                for q in range(khw[1]):
                    r, c = i * g.stride[0] + p - t, j * g.stride[1] + q - l
                    if 0 <= r < hw[0] and 0 <= c < hw[1]:
                        counts[r, c] += 1
    np.testing.assert_array_equal(copy_counts(hw, khw, stride, padding), counts)


def test_raster_follows_the_pixel_and_the_column():
    x, w, b = preset_data("random integers", 2, 2, 2, 2)
    a = im2col_raster(im2col_link_state(x, w, b, position=(0, 0)))
    z = im2col_raster(im2col_link_state(x, w, b, position=(2, 1)))
    c = im2col_raster(im2col_link_state(x, w, b, column=3), "column")
    assert a.shape == z.shape == c.shape and not np.array_equal(a, z) and not np.array_equal(a, c)


def test_widget():
    pytest.importorskip("ipywidgets")
    from convlib.figures.explorers.im2col_link import Im2colExplorer

    e = Im2colExplorer()
    assert "VBox(" not in e.widget._repr_mimebundle_()["text/plain"]
    e.controls["i"].value, e.controls["j"].value = 2, 3
    s = e.state
    assert s.row == 2 * 4 + 3 and f"<b>{int(s.value)}</b>" in e.numbers.value
    assert s.value == convlib.conv2d(s.x, s.w, s.b)[2, 3, 0]
    e.controls["view"].value = "column"
    e.controls["column"].value = 7
    assert e.state.column_label == (1, 1, 1) and "(1,1,1)" in e.numbers.value and e.controls["i"].disabled


def test_pixel_view_prints_each_channels_window():
    import re

    from convlib.figures.explorers.channel_sum import preset_data
    from convlib.figures.explorers.im2col_link import im2col_link_state, pixel_html

    x, w, b = preset_data("random integers", 3, 2, 2, 3)
    s = im2col_link_state(x, w, b, position=(1, 2), co=1)
    text = pixel_html(s)
    assert text.count("class='im-window'") == 3
    assert "the window, input rows 1..2, cols 2..4, in each channel:" in text
    for c in range(3):
        assert f"channel ci = {c}" in text
    cells = [float(v) for v in re.findall(r"<td style='[^']*'>([-\d.]+)</td>", text.split("<table style='border-collapse:collapse'>")[0])]
    # the grids, channel by channel, hold the numbers of the patch row (which interleaves them as (kh, kw, ci))
    np.testing.assert_array_equal(np.array(cells).reshape(3, 2, 3).transpose(1, 2, 0).ravel(), s.patch_row)
    same = im2col_link_state(x, w, b, padding="same")
    assert "input rows 0..1, cols -1..1, in each channel (outside the input: padding, 0)" in pixel_html(same)


def test_greyed_out_controls_say_why_and_padding_is_one_colour():
    pytest.importorskip("ipywidgets")
    from convlib.figures.explorers.im2col_link import Im2colExplorer
    from convlib.figures.raster import CELL, PADDING

    e = Im2colExplorer(mode="same")
    assert e.controls["column"].disabled and "patch column is used in the view" in e.note.value
    e.controls["view"].value = "column"
    assert e.controls["i"].disabled and "output i, j and filter co are used" in e.note.value
    s = e.state
    # 'same' pads the 5 x 5 input: padding is one colour in the input channels and in the patch matrix entries
    # that copy it, so there is more of it than the input channels alone hold
    n_padding = s.xp.shape[0] * s.xp.shape[1] - 25
    assert n_padding > 0
    in_channels = s.x.shape[2] * n_padding * (CELL - 1) ** 2
    assert (im2col_raster(s) == PADDING).all(axis=2).sum() > in_channels
