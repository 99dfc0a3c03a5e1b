"""Self-checks for ``exercises/08-grouped.ipynb`` (grouped convolution); the contract is in :mod:`convlib.checks`."""

from __future__ import annotations

import numpy as np

from ..conv import conv2d as _conv2d
from ..counting import conv2d_counts as _conv2d_counts
from ..counting import depthwise_counts as _depthwise_counts
from ..counting import separable_counts as _separable_counts
from .common import _named_case, _shape_label
from .engine import Candidate, Case, as_int, as_result_array, run_cases
from .misconceptions import hint

__all__ = [
    "check_grouped_conv",
    "check_depthwise_kernel",
    "check_grouped_param_count",
    "check_separable_macs",
]

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
    ins = np.concatenate([np.arange(k, c_in, g) for k in range(g)])
    outs = np.concatenate([np.arange(k, c_out, g) for k in range(g)])
    y_blocks = _conv2d(x[..., ins], w, groups=g)  # group k = channels ins[k*C_in/g : ...]
    y = np.zeros(y_blocks.shape)
    y[..., outs] = y_blocks
    return y


def _interleaved_inputs(x, w, g):
    """The convolution if group k took every g-th input channel, x[..., k::g], and consecutive filters."""
    co = w.shape[3] // g
    return np.concatenate([_conv2d(x[..., k::g], w[..., k * co : (k + 1) * co]) for k in range(g)], axis=3)


def check_grouped_conv(fn, *, seed=0):
    """Check ``fn(x, w, groups) -> y``: x ``(N, H, W, C_in)``, w ``(KH, KW, C_in/groups, C_out)``, valid, stride 1."""
    rng = np.random.default_rng(seed)
    cases = [Case((x, w, g), f"{_shape_label(x=x, w=w)}, groups={g}", lambda x=x, w=w, g=g: _conv2d(x, w, groups=g),
              x=x, w=w, g=g) for x, w, g in _grouped_cases(rng)]
    candidates = [
        Candidate(hint("groups-interleaved", "your group k takes every groups-th input channel, x[..., k::groups]; groups are consecutive blocks: "
                  "group k holds input channels k*C_in/groups .. (k+1)*C_in/groups - 1, "
                  "x[..., k*C_in//groups : (k+1)*C_in//groups]"),
                  lambda c: _interleaved_inputs(c.info["x"], c.info["w"], c.info["g"])
                  if c.info["g"] > 1 and c.info["w"].shape[2] > 1 else None),
        Candidate(hint("groups-interleaved", "your groups take every g-th channel; groups are consecutive blocks: group k holds input channels "
                  "k*C_in/g .. (k+1)*C_in/g - 1 and filters k*C_out/g .. (k+1)*C_out/g - 1"),
                  lambda c: _interleaved(c.info["x"], c.info["w"], c.info["g"]) if c.info["g"] > 1 else None),
        Candidate(hint("groups-first-only", "every filter saw group 0's channels; filter group k must see input group k only"),
                  lambda c: _conv2d(np.concatenate([c.info["x"][..., : c.info["w"].shape[2]]] * c.info["g"], axis=3),
                                    c.info["w"], groups=c.info["g"]) if c.info["g"] > 1 else None),
    ]

    def shape_hint(case, actual):
        c_out, g = case.expected.shape[3], case.info["g"]
        if actual.ndim == 4 and g > 1 and actual.shape[3] == c_out // g:
            return hint("groups-one-group", "you returned one group's maps only: concatenate every group's output along the channel axis")
        return None

    run_cases(fn, cases, candidates=candidates, convert=as_result_array, name="grouped_conv(x, w, groups)", shape_hints=shape_hint,
              reference="convlib.conv2d(groups=...), checked against Keras Conv2D(groups=...)", view=("n", ":", ":", "co"))


def check_depthwise_kernel(fn, *, seed=0):
    """Check ``fn(dk) -> w``: Keras' depthwise kernel ``(KH, KW, C_in, M)`` -> ``(KH, KW, 1, C_in*M)`` for groups=C_in."""
    rng = np.random.default_rng(seed)
    shapes = [(3, 3, 3, 2), (2, 3, 4, 1), (1, 1, 2, 3), (3, 2, 1, 4)]
    shapes += [tuple(int(v) for v in rng.integers(1, 5, 4)) for _ in range(2)]
    cases = []
    for s in shapes:
        dk = rng.normal(size=s).round(2)
        cases.append(Case((dk,), _shape_label(dk=dk), lambda dk=dk: dk.reshape(dk.shape[0], dk.shape[1], 1, -1),
                      dk=dk))
    candidates = [
        Candidate(hint("depthwise-order", "your output channels run m*C_in + c; Keras' DepthwiseConv2D outputs channel c*M + m (the M filters of "
                  "one input channel are neighbours), which is what a plain reshape keeps"),
                  lambda c: c.info["dk"].transpose(0, 1, 3, 2).reshape(c.info["dk"].shape[0], c.info["dk"].shape[1], 1, -1)),
    ]

    def shape_hint(case, actual):
        kh, kw, _, c_out = case.expected.shape
        if actual.shape == (kh, kw, c_out, 1):
            return (hint("depthwise-depth", "the depth (axis 2) must be C_in/groups = 1: with groups=C_in each filter sees one channel; "
                    "the C_in*M filters go on the last axis"))
        return None

    run_cases(fn, cases, candidates=candidates, convert=as_result_array, name="depthwise_kernel(dk)", shape_hints=shape_hint,
              reference="Keras' DepthwiseConv2D (its output channel c*M + m)", view=(":", ":", "ci", "co"))


def check_grouped_param_count(fn, *, seed=0):
    """Check ``fn(KH, KW, C_in, C_out, groups, use_bias) -> int``: a grouped Conv2D layer's parameters."""
    rng = np.random.default_rng(seed)
    specs = [(3, 3, 4, 6, 2, True), (3, 3, 8, 8, 8, True), (1, 1, 6, 9, 3, False), (5, 3, 4, 4, 1, True),
             (3, 3, 32, 64, 8, True)]
    for _ in range(3):
        g = int(rng.integers(1, 5))
        specs.append((int(rng.integers(1, 6)), int(rng.integers(1, 6)), g * int(rng.integers(1, 5)),
                      g * int(rng.integers(1, 5)), g, bool(rng.integers(2))))

    def count(kh, kw, c_in, c_out, g, bias):
        return kh * kw * (c_in // g) * c_out + (c_out if bias else 0)

    cases = [_named_case(count, "KH={kh}, KW={kw}, C_in={c_in}, C_out={c_out}, groups={groups}, use_bias={use_bias}",
                         **dict(zip(("kh", "kw", "c_in", "c_out", "groups", "use_bias"), s))) for s in specs]

    def bias(c):
        return c.info["c_out"] if c.info["use_bias"] else 0

    def twice(kh, kw, c_in, c_out, g, use_bias):
        return kh * kw * (c_in // g) * (c_out // g) + (c_out if use_bias else 0)

    candidates = [
        Candidate(hint("groups-ignored", "this is a standard Conv2D's count: with groups each filter sees only C_in/groups channels, so it has "
                  "KH*KW*C_in/groups weights"), lambda c: count(c.info["kh"], c.info["kw"], c.info["c_in"], c.info["c_out"],
                                                                1, c.info["use_bias"]) if c.info["groups"] > 1 else None),
        Candidate(hint("groups-divided-twice", "you divided by groups twice: each filter is thinner (C_in/groups deep), but all C_out filters still "
                  "exist"), lambda c: twice(c.info["kh"], c.info["kw"], c.info["c_in"], c.info["c_out"], c.info["groups"], c.info["use_bias"]) if c.info["groups"] > 1 else None),
        Candidate(hint("bias-missing", "the bias is missing: with use_bias=True each of the C_out filters adds one"),
                  lambda c: c.expected - c.info["c_out"] if c.info["use_bias"] else None),
        Candidate(hint("bias-unwanted", "this counts a bias although use_bias=False"), lambda c: c.expected + c.info["c_out"] if not c.info["use_bias"] else None),
    ]
    run_cases(fn, cases, candidates=candidates, name="grouped_param_count(KH, KW, C_in, C_out, groups, use_bias)", convert=as_int,
              reference="the kernel (KH, KW, C_in/groups, C_out) and bias (C_out,) sizes, checked against Keras count_params()")


def check_separable_macs(fn, *, seed=0):
    """Check ``fn(Ho, Wo, C_in, C_out, KH, KW) -> int``: multiply-adds of a depthwise-separable layer (M = 1)."""
    rng = np.random.default_rng(seed)
    specs = [(56, 56, 128, 128, 3, 3), (7, 5, 3, 8, 3, 2), (10, 10, 16, 4, 5, 5), (1, 1, 2, 3, 1, 1)]
    specs += [tuple(int(v) for v in rng.integers(1, 20, 6)) for _ in range(2)]

    def macs(ho, wo, c_in, c_out, kh, kw):
        return _separable_counts(c_in, c_out, (kh, kw), (ho, wo)).macs

    cases = [_named_case(macs, "Ho={ho}, Wo={wo}, C_in={c_in}, C_out={c_out}, KH={kh}, KW={kw}",
                         **dict(zip(("ho", "wo", "c_in", "c_out", "kh", "kw"), s))) for s in specs]

    def part(c, which):
        ho, wo, c_in, c_out, kh, kw = (c.info[n] for n in ("ho", "wo", "c_in", "c_out", "kh", "kw"))
        standard = _conv2d_counts(c_in, c_out, (kh, kw), (ho, wo)).macs
        depthwise = _depthwise_counts(c_in, (kh, kw), (ho, wo)).macs
        pointwise = _conv2d_counts(c_in, c_out, 1, (ho, wo)).macs
        return {"standard": standard, "depthwise": depthwise, "pointwise": pointwise,
                "product": depthwise * pointwise // (ho * wo)}[which]

    candidates = [
        Candidate(hint("separable-standard", "that is a standard convolution's cost; separable = depthwise (KH*KW per channel) + pointwise (C_in*C_out)"),
                  lambda c: part(c, "standard")),
        Candidate(hint("separable-no-pointwise", "the pointwise 1x1 step is missing: after the depthwise step, every output pixel mixes C_in channels "
                  "into C_out (C_in*C_out multiply-adds)"), lambda c: part(c, "depthwise")),
        Candidate(hint("separable-no-depthwise", "the depthwise step is missing: before the 1x1 step, every channel is filtered by its own KH x KW kernel"),
                  lambda c: part(c, "pointwise")),
        Candidate(hint("separable-multiplied", "you multiplied the two steps' costs; they run one after the other, so their costs add"),
                  lambda c: part(c, "product")),
    ]
    run_cases(fn, cases, candidates=candidates, name="separable_macs(Ho, Wo, C_in, C_out, KH, KW)", convert=as_int,
              reference="convlib.separable_counts, checked against Keras SeparableConv2D")
