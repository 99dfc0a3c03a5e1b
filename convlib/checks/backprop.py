"""Self-checks for ``exercises/07-backprop.ipynb`` (backprop); the contract is in :mod:`convlib.checks`."""

from __future__ import annotations

import numpy as np

from ..backward import conv2d_backward as _conv2d_backward
from ..conv import conv2d as _conv2d
from .common import _shape_label
from .engine import Candidate, Case, as_result_array, run_cases
from .misconceptions import hint

__all__ = [
    "check_bias_grad",
    "check_kernel_grad",
    "check_input_grad",
]

def _grad_cases(rng):
    """(x, dy) pairs, valid padding, stride 1: x (N, H, W, C_in), dy (N, Ho, Wo, C_out)."""
    shapes = [  # N, H, W, C_in, KH, KW, C_out
        (1, 4, 5, 3, 2, 3, 2),
        (2, 5, 4, 2, 3, 2, 3),
        (3, 3, 3, 1, 3, 3, 2),
        (2, 6, 5, 3, 1, 1, 3),
        (1, 5, 7, 2, 3, 4, 1),
    ]
    for _ in range(2):
        n, c_in, c_out = (int(v) for v in rng.integers(1, 4, 3))
        kh, kw = (int(v) for v in rng.integers(1, 4, 2))
        shapes.append((n, kh + int(rng.integers(0, 4)), kw + int(rng.integers(0, 4)), c_in, kh, kw, c_out))
    out = []
    for n, h, w, c_in, kh, kw, c_out in shapes:
        x = rng.normal(size=(n, h, w, c_in)).round(2)
        wk = rng.normal(size=(kh, kw, c_in, c_out)).round(2)
        dy = rng.normal(size=(n, h - kh + 1, w - kw + 1, c_out)).round(2)
        out.append((x, wk, dy))
    return out


def check_bias_grad(fn, *, seed=0):
    """Check ``fn(dy) -> db``: dy ``(N, Ho, Wo, C_out)``, db ``(C_out,)``."""
    rng = np.random.default_rng(seed)
    cases = [Case((dy,), _shape_label(dy=dy), lambda dy=dy: dy.sum(axis=(0, 1, 2)), dy=dy)
             for _, _, dy in _grad_cases(rng)]
    candidates = [
        Candidate(hint("grad-averaged", "you averaged; b[co] is added to EVERY output value of map co, in every image, so its gradient adds "
                  "them all up: a sum over N, Ho and Wo"), lambda c: c.info["dy"].mean(axis=(0, 1, 2))),
        Candidate(hint("grad-first-image", "this uses the first image only; the same bias is added in every image of the batch, so its gradient "
                  "sums over the images too"), lambda c: c.info["dy"][0].sum(axis=(0, 1)) if len(c.info["dy"]) > 1 else None),
        Candidate(hint("grad-batch-mean", "you averaged over the batch (a sum over Ho and Wo, then a mean over N); the same bias is added in every "
                  "image, and the loss adds the images' contributions: sum over N as well"),
                  lambda c: c.info["dy"].sum(axis=(1, 2)).mean(axis=0) if len(c.info["dy"]) > 1 else None),
        Candidate(hint("grad-position-mean", "you averaged over the positions (a mean over Ho and Wo); b[co] is added at EVERY position of map co, "
                  "so its gradient is the sum over N, Ho and Wo"), lambda c: c.info["dy"].mean(axis=(1, 2)).sum(axis=0)),
    ]

    def shape_hint(case, actual):
        dy = case.info["dy"]
        if actual.shape == (dy.shape[0], dy.shape[3]):
            return hint("grad-batch-kept", "you kept the batch axis: the bias is shared by all images, so sum over N as well (shape (C_out,))")
        if actual.ndim == 0:
            return hint("grad-summed-channels", "you summed over the channels as well: db has one entry per filter, shape (C_out,)")
        return None

    run_cases(fn, cases, candidates=candidates, convert=as_result_array, name="bias_grad(dy)", shape_hints=shape_hint,
              reference="convlib.conv2d_backward")


def _dw(x, dy):
    kh, kw = x.shape[1] - dy.shape[1] + 1, x.shape[2] - dy.shape[2] + 1
    return _conv2d_backward(dy, x, np.zeros((kh, kw, x.shape[3], dy.shape[3])))[1]


def check_kernel_grad(fn, *, seed=0):
    """Check ``fn(x, dy) -> dw``: x ``(N, H, W, C_in)``, dy ``(N, Ho, Wo, C_out)``, valid, stride 1;
    dw ``(KH, KW, C_in, C_out)`` with ``KH = H - Ho + 1``, ``KW = W - Wo + 1``."""
    rng = np.random.default_rng(seed)
    cases = [Case((x, dy), _shape_label(x=x, dy=dy), lambda x=x, dy=dy: _dw(x, dy), x=x, dy=dy)
             for x, _, dy in _grad_cases(rng)]

    def shared(c):
        x = c.info["x"]
        one = _dw(x.sum(axis=3, keepdims=True), c.info["dy"])
        return np.concatenate([one] * x.shape[3], axis=2)

    candidates = [
        Candidate(hint("grad-channels-shared", "every channel got the same gradient slice (one 2-D gradient shared by all channels, computed from the "
                  "channels' sum). Each slice dw[:, :, ci, co] correlates ITS OWN input channel x[..., ci] with dy[..., co]"),
                  lambda c: shared(c) if c.info["x"].shape[3] > 1 else None),
        Candidate(hint("kernel-flipped", "your dw is flipped in both spatial axes: dw[kh, kw] pairs x[i + kh, j + kw] with dy[i, j] -- a "
                  "cross-correlation of x with dy, no flip"), lambda c: c.expected[::-1, ::-1]),
        Candidate(hint("grad-first-image", "this uses the first image only: the loss adds over the batch, so dw adds every image's contribution"),
                  lambda c: _dw(c.info["x"][:1], c.info["dy"][:1]) if len(c.info["x"]) > 1 else None),
        Candidate(hint("grad-batch-mean", "you averaged over the batch; the gradient of a sum over images is the sum of their gradients"),
                  lambda c: c.expected / len(c.info["x"]) if len(c.info["x"]) > 1 else None),
        Candidate(hint("grad-channel-axes-swapped", "your dw has axes (KH, KW, C_out, C_in); it must have the kernel's own shape (KH, KW, C_in, C_out)"),
                  lambda c: c.expected.transpose(0, 1, 3, 2) if c.info["x"].shape[3] == c.info["dy"].shape[3] else None),
    ]

    def shape_hint(case, actual):
        kh, kw, c_in, c_out = case.expected.shape
        if actual.shape == (kh, kw, c_out, c_in):
            return hint("grad-channel-axes-swapped", "your dw has axes (KH, KW, C_out, C_in); it must have the kernel's own shape (KH, KW, C_in, C_out)")
        if actual.shape == (kh, kw, c_out) or actual.shape == (kh, kw):
            return (hint("kernel-2d", "your dw has no C_in axis: each input channel has its own weights, so each gets its own "
                    "gradient slice -- dw has the kernel's shape (KH, KW, C_in, C_out)"))
        return None

    run_cases(fn, cases, candidates=candidates, convert=as_result_array, name="kernel_grad(x, dy)", shape_hints=shape_hint,
              reference="convlib.conv2d_backward, checked against tf.GradientTape", view=(":", ":", "ci", "co"))


def _dx(dy, w):
    kh, kw, c_in, _ = w.shape
    x = np.zeros((dy.shape[0], dy.shape[1] + kh - 1, dy.shape[2] + kw - 1, c_in))
    return _conv2d_backward(dy, x, w)[0]


def _full(dy, k):
    kh, kw = k.shape[:2]
    return _conv2d(dy, k, padding=((kh - 1, kh - 1), (kw - 1, kw - 1)))


def check_input_grad(fn, *, seed=0):
    """Check ``fn(dy, w) -> dx``: dy ``(N, Ho, Wo, C_out)``, w ``(KH, KW, C_in, C_out)``, valid, stride 1;
    dx ``(N, Ho + KH - 1, Wo + KW - 1, C_in)``."""
    rng = np.random.default_rng(seed)
    cases = [Case((dy, w), _shape_label(dy=dy, w=w), lambda dy=dy, w=w: _dx(dy, w), dy=dy, w=w)
             for _, w, dy in _grad_cases(rng)]

    def same_for_all(c):
        w = c.info["w"]
        one = _dx(c.info["dy"], w.sum(axis=2, keepdims=True))
        return np.concatenate([one] * w.shape[2], axis=3)

    candidates = [
        Candidate(hint("kernel-not-flipped", "the kernel is not turned by 180 degrees: written as a forward correlation, the backward pass uses "
                  "w[::-1, ::-1] (with the channel axes swapped) on the zero-padded dy"),
                  lambda c: _full(c.info["dy"], c.info["w"].transpose(0, 1, 3, 2))),
        Candidate(hint("grad-channels-shared", "every input channel got the same gradient. The forward pass SUMS the channels, so backward each "
                  "channel ci receives dy through its OWN slices w[:, :, ci, :]"),
                  lambda c: same_for_all(c) if c.info["w"].shape[2] > 1 else None),
        Candidate(hint("grad-first-filter", "only filter 0's gradient came back: each input channel feeds all C_out filters, so dx[..., ci] adds "
                  "the contributions from every dy[..., co]"),
                  lambda c: _dx(c.info["dy"][..., :1], c.info["w"][..., :1]) if c.info["w"].shape[3] > 1 else None),
    ]

    def shape_hint(case, actual):
        expected = case.expected
        if actual.ndim == 4 and actual.shape[3] == case.info["w"].shape[3] != expected.shape[3]:
            return (hint("grad-channel-axes-swapped", "your dx has C_out channels; swap the kernel's channel axes, w.transpose(0, 1, 3, 2): backward, "
                    "the C_out gradient maps go in and the C_in input channels come out"))
        if actual.ndim == 4 and actual.shape[1] < expected.shape[1]:
            return (hint("grad-not-full", "your dx is smaller than x: the backward pass is a FULL convolution -- pad dy with KH - 1 rows "
                    "and KW - 1 columns of zeros on every side, so every input pixel gets its gradient"))
        return None

    run_cases(fn, cases, candidates=candidates, convert=as_result_array, name="input_grad(dy, w)", shape_hints=shape_hint,
              reference="convlib.conv2d_backward, checked against tf.GradientTape", view=("n", ":", ":", "ci"))
