"""Self-checks for exercises 07 (backprop through channels) and 08 (grouped convolution).

The same contract as :mod:`convlib.checks`: every ``check_*`` takes the
learner's function, calls it on fixed edge cases (non-square, one image and
several, ``C_in != C_out``) and random ones, compares each answer with
convlib's tested reference, and on the first wrong answer raises
``CheckFailed`` (an ``AssertionError``) whose first line names the
misconception the answer matches -- found by computing what that
misconception would return.  A passing
check prints one line and returns ``None``.  ``seed`` draws other random cases
(the hidden tests use ``seed=1``).

The machinery (:func:`convlib.check_tools.run_cases`) is looked up when a
check runs, not when this module is imported: the grader reloads
``convlib.check_tools`` before every test cell and switches the fresh copy to
recording, and these checks must use that copy.
"""

from __future__ import annotations

import importlib
import sys

import numpy as np

from .backward import conv2d_backward as _conv2d_backward
from .conv import conv2d as _conv2d

__all__ = [
    "check_bias_grad",
    "check_kernel_grad",
    "check_input_grad",
    "check_grouped_conv",
    "check_depthwise_kernel",
    "check_grouped_param_count",
    "check_separable_macs",
]

# Bound at import, like convlib.checks.
_default_rng = np.random.default_rng
_zeros = np.zeros
_stack = np.stack
_concatenate = np.concatenate
_arange = np.arange


def _tools():
    """The current :mod:`convlib.check_tools` (the grader replaces it before every test cell)."""
    return sys.modules.get("convlib.check_tools") or importlib.import_module("convlib.check_tools")


def _shape_label(**arrays):
    return ", ".join(f"{k}.shape={tuple(v.shape)}" for k, v in arrays.items())


def _run(fn, cases, candidates, **kwargs):
    t = _tools()
    cases = [t.Case(args, label, ref, **info) for args, label, ref, info in cases]
    cands = [t.Candidate(hint, build) for hint, build in candidates]
    t.run_cases(fn, cases, candidates=cands, convert=kwargs.pop("convert", t.as_result_array), **kwargs)


# --------------------------------------------------------------------------- exercise 07: backprop


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
    rng = _default_rng(seed)
    cases = [((dy,), _shape_label(dy=dy), lambda dy=dy: dy.sum(axis=(0, 1, 2)), dict(dy=dy))
             for _, _, dy in _grad_cases(rng)]
    candidates = [
        ("you averaged; b[co] is added to EVERY output value of map co, in every image, so its gradient adds "
         "them all up: a sum over N, Ho and Wo", lambda c: c.info["dy"].mean(axis=(0, 1, 2))),
        ("this uses the first image only; the same bias is added in every image of the batch, so its gradient "
         "sums over the images too", lambda c: c.info["dy"][0].sum(axis=(0, 1)) if len(c.info["dy"]) > 1 else None),
        ("you averaged over the batch (a sum over Ho and Wo, then a mean over N); the same bias is added in every "
         "image, and the loss adds the images' contributions: sum over N as well",
         lambda c: c.info["dy"].sum(axis=(1, 2)).mean(axis=0) if len(c.info["dy"]) > 1 else None),
        ("you averaged over the positions (a mean over Ho and Wo); b[co] is added at EVERY position of map co, "
         "so its gradient is the sum over N, Ho and Wo", lambda c: c.info["dy"].mean(axis=(1, 2)).sum(axis=0)),
    ]

    def shape_hint(case, actual):
        dy = case.info["dy"]
        if actual.shape == (dy.shape[0], dy.shape[3]):
            return "you kept the batch axis: the bias is shared by all images, so sum over N as well (shape (C_out,))"
        if actual.ndim == 0:
            return "you summed over the channels as well: db has one entry per filter, shape (C_out,)"
        return None

    _run(fn, cases, candidates, name="bias_grad(dy)", shape_hints=shape_hint,
         reference="convlib.conv2d_backward")


def _dw(x, dy):
    kh, kw = x.shape[1] - dy.shape[1] + 1, x.shape[2] - dy.shape[2] + 1
    return _conv2d_backward(dy, x, _zeros((kh, kw, x.shape[3], dy.shape[3])))[1]


def check_kernel_grad(fn, *, seed=0):
    """Check ``fn(x, dy) -> dw``: x ``(N, H, W, C_in)``, dy ``(N, Ho, Wo, C_out)``, valid, stride 1;
    dw ``(KH, KW, C_in, C_out)`` with ``KH = H - Ho + 1``, ``KW = W - Wo + 1``."""
    rng = _default_rng(seed)
    cases = [((x, dy), _shape_label(x=x, dy=dy), lambda x=x, dy=dy: _dw(x, dy), dict(x=x, dy=dy))
             for x, _, dy in _grad_cases(rng)]

    def shared(c):
        x = c.info["x"]
        one = _dw(x.sum(axis=3, keepdims=True), c.info["dy"])
        return _concatenate([one] * x.shape[3], axis=2)

    candidates = [
        ("every channel got the same gradient slice (one 2-D gradient shared by all channels, computed from the "
         "channels' sum). Each slice dw[:, :, ci, co] correlates ITS OWN input channel x[..., ci] with dy[..., co]",
         lambda c: shared(c) if c.info["x"].shape[3] > 1 else None),
        ("your dw is flipped in both spatial axes: dw[kh, kw] pairs x[i + kh, j + kw] with dy[i, j] -- a "
         "cross-correlation of x with dy, no flip", lambda c: c.expected[::-1, ::-1]),
        ("this uses the first image only: the loss adds over the batch, so dw adds every image's contribution",
         lambda c: _dw(c.info["x"][:1], c.info["dy"][:1]) if len(c.info["x"]) > 1 else None),
        ("you averaged over the batch; the gradient of a sum over images is the sum of their gradients",
         lambda c: c.expected / len(c.info["x"]) if len(c.info["x"]) > 1 else None),
        ("your dw has axes (KH, KW, C_out, C_in); it must have the kernel's own shape (KH, KW, C_in, C_out)",
         lambda c: c.expected.transpose(0, 1, 3, 2) if c.info["x"].shape[3] == c.info["dy"].shape[3] else None),
    ]

    def shape_hint(case, actual):
        kh, kw, c_in, c_out = case.expected.shape
        if actual.shape == (kh, kw, c_out, c_in):
            return "your dw has axes (KH, KW, C_out, C_in); it must have the kernel's own shape (KH, KW, C_in, C_out)"
        if actual.shape == (kh, kw, c_out) or actual.shape == (kh, kw):
            return ("your dw has no C_in axis: each input channel has its own weights, so each gets its own "
                    "gradient slice -- dw has the kernel's shape (KH, KW, C_in, C_out)")
        return None

    _run(fn, cases, candidates, name="kernel_grad(x, dy)", shape_hints=shape_hint,
         reference="convlib.conv2d_backward, checked against tf.GradientTape", view=(":", ":", "ci", "co"))


def _dx(dy, w):
    kh, kw, c_in, _ = w.shape
    x = _zeros((dy.shape[0], dy.shape[1] + kh - 1, dy.shape[2] + kw - 1, c_in))
    return _conv2d_backward(dy, x, w)[0]


def _full(dy, k):
    kh, kw = k.shape[:2]
    return _conv2d(dy, k, padding=((kh - 1, kh - 1), (kw - 1, kw - 1)))


def check_input_grad(fn, *, seed=0):
    """Check ``fn(dy, w) -> dx``: dy ``(N, Ho, Wo, C_out)``, w ``(KH, KW, C_in, C_out)``, valid, stride 1;
    dx ``(N, Ho + KH - 1, Wo + KW - 1, C_in)``."""
    rng = _default_rng(seed)
    cases = [((dy, w), _shape_label(dy=dy, w=w), lambda dy=dy, w=w: _dx(dy, w), dict(dy=dy, w=w))
             for _, w, dy in _grad_cases(rng)]

    def same_for_all(c):
        w = c.info["w"]
        one = _dx(c.info["dy"], w.sum(axis=2, keepdims=True))
        return _concatenate([one] * w.shape[2], axis=3)

    candidates = [
        ("the kernel is not turned by 180 degrees: written as a forward correlation, the backward pass uses "
         "w[::-1, ::-1] (with the channel axes swapped) on the zero-padded dy",
         lambda c: _full(c.info["dy"], c.info["w"].transpose(0, 1, 3, 2))),
        ("every input channel got the same gradient. The forward pass SUMS the channels, so backward each "
         "channel ci receives dy through its OWN slices w[:, :, ci, :]",
         lambda c: same_for_all(c) if c.info["w"].shape[2] > 1 else None),
        ("only filter 0's gradient came back: each input channel feeds all C_out filters, so dx[..., ci] adds "
         "the contributions from every dy[..., co]",
         lambda c: _dx(c.info["dy"][..., :1], c.info["w"][..., :1]) if c.info["w"].shape[3] > 1 else None),
    ]

    def shape_hint(case, actual):
        expected = case.expected
        if actual.ndim == 4 and actual.shape[3] == case.info["w"].shape[3] != expected.shape[3]:
            return ("your dx has C_out channels; swap the kernel's channel axes, w.transpose(0, 1, 3, 2): backward, "
                    "the C_out gradient maps go in and the C_in input channels come out")
        if actual.ndim == 4 and actual.shape[1] < expected.shape[1]:
            return ("your dx is smaller than x: the backward pass is a FULL convolution -- pad dy with KH - 1 rows "
                    "and KW - 1 columns of zeros on every side, so every input pixel gets its gradient")
        return None

    _run(fn, cases, candidates, name="input_grad(dy, w)", shape_hints=shape_hint,
         reference="convlib.conv2d_backward, checked against tf.GradientTape", view=("n", ":", ":", "ci"))


# --------------------------------------------------------------------------- exercise 08: grouped convolution


def _grouped_cases(rng):
    specs = [  # N, H, W, groups, C_in/g, C_out/g, KH, KW
        (1, 5, 6, 2, 2, 3, 3, 2),
        (2, 4, 5, 3, 1, 2, 2, 3),
        (1, 6, 4, 4, 1, 1, 3, 3),
        (2, 5, 5, 1, 3, 2, 2, 2),
        (1, 4, 7, 2, 3, 1, 1, 3),
    ]
    for _ in range(2):
        g, ci, co, kh, kw = (int(v) for v in rng.integers(1, 4, 5))
        specs.append((int(rng.integers(1, 3)), kh + int(rng.integers(0, 4)), kw + int(rng.integers(0, 4)),
                      g, ci, co, kh, kw))
    out = []
    for n, h, w, g, ci, co, kh, kw in specs:
        x = rng.normal(size=(n, h, w, g * ci)).round(2)
        wk = rng.normal(size=(kh, kw, ci, g * co)).round(2)
        out.append((x, wk, g))
    return out


def _interleaved(x, w, g):
    """The convolution if group k held every g-th channel and every g-th filter (ci % g == k)."""
    c_in, c_out = x.shape[3], w.shape[3]
    ins = _concatenate([_arange(k, c_in, g) for k in range(g)])
    outs = _concatenate([_arange(k, c_out, g) for k in range(g)])
    y_blocks = _conv2d(x[..., ins], w, groups=g)  # group k = channels ins[k*C_in/g : ...]
    y = _zeros(y_blocks.shape)
    y[..., outs] = y_blocks
    return y


def _interleaved_inputs(x, w, g):
    """The convolution if group k took every g-th input channel, x[..., k::g], and consecutive filters."""
    co = w.shape[3] // g
    return _concatenate([_conv2d(x[..., k::g], w[..., k * co : (k + 1) * co]) for k in range(g)], axis=3)


def check_grouped_conv(fn, *, seed=0):
    """Check ``fn(x, w, groups) -> y``: x ``(N, H, W, C_in)``, w ``(KH, KW, C_in/groups, C_out)``, valid, stride 1."""
    rng = _default_rng(seed)
    cases = [((x, w, g), f"{_shape_label(x=x, w=w)}, groups={g}", lambda x=x, w=w, g=g: _conv2d(x, w, groups=g),
              dict(x=x, w=w, g=g)) for x, w, g in _grouped_cases(rng)]
    candidates = [
        ("your group k takes every groups-th input channel, x[..., k::groups]; groups are consecutive blocks: "
         "group k holds input channels k*C_in/groups .. (k+1)*C_in/groups - 1, "
         "x[..., k*C_in//groups : (k+1)*C_in//groups]",
         lambda c: _interleaved_inputs(c.info["x"], c.info["w"], c.info["g"])
         if c.info["g"] > 1 and c.info["w"].shape[2] > 1 else None),
        ("your groups take every g-th channel; groups are consecutive blocks: group k holds input channels "
         "k*C_in/g .. (k+1)*C_in/g - 1 and filters k*C_out/g .. (k+1)*C_out/g - 1",
         lambda c: _interleaved(c.info["x"], c.info["w"], c.info["g"]) if c.info["g"] > 1 else None),
        ("every filter saw group 0's channels; filter group k must see input group k only",
         lambda c: _conv2d(_concatenate([c.info["x"][..., : c.info["w"].shape[2]]] * c.info["g"], axis=3),
                           c.info["w"], groups=c.info["g"]) if c.info["g"] > 1 else None),
    ]

    def shape_hint(case, actual):
        c_out, g = case.expected.shape[3], case.info["g"]
        if actual.ndim == 4 and g > 1 and actual.shape[3] == c_out // g:
            return "you returned one group's maps only: concatenate every group's output along the channel axis"
        return None

    _run(fn, cases, candidates, name="grouped_conv(x, w, groups)", shape_hints=shape_hint,
         reference="convlib.conv2d(groups=...), checked against Keras Conv2D(groups=...)", view=("n", ":", ":", "co"))


def check_depthwise_kernel(fn, *, seed=0):
    """Check ``fn(dk) -> w``: Keras' depthwise kernel ``(KH, KW, C_in, M)`` -> ``(KH, KW, 1, C_in*M)`` for groups=C_in."""
    rng = _default_rng(seed)
    shapes = [(3, 3, 3, 2), (2, 3, 4, 1), (1, 1, 2, 3), (3, 2, 1, 4)]
    shapes += [tuple(int(v) for v in rng.integers(1, 5, 4)) for _ in range(2)]
    cases = []
    for s in shapes:
        dk = rng.normal(size=s).round(2)
        cases.append(((dk,), _shape_label(dk=dk), lambda dk=dk: dk.reshape(dk.shape[0], dk.shape[1], 1, -1),
                      dict(dk=dk)))
    candidates = [
        ("your output channels run m*C_in + c; Keras' DepthwiseConv2D outputs channel c*M + m (the M filters of "
         "one input channel are neighbours), which is what a plain reshape keeps",
         lambda c: c.info["dk"].transpose(0, 1, 3, 2).reshape(c.info["dk"].shape[0], c.info["dk"].shape[1], 1, -1)),
    ]

    def shape_hint(case, actual):
        kh, kw, _, c_out = case.expected.shape
        if actual.shape == (kh, kw, c_out, 1):
            return ("the depth (axis 2) must be C_in/groups = 1: with groups=C_in each filter sees one channel; "
                    "the C_in*M filters go on the last axis")
        return None

    _run(fn, cases, candidates, name="depthwise_kernel(dk)", shape_hints=shape_hint,
         reference="Keras' DepthwiseConv2D (its output channel c*M + m)", view=(":", ":", "ci", "co"))


def check_grouped_param_count(fn, *, seed=0):
    """Check ``fn(KH, KW, C_in, C_out, groups, use_bias) -> int``: a grouped Conv2D layer's parameters."""
    rng = _default_rng(seed)
    specs = [(3, 3, 4, 6, 2, True), (3, 3, 8, 8, 8, True), (1, 1, 6, 9, 3, False), (5, 3, 4, 4, 1, True),
             (3, 3, 32, 64, 8, True)]
    for _ in range(3):
        g = int(rng.integers(1, 5))
        specs.append((int(rng.integers(1, 6)), int(rng.integers(1, 6)), g * int(rng.integers(1, 5)),
                      g * int(rng.integers(1, 5)), g, bool(rng.integers(2))))

    def count(kh, kw, c_in, c_out, g, bias):
        return kh * kw * (c_in // g) * c_out + (c_out if bias else 0)

    cases = [(s, "KH={}, KW={}, C_in={}, C_out={}, groups={}, use_bias={}".format(*s),
              lambda s=s: count(*s), dict(p=s)) for s in specs]

    def bias(c):
        return c.info["p"][3] if c.info["p"][5] else 0

    def twice(kh, kw, c_in, c_out, g, use_bias):
        return kh * kw * (c_in // g) * (c_out // g) + (c_out if use_bias else 0)

    candidates = [
        ("this is a standard Conv2D's count: with groups each filter sees only C_in/groups channels, so it has "
         "KH*KW*C_in/groups weights", lambda c: count(c.info["p"][0], c.info["p"][1], c.info["p"][2], c.info["p"][3],
                                                       1, c.info["p"][5]) if c.info["p"][4] > 1 else None),
        ("you divided by groups twice: each filter is thinner (C_in/groups deep), but all C_out filters still "
         "exist", lambda c: twice(*c.info["p"]) if c.info["p"][4] > 1 else None),
        ("the bias is missing: with use_bias=True each of the C_out filters adds one",
         lambda c: c.expected - c.info["p"][3] if c.info["p"][5] else None),
        ("this counts a bias although use_bias=False", lambda c: c.expected + c.info["p"][3] if not c.info["p"][5] else None),
    ]
    t = _tools()
    _run(fn, cases, candidates, name="grouped_param_count(KH, KW, C_in, C_out, groups, use_bias)", convert=t.as_int,
         reference="the kernel (KH, KW, C_in/groups, C_out) and bias (C_out,) sizes, checked against Keras count_params()")


def check_separable_macs(fn, *, seed=0):
    """Check ``fn(Ho, Wo, C_in, C_out, KH, KW) -> int``: multiply-adds of a depthwise-separable layer (M = 1)."""
    rng = _default_rng(seed)
    specs = [(56, 56, 128, 128, 3, 3), (7, 5, 3, 8, 3, 2), (10, 10, 16, 4, 5, 5), (1, 1, 2, 3, 1, 1)]
    specs += [tuple(int(v) for v in rng.integers(1, 20, 6)) for _ in range(2)]

    def macs(ho, wo, c_in, c_out, kh, kw):
        return ho * wo * (kh * kw * c_in + c_in * c_out)

    cases = [(s, "Ho={}, Wo={}, C_in={}, C_out={}, KH={}, KW={}".format(*s), lambda s=s: macs(*s), dict(p=s))
             for s in specs]

    def part(c, which):
        ho, wo, c_in, c_out, kh, kw = c.info["p"]
        return {"standard": ho * wo * kh * kw * c_in * c_out, "depthwise": ho * wo * kh * kw * c_in,
                "pointwise": ho * wo * c_in * c_out, "product": ho * wo * kh * kw * c_in * c_in * c_out}[which]

    candidates = [
        ("that is a standard convolution's cost; separable = depthwise (KH*KW per channel) + pointwise (C_in*C_out)",
         lambda c: part(c, "standard")),
        ("the pointwise 1x1 step is missing: after the depthwise step, every output pixel mixes C_in channels "
         "into C_out (C_in*C_out multiply-adds)", lambda c: part(c, "depthwise")),
        ("the depthwise step is missing: before the 1x1 step, every channel is filtered by its own KH x KW kernel",
         lambda c: part(c, "pointwise")),
        ("you multiplied the two steps' costs; they run one after the other, so their costs add",
         lambda c: part(c, "product")),
    ]
    t = _tools()
    _run(fn, cases, candidates, name="separable_macs(Ho, Wo, C_in, C_out, KH, KW)", convert=t.as_int,
         reference="convlib.separable_counts, checked against Keras SeparableConv2D")
