"""Self-checks for ``exercises/10-pooling.ipynb`` (max and average pooling, and max pooling's gradient); the contract is in :mod:`convlib.checks`."""

from __future__ import annotations

import numpy as np

from ..pooling import pool2d as _pool2d
from ..pooling import pool2d_backward as _pool2d_backward
from .common import _ints, _shape_label
from .engine import Candidate, Case, as_result_array, run_cases
from .misconceptions import hint

__all__ = [
    "check_max_pool2d",
    "check_avg_pool_same",
    "check_max_pool_backward",
]


def _starts(n, k, s):
    """Top rows of the 'valid' windows along one axis."""
    return range(0, n - k + 1, s)


def _max_pool_loops(x, k, s):
    """Max pooling by loops, 'valid', stride ``s``: a second route to the reference."""
    rows, cols = _starts(x.shape[1], k, s), _starts(x.shape[2], k, s)
    y = np.zeros((x.shape[0], len(rows), len(cols), x.shape[3]))
    for a, i in enumerate(rows):
        for b, j in enumerate(cols):
            y[:, a, b, :] = x[:, i:i + k, j:j + k, :].max(axis=(1, 2))
    return y


def _max_reference(x, k, s):
    y = _pool2d(x, k, stride=s, padding="valid", mode="max")
    assert y.shape == _max_pool_loops(x, k, k if s is None else s).shape
    return y


def _ceil_mode(x, k, s):
    """Max pooling that keeps a last window hanging over the edge (PyTorch's ceil_mode=True)."""
    n_h, n_w = x.shape[1:3]
    extra_h = (-(n_h - k)) % s
    extra_w = (-(n_w - k)) % s
    if not extra_h and not extra_w:
        return None
    padded = np.pad(x, ((0, 0), (0, extra_h), (0, extra_w), (0, 0)), constant_values=-float("inf"))
    return _pool2d(padded, k, stride=s, mode="max")


def _last_window_dropped(x, k, s):
    """``range(0, H - k, s)``: the last window is missing when it ends exactly at the edge."""
    rows, cols = len(range(0, x.shape[1] - k, s)), len(range(0, x.shape[2] - k, s))
    y = _pool2d(x, k, stride=s, mode="max")
    if (rows, cols) == y.shape[1:3]:
        return None
    return y[:, :rows, :cols, :]


def check_max_pool2d(fn, *, seed=0):
    """Check ``fn(x, pool_size, stride) -> y``: 'valid' max pooling of x ``(N, H, W, C)``; ``stride=None`` means pool_size."""
    rng = np.random.default_rng(seed)
    specs = [  # N, H, W, C, pool_size, stride
        (1, 4, 6, 3, 2, None),
        (2, 6, 7, 2, 3, 1),
        (1, 7, 5, 3, 3, 2),
        (2, 5, 7, 2, 2, None),
        (1, 8, 6, 2, 2, 3),
        (1, 3, 4, 4, 1, None),
        (1, 5, 5, 1, 5, None),
    ]
    for _ in range(2):
        k = int(rng.integers(1, 4))
        s = [None, 1, 2, 3][int(rng.integers(0, 4))]
        specs.append((int(rng.integers(1, 3)), k + int(rng.integers(0, 5)), k + int(rng.integers(0, 5)),
                      int(rng.integers(1, 5)), k, s))
    cases = []
    for n, h, w, c, k, s in specs:
        x = _ints(rng, (n, h, w, c), -9, 10)
        cases.append(Case((x, k, s), f"{_shape_label(x=x)}, pool_size={k}, stride={s}",
                      lambda x=x, k=k, s=s: _max_reference(x, k, s), x=x, k=k, s=s))

    def stride(c):
        return c.info["k"] if c.info["s"] is None else c.info["s"]

    candidates = [
        Candidate(hint("pool-across-channels", "your window also takes the maximum across the channels: a pooling window works on each "
                       "channel by itself, so the output keeps the input's C channels, y[n, i, j, c] = max of channel c's window"),
                  lambda c: _pool2d(c.info["x"].max(axis=3, keepdims=True), c.info["k"], stride=stride(c))
                  if c.info["x"].shape[3] > 1 else None),
        Candidate(hint("pool-across-channels", "your window also takes the maximum across the channels, and the channel axis is gone: "
                       "a pooling window works on each channel by itself, so the output keeps the input's C channels"),
                  lambda c: _pool2d(c.info["x"].max(axis=3, keepdims=True), c.info["k"], stride=stride(c))[..., 0]),
        Candidate(hint("pool-channels-summed", "you summed the channels' pooled maps, as a convolution sums its per-channel maps: "
                       "pooling never mixes channels; channel c of the output comes from channel c of the input only"),
                  lambda c: _pool2d(c.info["x"], c.info["k"], stride=stride(c)).sum(axis=3, keepdims=True)
                  if c.info["x"].shape[3] > 1 else None),
        Candidate(hint("pool-channels-summed", "you summed the channels' pooled maps (and the channel axis is gone): pooling never mixes "
                       "channels; channel c of the output comes from channel c of the input only"),
                  lambda c: _pool2d(c.info["x"], c.info["k"], stride=stride(c)).sum(axis=3)),
        Candidate(hint("pool-stride-one", "with stride=None your windows move by 1; a pooling layer's stride defaults to its pool_size "
                       "(Keras' default): the windows sit side by side, so a 2x2 pool halves H and W"),
                  lambda c: _pool2d(c.info["x"], c.info["k"], stride=1) if c.info["s"] is None and c.info["k"] > 1 else None),
        Candidate(hint("rounds-up", "you kept a last window that hangs over the edge (PyTorch's ceil_mode=True); with 'valid' pooling a "
                       "window that does not fit entirely is dropped: Ho = (H - pool_size) // stride + 1"),
                  lambda c: _ceil_mode(c.info["x"], c.info["k"], stride(c))),
        Candidate(hint("window-count-off-by-one", "the last window is missing: a window may end exactly at the edge, so its top row runs "
                       "over range(0, H - pool_size + 1, stride), not range(0, H - pool_size, stride)"),
                  lambda c: _last_window_dropped(c.info["x"], c.info["k"], stride(c))),
    ]
    run_cases(fn, cases, candidates=candidates, convert=as_result_array, name="max_pool2d(x, pool_size, stride)",
              reference="convlib.pool2d (checked against Keras MaxPooling2D) and a loop over the windows",
              view=("n", ":", ":", "c"))


def _avg_pool(x, k, pads_h, pads_w, count_pad=False):
    """Average pooling, window k x k, stride k, zero padding ``pads_h``/``pads_w``; divide by the real pixels."""
    n, h, w, c = x.shape
    xp = np.pad(x, ((0, 0), pads_h, pads_w, (0, 0)))
    mask = np.pad(np.ones((1, h, w, 1)), ((0, 0), pads_h, pads_w, (0, 0)))
    ho, wo = (xp.shape[1] - k) // k + 1, (xp.shape[2] - k) // k + 1
    y = np.zeros((n, ho, wo, c))
    for i in range(ho):
        for j in range(wo):
            window = xp[:, i * k:i * k + k, j * k:j * k + k, :].sum(axis=(1, 2))
            real = k * k if count_pad else mask[0, i * k:i * k + k, j * k:j * k + k, 0].sum()
            y[:, i, j, :] = window / real
    return y


def _tf_pads(n, k):
    total = max(-(-n // k) * k - n, 0)
    return total // 2, total - total // 2


def _avg_reference(x, k):
    y = _pool2d(x, k, padding="same", mode="avg")
    ph, pw = _tf_pads(x.shape[1], k), _tf_pads(x.shape[2], k)
    assert y.shape == _avg_pool(x, k, ph, pw).shape
    return y


def check_avg_pool_same(fn, *, seed=0):
    """Check ``fn(x, k) -> y``: TensorFlow's 'same' average pooling, window k x k, stride k, x ``(N, H, W, C)``."""
    rng = np.random.default_rng(seed)
    specs = [(1, 5, 6, 2, 2), (2, 7, 5, 3, 4), (1, 5, 7, 2, 3), (1, 4, 6, 1, 2), (2, 6, 9, 2, 3), (1, 3, 3, 2, 1),
             (1, 2, 5, 3, 3)]
    for _ in range(2):
        k = int(rng.integers(2, 5))
        specs.append((int(rng.integers(1, 3)), int(rng.integers(2, 10)), int(rng.integers(2, 10)),
                      int(rng.integers(1, 4)), k))
    cases = []
    for n, h, w, c, k in specs:
        x = _ints(rng, (n, h, w, c), 1, 10)  # positive, so every padded zero shows in a mean
        cases.append(Case((x, k), f"{_shape_label(x=x)}, k={k}", lambda x=x, k=k: _avg_reference(x, k), x=x, k=k))

    def pads(c):
        return _tf_pads(c.info["x"].shape[1], c.info["k"]), _tf_pads(c.info["x"].shape[2], c.info["k"])

    candidates = [
        Candidate(hint("avg-pad-counted", "you divided every window by k*k, counting the padded zeros as pixels (PyTorch's AvgPool2d "
                       "default, count_include_pad=True); TensorFlow's 'same' average divides by the number of REAL pixels in "
                       "the window"),
                  lambda c: _avg_pool(c.info["x"], c.info["k"], *pads(c), count_pad=True)),
        Candidate(hint("same-extra-before", "your padding is on the wrong side: TensorFlow's 'same' puts the smaller half before "
                       "(top/left) and the extra row/column after (bottom/right)"),
                  lambda c: _avg_pool(c.info["x"], c.info["k"], pads(c)[0][::-1], pads(c)[1][::-1])),
        Candidate(hint("avg-pad-counted", "your padding is on the wrong side AND you divided by k*k: TensorFlow's 'same' puts the "
                       "extra row/column after (bottom/right) and divides each window by its real pixels only"),
                  lambda c: _avg_pool(c.info["x"], c.info["k"], pads(c)[0][::-1], pads(c)[1][::-1], count_pad=True)),
        Candidate(hint("same-symmetric-k2", "this pads k // 2 on both sides (the symmetric convention); TensorFlow's 'same' pads "
                       "total = ceil(n / k) * k - n along each axis (stride k), the extra one after"),
                  lambda c: _avg_pool(c.info["x"], c.info["k"], (c.info["k"] // 2,) * 2, (c.info["k"] // 2,) * 2)),
        Candidate(hint("padding-ignored", "this is 'valid' pooling: the leftover rows and columns are dropped; 'same' pads so that every "
                       "pixel is in a window, Ho = ceil(H / k)"),
                  lambda c: _pool2d(c.info["x"], c.info["k"], mode="avg")),
    ]
    run_cases(fn, cases, candidates=candidates, convert=as_result_array, name="avg_pool_same(x, k)",
              reference="convlib.pool2d(padding='same', mode='avg'), checked against Keras AveragePooling2D",
              view=("n", ":", ":", "c"))


def _backward_by_rule(dy, x, k, rule):
    """Max pooling's gradient (window k, stride k) with a routing ``rule``: 'first', 'last', 'ties' or 'spread'."""
    dx = np.zeros(x.shape)
    for n in range(x.shape[0]):
        for i in range(dy.shape[1]):
            for j in range(dy.shape[2]):
                for c in range(x.shape[3]):
                    win = x[n, i * k:i * k + k, j * k:j * k + k, c]
                    target = dx[n, i * k:i * k + k, j * k:j * k + k, c]
                    g = dy[n, i, j, c]
                    if rule == "spread":
                        target += g / (k * k)
                        continue
                    hits = [(a, b) for a in range(k) for b in range(k) if win[a, b] == win.max()]
                    for a, b in {"first": hits[:1], "last": hits[-1:], "ties": hits}[rule]:
                        target[a, b] += g
    return dx


def _backward_reference(dy, x, k):
    dx = _pool2d_backward(dy, x, k, mode="max")
    assert dx.shape == _backward_by_rule(dy, x, k, "first").shape
    return dx


def check_max_pool_backward(fn, *, seed=0):
    """Check ``fn(dy, x, k) -> dx``: the gradient of 'valid' max pooling, window k x k, stride k, x ``(N, H, W, C)``."""
    rng = np.random.default_rng(seed)
    specs = [(1, 4, 6, 2, 2), (2, 5, 4, 2, 2), (1, 6, 7, 3, 3), (1, 4, 4, 1, 2), (2, 3, 5, 2, 1), (1, 6, 6, 2, 3)]
    for _ in range(2):
        k = int(rng.integers(1, 4))
        specs.append((int(rng.integers(1, 3)), k * int(rng.integers(1, 4)) + int(rng.integers(0, 2)),
                      k * int(rng.integers(1, 4)) + int(rng.integers(0, 2)), int(rng.integers(1, 4)), k))
    cases = []
    for n, h, w, c, k in specs:
        x = _ints(rng, (n, h, w, c), 0, 3)  # few distinct values: windows with tied maxima
        dy = _ints(rng, (n, (h - k) // k + 1, (w - k) // k + 1, c), 1, 10)
        cases.append(Case((dy, x, k), f"{_shape_label(dy=dy, x=x)}, k={k}", lambda dy=dy, x=x, k=k: _backward_reference(dy, x, k),
                      dy=dy, x=x, k=k))

    def rule(name):
        return lambda c: None if c.info["k"] == 1 else _backward_by_rule(c.info["dy"], c.info["x"], c.info["k"], name)

    candidates = [
        Candidate(hint("maxpool-grad-spread", "you spread each window's gradient evenly over its k*k pixels, as average pooling does; "
                       "a max-pooling window is a switch: its whole gradient goes to the one pixel that won the max"),
                  rule("spread")),
        Candidate(hint("maxpool-grad-all-ties", "where several pixels tie for the max, every one of them got the window's gradient, so the "
                       "gradient is counted more than once; it goes to ONE pixel: the first maximum in row-major order (TensorFlow's rule)"),
                  rule("ties")),
        Candidate(hint("maxpool-grad-last-max", "on a tie your gradient goes to the LAST maximum of the window; TensorFlow (and "
                       "np.argmax) take the first one in row-major order"),
                  rule("last")),
    ]
    run_cases(fn, cases, candidates=candidates, convert=as_result_array, name="max_pool_backward(dy, x, k)",
              reference="convlib.pool2d_backward (checked against TensorFlow's max-pooling gradient)", view=("n", ":", ":", "c"))
