"""The benchmark's results as the text table ``python -m convlib.bench`` prints."""

from __future__ import annotations

__all__ = ["format_table"]


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
    redraws = g.get("explorer_redraw_ms") or {}
    if redraws:
        lines.append("explorer redraw, median at the largest preset (budget 50 ms):")
        lines += [f"  {name:<16}{ms:>7.1f} ms" for name, ms in redraws.items()]
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
