"""How fast is each rung of the ladder, and how much memory does it take?

Run ``python -m convlib.bench [--quick] [--json FILE]``.  In one process it
times a fixed suite of float32 layer shapes (:func:`suite`) with

* every convlib method that is practical at that size (:func:`practical_methods`),
* ``im2col_full``: the whole patch matrix built at once, then one matmul,
* ``tf``: ``tf.nn.conv2d`` (TensorFlow's own CPU convolution), and
* ``matmul``: a plain float32 matrix product of the layer's own GEMM size
  ``(M, K) @ (K, N)`` with ``M = N_img*Ho*Wo``, ``K = KH*KW*C_in``,
  ``N = C_out``, written into a preallocated output -- the practical limit of
  any convolution built on one GEMM,

and reports per method the median of ``repeats`` timed runs after a warm-up
(the methods take turns, each timed run right after an untimed one of the
same method), GFLOP/s (``2*M*K*N`` per call), the ratio to TensorFlow, the matmul
time as a fraction of the method's time, and the extra memory the method
allocates beyond its output (peak, measured with :mod:`tracemalloc`, which
sees numpy's allocations but not TensorFlow's).  It also times one update of
the stride/padding explorer widget.

The functions are small so that a notebook can call them on small sizes:
:func:`gemm_shape`, :func:`conv_flops`, :func:`patch_matrix_bytes` (from :mod:`convlib.counting`),
:func:`time_methods`, :func:`measure_memory`, :func:`peak_extra_bytes`,
:func:`widget_update_ms`, :func:`machine_info`.

TensorFlow is measured as it ships: unless ``TF_ENABLE_ONEDNN_OPTS`` is set
in the environment, the benchmark sets it to ``1`` (TensorFlow's default on
x86 Linux, oneDNN kernels) before importing TensorFlow -- the course's
notebooks set ``0`` instead for repeatable sums.  Both numpy's BLAS and
TensorFlow use every core they are given; neither is pinned.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
import tracemalloc
from typing import NamedTuple

import numpy as np

from ..conv import conv2d
from ..fast_gemm import DEFAULT_BUFFER_BYTES
from ..gemm import im2col
from ..counting import conv_flops, gemm_shape, patch_matrix_bytes
from ..geometry import conv_geometry

__all__ = [
    "Case",
    "suite",
    "gemm_shape",
    "conv_flops",
    "patch_matrix_bytes",
    "practical_methods",
    "time_methods",
    "peak_extra_bytes",
    "measure_memory",
    "measure_case",
    "widget_update_ms",
    "machine_info",
    "run",
    "format_table",
    "main",
]

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


def suite(batch: int = 8) -> list[Case]:
    """The fixed benchmark suite: a teaching size, a thin first layer and three 3x3 layers.

    Parameters
    ----------
    batch : int
        N of every layer but the teaching one (which is always one image).
        The full run uses 8, ``--quick`` uses 2.

    Returns
    -------
    list of Case
    """
    return [
        Case("teaching 32x32x3->8 3x3", (1, 32, 32, 3), (3, 3, 3, 8)),
        Case("first layer 224x224x3->64 7x7/2", (batch, 224, 224, 3), (7, 7, 3, 64), stride=2),
        Case("3x3 56x56x64->64", (batch, 56, 56, 64), (3, 3, 64, 64)),
        Case("3x3 28x28x128->128", (batch, 28, 28, 128), (3, 3, 128, 128)),
        Case("3x3 14x14x256->256", (batch, 14, 14, 256), (3, 3, 256, 256)),
    ]


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
        ``convlib.gemm.DEFAULT_BUFFER_BYTES``.

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


def widget_update_ms(repeats: int = 5) -> float | None:
    """Median latency of one update of the stride/padding explorer, in ms.

    Builds ``convlib.widgets.GeometryExplorer()`` at its default size and
    changes its sliders (``stride``, ``padding``, ``KH``, ``H``,
    ``dilation``) to another value and back, ``repeats`` times; every change
    redraws synchronously through the widget's observers.

    Returns
    -------
    float or None
        Median ms per change; None when the widgets cannot be built here
        (ipywidgets or matplotlib missing).
    """
    try:
        import matplotlib

        if "matplotlib.pyplot" not in sys.modules:
            matplotlib.use("Agg")
        from ..figures.widgets import GeometryExplorer
    except ImportError:
        return None
    explorer = GeometryExplorer()
    controls = explorer.controls
    changes = []
    for name in ("stride", "padding", "KH", "H", "dilation"):
        slider = controls[name]
        start = slider.value
        other = start + 1 if start + 1 <= slider.max else start - 1
        changes += [(slider, other), (slider, start)]
    slider, value = changes[0]  # warm-up
    slider.value = value
    slider.value = changes[1][1]
    times = []
    for _ in range(max(1, repeats)):
        for slider, value in changes:
            t0 = time.perf_counter()
            slider.value = value
            times.append(time.perf_counter() - t0)
    return float(np.median(times)) * 1e3


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            info = dict(
                line.split(":", 1) for line in f.read().split("\n\n")[0].splitlines() if ":" in line
            )
        info = {k.strip(): v.strip() for k, v in info.items()}
        model = info.get("model name", "")
        detail = ", ".join(f"{k} {info[k]}" for k in ("cpu family", "model") if k in info)
        return f"{model} ({detail})" if detail else model
    except OSError:
        return platform.processor() or platform.machine()


def _blas_runtime() -> dict:
    """Which BLAS numpy runs now: threadpoolctl if present, else asks OpenBLAS itself."""
    try:
        from threadpoolctl import threadpool_info

        for lib in threadpool_info():
            if lib.get("user_api") == "blas":
                return {
                    "source": "threadpoolctl",
                    "library": lib.get("internal_api"),
                    "version": lib.get("version"),
                    "threads": lib.get("num_threads"),
                    "kernel": lib.get("architecture"),
                }
    except ImportError:
        pass
    try:  # numpy's wheels bundle scipy-openblas; its C API names the kernel it chose
        import ctypes

        path = next(line.split()[-1] for line in open("/proc/self/maps") if "openblas" in line.lower())
        lib = ctypes.CDLL(path)
        for prefix, suffix in (("scipy_openblas_", "64_"), ("scipy_openblas_", ""), ("openblas_", "")):
            try:
                corename = getattr(lib, f"{prefix}get_corename{suffix}")
                threads = getattr(lib, f"{prefix}get_num_threads{suffix}")
            except AttributeError:
                continue
            corename.restype, threads.restype = ctypes.c_char_p, ctypes.c_int
            return {
                "source": "OpenBLAS C API",
                "library": "openblas",
                "threads": int(threads()),
                "kernel": corename().decode(),
            }
    except (OSError, StopIteration):
        pass
    return {"source": "unknown"}


def _load_average():
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except (AttributeError, OSError):  # not on every platform
        return None


def machine_info(tf=None) -> dict:
    """CPU, cores, numpy and its BLAS, TensorFlow: what the numbers came from.

    Returns
    -------
    dict
        ``cpu``, ``cores`` (usable by this process), ``python``, ``numpy``,
        ``blas`` (build: name and version from ``np.show_config``; runtime:
        kernel and threads), ``env`` (the thread and kernel variables that
        change the timings), ``tensorflow`` (version, oneDNN on or off,
        thread settings; 0 means "one per core"), ``load_average`` (1, 5
        and 15 minutes: other work on a shared machine slows every method).
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count()
    try:
        build = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas = {"name": build.get("name"), "version": build.get("version")}
    except Exception:  # pragma: no cover - very old or unusual numpy builds
        blas = {}
    blas.update(_blas_runtime())
    names = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
             "TF_ENABLE_ONEDNN_OPTS")
    info = {
        "cpu": _cpu_model(),
        "cores": cores,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "numpy": np.__version__,
        "blas": blas,
        "env": {k: os.environ.get(k) for k in names},
        "gemm_buffer_bytes": DEFAULT_BUFFER_BYTES,
        "load_average": _load_average(),
    }
    if tf is not None:
        try:
            from tensorflow.python.util import _pywrap_util_port

            onednn = bool(_pywrap_util_port.IsMklEnabled())
        except Exception:  # pragma: no cover - private API moved
            onednn = None
        info["tensorflow"] = {
            "version": tf.__version__,
            "onednn": onednn,
            "intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads(),
            "inter_op_threads": tf.config.threading.get_inter_op_parallelism_threads(),
        }
    return info


def _geomean(values) -> float | None:
    values = [v for v in values if v]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def measure_case(case: Case, repeats: int = 5, tf=None) -> dict:
    """Time and measure the memory of every practical method on one suite case.

    Returns
    -------
    dict
        The case (shapes, geometry, GEMM size, FLOPs, patch matrix bytes) and
        ``methods``: ``{name: {"median_ms", "times_ms", "gflops", "vs_tf",
        "matmul_fraction", "peak_extra_bytes"}}`` where ``vs_tf`` is this
        time / TensorFlow's, ``matmul_fraction`` is the plain matmul's time /
        this time, and ``peak_extra_bytes`` is None where tracemalloc cannot
        see the allocations (TensorFlow) or the output is preallocated
        (matmul).
    """
    geo = (case.stride, case.padding, case.dilation)
    methods = practical_methods(case)
    timed = time_methods(case.x_shape, case.w_shape, *geo, methods=methods, repeats=repeats, tf=tf)
    memory = measure_memory(case.x_shape, case.w_shape, *geo, methods=methods)
    t_tf = timed.get("tf", {}).get("median_s")
    t_mm = timed["matmul"]["median_s"]
    out = {}
    for name, r in timed.items():
        out[name] = {
            "median_ms": r["median_s"] * 1e3,
            "times_ms": [t * 1e3 for t in r["times_s"]],
            "gflops": r["gflops"],
            "vs_tf": r["median_s"] / t_tf if t_tf else None,
            "matmul_fraction": t_mm / r["median_s"],
            "peak_extra_bytes": memory.get(name),
        }
    m, k, n = gemm_shape(case.x_shape, case.w_shape, *geo)
    h, w_ = case.x_shape[1:3]
    ho, wo = conv_geometry((h, w_), case.w_shape[:2], *geo).out
    return {
        "name": case.name,
        "x_shape": list(case.x_shape),
        "w_shape": list(case.w_shape),
        "stride": case.stride,
        "padding": case.padding,
        "dilation": case.dilation,
        "y_shape": [case.x_shape[0], ho, wo, case.w_shape[3]],
        "gemm_mkn": [m, k, n],
        "gflop": conv_flops(case.x_shape, case.w_shape, *geo) / 1e9,
        "patch_matrix_bytes": patch_matrix_bytes(case.x_shape, case.w_shape, *geo),
        "y_bytes": ho * wo * case.x_shape[0] * case.w_shape[3] * 4,
        "methods": out,
    }


def run(quick: bool = False, repeats: int | None = None, cases=None, with_tf: bool = True,
        with_widget: bool = True, tf=None) -> dict:
    """The whole benchmark: every case, the widget, the machine.

    Parameters
    ----------
    quick : bool
        Batch 2 instead of 8 and 5 repeats (``--quick``).
    repeats : int, optional
        Timed runs per method (at least 5 for reported numbers); default 5
        for quick, 11 for the full run.
    cases : list of Case, optional
        Instead of :func:`suite` (the tests use tiny ones).
    with_tf, with_widget : bool
        Leave out TensorFlow or the widget timing.
    tf : module, optional
        An already imported TensorFlow to use (as it was configured);
        otherwise it is imported here, with oneDNN unless the environment
        says ``TF_ENABLE_ONEDNN_OPTS=0``.

    Returns
    -------
    dict
        ``cases`` (from :func:`measure_case`), ``gemm_vs_tf_geomean``,
        ``gemm_vs_tf_geomean_large`` (the same over the cases of at least
        0.1 GFLOP, where TensorFlow's per-call overhead no longer matters),
        ``gemm_peak_fraction_geomean``, ``gemm_peak_extra_bytes``,
        ``widget_update_ms``, ``machine``, ``settings``.
    """
    t0 = time.perf_counter()
    repeats = repeats or (5 if quick else 11)
    onednn_from = "environment" if "TF_ENABLE_ONEDNN_OPTS" in os.environ else "benchmark default"
    if not with_tf:
        tf = None
    elif tf is None:
        os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")  # TensorFlow as it ships
        from ..frameworks import load_tensorflow

        tf, _ = load_tensorflow()
    cases = suite(2 if quick else 8) if cases is None else cases
    records = [measure_case(c, repeats, tf) for c in cases]
    gemm = [r["methods"]["gemm"] for r in records]
    return {
        "cases": records,
        "gemm_vs_tf_geomean": _geomean([g["vs_tf"] for g in gemm]) if tf is not None else None,
        "gemm_vs_tf_geomean_large": _geomean([r["methods"]["gemm"]["vs_tf"] for r in records
                                              if r["gflop"] >= 0.1]) if tf is not None else None,
        "gemm_peak_fraction_geomean": _geomean([g["matmul_fraction"] for g in gemm]),
        "gemm_peak_extra_bytes": max(g["peak_extra_bytes"] for g in gemm),
        "widget_update_ms": widget_update_ms(3 if quick else 5) if with_widget else None,
        "machine": machine_info(tf),
        "settings": {"quick": quick, "repeats": repeats, "statistic": "median",
                     "tf_onednn_setting_from": onednn_from if tf is not None else None,
                     "wall_s": time.perf_counter() - t0},
    }


def _mib(nbytes) -> str:
    return "-" if nbytes is None else f"{nbytes / 2**20:.1f}"


def format_table(results: dict) -> str:
    """The results as a readable text table (what ``python -m convlib.bench`` prints)."""
    lines = []
    head = f"  {'method':<12}{'median ms':>11}{'GFLOP/s':>9}{'x TF':>7}{'matmul/t':>10}{'extra MiB':>11}"
    for c in results["cases"]:
        m, k, n = c["gemm_mkn"]
        lines.append(
            f"{c['name']}: x {tuple(c['x_shape'])} w {tuple(c['w_shape'])} stride {c['stride']} "
            f"'{c['padding']}' -> y {tuple(c['y_shape'])}; GEMM ({m} x {k}) @ ({k} x {n}), "
            f"{c['gflop']:.3f} GFLOP; full patch matrix {_mib(c['patch_matrix_bytes'])} MiB"
        )
        lines.append(head)
        for name, r in c["methods"].items():
            vs = "-" if r["vs_tf"] is None else f"{r['vs_tf']:.2f}"
            lines.append(
                f"  {name:<12}{r['median_ms']:>11.2f}{r['gflops']:>9.1f}{vs:>7}"
                f"{r['matmul_fraction']:>10.2f}{_mib(r['peak_extra_bytes']):>11}"
            )
        lines.append("")
    g = results
    fmt = lambda v, f: "-" if v is None else format(v, f)  # noqa: E731
    lines += [
        f"gemm / TF time, geometric mean:      {fmt(g['gemm_vs_tf_geomean'], '.2f')}   (target <= 1.3)",
        f"  the same without the cases under 0.1 GFLOP: {fmt(g.get('gemm_vs_tf_geomean_large'), '.2f')}",
        f"matmul / gemm time, geometric mean:  {fmt(g['gemm_peak_fraction_geomean'], '.2f')}",
        f"gemm extra memory, largest:          {_mib(g['gemm_peak_extra_bytes'])} MiB   (target <= 32)",
        f"widget update (median):              {fmt(g['widget_update_ms'], '.1f')} ms",
    ]
    mach = g["machine"]
    blas = mach["blas"]
    tfi = mach.get("tensorflow", {})
    lines.append(
        f"machine: {mach['cpu']}, {mach['cores']} cores; numpy {mach['numpy']} with {blas.get('name')} "
        f"{blas.get('version')} (kernel {blas.get('kernel', '?')}, {blas.get('threads', '?')} threads); "
        f"TensorFlow {tfi.get('version', '-')} (oneDNN {'on' if tfi.get('onednn') else 'off'})"
    )
    if mach.get("load_average"):
        la = mach["load_average"]
        lines.append(f"load average (1/5/15 min) when the run ended: {la[0]} {la[1]} {la[2]} "
                     f"on {mach['cores']} cores" + (" -- a busy machine: expect noisy timings"
                                                     if la[0] > mach["cores"] else ""))
    if mach["env"].get("OPENBLAS_CORETYPE"):
        lines.append(
            f"note: OPENBLAS_CORETYPE={mach['env']['OPENBLAS_CORETYPE']} pins numpy's BLAS kernel; "
            f"for a fair run: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m convlib.bench"
        )
    lines.append(f"({g['settings']['repeats']} timed runs per method, median; "
                 f"took {g['settings']['wall_s']:.1f} s)")
    return "\n".join(lines)


def main(argv=None) -> int:
    """Command line: ``python -m convlib.bench [--quick] [--json FILE]``."""
    parser = argparse.ArgumentParser(
        prog="python -m convlib.bench",
        description="Time convlib's convolution methods against tf.nn.conv2d and a plain matmul. "
        "TensorFlow runs with oneDNN unless TF_ENABLE_ONEDNN_OPTS=0 is set.",
    )
    parser.add_argument("--quick", action="store_true", help="batch 2 instead of 8, 5 repeats (< 60 s)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--repeats", type=int, default=None, help="timed runs per method (default 11, quick 5)")
    args = parser.parse_args(argv)
    if args.repeats is not None and args.repeats < 5:
        parser.error(f"--repeats must be at least 5 (the median of at least 5 timed runs), got {args.repeats}")
    results = run(quick=args.quick, repeats=args.repeats)
    print(format_table(results))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
