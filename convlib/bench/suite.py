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
the stride/padding explorer widget and one redraw of each explorer.

This module is the orchestration (the suite, :func:`run`, the command line); the rest is one module a
concern, each small enough for a notebook to call on small sizes:

* :mod:`.timing`: :func:`time_methods`, :func:`measure_memory`, :func:`peak_extra_bytes`,
  :func:`practical_methods` (and :func:`gemm_shape`, :func:`conv_flops`, :func:`patch_matrix_bytes`
  from :mod:`convlib.counting`);
* :mod:`.explorers`: :func:`widget_update_ms`, :func:`explorer_redraw_ms`;
* :mod:`.machine`: :func:`machine_info`;
* :mod:`.report`: :func:`format_table`.

TensorFlow is measured with its oneDNN kernels: unless ``TF_ENABLE_ONEDNN_OPTS``
is set in the environment, the benchmark sets it to ``1`` before importing
TensorFlow.  That is TensorFlow's own default only on x86 CPUs with
AVX512_VNNI, AVX512_BF16, AVX_VNNI or AMX; on other CPUs TensorFlow leaves
oneDNN off, and the benchmark then times a setting TensorFlow does not use by
default.  The course's notebooks set ``0`` instead for repeatable sums.  Both numpy's BLAS and
TensorFlow use every core they are given; neither is pinned.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

from ..counting import conv_flops, gemm_shape, patch_matrix_bytes
from ..geometry import conv_geometry
from .explorers import explorer_redraw_ms, widget_update_ms
from .machine import machine_info
from .report import format_table
from .timing import Case, measure_memory, practical_methods, time_methods

__all__ = ["suite", "measure_case", "run", "main"]


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
    """The whole benchmark: every case, the widget and the explorers, the machine.

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
        Leave out TensorFlow, or the widget and explorer timings.
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
        ``widget_update_ms``, ``explorer_redraw_ms`` (``{explorer: median ms}`` at its largest preset,
        :func:`explorer_redraw_ms`), ``machine``, ``settings``.
    """
    t0 = time.perf_counter()
    repeats = repeats or (5 if quick else 11)
    onednn_from = "environment" if "TF_ENABLE_ONEDNN_OPTS" in os.environ else "benchmark default"
    if not with_tf:
        tf = None
    elif tf is None:
        os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")  # oneDNN forced on, whatever the CPU
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
        "explorer_redraw_ms": explorer_redraw_ms(10 if quick else 25) if with_widget else None,
        "machine": machine_info(tf),
        "settings": {"quick": quick, "repeats": repeats, "statistic": "median",
                     "tf_onednn_setting_from": onednn_from if tf is not None else None,
                     "wall_s": time.perf_counter() - t0},
    }


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
