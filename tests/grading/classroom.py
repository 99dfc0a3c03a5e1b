"""A generated class of learners with planted mistakes, for the grader's tests and its benchmark.

:func:`make_class` writes ``folder/<learner>/<exercise>.ipynb`` built from
``exercises/`` (what learners get) with the answer cells filled in.  For
``03-channel-sum`` and ``05-output-size-and-same`` every misconception their
checks know is planted, each in one learner's answer (learner ``i`` gets the
``i``-th mistake of each task); then come a library call, crashes, an endless
loop, memory bombs (one allocation of 20 GB; 1 GB at a time), a fork bomb, a
tampered check cell, hard-coded visible answers and an untouched exercise.
The other notebooks are the solutions (or, with ``all_notebooks``, are
included for the benchmark).  It returns a manifest: what each learner was
given, and the ``(grade_id, misconception) -> learners`` the grader must find.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS, EXERCISES = ROOT / "solutions", ROOT / "exercises"

CORR = '''import numpy as np

def _corr(x, k):
    kh, kw = k.shape
    ho, wo = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    y = np.zeros((ho, wo))
    for a in range(kh):
        for b in range(kw):
            y += x[a:a + ho, b:b + wo] * k[a, b]
    return y

'''


def _fn(signature, body):
    return CORR + f"def {signature}:\n" + "".join(f"    {line}\n" for line in body.strip("\n").split("\n"))


PARTIAL = "partial_maps(x, w)"
ONE = "conv_one_filter(x, w, b)"
C3D = "conv3d_through_channels(x, k)"
MAPS = "[_corr(x[:, :, c], w[:, :, c]) for c in range(x.shape[2])]"

#: grade_id of the answer cell -> [(misconception, answer source)], in the order learners get them
MISTAKES = {
    "03-channel-sum": {
        "partial_maps": [
            ("maps-channels-last", _fn(PARTIAL, f"return np.stack({MAPS}, axis=-1)")),
            ("kernel-2d", _fn(PARTIAL, "return np.stack([_corr(x[:, :, c], w[:, :, 0]) for c in range(x.shape[2])])")),
            ("summed-too-early", _fn(PARTIAL, f"return sum({MAPS})")),
            ("slices-misaligned", _fn(PARTIAL, "C = x.shape[2]\nreturn np.stack([_corr(x[:, :, c], w[:, :, C - 1 - c]) "
                                               "for c in range(C)])")),
            ("kernel-flipped", _fn(PARTIAL, "return np.stack([_corr(x[:, :, c], w[::-1, ::-1, c]) "
                                            "for c in range(x.shape[2])])")),
        ],
        "conv_one_filter": [
            ("channels-not-summed", _fn(ONE, f"return np.stack({MAPS}) + b")),
            ("channel-mean", _fn(ONE, f"return sum({MAPS}) / x.shape[2] + b")),
            ("kernel-2d", _fn(ONE, "return _corr(x.sum(axis=2), w[:, :, 0]) + b")),
            ("bias-per-channel", _fn(ONE, "return sum(_corr(x[:, :, c], w[:, :, c]) + b for c in range(x.shape[2]))")),
            ("bias-missing", _fn(ONE, f"return sum({MAPS})")),
            ("kernel-flipped", _fn(ONE, "return sum(_corr(x[:, :, c], w[::-1, ::-1, c]) for c in range(x.shape[2])) + b")),
        ],
        "conv3d_through_channels": [
            ("depth-axis-first", _fn(C3D, "kd = k.shape[2]\nreturn np.stack([sum(_corr(x[:, :, d + j], k[:, :, j]) "
                                          "for j in range(kd)) for d in range(x.shape[2] - kd + 1)], axis=0)")),
            ("depth-reversed", _fn(C3D, "kd = k.shape[2]\nreturn np.stack([sum(_corr(x[:, :, d + j], k[:, :, kd - 1 - j]) "
                                        "for j in range(kd)) for d in range(x.shape[2] - kd + 1)], axis=-1)")),
            ("kernel-flipped", _fn(C3D, "kd = k.shape[2]\nreturn np.stack([sum(_corr(x[:, :, d + j], "
                                        "k[::-1, ::-1, kd - 1 - j]) for j in range(kd)) "
                                        "for d in range(x.shape[2] - kd + 1)], axis=-1)")),
            ("depth-one-position", _fn(C3D, "kd = k.shape[2]\nreturn np.stack([sum(_corr(x[:, :, j], k[:, :, j]) "
                                            "for j in range(kd))], axis=-1)")),
            ("window-count-off-by-one", _fn(C3D, "kd = k.shape[2]\nreturn np.stack([sum(_corr(x[:, :, d + j], k[:, :, j]) "
                                                 "for j in range(kd)) for d in range(x.shape[2] - kd)], axis=-1)")),
            ("depth-not-valid", _fn(C3D, "kd = k.shape[2]\nxp = np.concatenate([x, np.zeros(x.shape[:2] + (kd - 1,))], "
                                         "axis=2)\nreturn np.stack([sum(_corr(xp[:, :, d + j], k[:, :, j]) "
                                         "for j in range(kd)) for d in range(x.shape[2])], axis=-1)")),
        ],
    },
    "05-output-size-and-same": {
        "output_size": [(mid, "def output_size(n, k, stride=1, padding=0, dilation=1):\n"
                              "    keff = (k - 1) * dilation + 1\n    return " + expr + "\n") for mid, expr in [
            ("plus-one-missing", "(n + 2 * padding - keff) // stride"),
            ("rounds-up", "-(-(n + 2 * padding - keff) // stride) + 1"),
            ("dilation-ignored", "(n + 2 * padding - k) // stride + 1"),
            ("dilation-k-times-d", "(n + 2 * padding - k * dilation) // stride + 1"),
            ("padding-one-side", "(n + padding - keff) // stride + 1"),
            ("padding-ignored", "(n - keff) // stride + 1"),
            ("stride-ignored", "n + 2 * padding - keff + 1"),
        ]],
        "same_padding": [(mid, "def same_padding(n, k, stride=1):\n    out = -(-n // stride)\n"
                               "    total = max((out - 1) * stride + k - n, 0)\n    raw = (out - 1) * stride + k - n\n"
                               "    before = total // 2\n    return " + expr + "\n") for mid, expr in [
            ("same-extra-before", "total - before, before"),
            ("stride-ignored", "(k - 1) // 2, k - 1 - (k - 1) // 2"),
            ("same-symmetric-k2", "k // 2, k // 2"),
            ("same-odd-total-lost", "total // 2, total // 2"),
            ("same-negative-total", "raw // 2, raw - raw // 2"),
            ("rounds-up", "-(-total // 2), -(-total // 2)"),
        ]],
        "unused_rows": [(mid, "def unused_rows(n, k, stride=1, padding=(0, 0)):\n    before, after = padding\n"
                              "    covered = set()\n    for start in range(0, n + before + after - k + 1, stride):\n"
                              "        covered.update(range(start, start + k))\n    return " + expr + "\n")
                        for mid, expr in [
            ("unused-only-trailing", "(n + before + after - k) % stride"),
            ("unused-counts-padding", "n + before + after - len(covered)"),
            ("padding-ignored", "sum(1 for r in range(n) if r not in {q for s in range(0, n - k + 1, stride) "
                                "for q in range(s, s + k)})"),
        ]],
        "dilate_kernel": [(mid, "import numpy as np\n\ndef dilate_kernel(k, d):\n    kh, kw = k.shape\n" + body)
                          for mid, body in [
            ("dilation-k-times-d", "    out = np.zeros((kh * d, kw * d))\n    out[::d, ::d] = k\n    return out\n"),
            ("dilation-repeats", "    return k.repeat(d, 0).repeat(d, 1)[:(kh - 1) * d + 1, :(kw - 1) * d + 1]\n"),
            ("dilation-off-by-one", "    s = d + 1\n    out = np.zeros(((kh - 1) * s + 1, (kw - 1) * s + 1))\n"
                                    "    out[::s, ::s] = k\n    return out\n"),
        ]],
    },
}

N_PLANTED = max(len(v) for ex in MISTAKES.values() for v in ex.values())  # learners 0 .. N_PLANTED-1


def _gid(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _answers(name):
    nb = json.loads((SOLUTIONS / f"{name}.ipynb").read_text())
    return {_gid(c): "".join(c["source"]) for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("solution")}


def _notebook(name, answers, extra=(), tamper=False):
    nb = json.loads((EXERCISES / f"{name}.ipynb").read_text())
    for cell in nb["cells"]:
        gid = _gid(cell)
        if gid in answers:
            cell["source"] = answers[gid]
        if tamper and cell["metadata"].get("nbgrader", {}).get("grade") and not cell["metadata"]["nbgrader"].get(
                "solution"):
            cell["source"] = "# the learner emptied this test cell\npass\n"
    for after, code in extra:  # cells the learner added after an answer cell
        i = next(i for i, c in enumerate(nb["cells"]) if _gid(c) == after)
        nb["cells"].insert(i + 1, {"cell_type": "code", "metadata": {}, "source": code, "outputs": [],
                                   "execution_count": None, "id": f"added-{after}"})
    return nb


LIB_ONE = "from convlib import conv2d as c2\n\ndef conv_one_filter(x, w, b):\n    return c2(x, w[..., None], [b])[..., 0]\n"
LIB_OUT = "import convlib as cl\n\ndef output_size(n, k, stride=1, padding=0, dilation=1):\n" \
          "    return cl.output_size(n + 2 * padding, k, stride, 'valid', dilation)\n"
ALLOWED_PARTIAL = "import convlib\n\ndef partial_maps(x, w):\n" \
                  "    return np.stack([convlib.correlate2d(x[:, :, c], w[:, :, c]) for c in range(x.shape[2])])\n"
SPECIAL = {  # learner index (after the planted ones) -> what is special
    0: "library call (03 conv_one_filter, 05 output_size); an allowed call (03 partial_maps)",
    1: "crashes: ZeroDivisionError in an answer cell (03), a syntax error (05)",
    2: "an endless loop in an answer cell (03)",
    3: "memory bomb: one 20 GB allocation (03)",
    4: "memory bomb: 1 GB at a time (05)",
    5: "fork bomb (05)",
    6: "tampered check cells (emptied, check redefined) with a channel-mean answer (03)",
    7: "hard-coded answers to the visible cases (05 output_size): fails only the hidden tests",
    8: "the untouched exercise notebooks",
}


def _hardcoded_output_size():
    from convlib.checks import check_output_size
    from convlib.checks.engine import collecting
    from convlib.checks.output_size_and_same import _counted_output_size

    with collecting() as calls:
        check_output_size(None)
    seen = {args: _counted_output_size(*args) for _, cases in calls for args in cases}
    return ("TABLE = " + repr(seen) + "\n\ndef output_size(n, k, stride=1, padding=0, dilation=1):\n"
            "    return TABLE.get((n, k, stride, padding, dilation), 0)\n")


def make_class(folder, learners: int = 24, notebooks=("03-channel-sum", "05-output-size-and-same")) -> dict:
    """Write the class into ``folder``; the manifest (see the module docstring)."""
    folder = Path(folder)
    expected, given = {}, {}
    base = N_PLANTED
    for i in range(learners):
        who = f"learner{i:02d}"
        (folder / who).mkdir(parents=True, exist_ok=True)
        given[who] = []
        for name in notebooks:
            answers = _answers(name)
            extra, tamper = [], False
            special = i - base
            if i < base and name in MISTAKES:
                for gid, options in MISTAKES[name].items():
                    if i < len(options):
                        mid, code = options[i]
                        answers[gid] = code
                        expected.setdefault((f"test_{gid}", mid), set()).add(who)
                        given[who].append(f"{name}:{gid}:{mid}")
            elif name == "03-channel-sum":
                if special == 0:
                    answers["conv_one_filter"], answers["partial_maps"] = LIB_ONE, ALLOWED_PARTIAL
                elif special == 1:
                    answers["partial_maps"] = "1 / 0\n" + answers["partial_maps"]
                elif special == 2:
                    answers["conv_one_filter"] = "while True:\n    pass\n"
                elif special == 3:
                    answers["conv_one_filter"] = "import numpy as np\nbig = np.ones(20 * 2**30 // 8)\n"
                elif special == 6:
                    answers["conv_one_filter"] = MISTAKES[name]["conv_one_filter"][1][1]
                    extra = [("conv_one_filter", "import convlib.checks\ncheck_channel_sum = lambda fn, **kw: None\n"
                                                 "convlib.checks.check_channel_sum = check_channel_sum\n")]
                    tamper = True
                    expected.setdefault(("test_conv_one_filter", "channel-mean"), set()).add(who)
            elif name == "05-output-size-and-same":
                if special == 0:
                    answers["output_size"] = LIB_OUT
                elif special == 1:
                    answers["same_padding"] = "def same_padding(n, k, stride=1)\n    return 0, 0\n"
                elif special == 4:
                    answers["unused_rows"] = "import numpy as np\nheap = [np.ones(2**27) for _ in range(40)]\n"
                elif special == 5:
                    answers["dilate_kernel"] = "import os\nwhile True:\n    os.fork()\n"
                elif special == 7:
                    answers["output_size"] = _hardcoded_output_size()
            if special == 8:
                nb = json.loads((EXERCISES / f"{name}.ipynb").read_text())
            else:
                nb = _notebook(name, answers, extra, tamper)
            (folder / who / f"{name}.ipynb").write_text(json.dumps(nb, indent=1))
    return {"expected": {k: sorted(v) for k, v in expected.items()}, "given": given, "special": {
        f"learner{base + k:02d}": v for k, v in SPECIAL.items() if base + k < learners}}


def main(argv=None):
    import argparse

    p = argparse.ArgumentParser(description="write a generated class of submissions")
    p.add_argument("folder")
    p.add_argument("--learners", type=int, default=24)
    p.add_argument("--all", action="store_true", help="all 8 exercise notebooks, not only 03 and 05")
    a = p.parse_args(argv)
    names = sorted(q.stem for q in EXERCISES.glob("*.ipynb")) if a.all else ("03-channel-sum", "05-output-size-and-same")
    manifest = make_class(a.folder, a.learners, names)
    print(json.dumps({f"{g} {m}": v for (g, m), v in manifest["expected"].items()}, indent=1))


if __name__ == "__main__":
    main()
