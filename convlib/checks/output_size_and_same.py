"""Self-checks for ``exercises/05-output-size-and-same.ipynb`` (output size and 'same'); the contract is in :mod:`convlib.checks`."""

from __future__ import annotations

from functools import partial

import numpy as np

from ..geometry import effective_kernel_size as _k_eff
from ..geometry import output_size as _output_size
from ..geometry import same_padding as _same_padding
from .common import _ints
from .engine import Candidate, Case, as_int, as_int_tuple, as_result_array, run_cases
from .misconceptions import hint

__all__ = [
    "check_output_size",
    "check_same_padding",
    "check_unused_rows",
    "check_dilate_kernel",
]


def _dilated(k, d):
    z = np.zeros((_k_eff(k.shape[0], d), _k_eff(k.shape[1], d)))
    z[::d, ::d] = k
    return z


def _counted_output_size(n, k, s, p, d):
    expected = _output_size(n, k, s, (p, p), d)
    assert expected == len(_windows(n + 2 * p, _k_eff(k, d), s))
    return expected


def _windows(n_padded, k_eff, stride):
    """Starting rows of every window position, found by sliding (no formula)."""
    starts, start = [], 0
    while start + k_eff <= n_padded:
        starts.append(start)
        start += stride
    return starts


def check_output_size(fn, *, seed=0):
    """Check ``fn(n, k, stride, padding, dilation) -> int`` along one axis; ``padding`` zeros on EACH side."""
    rng = np.random.default_rng(seed)
    # Ordered so that each misconception first shows on a case where no other one gives the same number.
    params = [(5, 3, 1, 0, 1), (6, 2, 1, 0, 1), (7, 3, 2, 0, 1), (8, 3, 3, 0, 1), (11, 2, 1, 2, 1), (12, 2, 1, 1, 3),
              (5, 3, 1, 1, 1), (6, 4, 2, 1, 1), (7, 3, 1, 0, 2), (28, 5, 2, 2, 1), (9, 3, 2, 1, 3), (10, 4, 3, 2, 2)]
    while len(params) < 16:
        n, k, s, p, d = int(rng.integers(3, 30)), int(rng.integers(1, 6)), int(rng.integers(1, 4)), int(
            rng.integers(0, 3)), int(rng.integers(1, 3))
        if _k_eff(k, d) <= n + 2 * p:
            params.append((n, k, s, p, d))
    cases = []
    for n, k, s, p, d in params:
        cases.append(Case((n, k, s, p, d), f"n={n}, k={k}, stride={s}, padding={p}, dilation={d}",
                          partial(_counted_output_size, n, k, s, p, d), n=n, k=k, stride=s, padding=p, dilation=d))

    def span(c):
        info = c.info
        return info["n"] + 2 * info["padding"] - _k_eff(info["k"], info["dilation"])

    cands = [
        Candidate(
            hint("plus-one-missing", "the +1 is missing: the first window position counts too. out = (n + 2p - k_eff) // stride + 1"),
            lambda c: span(c) // c.info["stride"]),
        Candidate(
            hint("rounds-up", "this rounds up; a window that does not fit entirely is dropped, so divide with floor (//)"),
            lambda c: -(-span(c) // c.info["stride"]) + 1),
        Candidate(
            hint("dilation-ignored", "this ignores the dilation: a k-tap kernel with dilation d spans k_eff = (k - 1) * d + 1 pixels"),
            lambda c: (c.info["n"] + 2 * c.info["padding"] - c.info["k"]) // c.info["stride"] + 1),
        Candidate(
            hint("dilation-k-times-d", "this uses k * d for the dilated kernel; it spans (k - 1) * d + 1 pixels (d - 1 gaps between taps)"),
            lambda c: (c.info["n"] + 2 * c.info["padding"] - c.info["k"] * c.info["dilation"]) // c.info["stride"] + 1),
        Candidate(
            hint("padding-one-side", "this pads one side only; `padding` zeros go on EACH side: n + 2 * padding"),
            lambda c: (span(c) - c.info["padding"]) // c.info["stride"] + 1),
        Candidate(
            hint("padding-ignored", "this ignores the padding"), lambda c: (span(c) - 2 * c.info["padding"]) // c.info["stride"] + 1),
        Candidate(
            hint("stride-ignored", "this ignores the stride: the window moves `stride` pixels between outputs"), lambda c: span(c) + 1),
    ]
    run_cases(fn, cases, name="output_size(n, k, stride, padding, dilation)", convert=as_int, candidates=cands,
              reference="convlib.output_size (and counting window positions)")


def check_same_padding(fn, *, seed=0):
    """Check ``fn(n, k, stride) -> (before, after)``: TensorFlow's 'same' padding along one axis."""
    rng = np.random.default_rng(seed)
    # (6, 4, 2) comes early: there the symmetric k // 2 answer is wrong and no other misconception gives it.
    params = [(5, 3, 1), (6, 4, 2), (5, 2, 1), (6, 3, 2), (7, 3, 2), (4, 4, 1), (10, 5, 3), (5, 1, 2), (9, 1, 3),
              (9, 6, 2)]
    params += [(int(rng.integers(3, 20)), int(rng.integers(1, 7)), int(rng.integers(1, 4))) for _ in range(5)]
    cases = [Case((n, k, s), f"n={n}, k={k}, stride={s}", partial(_same_padding, n, k, s), n=n, k=k, stride=s)
             for n, k, s in params]

    def total(n, k, s):
        return ((-(-n // s)) - 1) * s + k - n

    cands = [
        Candidate(
            hint("same-extra-before", "off by one row: TensorFlow's 'same' puts the extra padding at the bottom/right (after), "
            "the smaller half at the top/left (before)"), lambda c: c.expected[::-1]),
        Candidate(
            hint("stride-ignored", "this ignores the stride: the total is max((ceil(n / stride) - 1) * stride + k - n, 0), which "
            "is k - 1 only for stride 1"),
            lambda c: ((c.info["k"] - 1) // 2, c.info["k"] - 1 - (c.info["k"] - 1) // 2)),
        Candidate(
            hint("same-symmetric-k2", "this is the symmetric k // 2 convention (PyTorch's padding=k//2): k // 2 zeros on both sides, "
            "whatever the stride. TensorFlow's 'same' pads total = max((ceil(n / stride) - 1) * stride + k - n, 0) "
            "and, when the total is odd, puts the extra zero after (bottom/right)"),
            lambda c: None if c.info["k"] // 2 == -(-sum(c.expected) // 2) else (c.info["k"] // 2,) * 2),
        Candidate(
            hint("same-odd-total-lost", "with an odd total, one zero row is lost: before = total // 2 and after = total - before"),
            lambda c: (sum(c.expected) // 2, sum(c.expected) // 2)),
        Candidate(
            hint("same-negative-total", "the total can be negative here (large stride): TensorFlow clips it at 0, max(total, 0)"),
            lambda c: (total(c.info["n"], c.info["k"], c.info["stride"]) // 2, total(c.info["n"], c.info["k"], c.info["stride"]) - total(c.info["n"], c.info["k"], c.info["stride"]) // 2)),
        Candidate(
            hint("rounds-up", "this rounds the half up on both sides; before = total // 2, after = total - before"),
            lambda c: (-(-sum(c.expected) // 2), -(-sum(c.expected) // 2))),
    ]
    run_cases(fn, cases, name="same_padding(n, k, stride)", convert=as_int_tuple, candidates=cands,
              reference="convlib.same_padding (TensorFlow's rule)")


def _unused(n, k, stride, before, after):
    covered = set()
    for start in _windows(n + before + after, k, stride):
        covered.update(range(start, start + k))
    return sum(1 for row in range(before, before + n) if row not in covered)


def check_unused_rows(fn, *, seed=0):
    """Check ``fn(n, k, stride, padding) -> int``: input rows no window covers; ``padding = (before, after)``."""
    rng = np.random.default_rng(seed)
    params = [(5, 3, 1, (0, 0)), (6, 3, 2, (0, 0)), (7, 1, 2, (0, 0)), (6, 1, 3, (1, 1)), (8, 3, 3, (1, 1)),
              (10, 2, 4, (0, 0)),
              (9, 3, 2, (0, 1)), (11, 2, 3, (1, 0)), (7, 2, 3, (0, 0))]
    while len(params) < 14:
        n, k, s = int(rng.integers(3, 16)), int(rng.integers(1, 5)), int(rng.integers(1, 6))
        pads = (int(rng.integers(0, 3)), int(rng.integers(0, 3)))
        if k <= n + sum(pads):
            params.append((n, k, s, pads))
    cases = [Case((n, k, s, p), f"n={n}, k={k}, stride={s}, padding={p}", partial(_unused, n, k, s, *p),
                  n=n, k=k, stride=s, padding=p) for n, k, s, p in params]
    cands = [
        Candidate(
            hint("unused-only-trailing", "this counts only the rows left over after the last window; when stride > k the rows BETWEEN "
            "windows are skipped too"),
            lambda c: (c.info["n"] + sum(c.info["padding"]) - c.info["k"]) % c.info["stride"]),
        Candidate(
            hint("unused-counts-padding", "this counts padding rows as well; count only the n rows of the input"),
            lambda c: c.info["n"] + sum(c.info["padding"]) - len(
                {r for s in _windows(c.info["n"] + sum(c.info["padding"]), c.info["k"], c.info["stride"])
                 for r in range(s, s + c.info["k"])})),
        Candidate(
            hint("padding-ignored", "this ignores the padding: it shifts the windows and adds rows at the end"),
            lambda c: _unused(c.info["n"], c.info["k"], c.info["stride"], 0, 0)),
    ]
    run_cases(fn, cases, name="unused_rows(n, k, stride, padding)", convert=as_int, candidates=cands,
              reference="sliding the window and marking covered rows")


def check_dilate_kernel(fn, *, seed=0):
    """Check ``fn(k, d) -> kernel``: ``(KH, KW)`` -> ``((KH-1)*d + 1, (KW-1)*d + 1)`` with d - 1 zeros between taps."""
    rng = np.random.default_rng(seed)
    params = [((2, 2), 2), ((3, 2), 3), ((1, 3), 2), ((3, 3), 1), ((2, 3), 4)]
    cases = []
    for khw, d in params:
        k = _ints(rng, khw, 1, 6)  # non-zero taps, so inserted zeros are visible
        cases.append(Case((k, d), f"k.shape={khw}, d={d}", partial(_dilated, k, d), k=k, d=d))

    def spaced(k, step, size):
        z = np.zeros(size)
        z[::step, ::step][: k.shape[0], : k.shape[1]] = k
        return z

    cands = [
        Candidate(
            hint("dilation-k-times-d", "there are trailing zeros after the last tap: a dilated kernel spans (KH - 1) * d + 1 rows, "
            "not KH * d"), lambda c: spaced(c.info["k"], c.info["d"], (c.info["k"].shape[0] * c.info["d"],
                                                                     c.info["k"].shape[1] * c.info["d"]))),
        Candidate(
            hint("dilation-repeats", "the weights are repeated instead of spaced out; dilation inserts ZEROS between the taps"),
            lambda c: c.info["k"].repeat(c.info["d"], 0).repeat(c.info["d"], 1)[
                : _k_eff(c.info["k"].shape[0], c.info["d"]), : _k_eff(c.info["k"].shape[1], c.info["d"])]),
        Candidate(
            hint("dilation-off-by-one", "the taps are d + 1 apart; dilation d puts them d apart (d - 1 zeros between neighbours)"),
            lambda c: spaced(c.info["k"], c.info["d"] + 1, (_k_eff(c.info["k"].shape[0], c.info["d"] + 1),
                                                             _k_eff(c.info["k"].shape[1], c.info["d"] + 1)))),
    ]
    run_cases(fn, cases, name="dilate_kernel(k, d)", convert=as_result_array, candidates=cands,
              reference="taps at every d-th row and column")
