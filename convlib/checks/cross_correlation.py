"""Self-checks for ``exercises/02-cross-correlation.ipynb`` (cross-correlation); the contract is in :mod:`convlib.checks`."""

from __future__ import annotations

from functools import partial

import numpy as np

from .common import FLIP_HINT, _corr, _ints, _shape_label, _xk_cases
from .engine import Candidate, Case, as_result_array, run_cases
from .misconceptions import hint

__all__ = [
    "check_correlate2d",
    "check_convolve2d",
]


def _convolve(x, k):
    """Convolution by its definition: y[i, j] = sum over a, b of x[i + a, j + b] * k[KH-1-a, KW-1-b]."""
    (kh, kw), (h, w) = k.shape, x.shape
    ho, wo = h - kh + 1, w - kw + 1
    y = np.zeros((ho, wo))
    for a in range(kh):
        for b in range(kw):
            y += x[a : a + ho, b : b + wo] * k[kh - 1 - a, kw - 1 - b]
    return y


def check_correlate2d(fn, *, strided=False, seed=0):
    """Check a single-channel cross-correlation.

    ``strided=False``: ``fn(x, k)``, valid padding, stride 1.
    ``strided=True``: ``fn(x, k, stride, padding)`` with ``stride = (sh, sw)``
    and ``padding = ((top, bottom), (left, right))`` zeros.
    ``x`` is ``(H, W)``, ``k`` is ``(KH, KW)``; the answer is ``(Ho, Wo)``.
    """
    rng = np.random.default_rng(seed)
    if strided:
        geoms = [
            ((5, 6), (2, 3), (1, 1), ((0, 0), (0, 0))),
            ((7, 6), (3, 2), (2, 1), ((0, 0), (0, 0))),
            ((5, 7), (2, 2), (1, 2), ((1, 1), (0, 0))),
            ((6, 8), (3, 3), (2, 3), ((0, 1), (2, 1))),
            ((8, 5), (2, 3), (3, 2), ((1, 0), (1, 1))),
        ]
        for _ in range(3):
            h, w = (int(v) for v in rng.integers(3, 10, 2))
            kh, kw = (int(v) for v in rng.integers(1, 4, 2))
            s = tuple(int(v) for v in rng.integers(1, 4, 2))
            p = tuple(tuple(int(v) for v in rng.integers(0, 3, 2)) for _ in range(2))
            geoms.append(((h, w), (kh, kw), s, p))
    else:
        geoms = [((4, 5), (2, 2)), ((5, 7), (2, 3)), ((6, 4), (3, 1)), ((3, 3), (3, 3)), ((4, 6), (1, 1))]
        geoms += [((int(h), int(w)), (int(kh), int(kw))) for h, w, kh, kw in
                  zip(*(rng.integers(lo, hi, 3) for lo, hi in ((4, 9), (4, 9), (1, 4), (1, 4))))]
        geoms = [(hw, khw, (1, 1), ((0, 0), (0, 0))) for hw, khw in geoms]
    cases = []
    for hw, khw, s, p in geoms:
        x, k = _ints(rng, hw), _ints(rng, khw)
        expected = partial(_corr, x, k, s, p)
        if strided:
            label = f"{_shape_label(x=x, k=k)}, stride={s}, padding={p}"
            args = (x, k, s, p)
        else:
            label = _shape_label(x=x, k=k)
            args = (x, k)
        cases.append(Case(args, label, expected, x=x, k=k, stride=s, padding=p))

    def swapped_pads(p):
        return (p[1], p[0])

    def subsampled(c):
        sh, sw = c.info["stride"]
        return np.pad(c.info["x"], c.info["padding"])[::sh, ::sw]

    cands = [
        Candidate(FLIP_HINT, lambda c: _corr(c.info["x"], c.info["k"][::-1, ::-1], c.info["stride"], c.info["padding"])),
        Candidate(
            hint("window-mean", "this is the mean of the products in each window; cross-correlation takes their SUM"),
            lambda c: c.expected / c.info["k"].size),
        Candidate(
            hint("output-transposed", "rows and columns of your output are swapped (it is the transpose of the expected map)"),
            lambda c: c.expected.T),
        Candidate(
            hint("kernel-transposed", "your result matches the kernel transposed (k.T): keep k[a, b] at row offset a, column offset b"),
            lambda c: _corr(c.info["x"], c.info["k"].T, c.info["stride"], c.info["padding"])),
        Candidate(
            hint("window-count-off-by-one", "one window position is missing along each axis: a KH-row window fits at H - KH + 1 starting rows "
            "(range(H - KH + 1)), not H - KH"), lambda c: c.expected[:-1, :-1]),
        Candidate(
            hint("window-count-off-by-one", "one window position is missing along H: a KH-row window fits at H - KH + 1 starting rows"),
            lambda c: c.expected[:-1, :]),
        Candidate(
            hint("window-count-off-by-one", "one window position is missing along W: a KW-column window fits at W - KW + 1 starting columns"),
            lambda c: c.expected[:, :-1]),
    ]
    if strided:
        cands += [
            Candidate(
                hint("stride-axes-swapped", "the strides are swapped: stride = (sh, sw) steps sh rows down (H) and sw columns across (W)"),
                lambda c: _corr(c.info["x"], c.info["k"], c.info["stride"][::-1], c.info["padding"])),
            Candidate(
                hint("stride-ignored", "this ignores the stride: the window must move sh rows / sw columns between outputs"),
                lambda c: _corr(c.info["x"], c.info["k"], 1, c.info["padding"])),
            Candidate(
                hint("stride-subsamples-input", "this subsamples the input before correlating (x[::sh, ::sw]); the stride moves the window, which "
                "still covers KH x KW neighbouring pixels"),
                lambda c: _corr(subsampled(c), c.info["k"])),
            Candidate(
                hint("padding-ignored", "this ignores the padding: add `top` zero rows above, `bottom` below, `left` and `right` zero "
                "columns before sliding the window"), lambda c: _corr(c.info["x"], c.info["k"], c.info["stride"])),
            Candidate(
                hint("padding-axes-swapped", "the padding axes are swapped: padding = ((top, bottom), (left, right)) pads rows (H) first"),
                lambda c: _corr(c.info["x"], c.info["k"], c.info["stride"], swapped_pads(c.info["padding"]))),
            Candidate(
                hint("padding-before-after-swapped", "before and after are swapped: padding[0] = (top, bottom), padding[1] = (left, right)"),
                lambda c: _corr(c.info["x"], c.info["k"], c.info["stride"], tuple(a[::-1] for a in c.info["padding"]))),
            Candidate(
                hint("padding-not-zeros", "this pads by repeating the edge pixels; convolution layers pad with ZEROS"),
                lambda c: _corr(np.pad(c.info["x"], c.info["padding"], mode="edge"), c.info["k"], c.info["stride"])),
        ]

    def shape_hint(case, actual):
        if actual.ndim != 2:
            return f"a single-channel correlation returns a 2-D (Ho, Wo) map, your answer has {actual.ndim} axes"
        if actual.shape == case.info["x"].shape and actual.shape != case.expected.shape:
            return ("your output has the input's size; that needs padding, and this task adds none"
                    + (" beyond `padding`" if strided else " (valid: windows fit entirely inside x)"))
        if not strided:
            return "the output shape is wrong: a valid window fits at Ho = H - KH + 1 rows and Wo = W - KW + 1 columns"
        return ("the output shape is wrong: Ho = (H + top + bottom - KH) // sh + 1 and "
                "Wo = (W + left + right - KW) // sw + 1")

    name = "correlate2d(x, k, stride, padding)" if strided else "correlate2d_valid(x, k)"
    run_cases(fn, cases, name=name, convert=as_result_array, candidates=cands, shape_hints=shape_hint,
              reference="convlib.correlate2d")


def check_convolve2d(fn, *, seed=0):
    """Check ``fn(x, k)``: TRUE 2-D convolution (kernel flipped), valid, single channel."""
    rng = np.random.default_rng(seed)
    geoms = [((5, 6), (2, 3)), ((6, 6), (3, 3)), ((4, 7), (1, 3)), ((5, 4), (2, 2))]
    geoms += [((int(rng.integers(4, 9)), int(rng.integers(4, 9))), (int(rng.integers(1, 4)), int(rng.integers(1, 4))))
              for _ in range(2)]
    cases = _xk_cases(rng, geoms, _convolve)
    cands = [
        Candidate(
            hint("kernel-not-flipped", "this is cross-correlation, what frameworks call 'convolution'. True convolution flips the kernel in "
            "both axes first: correlate with k[::-1, ::-1]"), lambda c: _corr(c.info["x"], c.info["k"])),
        Candidate(
            hint("kernel-flipped-one-axis", "the kernel is flipped along H only (k[::-1]); true convolution flips both axes"),
            lambda c: _corr(c.info["x"], c.info["k"][::-1])),
        Candidate(
            hint("kernel-flipped-one-axis", "the kernel is flipped along W only (k[:, ::-1]); true convolution flips both axes"),
            lambda c: _corr(c.info["x"], c.info["k"][:, ::-1])),
        Candidate(
            hint("kernel-transposed", "this uses the transposed kernel k.T; transposing is not flipping (flip both axes: k[::-1, ::-1])"),
            lambda c: _corr(c.info["x"], c.info["k"].T)),
    ]
    run_cases(fn, cases, name="convolve2d(x, k)", convert=as_result_array, candidates=cands,
              reference="the definition y[i, j] = sum x[i + a, j + b] * k[KH-1-a, KW-1-b]")
