"""convlib.plot_gemm draws what it claims: checked on the data in the figure, not on pixels."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from convlib import conv_geometry, im2col  # noqa: E402
from convlib.figures import gemm as pg  # noqa: E402


def ids_image(h, w, c):
    """x[h, w, c] = 100*c + 10*h + w + 1: every value names its position (0 is left for padding)."""
    return (100 * np.arange(c)[None, None, :] + 10 * np.arange(h)[:, None, None] + np.arange(w)[None, :, None] + 1).astype(float)


CASES = [
    dict(shape=(4, 5, 2), kernel_size=3, pixel=(1, 2), stride=1, padding="valid", dilation=1),
    dict(shape=(4, 5, 2), kernel_size=3, pixel=(0, 0), stride=2, padding="same", dilation=1),
    dict(shape=(6, 7, 1), kernel_size=(2, 3), pixel=(1, 1), stride=(2, 1), padding=1, dilation=(1, 2)),
]


@pytest.mark.parametrize("case", CASES)
def test_patch_row_highlights_the_taps_the_output_pixel_and_its_row(case):
    h, w, c = case["shape"]
    x = ids_image(h, w, c)
    kh, kw = (case["kernel_size"],) * 2 if isinstance(case["kernel_size"], int) else case["kernel_size"]
    g = conv_geometry((h, w), (kh, kw), case["stride"], case["padding"], case["dilation"])
    (top, bottom), (left, right) = g.pads
    (sh, sw), (dh, dw), (ho, wo) = g.stride, g.dilation, g.out
    i, j = case["pixel"]
    fig = pg.plot_patch_row(x, case["kernel_size"], case["pixel"], stride=case["stride"], padding=case["padding"],
                            dilation=case["dilation"])

    # independent construction of the padded input and of the taps
    xp = np.zeros((h + top + bottom, w + left + right, c))
    xp[top : top + h, left : left + w] = x
    taps = {(i * sh + a * dh, j * sw + b * dw) for a in range(kh) for b in range(kw)}
    for ci in range(c):
        roles = fig.axes[ci].images[0].get_array()
        selected = {tuple(p) for p in np.argwhere((roles == pg.SELECTED) | (roles == pg.SELECTED_PADDING))}
        assert selected == taps
        padded = {tuple(p) for p in np.argwhere((roles == pg.PADDING) | (roles == pg.SELECTED_PADDING))}
        assert len(padded) == xp.shape[0] * xp.shape[1] - h * w
        assert [t.get_text() for t in fig.axes[ci].texts] == [f"{v:g}" for v in xp[:, :, ci].ravel()]
    out_roles = fig.axes[c].images[0].get_array()
    assert out_roles.shape == (ho, wo) and [tuple(p) for p in np.argwhere(out_roles == pg.SELECTED)] == [(i, j)]
    assert f"-> row {i * wo + j}" in fig.axes[c].get_title()
    # the output panel spans the padded input's limits: its cells are drawn as large as the input's
    assert fig.axes[c].get_xlim() == fig.axes[0].get_xlim() == (-0.5, xp.shape[1] - 0.5)
    assert fig.axes[c].get_ylim() == fig.axes[0].get_ylim() == (xp.shape[0] - 0.5, -0.5)

    # the patch matrix: its highlighted row holds exactly the tap values, in (kh, kw, ci) order
    row = i * wo + j
    assert fig.row == row
    ax = fig.axes[c + 1]
    k = kh * kw * c
    row_texts = [t.get_text() for t in ax.texts][row * k : (row + 1) * k]
    expected = [xp[i * sh + a * dh, j * sw + b * dw, ci] for a in range(kh) for b in range(kw) for ci in range(c)]
    assert row_texts == [f"{v:g}" for v in expected]
    (rect,) = ax.patches
    assert rect.get_y() == row - 0.5 and rect.get_height() == 1 and rect.get_width() == k


def test_patch_row_draws_large_matrices_as_an_image_and_rejects_bad_pixels(rng):
    x = rng.normal(size=(12, 12, 3))
    fig = pg.plot_patch_row(x, 3, (9, 0))
    ax = fig.axes[-1]
    np.testing.assert_array_equal(ax.images[0].get_array(), im2col(x, 3))
    assert fig.row == 90 and not ax.texts
    with pytest.raises(ValueError, match="10x10 output"):
        pg.plot_patch_row(x, 3, (10, 0))
    with pytest.raises(ValueError, match="one image"):
        pg.plot_patch_row(x[None], 3, (0, 0))


@pytest.mark.parametrize(
    "hw, k, stride, padding, dilation",
    [((5, 6), 3, 1, "valid", 1), ((8, 8), 3, 1, "same", 1), ((9, 7), (3, 2), 2, "same", 1), ((10, 9), 3, 1, 2, 2)],
)
def test_copy_counts_match_a_loop_over_output_pixels(hw, k, stride, padding, dilation):
    h, w = hw
    kh, kw = (k, k) if isinstance(k, int) else k
    g = conv_geometry(hw, (kh, kw), stride, padding, dilation)
    (top, _), (left, _) = g.pads
    expected = np.zeros(hw, int)
    for i in range(g.out[0]):
        for j in range(g.out[1]):
            for a in range(kh):
                for b in range(kw):
                    r = i * g.stride[0] + a * g.dilation[0] - top
                    c = j * g.stride[1] + b * g.dilation[1] - left
                    if 0 <= r < h and 0 <= c < w:
                        expected[r, c] += 1
    counts = pg.copy_counts(hw, k, stride=stride, padding=padding, dilation=dilation)
    np.testing.assert_array_equal(counts, expected)
    fig = pg.plot_copy_counts(hw, k, stride=stride, padding=padding, dilation=dilation)
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), expected)
    assert f"mean {expected.mean():.2f}" in fig.axes[0].get_title()


def test_copy_counts_are_written_in_a_colour_that_reads_on_their_cell():
    fig = pg.plot_copy_counts((8, 8), 3, padding="same")
    ax = fig.axes[0]
    image = ax.images[0]
    labels = {(round(t.get_position()[1]), round(t.get_position()[0])): t for t in ax.texts}
    assert len(labels) == 64
    for (r, c), t in labels.items():
        assert t.get_text() == str(fig.counts[r, c])
        red, green, blue, _ = image.cmap(image.norm(fig.counts[r, c]))
        cell_is_dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5
        assert t.get_color() == ("white" if cell_is_dark else "black"), (r, c, fig.counts[r, c])
    colours = {labels[1, 1].get_color(), labels[0, 0].get_color()}
    assert colours == {"white", "black"}            # the 9s are dark cells, the corner 4s light ones


def test_copy_counts_interior_is_kh_kw():
    counts = pg.copy_counts((9, 9), 3, padding="same")
    assert (counts[1:-1, 1:-1] == 9).all() and counts[0, 0] == 4


def test_speed_ladder_bars_are_the_times_and_throughputs():
    times = {"naive": 0.2, "per_channel": 0.05, "gemm": 0.002, "tf": 0.001}
    flops, matmul = 4e7, 0.0008
    fig = pg.plot_speed_ladder(times, flops, matmul)
    ax_t, ax_f = fig.axes
    # bars are drawn top to bottom in the order of `times`
    bars_t = sorted(ax_t.containers[0], key=lambda r: -r.get_y())
    np.testing.assert_allclose([r.get_width() for r in bars_t], [v * 1e3 for v in times.values()])
    top_down = sorted(ax_t.get_yticklabels(), key=lambda t: -t.get_position()[1])
    assert [t.get_text() for t in top_down] == list(times)
    bars_f = sorted(ax_f.containers[0], key=lambda r: -r.get_y())
    np.testing.assert_allclose([r.get_width() for r in bars_f], [flops / v / 1e9 for v in times.values()])
    (line,) = ax_f.lines
    assert line.get_xdata()[0] == pytest.approx(flops / matmul / 1e9)
    assert f"{flops / matmul / 1e9:.3g} GFLOP/s" in ax_f.get_title()
    assert ax_t.get_xscale() == "log" and ax_f.get_xscale() == "log"
    assert "40 MFLOP" in fig.get_suptitle()
    assert not pg.plot_speed_ladder({"gemm": 0.1}, 1e6).axes[1].lines
    close = pg.plot_speed_ladder({"gemm": 0.02, "tf": 0.018}, 1e9, 0.017)  # within 20x: linear axes from 0
    assert [ax.get_xscale() for ax in close.axes] == ["linear", "linear"] and close.axes[0].get_xlim()[0] == 0
    with pytest.raises(ValueError, match="positive"):
        pg.plot_speed_ladder({"gemm": 0.0}, 1e6)


def test_patch_memory_bars_are_the_bytes():
    names = ["a", "b"]
    inp, patch, gemm = [2**20, 3 * 2**20], [9 * 2**20, 27 * 2**20], [2**20, 2 * 2**20]
    fig = pg.plot_patch_memory(names, inp, patch, gemm, buffer_bytes=8 * 2**20)
    (ax,) = fig.axes
    assert len(ax.containers) == 3
    for container, values in zip(ax.containers, [inp, patch, gemm]):
        widths = [r.get_width() for r in sorted(container, key=lambda r: -r.get_y())]
        np.testing.assert_allclose(widths, np.array(values) / 2**20)
    (line,) = ax.lines
    assert line.get_xdata()[0] == 8
    # bars on a linear axis from 0: their lengths compare as the sizes do
    assert ax.get_xscale() == "linear" and ax.get_xlim()[0] == 0 and ax.get_xlim()[1] >= 27
    top_down = sorted(ax.get_yticklabels(), key=lambda t: -t.get_position()[1])
    assert [t.get_text() for t in top_down] == ["a\npatch = 9 x input", "b\npatch = 9 x input"]
    with pytest.raises(ValueError, match="need 2 values"):
        pg.plot_patch_memory(names, inp, patch[:1])
    # the ratio in the label is the one a table with two decimals prints
    odd = pg.plot_patch_memory(["c"], [4 * 2**20], [49 * 2**20])
    assert odd.axes[0].get_yticklabels()[0].get_text() == "c\npatch = 12.25 x input"
