"""The benchmark's machinery on a tiny suite: structure and numbers that agree with each other, no speed thresholds.

A measured time is only asked to be a real, positive duration: how long anything takes depends on the machine
and its load, so no assert compares a time with a limit (the benchmark command reports them).
"""

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from convlib import bench
from convlib.fast_gemm import DEFAULT_BUFFER_BYTES

TINY = [
    bench.Case("tiny 3x3", (1, 12, 10, 3), (3, 3, 3, 4)),
    bench.Case("tiny 5x5/2", (2, 16, 16, 2), (5, 5, 2, 3), stride=2, padding="valid"),
]
REPEATS = 5


@pytest.fixture(scope="module")
def results(tf):
    return bench.run(cases=TINY, repeats=REPEATS, tf=tf)


def test_shapes_and_sizes_are_computed_from_the_geometry():
    # 'same' with stride 2 on 224: Ho = Wo = ceil(224 / 2) = 112.
    assert bench.gemm_shape((8, 224, 224, 3), (7, 7, 3, 64), 2, "same") == (8 * 112 * 112, 7 * 7 * 3, 64)
    assert bench.conv_flops((1, 5, 5, 2), (3, 3, 2, 4)) == 2 * 9 * 18 * 4
    assert bench.patch_matrix_bytes((1, 5, 5, 2), (3, 3, 2, 4)) == 9 * 18 * 4
    assert bench.patch_matrix_bytes((1, 5, 5, 2), (3, 3, 2, 4), itemsize=8) == 9 * 18 * 8
    names = [c.name for c in bench.suite()]
    assert len(names) == len(set(names)) == 5
    assert all(c.x_shape[0] == 2 for c in bench.suite(2)[1:])


def test_practical_methods_drop_the_slow_rungs_on_big_layers():
    small, big = bench.suite()[0], bench.suite()[2]
    assert bench.practical_methods(small) == ["naive", "per_channel", "im2col_full", "gemm"]
    assert bench.practical_methods(big) == ["im2col_full", "gemm"]


def test_peak_extra_bytes_sees_numpy_temporaries_but_not_the_result():
    n = 250_000
    assert bench.peak_extra_bytes(lambda: np.ones(n)) < 4096

    def scratch_then_small_result():
        scratch = np.ones(n)  # n float64 that are not returned
        return scratch[:10].copy()

    extra = bench.peak_extra_bytes(scratch_then_small_result)
    assert 8 * n <= extra < 8 * n + 64 * 1024


def test_time_methods_returns_a_median_per_method():
    r = bench.time_methods((1, 8, 8, 2), (3, 3, 2, 3), methods=["naive", "gemm"], repeats=5)
    assert set(r) == {"naive", "gemm", "matmul"}
    flops = bench.conv_flops((1, 8, 8, 2), (3, 3, 2, 3))
    for v in r.values():
        assert len(v["times_s"]) == 5 and all(t > 0 for t in v["times_s"])
        assert v["median_s"] == pytest.approx(float(np.median(v["times_s"])))
        assert v["gflops"] == pytest.approx(flops / v["median_s"] / 1e9)
    with pytest.raises(ValueError, match="repeats"):
        bench.time_methods((1, 8, 8, 2), (3, 3, 2, 3), repeats=0)


@pytest.mark.slow  # the module's tiny suite, TensorFlow included, takes ~10 s
def test_json_holds_every_result_key(results):
    text = json.dumps(results)  # plain JSON types only
    back = json.loads(text)
    for key in ("cases", "gemm_vs_tf_geomean", "gemm_peak_fraction_geomean", "gemm_peak_extra_bytes",
                "widget_update_ms", "explorer_redraw_ms", "machine"):
        assert key in back
    assert [c["name"] for c in back["cases"]] == [c.name for c in TINY]
    machine = back["machine"]
    assert machine["cores"] >= 1 and machine["cpu"]
    assert machine["blas"]["name"] and machine["numpy"] == np.__version__
    assert "version" in machine["tensorflow"] and "onednn" in machine["tensorflow"]


@pytest.mark.slow  # the module's tiny suite, TensorFlow included, takes ~10 s
def test_every_method_has_sane_timings(results):
    for case in results["cases"]:
        methods = case["methods"]
        assert {"gemm", "tf", "matmul", "im2col_full"} <= set(methods)
        assert methods["tf"]["vs_tf"] == pytest.approx(1.0)
        assert methods["matmul"]["matmul_fraction"] == pytest.approx(1.0)
        for name, r in methods.items():
            assert len(r["times_ms"]) == REPEATS, name
            assert all(math.isfinite(t) for t in r["times_ms"]), name
            assert 0 < min(r["times_ms"]) <= r["median_ms"] <= max(r["times_ms"]), name
            assert r["gflops"] == pytest.approx(case["gflop"] / (r["median_ms"] / 1e3)), name
            assert r["vs_tf"] == pytest.approx(r["median_ms"] / methods["tf"]["median_ms"]), name


@pytest.mark.slow  # the module's tiny suite, TensorFlow included, takes ~10 s
def test_memory_numbers_are_sane(results):
    for case in results["cases"]:
        m = case["methods"]
        assert m["tf"]["peak_extra_bytes"] is None and m["matmul"]["peak_extra_bytes"] is None
        # The unbounded rung really builds the whole patch matrix ...
        assert m["im2col_full"]["peak_extra_bytes"] >= case["patch_matrix_bytes"]
        # ... and gemm's scratch is at most its buffer plus a padded copy of the input.
        x_bytes = 4 * math.prod(case["x_shape"])
        assert 0 < m["gemm"]["peak_extra_bytes"] <= DEFAULT_BUFFER_BYTES + 2 * x_bytes + 64 * 1024


@pytest.mark.slow  # the module's tiny suite, TensorFlow included, takes ~10 s
def test_headline_numbers_summarise_the_cases(results):
    gemm = [c["methods"]["gemm"] for c in results["cases"]]
    geo = math.exp(np.mean([math.log(g["vs_tf"]) for g in gemm]))
    assert results["gemm_vs_tf_geomean"] == pytest.approx(geo)
    frac = math.exp(np.mean([math.log(g["matmul_fraction"]) for g in gemm]))
    assert results["gemm_peak_fraction_geomean"] == pytest.approx(frac)
    assert results["gemm_peak_extra_bytes"] == max(g["peak_extra_bytes"] for g in gemm)
    assert results["widget_update_ms"] is None or 0 < results["widget_update_ms"] < math.inf


def test_widget_update_is_timed_against_the_explorer():
    pytest.importorskip("ipywidgets")
    ms = bench.widget_update_ms(repeats=1)
    assert ms is not None and 0 < ms < math.inf


@pytest.mark.slow  # the module's tiny suite, TensorFlow included, takes ~10 s
def test_table_names_every_case_and_method(results):
    table = bench.format_table(results)
    for case in results["cases"]:
        assert case["name"] in table
        for name in case["methods"]:
            assert f"  {name} " in table
    assert "target <= 1.3" in table and "machine:" in table


@pytest.mark.slow  # the module's tiny suite, TensorFlow included, takes ~10 s
def test_the_report_has_one_redraw_row_per_explorer(results):
    pytest.importorskip("ipywidgets")
    redraws = results["explorer_redraw_ms"]
    assert set(redraws) == {"channel_sum", "im2col_link", "sliding_window", "groups", "stride_padding"}
    assert all(0 < ms < math.inf for ms in redraws.values())
    table = bench.format_table(results)
    assert "explorer redraw, median at the largest preset" in table
    for name, ms in redraws.items():
        assert f"  {name:<16}{ms:>7.1f} ms" in table


def test_without_widgets_there_are_no_widget_rows():
    out = bench.run(cases=TINY[:1], repeats=1, with_tf=False, with_widget=False)
    assert out["widget_update_ms"] is None and out["explorer_redraw_ms"] is None
    assert "explorer redraw" not in bench.format_table(out)


def test_one_module_a_concern_and_every_name_still_importable_from_the_package():
    from convlib.bench import explorers, machine, report, timing

    assert bench.time_methods is timing.time_methods and bench.measure_memory is timing.measure_memory
    assert bench.machine_info is machine.machine_info and bench.format_table is report.format_table
    assert bench.widget_update_ms is explorers.widget_update_ms
    # what the notebooks call as bench.<name> (06, 06b)
    for name in ("measure_memory", "patch_matrix_bytes", "machine_info", "suite", "run", "main", "Case"):
        assert name in bench.__all__ and hasattr(bench, name), name
    for mod in (timing, machine, report):  # the measurements and the table know nothing of the command line
        assert "argparse" not in mod.__dict__


def test_convlib_bench_subcommand_help():
    out = subprocess.run([sys.executable, "-m", "convlib", "bench", "--help"], capture_output=True, text=True,
                         check=True).stdout
    assert "--quick" in out and "--json" in out


def test_command_line_help():
    out = subprocess.run([sys.executable, "-m", "convlib.bench", "--help"], capture_output=True, text=True,
                         check=True).stdout
    assert "--quick" in out and "--json" in out


def test_measure_memory_shows_the_bounded_buffer_against_the_full_patch_matrix():
    x_shape, w_shape = (8, 64, 64, 16), (3, 3, 16, 8)
    full = bench.patch_matrix_bytes(x_shape, w_shape, padding="same")
    assert full > DEFAULT_BUFFER_BYTES  # 8*64*64 rows of 3*3*16 floats
    mem = bench.measure_memory(x_shape, w_shape, padding="same", methods=["im2col_full", "gemm"])
    assert mem["im2col_full"] >= full
    padded_x = 8 * 66 * 66 * 16 * 4
    assert mem["gemm"] <= DEFAULT_BUFFER_BYTES + padded_x + 64 * 1024 < full + padded_x


def test_conv_flops_agrees_with_the_counting_formula():
    from convlib.counting import conv2d_counts
    from convlib.geometry import conv_geometry

    for x_shape, w_shape, stride, padding in [((8, 224, 224, 3), (7, 7, 3, 64), 2, "same"),
                                              ((2, 9, 7, 5), (3, 2, 5, 4), (2, 1), ((1, 0), (0, 2)))]:
        out = conv_geometry(x_shape[1:3], w_shape[:2], stride, padding).out
        macs = conv2d_counts(w_shape[2], w_shape[3], w_shape[:2], out, bias=False).macs
        assert bench.conv_flops(x_shape, w_shape, stride, padding) == 2 * x_shape[0] * macs
