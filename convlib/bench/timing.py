"""Timing and memory of the ladder's rungs on one layer: the measurements behind ``python -m convlib.bench``.

:func:`time_methods` times each method (the median of timed runs that take turns), :func:`measure_memory`
and :func:`peak_extra_bytes` measure the scratch memory (with :mod:`tracemalloc`), :func:`practical_methods`
says which rungs are worth timing at a size.  The layer sizes come from :mod:`convlib.counting`
(:func:`gemm_shape`, :func:`conv_flops`, :func:`patch_matrix_bytes`).
"""

from __future__ import annotations

import time
import tracemalloc
from typing import NamedTuple

import numpy as np

from ..conv import conv2d
from ..counting import conv_flops, gemm_shape, patch_matrix_bytes
from ..im2col import im2col
from ..geometry import conv_geometry

__all__ = ["Case", "MAX_PYTHON_STEPS", "gemm_shape", "conv_flops", "patch_matrix_bytes", "practical_methods",
           "time_methods", "peak_extra_bytes", "measure_memory"]

#: Python-level steps (numpy calls) above which a slow method is skipped.
MAX_PYTHON_STEPS = 5_000


class Case(NamedTuple):
    """One convolution layer to time: shapes and geometry (float32 data)."""

    name: str
    x_shape: tuple  # (N, H, W, C_in)
    w_shape: tuple  # (KH, KW, C_in, C_out)
    stride: int = 1
    padding: str = "same"
    dilation: int = 1


def practical_methods(case: Case, max_python_steps: int = MAX_PYTHON_STEPS) -> list[str]:
    """The convlib methods worth timing at this size.

    ``"naive"`` makes one numpy call per output pixel (``N*Ho*Wo``), each
    a ``K x C_out`` product, and ``"per_channel"`` one per kernel tap per
    channel pair (``N*C_out*C_in*KH*KW``); each is kept while that count is
    at most ``max_python_steps`` (and, for naive, the multiply-adds
    ``N*Ho*Wo*K*C_out`` at most ``1000 * max_python_steps``).  ``"im2col_full"`` is kept while the whole patch
    matrix is at most 1 GiB.  ``"gemm"`` is always practical.

    Returns
    -------
    list of str, slowest first
    """
    n, h, w, c_in = case.x_shape
    kh, kw, _, c_out = case.w_shape
    ho, wo = conv_geometry((h, w), (kh, kw), case.stride, case.padding, case.dilation).out
    methods = []
    if n * ho * wo <= max_python_steps and n * ho * wo * kh * kw * c_in * c_out <= 1000 * max_python_steps:
        methods.append("naive")
    if n * c_out * c_in * kh * kw <= max_python_steps:
        methods.append("per_channel")
    if patch_matrix_bytes(case.x_shape, case.w_shape, case.stride, case.padding, case.dilation) <= 2**30:
        methods.append("im2col_full")
    methods.append("gemm")
    return methods


def _im2col_full(x, w, stride, padding, dilation):
    """The unbounded rung: the whole patch matrix, then one matmul."""
    cols = im2col(x, w.shape[:2], stride=stride, padding=padding, dilation=dilation)
    n = x.shape[0]
    ho, wo = conv_geometry(x.shape[1:3], w.shape[:2], stride, padding, dilation).out
    return (cols @ w.reshape(-1, w.shape[3])).reshape(n, ho, wo, w.shape[3])


def _callables(x, w, stride, padding, dilation, methods, tf, with_matmul=True):
    """``{name: function of no arguments}`` for each method, with inputs prepared outside the timing."""
    calls = {}
    for m in methods:
        if m == "im2col_full":
            calls[m] = lambda: _im2col_full(x, w, stride, padding, dilation)
        else:
            calls[m] = lambda m=m: conv2d(x, w, stride=stride, padding=padding, dilation=dilation, method=m)
    if tf is not None:
        xt, wt = tf.constant(x), tf.constant(w)
        pad = padding.upper() if isinstance(padding, str) else padding
        calls["tf"] = lambda: tf.nn.conv2d(xt, wt, stride, pad, dilations=dilation).numpy()
    if not with_matmul:
        return calls
    m, k, n = gemm_shape(x.shape, w.shape, stride, padding, dilation)
    rng = np.random.default_rng(1)
    a = rng.standard_normal((m, k), dtype=np.float32)
    bmat = rng.standard_normal((k, n), dtype=np.float32)
    out = np.empty((m, n), np.float32)
    calls["matmul"] = lambda: np.matmul(a, bmat, out=out)
    return calls


def time_methods(
    x_shape,
    w_shape,
    stride=1,
    padding="valid",
    dilation=1,
    *,
    methods=None,
    repeats: int = 5,
    tf=None,
    seed: int = 0,
) -> dict:
    """Median wall time of each method on one layer.

    Parameters
    ----------
    x_shape : (N, H, W, C_in)
    w_shape : (KH, KW, C_in, C_out)
    stride, padding, dilation
        As for :func:`convlib.conv2d` (``padding`` "valid" or "same" when
        ``tf`` is given).
    methods : list of str, optional
        convlib methods ("naive", "per_channel", "gemm") and/or
        "im2col_full"; default: :func:`practical_methods`.  "matmul" (the
        plain ``(M, K) @ (K, N)`` product) is always added.
    repeats : int, default 5
        Timed runs per method, after one untimed warm-up run.  The methods
        take turns (so a machine that gets busier slows them alike), and each
        timed run directly follows an untimed run of the same method (so
        TensorFlow's and BLAS's worker threads, which spin for a while after
        a call, do not steal the cores from the next method's timed run).
    tf : module, optional
        TensorFlow (from :func:`convlib.load_tensorflow`): adds "tf",
        ``tf.nn.conv2d``.
    seed : int
        For the random float32 ``x`` and ``w``.

    Returns
    -------
    dict
        ``{method: {"median_s", "times_s", "gflops"}}`` with ``gflops`` from
        :func:`conv_flops` and the median time.

    Examples
    --------
    >>> r = time_methods((1, 16, 16, 3), (3, 3, 3, 4), repeats=5)
    >>> sorted(r)
    ['gemm', 'im2col_full', 'matmul', 'naive', 'per_channel']
    """
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(tuple(x_shape), dtype=np.float32)
    w = rng.standard_normal(tuple(w_shape), dtype=np.float32)
    if methods is None:
        methods = practical_methods(Case("", tuple(x_shape), tuple(w_shape), stride, padding, dilation))
    calls = _callables(x, w, stride, padding, dilation, methods, tf)
    for f in calls.values():  # warm-up: first-call costs, caches, thread pools
        f()
    times = {name: [] for name in calls}
    for _ in range(repeats):
        for name, f in calls.items():
            f()  # untimed: lets the previous method's worker threads go idle
            t0 = time.perf_counter()
            f()
            times[name].append(time.perf_counter() - t0)
    flops = conv_flops(x_shape, w_shape, stride, padding, dilation)
    result = {}
    for name, ts in times.items():
        med = float(np.median(ts))
        result[name] = {"median_s": med, "times_s": [float(t) for t in ts], "gflops": flops / med / 1e9}
    return result


def peak_extra_bytes(fn) -> int:
    """Largest memory ``fn()`` allocates beyond what it returns.

    Measured with :mod:`tracemalloc` (numpy reports its array buffers to it);
    memory allocated outside Python's and numpy's allocators, such as
    TensorFlow's, is not seen.

    Parameters
    ----------
    fn : callable of no arguments returning an ndarray (or None)

    Returns
    -------
    int
        Peak traced bytes during the call minus the returned array's
        ``nbytes``: the scratch memory (patch buffers, padded copies).
    """
    already = tracemalloc.is_tracing()
    if not already:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        out = fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        if not already:
            tracemalloc.stop()
    kept = out.nbytes if isinstance(out, np.ndarray) else 0
    return max(0, peak - before - kept)


def measure_memory(x_shape, w_shape, stride=1, padding="valid", dilation=1, *, methods=None, seed=0) -> dict:
    """Scratch memory of each method on one layer (one untimed call each).

    Parameters
    ----------
    x_shape, w_shape, stride, padding, dilation
        As for :func:`convlib.counting.gemm_shape`.
    methods : list of str, optional
        As for :func:`time_methods`; default :func:`practical_methods`.

    Returns
    -------
    dict
        ``{method: bytes}`` from :func:`peak_extra_bytes`: what the method
        allocates beyond its output ``y``.  Compare ``"im2col_full"`` with
        :func:`patch_matrix_bytes` and ``"gemm"`` with
        ``convlib.fast_gemm.DEFAULT_BUFFER_BYTES``.

    Examples
    --------
    >>> mem = measure_memory((4, 32, 32, 16), (3, 3, 16, 8), padding="same", methods=["im2col_full", "gemm"])
    >>> mem["im2col_full"] >= patch_matrix_bytes((4, 32, 32, 16), (3, 3, 16, 8), padding="same")
    True
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(tuple(x_shape), dtype=np.float32)
    w = rng.standard_normal(tuple(w_shape), dtype=np.float32)
    if methods is None:
        methods = practical_methods(Case("", tuple(x_shape), tuple(w_shape), stride, padding, dilation))
    calls = _callables(x, w, stride, padding, dilation, methods, None, with_matmul=False)
    return {m: peak_extra_bytes(calls[m]) for m in methods}
