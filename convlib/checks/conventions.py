"""Self-checks for ``exercises/12-conventions-across-frameworks.ipynb`` (kernel layouts, 'same' dialects, flatten order); the contract is in :mod:`convlib.checks`."""

from __future__ import annotations

import numpy as np

from ..conventions import same_pads as _same_pads
from ..layouts import kernel_from_torch as _kernel_from_torch
from ..layouts import to_nchw as _to_nchw
from .common import _named_case
from .engine import Candidate, Case, as_int_tuple, as_result_array, run_cases
from .misconceptions import hint

__all__ = [
    "check_kernel_from_torch",
    "check_same_pads",
    "check_flatten_permutation",
]


def _from_torch_reference(w):
    out = _kernel_from_torch(w)
    c_out, c_in, kh, kw = w.shape
    assert out.shape == (kh, kw, c_in, c_out) and out[kh - 1, 0, c_in - 1, 0] == w[0, c_in - 1, kh - 1, 0]
    return out


def check_kernel_from_torch(fn, *, seed=0):
    """Check ``fn(w) -> kernel``: PyTorch's ``(C_out, C_in, KH, KW)`` -> Keras' ``(KH, KW, C_in, C_out)``."""
    rng = np.random.default_rng(seed)
    shapes = [(4, 3, 2, 5), (2, 3, 3, 2), (5, 2, 3, 3), (3, 3, 2, 2), (1, 2, 1, 3), (2, 1, 4, 4)]
    shapes += [tuple(int(v) for v in rng.integers(1, 6, 4)) for _ in range(2)]
    cases = []
    for shape in shapes:
        w = rng.normal(size=shape).round(2)
        cases.append(Case((w,), f"w.shape={shape} (C_out, C_in, KH, KW)", lambda w=w: _from_torch_reference(w), w=w))

    def shape_of(c):
        c_out, c_in, kh, kw = c.info["w"].shape
        return kh, kw, c_in, c_out

    candidates = [
        Candidate(hint("reshape-scrambles", "you reshaped instead of transposing: reshape re-reads the numbers in memory order, so "
                       "weights land at the wrong (kh, kw, ci, co); move the axes with w.transpose(2, 3, 1, 0)"),
                  lambda c: c.info["w"].reshape(shape_of(c))),
        Candidate(hint("kernel-hw-swapped", "your KH and KW axes are swapped (w.T, or transpose(3, 2, 1, 0), reverses every axis): "
                       "PyTorch's (C_out, C_in, KH, KW) becomes (KH, KW, C_in, C_out) with w.transpose(2, 3, 1, 0)"),
                  lambda c: c.info["w"].transpose(3, 2, 1, 0)),
        Candidate(hint("cin-cout-swapped", "your C_in and C_out axes are swapped: PyTorch stores (C_out, C_in, KH, KW), output "
                       "channels first; Keras wants (KH, KW, C_in, C_out), output channels last"),
                  lambda c: c.info["w"].transpose(2, 3, 0, 1)),
        Candidate(hint("kernel-hw-swapped", "your KH and KW axes are swapped and so are C_in and C_out: use w.transpose(2, 3, 1, 0)"),
                  lambda c: c.info["w"].transpose(3, 2, 0, 1)),
    ]
    run_cases(fn, cases, candidates=candidates, convert=as_result_array, name="kernel_from_torch(w)",
              reference="convlib.kernel_from_torch",
              view=(":", ":", "ci", "co"))


def _k_eff(k, d):
    return (k - 1) * d + 1


def _tf(n, k, s, d):
    total = max((-(-n // s) - 1) * s + _k_eff(k, d) - n, 0)
    return total // 2, total - total // 2


def check_same_pads(fn, *, seed=0):
    """Check ``fn(n, k, stride, dilation, convention) -> (before, after)`` for "upper", "lower" and "symmetric"."""
    rng = np.random.default_rng(seed)
    params = [(6, 2, 1, 1, "upper"), (6, 2, 1, 1, "lower"), (7, 3, 1, 2, "symmetric"), (5, 3, 1, 1, "symmetric"),
              (6, 4, 2, 1, "upper"), (8, 3, 1, 2, "upper"), (9, 3, 2, 1, "lower"), (5, 4, 1, 1, "symmetric"),
              (10, 5, 3, 1, "upper"), (7, 2, 3, 2, "lower"), (9, 1, 3, 1, "upper")]
    for _ in range(6):
        params.append((int(rng.integers(3, 20)), int(rng.integers(1, 6)), int(rng.integers(1, 4)),
                       int(rng.integers(1, 3)), ("upper", "lower", "symmetric")[int(rng.integers(0, 3))]))
    cases = [_named_case(_same_pads, "n={n}, k={k}, stride={stride}, dilation={dilation}, convention={convention!r}",
                         n=n, k=k, stride=s, dilation=d, convention=convention) for n, k, s, d, convention in params]

    def conv(c):
        return c.info["convention"]

    def like(c, before_after):
        before, after = before_after
        return {"upper": (before, after), "lower": (after, before)}.get(conv(c))

    candidates = [
        Candidate(hint("same-extra-before", "off by one row: TensorFlow's 'same' (\"upper\") puts the extra padding at the bottom/right "
                       "(after), the smaller half before"),
                  lambda c: c.expected[::-1] if conv(c) == "upper" else None),
        Candidate(hint("same-lower-swapped", "your \"lower\" puts the extra row after; ONNX's SAME_LOWER is the mirror of TensorFlow's "
                       "'same': the extra row/column goes BEFORE (top/left)"),
                  lambda c: c.expected[::-1] if conv(c) == "lower" else None),
        Candidate(hint("symmetric-dilation-ignored", "your symmetric padding ignores the dilation: PyTorch's hand-written 'same' pads "
                       "k_eff // 2 on both sides, k_eff = (k - 1) * dilation + 1, not k // 2"),
                  lambda c: (c.info["k"] // 2,) * 2 if conv(c) == "symmetric" else None),
        Candidate(hint("same-symmetric-k2", "this is the symmetric k_eff // 2 convention; \"upper\" and \"lower\" pad TensorFlow's total "
                       "max((ceil(n / stride) - 1) * stride + k_eff - n, 0), split with the extra one after (upper) or before (lower)"),
                  lambda c: (_k_eff(c.info["k"], c.info["dilation"]) // 2,) * 2 if conv(c) != "symmetric" else None),
        Candidate(hint("dilation-ignored", "this ignores the dilation: a k-tap kernel with dilation d spans k_eff = (k - 1) * d + 1 pixels"),
                  lambda c: like(c, _tf(c.info["n"], c.info["k"], c.info["stride"], 1))),
        Candidate(hint("stride-ignored", "this ignores the stride: the total is max((ceil(n / stride) - 1) * stride + k_eff - n, 0), "
                       "which is k_eff - 1 only for stride 1"),
                  lambda c: like(c, _tf(c.info["n"], c.info["k"], 1, c.info["dilation"]))),
        Candidate(hint("same-symmetric-split", "your \"symmetric\" splits TensorFlow's total evenly; PyTorch's padding=k_eff // 2 "
                       "does not depend on n or the stride: k_eff // 2 on both sides"),
                  lambda c: (sum(_tf(c.info["n"], c.info["k"], c.info["stride"], c.info["dilation"])) // 2,) * 2 if conv(c) == "symmetric" else None),
    ]
    run_cases(fn, cases, candidates=candidates, name="same_pads(n, k, stride, dilation, convention)", convert=as_int_tuple,
              reference="convlib.same_pads")


def _flatten_reference(h, w, c):
    keras_positions = np.arange(h * w * c).reshape(1, h, w, c)   # Keras flattens (h, w, c)
    torch_flat = _to_nchw(keras_positions).reshape(-1)          # torch.flatten on (c, h, w), as Keras positions
    p = np.arange(h * w * c)
    p[torch_flat] = np.arange(h * w * c)                          # the inverse: where each Keras element sits in torch's
    return p


def check_flatten_permutation(fn, *, seed=0):
    """Check ``fn(h, w, c) -> p``: ``flat_torch[p]`` is Keras' flatten (``(h, w, c)`` order) of the same feature map."""
    rng = np.random.default_rng(seed)
    params = [(2, 3, 4), (3, 2, 2), (1, 4, 3), (2, 2, 1), (1, 1, 5), (4, 3, 2)]
    params += [tuple(int(v) for v in rng.integers(1, 6, 3)) for _ in range(2)]
    cases = [_named_case(_flatten_reference, "h={h}, w={w}, c={c}", h=h, w=w, c=c) for h, w, c in params]

    def inverse(p):
        out = np.arange(len(p))
        out[p] = np.arange(len(p))
        return out

    candidates = [
        Candidate(hint("flatten-identity", "this is the identity: the two flattens read the same numbers in different orders whenever "
                       "C > 1 and H*W > 1. Keras' element (h, w, c) sits at position c*H*W + h*W + w of PyTorch's (c, h, w) flatten"),
                  lambda c: np.arange(c.info["h"] * c.info["w"] * c.info["c"])),
        Candidate(hint("flatten-perm-inverse", "this is the inverse permutation: it puts Keras' flatten into PyTorch's order "
                       "(flat_keras[p] == flat_torch). Asked for: flat_torch[p] == flat_keras, i.e. p[i] = the position in "
                       "PyTorch's flatten of Keras' i-th number"),
                  lambda c: inverse(c.expected)),
        Candidate(hint("flatten-hw-swapped", "your permutation reads (c, w, h) or (w, h, c): keep h before w, rows before columns, in "
                       "both orders"),
                  lambda c: np.arange(c.info["h"] * c.info["w"] * c.info["c"]).reshape(
                      c.info["c"], c.info["w"], c.info["h"]).transpose(2, 1, 0).reshape(-1)),
    ]
    run_cases(fn, cases, candidates=candidates, convert=as_result_array, name="flatten_permutation(h, w, c)",
              reference="convlib.to_nchw on the Keras positions (PyTorch's torch.flatten reads NCHW in memory order)")
