"""The sliding-window explorer, headless: cross-correlation is conv2d's; convolution flips the kernel."""

import numpy as np
import pytest

import convlib
from convlib.figures.explorers.sliding_window import example_data, sliding_window_raster, sliding_window_state


@pytest.mark.parametrize("kh, kw", [(1, 1), (2, 3), (3, 3), (4, 2)])
def test_every_step_is_conv2ds_output(kh, kw):
    x, k = example_data(kh=kh, kw=kw)
    y = convlib.conv2d(x[:, :, None], k[:, :, None, None], method="naive")[:, :, 0]
    for i in range(y.shape[0]):
        for j in range(y.shape[1]):
            s = sliding_window_state(x, k, position=(i, j))
            assert s.value == y[i, j] == s.products.sum()
            np.testing.assert_array_equal(s.window, x[i:i + kh, j:j + kw])


def test_true_convolution_flips_the_kernel():
    x, k = example_data(kh=2, kw=3)
    assert not np.array_equal(k, k[::-1, ::-1])
    for i, j in [(0, 0), (2, 1), (4, 3)]:
        s = sliding_window_state(x, k, position=(i, j), flip=True)
        by_definition = sum(x[i + a, j + b] * k[1 - a, 2 - b] for a in range(2) for b in range(3))
        assert s.value == by_definition
        np.testing.assert_array_equal(s.used, k[::-1, ::-1])
    assert not np.array_equal(sliding_window_state(x, k, flip=True).y, sliding_window_state(x, k).y)


def test_raster_and_widget():
    x, k = example_data()
    assert not np.array_equal(sliding_window_raster(sliding_window_state(x, k)),
                              sliding_window_raster(sliding_window_state(x, k, position=(1, 2))))
    pytest.importorskip("ipywidgets")
    from convlib.figures.explorers.sliding_window import SlidingWindowExplorer

    e = SlidingWindowExplorer()
    assert "VBox(" not in e.widget._repr_mimebundle_()["text/plain"]
    e.controls["play"].value = 5
    assert e.state.position == (1, 1) and f"<b>{int(e.state.value)}</b>" in e.numbers.value
    e.controls["flip"].value = True
    assert e.state.flip and "k[::-1, ::-1]" in e.numbers.value
    e2 = SlidingWindowExplorer(x=np.arange(12).reshape(3, 4), k=np.eye(2))
    assert e2.state.y.shape == (2, 3) and e2.controls["KH"].disabled


NOTEBOOK_X = np.array([[5, 1, 0, 1, 2], [4, 2, 0, 2, 3], [4, 4, 5, 1, 5], [0, 3, 1, 1, 3]])  # notebook 02's x and k
NOTEBOOK_K = np.array([[1, 0, -1], [2, 1, 0]])


def test_numbers_show_both_operations():
    from convlib.figures.explorers.sliding_window import numbers_html

    for flip in (False, True):
        for i in range(3):
            for j in range(3):
                s = sliding_window_state(NOTEBOOK_X, NOTEBOOK_K, position=(i, j), flip=flip)
                text = numbers_html(s)
                assert s.correlation == convlib.correlate2d(NOTEBOOK_X, NOTEBOOK_K)[i, j]
                assert s.convolution == convlib.correlate2d(NOTEBOOK_X, NOTEBOOK_K[::-1, ::-1])[i, j]
                assert (f"cross-correlation gives <b>{int(s.correlation)}</b>; true convolution (flipped kernel) "
                        f"gives <b>{int(s.convolution)}</b>") in text
                assert ("by coincidence" in text) == ((i, j) == (1, 2))  # the only position where they agree
    # the positions the notebook's explorer starts at and the browser test steps to: the flip changes the sum
    for position in [(0, 0), (1, 1), (2, 1)]:
        s = sliding_window_state(NOTEBOOK_X, NOTEBOOK_K, position=position)
        assert s.correlation != s.convolution
    sym = sliding_window_state(NOTEBOOK_X, np.ones((2, 3)))
    assert "does not change a single product" in numbers_html(sym)


def test_raster_panels_are_captioned():
    s = sliding_window_state(NOTEBOOK_X, NOTEBOOK_K)
    rgb = sliding_window_raster(s)
    assert rgb.shape[0] > NOTEBOOK_X.shape[0] * 22  # a caption above the panels


def test_play_steps_pauses_in_place_and_stops_at_the_end():
    pytest.importorskip("ipywidgets")
    from convlib.figures.explorers.sliding_window import SlidingWindowExplorer

    e = SlidingWindowExplorer()
    play = e.controls["play"]
    assert play.button.description == "play" and "step the window" in play.button.tooltip
    e.controls["i"].value, e.controls["j"].value = 1, 2   # the learner's place: raster index 6 of the 4-wide output
    assert play.value == 6
    play.button.click()                                   # no event loop here: play() marks it playing, no timer
    assert play.playing and play.button.description == "pause"
    play.step()
    assert e.state.position == (1, 3) and play.value == 7
    play.button.click()                                   # pause keeps the place
    assert not play.playing and play.button.description == "play"
    play.step()                                           # a late timer after the pause does nothing
    assert e.state.position == (1, 3) and (e.controls["i"].value, e.controls["j"].value) == (1, 3)
    play.play()
    while play.playing:
        play.step()
    assert play.value == play.max == 15 and e.state.position == (3, 3)   # stops at the last window
    play.play()                                           # play at the end starts again from the first window
    assert play.value == 0 and e.state.position == (0, 0)
