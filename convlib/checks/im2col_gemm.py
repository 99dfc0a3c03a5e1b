"""Self-checks for ``exercises/06-im2col-gemm.ipynb`` (im2col and GEMM); the contract is in :mod:`convlib.checks`."""

from __future__ import annotations

from functools import partial

import numpy as np

from ..im2col import im2col as _im2col
from .common import CI_FIRST_COLUMNS_HINT, CI_FIRST_ROWS_HINT, _ints, _named_case
from .engine import Candidate, Case, as_int, as_result_array, run_cases
from .misconceptions import hint

__all__ = [
    "check_im2col",
    "check_kernel_matrix",
    "check_patch_matrix_bytes",
]


def _measured_patch_bytes(h, w, c_in, kh, kw, s, itemsize):
    cols = _im2col(np.zeros((h, w, c_in), np.float32), (kh, kw), stride=s)  # build it and measure
    return int(cols.shape[0] * cols.shape[1] * itemsize)


def _kernel_rows(w):
    kh, kw, c_in, c_out = w.shape
    m = np.zeros((kh * kw * c_in, c_out))
    for a in range(kh):
        for b in range(kw):
            for ci in range(c_in):
                m[(a * kw + b) * c_in + ci] = w[a, b, ci]
    return m


def check_im2col(fn, *, seed=0):
    """Check ``fn(x, KH, KW) -> (Ho*Wo, KH*KW*C_in)``: x ``(H, W, C_in)``, valid, stride 1, columns (kh, kw, ci)."""
    rng = np.random.default_rng(seed)
    geoms = [((4, 5, 2), (2, 3)), ((3, 3, 1), (2, 2)), ((5, 4, 3), (3, 2)), ((4, 4, 2), (1, 1)), ((3, 6, 2), (3, 3))]
    cases = []
    for xs, (kh, kw) in geoms:
        x = _ints(rng, xs)
        cases.append(Case((x, kh, kw), f"x.shape={xs}, KH={kh}, KW={kw}", partial(_im2col, x, (kh, kw)), x=x,
                          khw=(kh, kw)))

    def blocks(c):
        (kh, kw), x = c.info["khw"], c.info["x"]
        ho, wo = x.shape[0] - kh + 1, x.shape[1] - kw + 1
        return c.expected.reshape(ho, wo, kh, kw, x.shape[2])

    cands = [
        Candidate(CI_FIRST_COLUMNS_HINT, lambda c: blocks(c).transpose(0, 1, 4, 2, 3).reshape(c.expected.shape)),
        Candidate(
            hint("im2col-kw-kh", "your columns are ordered (kw, kh, ci); order them (kh, kw, ci) like w.reshape(-1, C_out)"),
            lambda c: blocks(c).transpose(0, 1, 3, 2, 4).reshape(c.expected.shape)),
        Candidate(
            hint("im2col-transposed", "this is the transposed patch matrix (one COLUMN per output pixel); here each ROW is one output "
            "pixel's patch: (Ho*Wo, KH*KW*C_in)"), lambda c: c.expected.T),
        Candidate(
            hint("im2col-column-major", "your rows run down the columns of the output first; row i*Wo + j must hold output pixel (i, j) "
            "(row-major order)"), lambda c: blocks(c).transpose(1, 0, 2, 3, 4).reshape(c.expected.shape)),
        Candidate(
            hint("im2col-not-flattened", "flatten the patches to a 2-D matrix (Ho*Wo, KH*KW*C_in)"),
            lambda c: blocks(c).reshape(blocks(c).shape[0], blocks(c).shape[1], -1)),
    ]
    run_cases(fn, cases, name="im2col(x, KH, KW)", convert=as_result_array, candidates=cands,
              reference="convlib.im2col", view="rows")


def check_kernel_matrix(fn, *, seed=0):
    """Check ``fn(w) -> (KH*KW*C_in, C_out)``: the kernel bank as a matrix, rows ordered (kh, kw, ci)."""
    rng = np.random.default_rng(seed)
    cases = []
    for ws in [(2, 3, 4, 5), (3, 3, 1, 2), (1, 1, 3, 3), (2, 2, 3, 1)]:
        w = _ints(rng, ws)
        cases.append(Case((w,), f"w.shape={ws}", partial(_kernel_rows, w), w=w))
    cands = [
        Candidate(
            hint("reshape-scrambles", "w.reshape(C_out, -1).T mixes the weights of different filters: reshape never moves axes, it re-reads "
            "memory in order. C_out is already last, so reshape to (KH*KW*C_in, C_out) directly"),
            lambda c: c.info["w"].reshape(c.info["w"].shape[3], -1).T),
        Candidate(
            hint("kernel-matrix-transposed", "this is (C_out, KH*KW*C_in); im2col's patches multiply a matrix with one COLUMN per filter"),
            lambda c: c.expected.T),
        Candidate(CI_FIRST_ROWS_HINT, lambda c: c.info["w"].transpose(2, 0, 1, 3).reshape(-1, c.info["w"].shape[3])),
    ]
    run_cases(fn, cases, name="kernel_matrix(w)", convert=as_result_array, candidates=cands,
              reference="w[kh, kw, ci, co] at row (kh*KW + kw)*C_in + ci", view="rows")


def check_patch_matrix_bytes(fn, *, seed=0):
    """Check ``fn(H, W, C_in, KH, KW, stride, itemsize) -> int``: bytes of one image's patch matrix (valid)."""
    rng = np.random.default_rng(seed)
    params = [(28, 28, 1, 5, 5, 2, 8), (32, 32, 3, 3, 3, 1, 4), (64, 48, 16, 3, 3, 2, 4), (10, 7, 2, 3, 2, 3, 4)]
    params += [(int(rng.integers(8, 40)), int(rng.integers(8, 40)), int(rng.integers(1, 9)), int(rng.integers(1, 6)),
                int(rng.integers(1, 6)), int(rng.integers(1, 4)), int(rng.choice([2, 4, 8]))) for _ in range(2)]
    names = ("h", "w", "c_in", "kh", "kw", "stride", "itemsize")
    cases = [_named_case(_measured_patch_bytes, "H={h}, W={w}, C_in={c_in}, KH={kh}, KW={kw}, stride={stride}, itemsize={itemsize}",
                         **dict(zip(names, p))) for p in params]

    def rows_cols(c, stride=None):
        i = c.info
        s = i["stride"] if stride is None else stride
        return ((i["h"] - i["kh"]) // s + 1) * ((i["w"] - i["kw"]) // s + 1), i["kh"] * i["kw"] * i["c_in"]

    cands = [
        Candidate(
            hint("stride-ignored", "this ignores the stride: with stride s there are only Ho*Wo = ((H - KH)//s + 1) * ((W - KW)//s + 1) rows"),
            lambda c: rows_cols(c, 1)[0] * rows_cols(c)[1] * c.info["itemsize"]),
        Candidate(
            hint("rows-input-pixels", "this uses H*W rows; the patch matrix has one row per OUTPUT pixel, Ho*Wo"),
            lambda c: c.info["h"] * c.info["w"] * rows_cols(c)[1] * c.info["itemsize"]),
        Candidate(
            hint("patch-misses-cin", "the patch row length misses C_in: each patch is a (KH, KW, C_in) block, KH*KW*C_in numbers"),
            lambda c: rows_cols(c)[0] * c.info["kh"] * c.info["kw"] * c.info["itemsize"]),
        Candidate(
            hint("itemsize-missing", "this counts numbers, not bytes: multiply by itemsize"), lambda c: c.expected // c.info["itemsize"]),
        Candidate(
            hint("estimate-not-exact", "this is the estimate KH*KW/stride^2 times the input; count the matrix exactly: Ho*Wo rows of "
            "KH*KW*C_in numbers"),
            lambda c: int(c.info["h"] * c.info["w"] * c.info["c_in"] * c.info["itemsize"] * c.info["kh"]
                          * c.info["kw"] / c.info["stride"] ** 2)),
    ]
    run_cases(fn, cases, name="patch_matrix_bytes(H, W, C_in, KH, KW, stride, itemsize)", convert=as_int,
              candidates=cands, reference="the size of convlib.im2col's matrix, built and measured")
