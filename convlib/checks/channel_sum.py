"""Self-checks for ``exercises/03-channel-sum.ipynb`` (the channel sum); the contract is in :mod:`convlib.checks`."""

from __future__ import annotations

from functools import partial

import numpy as np

from ..conv import conv2d as _conv2d
from .common import _forgot_sum_shape, FLIP_HINT, FORGOT_SUM_HINT, MEAN_HINT, SHARED_KERNEL_HINT, _corr, _ints, _shape_label, _xk_cases
from .engine import Candidate, Case, as_result_array, run_cases
from .misconceptions import hint

__all__ = [
    "check_partial_maps",
    "check_channel_sum",
    "check_conv3d_channels",
]


def _one_filter(x, w, b):
    return _conv2d(x, w[..., None], [b])[..., 0]


def _one_filter_cases(rng, with_bias):
    shapes = [((5, 6, 3), (2, 3)), ((4, 4, 2), (3, 3)), ((6, 5, 4), (1, 2)), ((5, 5, 2), (2, 2))]
    shapes += [((int(rng.integers(3, 8)), int(rng.integers(3, 8)), int(rng.integers(2, 5))),
                (int(rng.integers(1, 4)), int(rng.integers(1, 4)))) for _ in range(2)]
    out = []
    for xs, khw in shapes:
        x, w = _ints(rng, xs), _ints(rng, (*khw, xs[2]))
        b = float(rng.integers(1, 5)) if with_bias else None
        out.append((x, w, b))
    return out


def _maps(x, w):
    """The C_in partial maps ``(C_in, Ho, Wo)``: channel c correlated with its own slice w[:, :, c]."""
    return np.stack([_corr(x[:, :, c], w[:, :, c]) for c in range(x.shape[2])])


def check_partial_maps(fn, *, seed=0):
    """Check ``fn(x, w) -> (C_in, Ho, Wo)``: x ``(H, W, C_in)``, one filter w ``(KH, KW, C_in)``, valid."""
    rng = np.random.default_rng(seed)
    cases = []
    for x, w, _ in _one_filter_cases(rng, False):
        cases.append(Case((x, w), _shape_label(x=x, w=w), partial(_maps, x, w), x=x, w=w))
    cands = [
        Candidate(
            hint("maps-channels-last", "your maps are channels-last (Ho, Wo, C_in); this function returns maps[c] for each channel c: "
            "(C_in, Ho, Wo)"), lambda c: c.expected.transpose(1, 2, 0)),
        Candidate(SHARED_KERNEL_HINT,
                  lambda c: _maps(c.info["x"], np.stack([c.info["w"][:, :, 0]] * c.info["w"].shape[2], axis=-1))),
        Candidate(
            hint("summed-too-early", "you summed the maps already; this function returns the C_in partial maps BEFORE the sum"),
            lambda c: c.expected.sum(axis=0)),
        Candidate(
            hint("slices-misaligned", "channel c is paired with the wrong kernel slice: x[:, :, c] goes with w[:, :, c]"),
            lambda c: _maps(c.info["x"], c.info["w"][:, :, ::-1])),
        Candidate(FLIP_HINT, lambda c: _maps(c.info["x"], c.info["w"][::-1, ::-1])),
    ]
    run_cases(fn, cases, name="partial_maps(x, w)", convert=as_result_array, candidates=cands,
              reference="convlib.correlate2d per channel", view=("c", ":", ":"))


def check_channel_sum(fn, *, seed=0):
    """Check ``fn(x, w, b) -> (Ho, Wo)``: one filter over all channels, summed, plus the bias ``b`` (a number)."""
    rng = np.random.default_rng(seed)
    cases = []
    for x, w, b in _one_filter_cases(rng, True):
        expected = partial(_one_filter, x, w, b)
        cases.append(Case((x, w, b), f"{_shape_label(x=x, w=w)}, b={b}", expected, x=x, w=w, b=b))

    def maps(c):
        return _maps(c.info["x"], c.info["w"])

    cands = [
        Candidate(FORGOT_SUM_HINT, lambda c: maps(c) + c.info["b"]),
        Candidate(FORGOT_SUM_HINT, lambda c: (maps(c) + c.info["b"]).transpose(1, 2, 0)),
        Candidate(FORGOT_SUM_HINT, lambda c: maps(c)),
        Candidate(FORGOT_SUM_HINT, lambda c: maps(c).transpose(1, 2, 0)),
        Candidate(MEAN_HINT, lambda c: maps(c).mean(axis=0) + c.info["b"]),
        Candidate(SHARED_KERNEL_HINT,
                  lambda c: _corr(c.info["x"].sum(axis=2), c.info["w"][:, :, 0]) + c.info["b"]),
        Candidate(
            hint("bias-per-channel", "the bias is added once per channel (C_in times); it is added ONCE, after the channel sum"),
            lambda c: c.expected + (c.info["x"].shape[2] - 1) * c.info["b"]),
        Candidate(hint("bias-missing", "the bias b is missing: add it once, after the channel sum"), lambda c: c.expected - c.info["b"]),
        Candidate(FLIP_HINT, lambda c: _conv2d(c.info["x"], c.info["w"][::-1, ::-1, :, None], [c.info["b"]])[..., 0]),
    ]
    run_cases(fn, cases, name="conv_one_filter(x, w, b)", convert=as_result_array, candidates=cands,
              shape_hints=_forgot_sum_shape, reference="convlib.conv2d")


def _conv3d(x, k):
    """A kernel (KH, KW, KD) sliding along H, W and the channel axis: conv2d on each depth window."""
    kd = k.shape[2]
    return np.stack([_conv2d(x[:, :, d : d + kd], k[..., None])[..., 0] for d in range(x.shape[2] - kd + 1)], axis=-1)


def check_conv3d_channels(fn, *, seed=0):
    """Check ``fn(x, k) -> (Ho, Wo, C - KD + 1)``: x ``(H, W, C)``, k ``(KH, KW, KD)``, valid along all 3 axes."""
    rng = np.random.default_rng(seed)
    geoms = [((5, 6, 4), (2, 3, 2)), ((4, 4, 3), (3, 3, 3)), ((5, 5, 5), (2, 2, 1)), ((6, 4, 5), (1, 2, 3))]
    cases = _xk_cases(rng, geoms, _conv3d)
    cands = [
        Candidate(
            hint("depth-axis-first", "the depth axis comes first; keep channels last: (Ho, Wo, C - KD + 1)"),
            lambda c: c.expected.transpose(2, 0, 1)),
        Candidate(
            hint("depth-reversed", "the kernel's depth axis is reversed (k[:, :, ::-1]): kernel slice k[:, :, j] meets channel d + j"),
            lambda c: _conv3d(c.info["x"], c.info["k"][:, :, ::-1])),
        Candidate(
            hint("kernel-flipped", "the kernel is flipped in all three axes: that is true 3-D convolution; Conv3D, like Conv2D, "
            "cross-correlates"), lambda c: _conv3d(c.info["x"], c.info["k"][::-1, ::-1, ::-1])),
        Candidate(
            hint("depth-one-position", "this is only the first depth position (what Conv2D gives when KD == C); a kernel that slides "
            "through the channels has C - KD + 1 depth positions"), lambda c: c.expected[..., :1]),
        Candidate(
            hint("window-count-off-by-one", "the last depth position is missing: a KD-deep kernel fits at C - KD + 1 depth positions, "
            "range(C - KD + 1), not range(C - KD)"),
            lambda c: c.expected[..., :-1] if c.expected.shape[2] > 1 else None),
        Candidate(
            hint("depth-one-position", "this is only the first depth position (what Conv2D gives when KD == C); a kernel that slides "
            "through the channels has C - KD + 1 depth positions"), lambda c: c.expected[..., 0]),
    ]

    def shape_hint(case, actual):
        c = case.info["x"].shape[2]
        if actual.ndim == 3 and actual.shape[2] == c and c != case.expected.shape[2]:
            return hint("depth-not-valid", "your output has C depth positions; a KD-deep kernel fits at only C - KD + 1 (valid)")
        return None

    run_cases(fn, cases, name="conv3d_through_channels(x, k)", convert=as_result_array, candidates=cands,
              shape_hints=shape_hint, reference="convlib.conv2d on each window of KD channels", view=(":", ":", "d"))
