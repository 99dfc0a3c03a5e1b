"""How long one redraw of each explorer takes: ``python -m convlib.bench.explorers``.

:func:`widget_update_ms` times the stride/padding explorer (``GeometryExplorer``) at its defaults;
:func:`explorer_redraw_ms` every explorer, the stride/padding one included.  A redraw is everything a control change costs in the kernel: the state
recomputed, the numbers' HTML and the picture's PNG.  Each explorer is set to
its largest preset and one control is stepped through its values; the median
wall time of ``repeats`` redraws (``last_update_ms``) is reported, in ms.
The budget is 50 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np

__all__ = ["explorer_redraw_ms", "widget_update_ms", "BUDGET_MS"]

BUDGET_MS = 50.0


def _cases():
    from ..figures.explorers.channel_sum import ChannelSumExplorer
    from ..figures.explorers.groups import GroupsExplorer
    from ..figures.explorers.im2col_link import Im2colExplorer
    from ..figures.explorers.sliding_window import SlidingWindowExplorer
    from ..figures.explorers.stride_padding import GeometryExplorer

    # name: (largest preset, the control stepped, its values)
    return {
        "channel_sum": (lambda: ChannelSumExplorer(preset="random integers", C_in=4, C_out=3, KH=4, KW=4, mode="same"),
                        "play", range(25)),
        "im2col_link": (lambda: Im2colExplorer(C_in=3, C_out=3, KH=3, KW=3, mode="same"), "j", [0, 1, 2, 3, 4] * 5),
        "sliding_window": (lambda: SlidingWindowExplorer(KH=4, KW=4), "play", range(9)),
        "groups": (lambda: GroupsExplorer(C_in=8, C_out=12, separable=True), "groups", [1, 2, 4, 8] * 6),
        "stride_padding": (lambda: GeometryExplorer(H=12, W=12, KH=5, KW=5, dilation=2, mode="same"), "stride",
                           [1, 2, 3, 4] * 7),
    }


def explorer_redraw_ms(repeats: int = 25) -> dict[str, float]:
    """Median redraw time in ms of each explorer, for its largest preset."""
    out = {}
    for name, (make, control, values) in _cases().items():
        e = make()
        times = []
        values = list(values)
        while len(times) < repeats:
            for v in values:
                if e.controls[control].value == v:
                    continue
                e.controls[control].value = v
                times.append(e.last_update_ms)
        out[name] = statistics.median(times[:repeats])
    return out


def widget_update_ms(repeats: int = 5) -> float | None:
    """Median latency of one update of the stride/padding explorer, in ms.

    Builds ``convlib.figures.explorers.stride_padding.GeometryExplorer()`` at its default size and
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
        from ..figures.explorers.stride_padding import GeometryExplorer
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=25)
    args = parser.parse_args(argv)
    for name, ms in explorer_redraw_ms(args.repeats).items():
        print(f"{name:<16} {ms:6.1f} ms  {'ok' if ms < BUDGET_MS else 'OVER'} (budget {BUDGET_MS:.0f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
