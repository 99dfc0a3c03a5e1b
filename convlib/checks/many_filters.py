"""Self-checks for ``exercises/04-many-filters.ipynb`` (many filters); the contract is in :mod:`convlib.checks`."""

from __future__ import annotations

from functools import partial

import numpy as np

from ..conv import conv2d as _conv2d
from ..im2col import im2col as _im2col
from .common import _forgot_sum_shape, CI_FIRST_COLUMNS_HINT, FLIP_HINT, FORGOT_SUM_HINT, MEAN_HINT, SHARED_KERNEL_HINT, _ints, _named_case, _shape_label
from .engine import Candidate, Case, as_int, as_result_array, run_cases
from .misconceptions import hint

__all__ = [
    "check_conv2d",
    "check_conv1x1",
    "check_two_layer_param_count",
    "check_stack_filters",
]


def _bank(filters):
    w = np.zeros((*filters[0].shape, len(filters)))
    for co, f in enumerate(filters):
        w[..., co] = f
    return w


def check_conv2d(fn, *, batched=True, seed=0):
    """Check a full Conv2D layer, valid padding, stride 1.

    ``batched=True``: ``fn(x, w, b)`` with x ``(N, H, W, C_in)`` returns
    ``(N, Ho, Wo, C_out)``; ``batched=False``: x ``(H, W, C_in)`` returns
    ``(Ho, Wo, C_out)``.  w is ``(KH, KW, C_in, C_out)``, b is ``(C_out,)``.
    """
    rng = np.random.default_rng(seed)
    geoms = [((2, 5, 6, 3), (2, 3, 3, 4)), ((1, 4, 4, 1), (2, 2, 1, 3)), ((2, 6, 5, 4), (1, 1, 4, 2)),
             ((1, 3, 5, 2), (3, 3, 2, 5))]
    for _ in range(2):
        n, h, w_, c_in, c_out = (int(v) for v in rng.integers(1, 6, 5))
        kh, kw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        geoms.append(((n, h + 2, w_ + 2, c_in), (kh, kw, c_in, c_out)))
    cases = []
    for xs, ws in geoms:
        x, w, b = _ints(rng, xs), _ints(rng, ws), _ints(rng, ws[3:], 1, 4)
        if not batched:
            x = x[0]
        cases.append(Case((x, w, b), _shape_label(x=x, w=w, b=b), partial(_conv2d, x, w, b), x=x, w=w, b=b))

    def unsummed(c):
        # y[..., ci, co]: channel ci correlated with its own slice w[:, :, ci, co], NOT summed over ci.
        x, w = c.info["x"], c.info["w"]
        maps = [[_conv2d(x[..., ci : ci + 1], w[:, :, ci : ci + 1, co : co + 1])[..., 0] for co in range(w.shape[3])]
                for ci in range(w.shape[2])]
        return np.asarray(maps).transpose(*range(2, x.ndim + 1), 0, 1)

    def no_bias(c):
        return c.expected - c.info["b"]

    cands = [
        Candidate(FORGOT_SUM_HINT, lambda c: unsummed(c) + c.info["b"]),
        Candidate(FORGOT_SUM_HINT, lambda c: unsummed(c)),
        Candidate(FORGOT_SUM_HINT, lambda c: (unsummed(c) + c.info["b"]).reshape(*c.expected.shape[:-1], -1)),
        Candidate(FORGOT_SUM_HINT, lambda c: unsummed(c)[..., 0] + c.info["b"][0]),
        Candidate(MEAN_HINT, lambda c: no_bias(c) / c.info["x"].shape[-1] + c.info["b"]),
        Candidate(SHARED_KERNEL_HINT,
                  lambda c: _conv2d(c.info["x"].sum(axis=-1, keepdims=True), c.info["w"][:, :, :1, :], c.info["b"])),
        Candidate(
            hint("bias-per-channel", "the bias is added once per input channel (C_in times); each filter adds its bias ONCE, after the sum"),
            lambda c: c.expected + (c.info["x"].shape[-1] - 1) * c.info["b"]),
        Candidate(hint("bias-missing", "the bias b is missing: add b[co] to output channel co"), no_bias),
        Candidate(FLIP_HINT, lambda c: _conv2d(c.info["x"], c.info["w"][::-1, ::-1], c.info["b"])),
        Candidate(
            hint("channels-first", "your output is channels-first (C_out before Ho, Wo); the course uses NHWC: channels last"),
            lambda c: c.expected.transpose(0, 3, 1, 2) if c.expected.ndim == 4 else c.expected.transpose(2, 0, 1)),
    ]
    def gemm(c, patches_ci_first):
        # One image: the patch matrix times the kernel matrix, one of them ordered (ci, kh, kw), the other (kh, kw, ci).
        x, w = c.info["x"], c.info["w"]
        kh, kw, c_in, c_out = w.shape
        cols = _im2col(x, (kh, kw))
        rows = w.reshape(-1, c_out)
        if patches_ci_first:
            cols = cols.reshape(-1, kh, kw, c_in).transpose(0, 3, 1, 2).reshape(cols.shape)
        else:
            rows = w.transpose(2, 0, 1, 3).reshape(-1, c_out)
        return (cols @ rows + c.info["b"]).reshape(c.expected.shape)

    if not batched:
        cands += [
            Candidate(hint("im2col-ci-first", "the patch matrix and the kernel matrix are in different orders: " + CI_FIRST_COLUMNS_HINT),
                      lambda c: gemm(c, True) if c.info["w"].shape[2] > 1 else None),
            Candidate(hint("kernel-matrix-ci-first", "the patch matrix and the kernel matrix are in different orders: your kernel matrix's rows "
                      "are ordered (ci, kh, kw); im2col's columns are (kh, kw, ci), so the rows must be too"),
                      lambda c: gemm(c, False) if c.info["w"].shape[2] > 1 else None),
        ]
    name = "conv2d_layer(x, w, b)" if batched else "conv2d_gemm(x, w, b)"
    run_cases(fn, cases, name=name, convert=as_result_array, candidates=cands, shape_hints=_forgot_sum_shape,
              reference="convlib.conv2d", view=("n", ":", ":", "co") if batched else (":", ":", "co"))


def check_conv1x1(fn, *, seed=0):
    """Check ``fn(x, w) -> (H, W, C_out)``: a 1x1 convolution, x ``(H, W, C_in)``, w ``(C_in, C_out)``."""
    rng = np.random.default_rng(seed)
    geoms = [((3, 3, 3), (3, 3)), ((4, 5, 3), (3, 2)), ((2, 6, 1), (1, 4)), ((5, 2, 4), (4, 1))]
    cases = []
    for xs, ws in geoms:
        x, w = _ints(rng, xs), _ints(rng, ws)
        cases.append(Case((x, w), _shape_label(x=x, w=w), partial(_conv2d, x, w[None, None]), x=x, w=w))
    cands = [
        Candidate(
            hint("weights-transposed", "this uses w.T: w[ci, co] carries input channel ci to output channel co, so y = x @ w"),
            lambda c: c.info["x"] @ c.info["w"].T),
        Candidate(
            hint("channels-not-summed", "the products are not summed over the input channels: " + FORGOT_SUM_HINT),
            lambda c: c.info["x"][..., :, None] * c.info["w"]),
        Candidate(
            hint("reshape-scrambles", "the pixels are scrambled: after (H*W, C_in) @ (C_in, C_out), reshape back to (H, W, C_out) "
            "(rows are pixels in row-major order)"),
            lambda c: (c.info["x"].reshape(-1, c.info["x"].shape[2]) @ c.info["w"]).reshape(
                c.info["x"].shape[1], c.info["x"].shape[0], -1)),
        Candidate(
            hint("output-transposed", "H and W are swapped in your output"), lambda c: c.expected.transpose(1, 0, 2)),
    ]
    run_cases(fn, cases, name="conv1x1(x, w)", convert=as_result_array, candidates=cands,
              shape_hints=_forgot_sum_shape, reference="convlib.conv2d with a (1, 1, C_in, C_out) kernel",
              view=(":", ":", "co"))


def _two_layer_count(c_in, k1, f1, k2, f2):
    arrays = [(k1, k1, c_in, f1), (f1,), (k2, k2, f1, f2), (f2,)]
    return int(sum(np.zeros(s).size for s in arrays))


def _two_layer_case(c_in, k1, f1, k2, f2):
    return _named_case(_two_layer_count, "C_in={c_in}, k1={k1}, f1={f1}, k2={k2}, f2={f2}",
                       c_in=c_in, k1=k1, f1=f1, k2=k2, f2=f2)


def check_two_layer_param_count(fn, *, seed=0):
    """Check ``fn(C_in, k1, f1, k2, f2) -> int``: two stacked Conv2D layers (k x k kernels, with bias)."""
    rng = np.random.default_rng(seed)
    cases = [_two_layer_case(3, 3, 16, 3, 32), _two_layer_case(1, 5, 6, 3, 10), _two_layer_case(4, 1, 8, 3, 2)]
    cases += [_two_layer_case(*(int(v) for v in rng.integers(1, 9, 5))) for _ in range(3)]

    def layer(k, depth, filters):
        return (k * k * depth + 1) * filters

    cands = [
        Candidate(
            hint("layer2-depth-cin", "the second layer's kernels are counted C_in deep; they are as deep as the FIRST layer's output, "
            "which has f1 channels: (k2*k2*f1 + 1) * f2"),
            lambda c: layer(c.info["k1"], c.info["c_in"], c.info["f1"]) + layer(c.info["k2"], c.info["c_in"], c.info["f2"])),
        Candidate(
            hint("kernel-2d", "the second layer's kernels are counted as 2-D (depth 1); they span all f1 channels of the first "
            "layer's output"), lambda c: layer(c.info["k1"], c.info["c_in"], c.info["f1"]) + layer(c.info["k2"], 1, c.info["f2"])),
        Candidate(
            hint("kernel-2d", "this counts 2-D kernels (depth 1) in both layers; every filter is as deep as its input"),
            lambda c: layer(c.info["k1"], 1, c.info["f1"]) + layer(c.info["k2"], 1, c.info["f2"])),
        Candidate(
            hint("bias-missing", "the biases are missing: each filter of each layer has one"),
            lambda c: c.expected - c.info["f1"] - c.info["f2"]),
        Candidate(
            hint("first-layer-only", "this counts only the first layer"), lambda c: layer(c.info["k1"], c.info["c_in"], c.info["f1"])),
    ]
    run_cases(fn, cases, name="two_layer_param_count(C_in, k1, f1, k2, f2)", convert=as_int, candidates=cands,
              reference="the sizes of both layers' kernel and bias arrays")


def check_stack_filters(fn, *, seed=0):
    """Check ``fn(filters) -> w``: a list of C_out filters ``(KH, KW, C_in)`` -> ``(KH, KW, C_in, C_out)``."""
    rng = np.random.default_rng(seed)
    geoms = [(3, (2, 3, 4)), (1, (2, 2, 3)), (5, (1, 1, 2)), (2, (3, 2, 1))]
    cases = []
    for c_out, fs in geoms:
        filters = [_ints(rng, fs) for _ in range(c_out)]
        cases.append(Case((filters,), f"{c_out} filters of shape {fs}", partial(_bank, filters), filters=filters))
    cands = [
        Candidate(
            hint("filter-axis-first", "the filter index is first, (C_out, KH, KW, C_in); Keras keeps it LAST: stack along axis=-1"),
            lambda c: np.stack(c.info["filters"])),
        Candidate(
            hint("filters-concatenated", "the filters are concatenated along the channel axis: that makes ONE filter C_out times deeper. "
            "Stack them along a new last axis instead"), lambda c: np.concatenate(c.info["filters"], axis=-1)),
        Candidate(
            hint("cin-cout-swapped", "C_in and C_out are swapped: the layout is (KH, KW, C_in, C_out)"),
            lambda c: np.stack(c.info["filters"], axis=2)),
    ]
    run_cases(fn, cases, name="stack_filters(filters)", convert=as_result_array, candidates=cands,
              reference="w[..., co] = filters[co]", view=(":", ":", "ci", "co"))
