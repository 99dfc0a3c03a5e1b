"""What the benchmark's numbers came from: CPU, cores, numpy and its BLAS, TensorFlow, the load."""

from __future__ import annotations

import os
import platform

import numpy as np

from ..fast_gemm import DEFAULT_BUFFER_BYTES

__all__ = ["machine_info"]


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
