"""Self-checks for ``exercises/01-kernel-shape-and-parameters.ipynb`` (kernel shape and parameters); the contract is in :mod:`convlib.checks`."""

from __future__ import annotations

from functools import partial

import numpy as np

from ..conv import conv2d as _conv2d
from .common import FORGOT_SUM_HINT, MEAN_HINT, _ints, _named_case
from .engine import Candidate, Case, CheckFailed, as_int, as_int_tuple, as_result_array, run_cases
from .misconceptions import hint

__all__ = [
    "check_kernel_shape",
    "check_param_count",
    "check_fingerprint",
    "check_channel_kernels_to_w",
]


def _kernels_to_w(kernels):
    w = np.zeros((*kernels[0].shape, len(kernels), 1))
    for c, k in enumerate(kernels):
        w[:, :, c, 0] = k
    return w


def check_kernel_shape(fn, *, seed=0):
    """Check ``fn(KH, KW, C_in, C_out) -> tuple``, the shape of a Conv2D layer's kernel (Keras layout)."""
    rng = np.random.default_rng(seed)
    sizes = [(3, 3, 3, 16), (5, 2, 4, 7), (1, 1, 8, 2), (2, 3, 1, 6)]
    sizes += [tuple(int(v) for v in rng.choice(range(1, 13), 4, replace=False)) for _ in range(3)]
    cases = [_named_case(lambda *s: s, "KH={kh}, KW={kw}, C_in={c_in}, C_out={c_out}", kh=kh, kw=kw, c_in=c_in, c_out=c_out)
             for kh, kw, c_in, c_out in sizes]
    cands = [
        Candidate(
            hint("kernel-2d", "that is one 2-D (KH, KW) kernel per filter, shared by every input channel. Each filter has its own "
            "KH x KW weights for every input channel, so the kernel has a C_in axis too"),
            lambda c: (c.info["kh"], c.info["kw"], c.info["c_out"]),
        ),
        Candidate(
            hint("kernel-single-2d", "that is a single 2-D kernel. A Conv2D layer holds C_out filters, each a (KH, KW, C_in) block"),
            lambda c: (c.info["kh"], c.info["kw"]),
        ),
        Candidate(
            hint("one-filter-only", "that is the shape of ONE filter, (KH, KW, C_in); the layer stacks C_out filters along a last axis"),
            lambda c: (c.info["kh"], c.info["kw"], c.info["c_in"]),
        ),
        Candidate(
            hint("pytorch-layout", "that is PyTorch's layout (C_out, C_in, KH, KW); Keras and TensorFlow store (KH, KW, C_in, C_out)"),
            lambda c: (c.info["c_out"], c.info["c_in"], c.info["kh"], c.info["kw"]),
        ),
        Candidate(
            hint("cin-cout-swapped", "C_in and C_out are swapped: the input-channel axis comes third and the filter index last"),
            lambda c: (c.info["kh"], c.info["kw"], c.info["c_out"], c.info["c_in"]),
        ),
    ]
    run_cases(fn, cases, name="kernel_shape(KH, KW, C_in, C_out)", convert=as_int_tuple, candidates=cands,
              reference="Keras' kernel layout (KH, KW, C_in, C_out)")


def _param_count(kh, kw, c_in, c_out, use_bias):
    # Count the entries of the arrays Keras creates: the kernel and (optionally) the bias.
    return int(np.zeros((kh, kw, c_in, c_out)).size + (np.zeros(c_out).size if use_bias else 0))


def _param_case(kh, kw, c_in, c_out, use_bias):
    return _named_case(_param_count, "KH={kh}, KW={kw}, C_in={c_in}, C_out={c_out}, use_bias={use_bias}",
                       kh=kh, kw=kw, c_in=c_in, c_out=c_out, use_bias=use_bias)


def check_param_count(fn, *, seed=0):
    """Check ``fn(KH, KW, C_in, C_out, use_bias=True) -> int``, a Conv2D layer's trainable parameters."""
    rng = np.random.default_rng(seed)
    cases = [
        _param_case(3, 3, 3, 16, True),
        _param_case(5, 2, 4, 7, True),
        _param_case(3, 5, 6, 2, False),
        _param_case(1, 1, 8, 3, True),
        _param_case(2, 2, 3, 1, True),
    ]
    for _ in range(3):
        kh, kw, c_in, c_out = (int(v) for v in rng.integers(1, 9, 4))
        cases.append(_param_case(kh, kw, c_in, c_out, bool(rng.integers(2))))

    def bias(c):
        return c.info["c_out"] if c.info["use_bias"] else 0

    cands = [
        Candidate(
            hint("kernel-2d", "this counts one 2-D KH x KW kernel per filter, shared by all channels. Each filter has KH*KW "
            "weights for EVERY input channel: KH*KW*C_in weights per filter"),
            lambda c: c.info["kh"] * c.info["kw"] * c.info["c_out"] + bias(c),
        ),
        Candidate(
            hint("bias-missing", "the bias is missing: with use_bias=True each of the C_out filters adds one bias"),
            lambda c: c.expected - c.info["c_out"] if c.info["use_bias"] else None,
        ),
        Candidate(
            hint("bias-unwanted", "this counts a bias although use_bias=False"),
            lambda c: c.expected + c.info["c_out"] if not c.info["use_bias"] else None,
        ),
        Candidate(
            hint("bias-per-channel", "this counts one bias per (input channel, filter) pair; there is ONE bias per filter, added after "
            "the channels are summed"),
            lambda c: c.expected - bias(c) + (c.info["c_in"] * c.info["c_out"] if c.info["use_bias"] else 0),
        ),
        Candidate(
            hint("one-filter-only", "this counts a single filter; the layer has C_out of them, each with its own weights and bias"),
            lambda c: c.info["kh"] * c.info["kw"] * c.info["c_in"] + (1 if c.info["use_bias"] else 0),
        ),
        Candidate(
            hint("bias-per-layer", "this counts one bias for the whole layer; there is one bias per filter (C_out of them)"),
            lambda c: c.expected - bias(c) + 1 if c.info["use_bias"] else None,
        ),
    ]
    run_cases(fn, cases, name="conv_param_count(KH, KW, C_in, C_out, use_bias)", convert=as_int, candidates=cands,
              reference="the sizes of the kernel (KH, KW, C_in, C_out) and bias (C_out,) arrays")


def _fingerprint(values, kh, kw):
    c_in = len(values)
    x = np.ones((kh + 1, kw + 2, c_in)) * np.asarray(values, dtype=float)
    y = _conv2d(x, np.ones((kh, kw, c_in, 1)))
    assert (y == y[0, 0, 0]).all()
    return float(y[0, 0, 0])


def _fingerprint_case(values, kh, kw):
    label = f"fill_values={list(values)}, KH={kh}, KW={kw}"
    return Case((list(values), kh, kw), label, partial(_fingerprint, values, kh, kw), fill_values=values, kh=kh, kw=kw)


def check_fingerprint(fn, *, seed=0):
    """Check ``fn(fill_values, KH, KW) -> float``: each output of a ones-kernel on a constant-per-channel image."""
    rng = np.random.default_rng(seed)
    cases = [
        _fingerprint_case([1, 100, 10000], 2, 2),
        _fingerprint_case([1, 10, 100, 1000], 3, 2),
        _fingerprint_case([2, 5], 1, 3),
        _fingerprint_case([7], 2, 2),
    ]
    for _ in range(2):
        c_in = int(rng.integers(2, 5))
        cases.append(_fingerprint_case([int(v) for v in rng.integers(1, 50, c_in)], *(int(v) for v in rng.integers(1, 5, 2))))

    def area(c):
        return c.info["kh"] * c.info["kw"]

    cands = [
        Candidate(MEAN_HINT, lambda c: float(area(c) * sum(c.info["fill_values"]) / len(c.info["fill_values"]))),
        Candidate(
            hint("first-channel-only", "this is the first channel's contribution only; every input channel contributes and the "
            "contributions are summed"), lambda c: float(area(c) * c.info["fill_values"][0])),
        Candidate(
            hint("window-one-pixel", "this adds one pixel per channel; the KH x KW window covers KH*KW pixels of every channel"),
            lambda c: float(sum(c.info["fill_values"]))),
    ]

    def convert(value, name):
        arr = as_result_array(value, name)
        if arr.size == 1:
            return float(arr.reshape(()))
        raise CheckFailed(
            f"{name} returned {arr.size} numbers {arr.tolist()}; one number is expected. {FORGOT_SUM_HINT}.",
            misconception="channels-not-summed")

    run_cases(fn, cases, name="fingerprint(fill_values, KH, KW)", convert=convert, candidates=cands,
              reference="convlib.conv2d on that image")


def check_channel_kernels_to_w(fn, *, seed=0):
    """Check ``fn(kernels) -> w``: C_in 2-D kernels ``(KH, KW)`` -> one filter's weights ``(KH, KW, C_in, 1)``.

    ``kernels[c]`` must land at ``w[:, :, c, 0]``: that is what makes
    ``conv2d(x, w)[..., 0]`` the sum over c of ``correlate2d(x[..., c], kernels[c])``.
    """
    rng = np.random.default_rng(seed)
    shapes = [(3, 2, 3), (2, 2, 1), (1, 3, 4), (3, 3, 2)] + [tuple(int(v) for v in rng.integers(1, 5, 3)) for _ in range(2)]
    cases = []
    for kh, kw, c_in in shapes:
        kernels = [_ints(rng, (kh, kw)) for _ in range(c_in)]
        label = f"{c_in} kernels of shape ({kh}, {kw})"
        cases.append(Case((kernels,), label, partial(_kernels_to_w, kernels), kernels=kernels))
    cands = [
        Candidate(
            hint("stacked-first-axis", "you stacked the kernels along the FIRST axis, (C_in, KH, KW, 1). Keras wants (KH, KW, C_in, C_out): "
            "stack along axis=-1, then add the C_out axis"), lambda c: np.stack(c.info["kernels"])[..., None]),
        Candidate(
            hint("filter-axis-missing", "the shape (KH, KW, C_in) is one filter; Keras' weights have a 4th axis for the filters: "
            "add it with [..., None]"), lambda c: np.stack(c.info["kernels"], axis=-1)),
        Candidate(
            hint("cin-cout-swapped", "this is (KH, KW, 1, C_in): C_in filters of depth 1 (each seeing one channel). Here it is ONE filter "
            "of depth C_in: (KH, KW, C_in, 1)"), lambda c: np.stack(c.info["kernels"], axis=-1)[:, :, None, :]),
    ]
    run_cases(fn, cases, name="channel_kernels_to_w(kernels)", convert=as_result_array, candidates=cands,
              reference="the per-channel kernels placed at w[:, :, c, 0]", view=(":", ":", "c", "co"))
