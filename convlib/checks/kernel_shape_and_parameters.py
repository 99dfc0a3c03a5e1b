"""Self-checks for the exercise notebooks: compare, then explain the misconception.

Every ``check_*`` function takes the learner's function, calls it on fixed
edge cases (non-square inputs and kernels, 1x1 and full-size kernels, strides
and padding that do not divide evenly) and on random ones, and compares each
answer with convlib's reference.  A wrong answer raises
:class:`~convlib.check_tools.CheckFailed` (an ``AssertionError``) whose first
line says what is wrong in terms of the likely misconception -- found by
*computing* what that misconception would return and comparing -- followed by
the case and the expected and actual values; in Jupyter only that message is
shown, not the check's traceback.  A passing check
prints one line to standard output, nothing to standard error, raises no
warning, and returns ``None``.

>>> from convlib.checks import check_output_size
>>> def output_size(n, k, stride=1, padding=0, dilation=1):
...     return (n + 2 * padding - (k - 1) * dilation - 1) // stride + 1
>>> check_output_size(output_size)  # doctest: +ELLIPSIS
✓ output_size: all ... cases match ...

``seed`` draws different random cases (hidden tests use another seed).
Array arguments and answers follow the course's naming table: ``x`` is
``(H, W)``, ``(H, W, C_in)`` or ``(N, H, W, C_in)``; ``w`` is
``(KH, KW, C_in, C_out)``; ``b`` is ``(C_out,)``.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from .check_tools import Candidate, Case, CheckFailed, as_int, as_int_tuple, as_result_array, run_cases
from .conv import conv2d as _conv2d
from .gemm import im2col as _im2col
from .geometry import output_size as _output_size
from .geometry import same_padding as _same_padding
from .reference import correlate2d as _correlate2d

__all__ = [
    "check_kernel_shape",
    "check_param_count",
    "check_fingerprint",
    "check_channel_kernels_to_w",
    "check_correlate2d",
    "check_convolve2d",
    "check_partial_maps",
    "check_channel_sum",
    "check_conv3d_channels",
    "check_conv2d",
    "check_conv1x1",
    "check_two_layer_param_count",
    "check_stack_filters",
    "check_output_size",
    "check_same_padding",
    "check_unused_rows",
    "check_dilate_kernel",
    "check_im2col",
    "check_kernel_matrix",
    "check_patch_matrix_bytes",
]

# Bound at import, like check_tools: rebinding numpy's attributes later changes nothing here.
_default_rng = np.random.default_rng
_stack = np.stack
_zeros = np.zeros
_ones = np.ones
_asarray = np.asarray
_pad = np.pad
_concatenate = np.concatenate

FLIP_HINT = (
    "your result equals cross-correlation with the kernel flipped in both axes (k[::-1, ::-1]). That is "
    "true convolution; deep-learning frameworks (and this course) slide the kernel as it is, unflipped: "
    "cross-correlation"
)
FORGOT_SUM_HINT = (
    "your output has C_in channels: did you convolve each channel separately and forget to sum? "
    "Each filter multiplies every input channel by its own KH x KW slice and adds the per-channel maps "
    "into ONE output map"
)
SHARED_KERNEL_HINT = (
    "this matches one 2-D kernel shared by all channels (the slice for channel 0 applied to every channel). "
    "A Conv2D filter is 3-D, (KH, KW, C_in): channel c is multiplied by its own slice w[:, :, c]"
)
MEAN_HINT = (
    "this is the channel *mean*: Conv2D *sums* the per-channel maps (no division by C_in)"
)
CI_FIRST_COLUMNS_HINT = (
    "your columns are ordered (ci, kh, kw), channel first; order them (kh, kw, ci) so that they line up "
    "with w.reshape(-1, C_out)"
)
CI_FIRST_ROWS_HINT = "your rows are ordered (ci, kh, kw); im2col's columns are (kh, kw, ci), so the rows must be too"


def _ints(rng, shape, low=-4, high=5):
    """Random small integers as floats: exact sums and readable messages."""
    return rng.integers(low, high, size=shape).astype(float)


def _corr(x, k, stride=1, pads=((0, 0), (0, 0))):
    return _correlate2d(x, k, stride=stride, padding=pads)


def _shape_label(**arrays):
    return ", ".join(f"{n}.shape={tuple(a.shape)}" for n, a in arrays.items())


# --------------------------------------------------------------------------- reference answers (computed lazily)


def _kernels_to_w(kernels):
    w = _zeros((*kernels[0].shape, len(kernels), 1))
    for c, k in enumerate(kernels):
        w[:, :, c, 0] = k
    return w


def _convolve(x, k):
    """Convolution by its definition: y[i, j] = sum over a, b of x[i + a, j + b] * k[KH-1-a, KW-1-b]."""
    (kh, kw), (h, w) = k.shape, x.shape
    ho, wo = h - kh + 1, w - kw + 1
    y = _zeros((ho, wo))
    for a in range(kh):
        for b in range(kw):
            y += x[a : a + ho, b : b + wo] * k[kh - 1 - a, kw - 1 - b]
    return y


def _one_filter(x, w, b):
    return _conv2d(x, w[..., None], [b])[..., 0]


def _bank(filters):
    w = _zeros((*filters[0].shape, len(filters)))
    for co, f in enumerate(filters):
        w[..., co] = f
    return w


def _counted_output_size(n, k, s, p, d):
    expected = _output_size(n, k, s, (p, p), d)
    assert expected == len(_windows(n + 2 * p, (k - 1) * d + 1, s))
    return expected


def _dilated(k, d):
    z = _zeros(((k.shape[0] - 1) * d + 1, (k.shape[1] - 1) * d + 1))
    z[::d, ::d] = k
    return z


def _kernel_rows(w):
    kh, kw, c_in, c_out = w.shape
    m = _zeros((kh * kw * c_in, c_out))
    for a in range(kh):
        for b in range(kw):
            for ci in range(c_in):
                m[(a * kw + b) * c_in + ci] = w[a, b, ci]
    return m


def _measured_patch_bytes(h, w, c_in, kh, kw, s, itemsize):
    cols = _im2col(_zeros((h, w, c_in), np.float32), (kh, kw), stride=s)  # build it and measure
    return int(cols.shape[0] * cols.shape[1] * itemsize)


# --------------------------------------------------------------------------- 01 kernel shape and parameters


def check_kernel_shape(fn, *, seed=0):
    """Check ``fn(KH, KW, C_in, C_out) -> tuple``, the shape of a Conv2D layer's kernel (Keras layout)."""
    rng = _default_rng(seed)
    sizes = [(3, 3, 3, 16), (5, 2, 4, 7), (1, 1, 8, 2), (2, 3, 1, 6)]
    sizes += [tuple(int(v) for v in rng.choice(range(1, 13), 4, replace=False)) for _ in range(3)]
    cases = [Case(s, f"KH={s[0]}, KW={s[1]}, C_in={s[2]}, C_out={s[3]}", partial(tuple, s), s=s) for s in sizes]
    cands = [
        Candidate(
            "that is one 2-D (KH, KW) kernel per filter, shared by every input channel. Each filter has its own "
            "KH x KW weights for every input channel, so the kernel has a C_in axis too",
            lambda c: (c.info["s"][0], c.info["s"][1], c.info["s"][3]),
        ),
        Candidate(
            "that is a single 2-D kernel. A Conv2D layer holds C_out filters, each a (KH, KW, C_in) block",
            lambda c: c.info["s"][:2],
        ),
        Candidate(
            "that is the shape of ONE filter, (KH, KW, C_in); the layer stacks C_out filters along a last axis",
            lambda c: c.info["s"][:3],
        ),
        Candidate(
            "that is PyTorch's layout (C_out, C_in, KH, KW); Keras and TensorFlow store (KH, KW, C_in, C_out)",
            lambda c: (c.info["s"][3], c.info["s"][2], c.info["s"][0], c.info["s"][1]),
        ),
        Candidate(
            "C_in and C_out are swapped: the input-channel axis comes third and the filter index last",
            lambda c: (c.info["s"][0], c.info["s"][1], c.info["s"][3], c.info["s"][2]),
        ),
    ]
    run_cases(fn, cases, name="kernel_shape(KH, KW, C_in, C_out)", convert=as_int_tuple, candidates=cands,
              reference="Keras' kernel layout (KH, KW, C_in, C_out)")


def _param_count(kh, kw, c_in, c_out, use_bias):
    # Count the entries of the arrays Keras creates: the kernel and (optionally) the bias.
    return int(_zeros((kh, kw, c_in, c_out)).size + (_zeros(c_out).size if use_bias else 0))


def _param_case(kh, kw, c_in, c_out, use_bias):
    label = f"KH={kh}, KW={kw}, C_in={c_in}, C_out={c_out}, use_bias={use_bias}"
    p = (kh, kw, c_in, c_out, use_bias)
    return Case(p, label, partial(_param_count, *p), p=p)


def check_param_count(fn, *, seed=0):
    """Check ``fn(KH, KW, C_in, C_out, use_bias=True) -> int``, a Conv2D layer's trainable parameters."""
    rng = _default_rng(seed)
    cases = [
        _param_case(3, 3, 3, 16, True),
        _param_case(5, 2, 4, 7, True),
        _param_case(3, 5, 6, 2, False),
        _param_case(1, 1, 8, 3, True),
        _param_case(2, 2, 3, 1, True),
    ]
    for _ in range(3):
        kh, kw, c_in, c_out = (int(v) for v in rng.integers(1, 9, 4))
        cases.append(_param_case(kh, kw, c_in, c_out, bool(rng.integers(2))))

    def bias(c):
        return c.info["p"][3] if c.info["p"][4] else 0

    cands = [
        Candidate(
            "this counts one 2-D KH x KW kernel per filter, shared by all channels. Each filter has KH*KW "
            "weights for EVERY input channel: KH*KW*C_in weights per filter",
            lambda c: c.info["p"][0] * c.info["p"][1] * c.info["p"][3] + bias(c),
        ),
        Candidate(
            "the bias is missing: with use_bias=True each of the C_out filters adds one bias",
            lambda c: c.expected - c.info["p"][3] if c.info["p"][4] else None,
        ),
        Candidate(
            "this counts a bias although use_bias=False",
            lambda c: c.expected + c.info["p"][3] if not c.info["p"][4] else None,
        ),
        Candidate(
            "this counts one bias per (input channel, filter) pair; there is ONE bias per filter, added after "
            "the channels are summed",
            lambda c: c.expected - bias(c) + (c.info["p"][2] * c.info["p"][3] if c.info["p"][4] else 0),
        ),
        Candidate(
            "this counts a single filter; the layer has C_out of them, each with its own weights and bias",
            lambda c: c.info["p"][0] * c.info["p"][1] * c.info["p"][2] + (1 if c.info["p"][4] else 0),
        ),
        Candidate(
            "this counts one bias for the whole layer; there is one bias per filter (C_out of them)",
            lambda c: c.expected - bias(c) + 1 if c.info["p"][4] else None,
        ),
    ]
    run_cases(fn, cases, name="conv_param_count(KH, KW, C_in, C_out, use_bias)", convert=as_int, candidates=cands,
              reference="the sizes of the kernel (KH, KW, C_in, C_out) and bias (C_out,) arrays")


def _fingerprint(values, kh, kw):
    c_in = len(values)
    x = _ones((kh + 1, kw + 2, c_in)) * _asarray(values, dtype=float)
    y = _conv2d(x, _ones((kh, kw, c_in, 1)))
    assert (y == y[0, 0, 0]).all()
    return float(y[0, 0, 0])


def _fingerprint_case(values, kh, kw):
    label = f"fill_values={list(values)}, KH={kh}, KW={kw}"
    return Case((list(values), kh, kw), label, partial(_fingerprint, values, kh, kw), v=values, k=(kh, kw))


def check_fingerprint(fn, *, seed=0):
    """Check ``fn(fill_values, KH, KW) -> float``: each output of a ones-kernel on a constant-per-channel image."""
    rng = _default_rng(seed)
    cases = [
        _fingerprint_case([1, 100, 10000], 2, 2),
        _fingerprint_case([1, 10, 100, 1000], 3, 2),
        _fingerprint_case([2, 5], 1, 3),
        _fingerprint_case([7], 2, 2),
    ]
    for _ in range(2):
        c_in = int(rng.integers(2, 5))
        cases.append(_fingerprint_case([int(v) for v in rng.integers(1, 50, c_in)], *(int(v) for v in rng.integers(1, 5, 2))))

    def area(c):
        return c.info["k"][0] * c.info["k"][1]

    cands = [
        Candidate(MEAN_HINT, lambda c: float(area(c) * sum(c.info["v"]) / len(c.info["v"]))),
        Candidate(
            "this is the first channel's contribution only; every input channel contributes and the "
            "contributions are summed", lambda c: float(area(c) * c.info["v"][0])),
        Candidate(
            "this adds one pixel per channel; the KH x KW window covers KH*KW pixels of every channel",
            lambda c: float(sum(c.info["v"]))),
    ]

    def convert(value, name):
        arr = as_result_array(value, name)
        if arr.size == 1:
            return float(arr.reshape(()))
        raise CheckFailed(
            f"{name} returned {arr.size} numbers {arr.tolist()}; one number is expected. {FORGOT_SUM_HINT}."
        )

    run_cases(fn, cases, name="fingerprint(fill_values, KH, KW)", convert=convert, candidates=cands,
              reference="convlib.conv2d on that image")


def check_channel_kernels_to_w(fn, *, seed=0):
    """Check ``fn(kernels) -> w``: C_in 2-D kernels ``(KH, KW)`` -> one filter's weights ``(KH, KW, C_in, 1)``.

    ``kernels[c]`` must land at ``w[:, :, c, 0]``: that is what makes
    ``conv2d(x, w)[..., 0]`` the sum over c of ``correlate2d(x[..., c], kernels[c])``.
    """
    rng = _default_rng(seed)
    shapes = [(3, 2, 3), (2, 2, 1), (1, 3, 4), (3, 3, 2)] + [tuple(int(v) for v in rng.integers(1, 5, 3)) for _ in range(2)]
    cases = []
    for kh, kw, c_in in shapes:
        kernels = [_ints(rng, (kh, kw)) for _ in range(c_in)]
        label = f"{c_in} kernels of shape ({kh}, {kw})"
        cases.append(Case((kernels,), label, partial(_kernels_to_w, kernels), kernels=kernels))
    cands = [
        Candidate(
            "you stacked the kernels along the FIRST axis, (C_in, KH, KW, 1). Keras wants (KH, KW, C_in, C_out): "
            "stack along axis=-1, then add the C_out axis", lambda c: _stack(c.info["kernels"])[..., None]),
        Candidate(
            "the shape (KH, KW, C_in) is one filter; Keras' weights have a 4th axis for the filters: "
            "add it with [..., None]", lambda c: _stack(c.info["kernels"], axis=-1)),
        Candidate(
            "this is (KH, KW, 1, C_in): C_in filters of depth 1 (each seeing one channel). Here it is ONE filter "
            "of depth C_in: (KH, KW, C_in, 1)", lambda c: _stack(c.info["kernels"], axis=-1)[:, :, None, :]),
    ]
    run_cases(fn, cases, name="channel_kernels_to_w(kernels)", convert=as_result_array, candidates=cands,
              reference="the per-channel kernels placed at w[:, :, c, 0]", view=(":", ":", "c", "co"))


# --------------------------------------------------------------------------- 02 cross-correlation


def check_correlate2d(fn, *, strided=False, seed=0):
    """Check a single-channel cross-correlation.

    ``strided=False``: ``fn(x, k)``, valid padding, stride 1.
    ``strided=True``: ``fn(x, k, stride, padding)`` with ``stride = (sh, sw)``
    and ``padding = ((top, bottom), (left, right))`` zeros.
    ``x`` is ``(H, W)``, ``k`` is ``(KH, KW)``; the answer is ``(Ho, Wo)``.
    """
    rng = _default_rng(seed)
    if strided:
        geoms = [
            ((5, 6), (2, 3), (1, 1), ((0, 0), (0, 0))),
            ((7, 6), (3, 2), (2, 1), ((0, 0), (0, 0))),
            ((5, 7), (2, 2), (1, 2), ((1, 1), (0, 0))),
            ((6, 8), (3, 3), (2, 3), ((0, 1), (2, 1))),
            ((8, 5), (2, 3), (3, 2), ((1, 0), (1, 1))),
        ]
        for _ in range(3):
            h, w = (int(v) for v in rng.integers(3, 10, 2))
            kh, kw = (int(v) for v in rng.integers(1, 4, 2))
            s = tuple(int(v) for v in rng.integers(1, 4, 2))
            p = tuple(tuple(int(v) for v in rng.integers(0, 3, 2)) for _ in range(2))
            geoms.append(((h, w), (kh, kw), s, p))
    else:
        geoms = [((4, 5), (2, 2)), ((5, 7), (2, 3)), ((6, 4), (3, 1)), ((3, 3), (3, 3)), ((4, 6), (1, 1))]
        geoms += [((int(h), int(w)), (int(kh), int(kw))) for h, w, kh, kw in
                  zip(*(rng.integers(lo, hi, 3) for lo, hi in ((4, 9), (4, 9), (1, 4), (1, 4))))]
        geoms = [(hw, khw, (1, 1), ((0, 0), (0, 0))) for hw, khw in geoms]
    cases = []
    for hw, khw, s, p in geoms:
        x, k = _ints(rng, hw), _ints(rng, khw)
        expected = partial(_corr, x, k, s, p)
        if strided:
            label = f"{_shape_label(x=x, k=k)}, stride={s}, padding={p}"
            args = (x, k, s, p)
        else:
            label = _shape_label(x=x, k=k)
            args = (x, k)
        cases.append(Case(args, label, expected, x=x, k=k, s=s, p=p))

    def swapped_pads(p):
        return (p[1], p[0])

    cands = [
        Candidate(FLIP_HINT, lambda c: _corr(c.info["x"], c.info["k"][::-1, ::-1], c.info["s"], c.info["p"])),
        Candidate(
            "this is the mean of the products in each window; cross-correlation takes their SUM",
            lambda c: c.expected / c.info["k"].size),
        Candidate(
            "rows and columns of your output are swapped (it is the transpose of the expected map)",
            lambda c: c.expected.T),
        Candidate(
            "your result matches the kernel transposed (k.T): keep k[a, b] at row offset a, column offset b",
            lambda c: _corr(c.info["x"], c.info["k"].T, c.info["s"], c.info["p"])),
        Candidate(
            "one window position is missing along each axis: a KH-row window fits at H - KH + 1 starting rows "
            "(range(H - KH + 1)), not H - KH", lambda c: c.expected[:-1, :-1]),
        Candidate(
            "one window position is missing along H: a KH-row window fits at H - KH + 1 starting rows",
            lambda c: c.expected[:-1, :]),
        Candidate(
            "one window position is missing along W: a KW-column window fits at W - KW + 1 starting columns",
            lambda c: c.expected[:, :-1]),
    ]
    if strided:
        cands += [
            Candidate(
                "the strides are swapped: stride = (sh, sw) steps sh rows down (H) and sw columns across (W)",
                lambda c: _corr(c.info["x"], c.info["k"], c.info["s"][::-1], c.info["p"])),
            Candidate(
                "this ignores the stride: the window must move sh rows / sw columns between outputs",
                lambda c: _corr(c.info["x"], c.info["k"], 1, c.info["p"])),
            Candidate(
                "this subsamples the input before correlating (x[::sh, ::sw]); the stride moves the window, which "
                "still covers KH x KW neighbouring pixels",
                lambda c: _corr(_pad(c.info["x"], c.info["p"])[:: c.info["s"][0], :: c.info["s"][1]], c.info["k"])),
            Candidate(
                "this ignores the padding: add `top` zero rows above, `bottom` below, `left` and `right` zero "
                "columns before sliding the window", lambda c: _corr(c.info["x"], c.info["k"], c.info["s"])),
            Candidate(
                "the padding axes are swapped: padding = ((top, bottom), (left, right)) pads rows (H) first",
                lambda c: _corr(c.info["x"], c.info["k"], c.info["s"], swapped_pads(c.info["p"]))),
            Candidate(
                "before and after are swapped: padding[0] = (top, bottom), padding[1] = (left, right)",
                lambda c: _corr(c.info["x"], c.info["k"], c.info["s"], tuple(a[::-1] for a in c.info["p"]))),
            Candidate(
                "this pads by repeating the edge pixels; convolution layers pad with ZEROS",
                lambda c: _corr(_pad(c.info["x"], c.info["p"], mode="edge"), c.info["k"], c.info["s"])),
        ]

    def shape_hint(case, actual):
        if actual.ndim != 2:
            return f"a single-channel correlation returns a 2-D (Ho, Wo) map, your answer has {actual.ndim} axes"
        if actual.shape == case.info["x"].shape and actual.shape != case.expected.shape:
            return ("your output has the input's size; that needs padding, and this task adds none"
                    + (" beyond `padding`" if strided else " (valid: windows fit entirely inside x)"))
        if not strided:
            return "the output shape is wrong: a valid window fits at Ho = H - KH + 1 rows and Wo = W - KW + 1 columns"
        return ("the output shape is wrong: Ho = (H + top + bottom - KH) // sh + 1 and "
                "Wo = (W + left + right - KW) // sw + 1")

    name = "correlate2d(x, k, stride, padding)" if strided else "correlate2d_valid(x, k)"
    run_cases(fn, cases, name=name, convert=as_result_array, candidates=cands, shape_hints=shape_hint,
              reference="convlib.correlate2d")


def check_convolve2d(fn, *, seed=0):
    """Check ``fn(x, k)``: TRUE 2-D convolution (kernel flipped), valid, single channel."""
    rng = _default_rng(seed)
    geoms = [((5, 6), (2, 3)), ((6, 6), (3, 3)), ((4, 7), (1, 3)), ((5, 4), (2, 2))]
    geoms += [((int(rng.integers(4, 9)), int(rng.integers(4, 9))), (int(rng.integers(1, 4)), int(rng.integers(1, 4))))
              for _ in range(2)]
    cases = []
    for hw, khw in geoms:
        x, k = _ints(rng, hw), _ints(rng, khw)
        cases.append(Case((x, k), _shape_label(x=x, k=k), partial(_convolve, x, k), x=x, k=k))
    cands = [
        Candidate(
            "this is cross-correlation, what frameworks call 'convolution'. True convolution flips the kernel in "
            "both axes first: correlate with k[::-1, ::-1]", lambda c: _corr(c.info["x"], c.info["k"])),
        Candidate(
            "the kernel is flipped along H only (k[::-1]); true convolution flips both axes",
            lambda c: _corr(c.info["x"], c.info["k"][::-1])),
        Candidate(
            "the kernel is flipped along W only (k[:, ::-1]); true convolution flips both axes",
            lambda c: _corr(c.info["x"], c.info["k"][:, ::-1])),
        Candidate(
            "this uses the transposed kernel k.T; transposing is not flipping (flip both axes: k[::-1, ::-1])",
            lambda c: _corr(c.info["x"], c.info["k"].T)),
    ]
    run_cases(fn, cases, name="convolve2d(x, k)", convert=as_result_array, candidates=cands,
              reference="the definition y[i, j] = sum x[i + a, j + b] * k[KH-1-a, KW-1-b]")


# --------------------------------------------------------------------------- 03 the channel sum


def _one_filter_cases(rng, with_bias):
    shapes = [((5, 6, 3), (2, 3)), ((4, 4, 2), (3, 3)), ((6, 5, 4), (1, 2)), ((5, 5, 2), (2, 2))]
    shapes += [((int(rng.integers(3, 8)), int(rng.integers(3, 8)), int(rng.integers(2, 5))),
                (int(rng.integers(1, 4)), int(rng.integers(1, 4)))) for _ in range(2)]
    out = []
    for xs, khw in shapes:
        x, w = _ints(rng, xs), _ints(rng, (*khw, xs[2]))
        b = float(rng.integers(1, 5)) if with_bias else None
        out.append((x, w, b))
    return out


def _maps(x, w):
    """The C_in partial maps ``(C_in, Ho, Wo)``: channel c correlated with its own slice w[:, :, c]."""
    return _stack([_corr(x[:, :, c], w[:, :, c]) for c in range(x.shape[2])])


def check_partial_maps(fn, *, seed=0):
    """Check ``fn(x, w) -> (C_in, Ho, Wo)``: x ``(H, W, C_in)``, one filter w ``(KH, KW, C_in)``, valid."""
    rng = _default_rng(seed)
    cases = []
    for x, w, _ in _one_filter_cases(rng, False):
        cases.append(Case((x, w), _shape_label(x=x, w=w), partial(_maps, x, w), x=x, w=w))
    cands = [
        Candidate(
            "your maps are channels-last (Ho, Wo, C_in); this function returns maps[c] for each channel c: "
            "(C_in, Ho, Wo)", lambda c: c.expected.transpose(1, 2, 0)),
        Candidate(SHARED_KERNEL_HINT,
                  lambda c: _maps(c.info["x"], _stack([c.info["w"][:, :, 0]] * c.info["w"].shape[2], axis=-1))),
        Candidate(
            "you summed the maps already; this function returns the C_in partial maps BEFORE the sum",
            lambda c: c.expected.sum(axis=0)),
        Candidate(
            "channel c is paired with the wrong kernel slice: x[:, :, c] goes with w[:, :, c]",
            lambda c: _maps(c.info["x"], c.info["w"][:, :, ::-1])),
        Candidate(FLIP_HINT, lambda c: _maps(c.info["x"], c.info["w"][::-1, ::-1])),
    ]
    run_cases(fn, cases, name="partial_maps(x, w)", convert=as_result_array, candidates=cands,
              reference="convlib.correlate2d per channel", view=("c", ":", ":"))


def _forgot_sum_shape(case, actual):
    """The answer's shape shows C_in channels where one map per filter is expected."""
    c_in, expected = case.info["x"].shape[-1], case.expected
    if actual.ndim == expected.ndim and actual.ndim and actual.shape[-1] == c_in != expected.shape[-1]:
        return FORGOT_SUM_HINT
    if actual.ndim == expected.ndim + 1 and c_in in actual.shape:
        return FORGOT_SUM_HINT
    return None


def check_channel_sum(fn, *, seed=0):
    """Check ``fn(x, w, b) -> (Ho, Wo)``: one filter over all channels, summed, plus the bias ``b`` (a number)."""
    rng = _default_rng(seed)
    cases = []
    for x, w, b in _one_filter_cases(rng, True):
        expected = partial(_one_filter, x, w, b)
        cases.append(Case((x, w, b), f"{_shape_label(x=x, w=w)}, b={b}", expected, x=x, w=w, b=b))

    def maps(c):
        return _maps(c.info["x"], c.info["w"])

    cands = [
        Candidate(FORGOT_SUM_HINT, lambda c: maps(c) + c.info["b"]),
        Candidate(FORGOT_SUM_HINT, lambda c: (maps(c) + c.info["b"]).transpose(1, 2, 0)),
        Candidate(FORGOT_SUM_HINT, lambda c: maps(c)),
        Candidate(FORGOT_SUM_HINT, lambda c: maps(c).transpose(1, 2, 0)),
        Candidate(MEAN_HINT, lambda c: maps(c).mean(axis=0) + c.info["b"]),
        Candidate(SHARED_KERNEL_HINT,
                  lambda c: _corr(c.info["x"].sum(axis=2), c.info["w"][:, :, 0]) + c.info["b"]),
        Candidate(
            "the bias is added once per channel (C_in times); it is added ONCE, after the channel sum",
            lambda c: c.expected + (c.info["x"].shape[2] - 1) * c.info["b"]),
        Candidate("the bias b is missing: add it once, after the channel sum", lambda c: c.expected - c.info["b"]),
        Candidate(FLIP_HINT, lambda c: _conv2d(c.info["x"], c.info["w"][::-1, ::-1, :, None], [c.info["b"]])[..., 0]),
    ]
    run_cases(fn, cases, name="conv_one_filter(x, w, b)", convert=as_result_array, candidates=cands,
              shape_hints=_forgot_sum_shape, reference="convlib.conv2d")


def _conv3d(x, k):
    """A kernel (KH, KW, KD) sliding along H, W and the channel axis: conv2d on each depth window."""
    kd = k.shape[2]
    return _stack([_conv2d(x[:, :, d : d + kd], k[..., None])[..., 0] for d in range(x.shape[2] - kd + 1)], axis=-1)


def check_conv3d_channels(fn, *, seed=0):
    """Check ``fn(x, k) -> (Ho, Wo, C - KD + 1)``: x ``(H, W, C)``, k ``(KH, KW, KD)``, valid along all 3 axes."""
    rng = _default_rng(seed)
    geoms = [((5, 6, 4), (2, 3, 2)), ((4, 4, 3), (3, 3, 3)), ((5, 5, 5), (2, 2, 1)), ((6, 4, 5), (1, 2, 3))]
    cases = []
    for xs, ks in geoms:
        x, k = _ints(rng, xs), _ints(rng, ks)
        cases.append(Case((x, k), _shape_label(x=x, k=k), partial(_conv3d, x, k), x=x, k=k))
    cands = [
        Candidate(
            "the depth axis comes first; keep channels last: (Ho, Wo, C - KD + 1)",
            lambda c: c.expected.transpose(2, 0, 1)),
        Candidate(
            "the kernel's depth axis is reversed (k[:, :, ::-1]): kernel slice k[:, :, j] meets channel d + j",
            lambda c: _conv3d(c.info["x"], c.info["k"][:, :, ::-1])),
        Candidate(
            "the kernel is flipped in all three axes: that is true 3-D convolution; Conv3D, like Conv2D, "
            "cross-correlates", lambda c: _conv3d(c.info["x"], c.info["k"][::-1, ::-1, ::-1])),
        Candidate(
            "this is only the first depth position (what Conv2D gives when KD == C); a kernel that slides "
            "through the channels has C - KD + 1 depth positions", lambda c: c.expected[..., :1]),
        Candidate(
            "the last depth position is missing: a KD-deep kernel fits at C - KD + 1 depth positions, "
            "range(C - KD + 1), not range(C - KD)",
            lambda c: c.expected[..., :-1] if c.expected.shape[2] > 1 else None),
        Candidate(
            "this is only the first depth position (what Conv2D gives when KD == C); a kernel that slides "
            "through the channels has C - KD + 1 depth positions", lambda c: c.expected[..., 0]),
    ]

    def shape_hint(case, actual):
        c = case.info["x"].shape[2]
        if actual.ndim == 3 and actual.shape[2] == c and c != case.expected.shape[2]:
            return "your output has C depth positions; a KD-deep kernel fits at only C - KD + 1 (valid)"
        return None

    run_cases(fn, cases, name="conv3d_through_channels(x, k)", convert=as_result_array, candidates=cands,
              shape_hints=shape_hint, reference="convlib.conv2d on each window of KD channels", view=(":", ":", "d"))


# --------------------------------------------------------------------------- 04 many filters


def check_conv2d(fn, *, batched=True, seed=0):
    """Check a full Conv2D layer, valid padding, stride 1.

    ``batched=True``: ``fn(x, w, b)`` with x ``(N, H, W, C_in)`` returns
    ``(N, Ho, Wo, C_out)``; ``batched=False``: x ``(H, W, C_in)`` returns
    ``(Ho, Wo, C_out)``.  w is ``(KH, KW, C_in, C_out)``, b is ``(C_out,)``.
    """
    rng = _default_rng(seed)
    geoms = [((2, 5, 6, 3), (2, 3, 3, 4)), ((1, 4, 4, 1), (2, 2, 1, 3)), ((2, 6, 5, 4), (1, 1, 4, 2)),
             ((1, 3, 5, 2), (3, 3, 2, 5))]
    for _ in range(2):
        n, h, w_, c_in, c_out = (int(v) for v in rng.integers(1, 6, 5))
        kh, kw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        geoms.append(((n, h + 2, w_ + 2, c_in), (kh, kw, c_in, c_out)))
    cases = []
    for xs, ws in geoms:
        x, w, b = _ints(rng, xs), _ints(rng, ws), _ints(rng, ws[3:], 1, 4)
        if not batched:
            x = x[0]
        cases.append(Case((x, w, b), _shape_label(x=x, w=w, b=b), partial(_conv2d, x, w, b), x=x, w=w, b=b))

    def unsummed(c):
        # y[..., ci, co]: channel ci correlated with its own slice w[:, :, ci, co], NOT summed over ci.
        x, w = c.info["x"], c.info["w"]
        maps = [[_conv2d(x[..., ci : ci + 1], w[:, :, ci : ci + 1, co : co + 1])[..., 0] for co in range(w.shape[3])]
                for ci in range(w.shape[2])]
        return _asarray(maps).transpose(*range(2, x.ndim + 1), 0, 1)

    def no_bias(c):
        return c.expected - c.info["b"]

    cands = [
        Candidate(FORGOT_SUM_HINT, lambda c: unsummed(c) + c.info["b"]),
        Candidate(FORGOT_SUM_HINT, lambda c: unsummed(c)),
        Candidate(FORGOT_SUM_HINT, lambda c: (unsummed(c) + c.info["b"]).reshape(*c.expected.shape[:-1], -1)),
        Candidate(FORGOT_SUM_HINT, lambda c: unsummed(c)[..., 0] + c.info["b"][0]),
        Candidate(MEAN_HINT, lambda c: no_bias(c) / c.info["x"].shape[-1] + c.info["b"]),
        Candidate(SHARED_KERNEL_HINT,
                  lambda c: _conv2d(c.info["x"].sum(axis=-1, keepdims=True), c.info["w"][:, :, :1, :], c.info["b"])),
        Candidate(
            "the bias is added once per input channel (C_in times); each filter adds its bias ONCE, after the sum",
            lambda c: c.expected + (c.info["x"].shape[-1] - 1) * c.info["b"]),
        Candidate("the bias b is missing: add b[co] to output channel co", no_bias),
        Candidate(FLIP_HINT, lambda c: _conv2d(c.info["x"], c.info["w"][::-1, ::-1], c.info["b"])),
        Candidate(
            "your output is channels-first (C_out before Ho, Wo); the course uses NHWC: channels last",
            lambda c: c.expected.transpose(0, 3, 1, 2) if c.expected.ndim == 4 else c.expected.transpose(2, 0, 1)),
    ]
    def gemm(c, patches_ci_first):
        # One image: the patch matrix times the kernel matrix, one of them ordered (ci, kh, kw), the other (kh, kw, ci).
        x, w = c.info["x"], c.info["w"]
        kh, kw, c_in, c_out = w.shape
        cols = _im2col(x, (kh, kw))
        rows = w.reshape(-1, c_out)
        if patches_ci_first:
            cols = cols.reshape(-1, kh, kw, c_in).transpose(0, 3, 1, 2).reshape(cols.shape)
        else:
            rows = w.transpose(2, 0, 1, 3).reshape(-1, c_out)
        return (cols @ rows + c.info["b"]).reshape(c.expected.shape)

    if not batched:
        cands += [
            Candidate("the patch matrix and the kernel matrix are in different orders: " + CI_FIRST_COLUMNS_HINT,
                      lambda c: gemm(c, True) if c.info["w"].shape[2] > 1 else None),
            Candidate("the patch matrix and the kernel matrix are in different orders: your kernel matrix's rows "
                      "are ordered (ci, kh, kw); im2col's columns are (kh, kw, ci), so the rows must be too",
                      lambda c: gemm(c, False) if c.info["w"].shape[2] > 1 else None),
        ]
    name = "conv2d_layer(x, w, b)" if batched else "conv2d_gemm(x, w, b)"
    run_cases(fn, cases, name=name, convert=as_result_array, candidates=cands, shape_hints=_forgot_sum_shape,
              reference="convlib.conv2d", view=("n", ":", ":", "co") if batched else (":", ":", "co"))


def check_conv1x1(fn, *, seed=0):
    """Check ``fn(x, w) -> (H, W, C_out)``: a 1x1 convolution, x ``(H, W, C_in)``, w ``(C_in, C_out)``."""
    rng = _default_rng(seed)
    geoms = [((3, 3, 3), (3, 3)), ((4, 5, 3), (3, 2)), ((2, 6, 1), (1, 4)), ((5, 2, 4), (4, 1))]
    cases = []
    for xs, ws in geoms:
        x, w = _ints(rng, xs), _ints(rng, ws)
        cases.append(Case((x, w), _shape_label(x=x, w=w), partial(_conv2d, x, w[None, None]), x=x, w=w))
    cands = [
        Candidate(
            "this uses w.T: w[ci, co] carries input channel ci to output channel co, so y = x @ w",
            lambda c: c.info["x"] @ c.info["w"].T),
        Candidate(
            "the products are not summed over the input channels: " + FORGOT_SUM_HINT,
            lambda c: c.info["x"][..., :, None] * c.info["w"]),
        Candidate(
            "the pixels are scrambled: after (H*W, C_in) @ (C_in, C_out), reshape back to (H, W, C_out) "
            "(rows are pixels in row-major order)",
            lambda c: (c.info["x"].reshape(-1, c.info["x"].shape[2]) @ c.info["w"]).reshape(
                c.info["x"].shape[1], c.info["x"].shape[0], -1)),
        Candidate(
            "H and W are swapped in your output", lambda c: c.expected.transpose(1, 0, 2)),
    ]
    run_cases(fn, cases, name="conv1x1(x, w)", convert=as_result_array, candidates=cands,
              shape_hints=_forgot_sum_shape, reference="convlib.conv2d with a (1, 1, C_in, C_out) kernel",
              view=(":", ":", "co"))


def _two_layer_count(c_in, k1, f1, k2, f2):
    arrays = [(k1, k1, c_in, f1), (f1,), (k2, k2, f1, f2), (f2,)]
    return int(sum(_zeros(s).size for s in arrays))


def _two_layer_case(c_in, k1, f1, k2, f2):
    label = f"C_in={c_in}, k1={k1}, f1={f1}, k2={k2}, f2={f2}"
    p = (c_in, k1, f1, k2, f2)
    return Case(p, label, partial(_two_layer_count, *p), p=p)


def check_two_layer_param_count(fn, *, seed=0):
    """Check ``fn(C_in, k1, f1, k2, f2) -> int``: two stacked Conv2D layers (k x k kernels, with bias)."""
    rng = _default_rng(seed)
    cases = [_two_layer_case(3, 3, 16, 3, 32), _two_layer_case(1, 5, 6, 3, 10), _two_layer_case(4, 1, 8, 3, 2)]
    cases += [_two_layer_case(*(int(v) for v in rng.integers(1, 9, 5))) for _ in range(3)]

    def layer(k, depth, filters):
        return (k * k * depth + 1) * filters

    cands = [
        Candidate(
            "the second layer's kernels are counted C_in deep; they are as deep as the FIRST layer's output, "
            "which has f1 channels: (k2*k2*f1 + 1) * f2",
            lambda c: layer(c.info["p"][1], c.info["p"][0], c.info["p"][2]) + layer(c.info["p"][3], c.info["p"][0], c.info["p"][4])),
        Candidate(
            "the second layer's kernels are counted as 2-D (depth 1); they span all f1 channels of the first "
            "layer's output", lambda c: layer(c.info["p"][1], c.info["p"][0], c.info["p"][2]) + layer(c.info["p"][3], 1, c.info["p"][4])),
        Candidate(
            "this counts 2-D kernels (depth 1) in both layers; every filter is as deep as its input",
            lambda c: layer(c.info["p"][1], 1, c.info["p"][2]) + layer(c.info["p"][3], 1, c.info["p"][4])),
        Candidate(
            "the biases are missing: each filter of each layer has one",
            lambda c: c.expected - c.info["p"][2] - c.info["p"][4]),
        Candidate(
            "this counts only the first layer", lambda c: layer(c.info["p"][1], c.info["p"][0], c.info["p"][2])),
    ]
    run_cases(fn, cases, name="two_layer_param_count(C_in, k1, f1, k2, f2)", convert=as_int, candidates=cands,
              reference="the sizes of both layers' kernel and bias arrays")


def check_stack_filters(fn, *, seed=0):
    """Check ``fn(filters) -> w``: a list of C_out filters ``(KH, KW, C_in)`` -> ``(KH, KW, C_in, C_out)``."""
    rng = _default_rng(seed)
    geoms = [(3, (2, 3, 4)), (1, (2, 2, 3)), (5, (1, 1, 2)), (2, (3, 2, 1))]
    cases = []
    for c_out, fs in geoms:
        filters = [_ints(rng, fs) for _ in range(c_out)]
        cases.append(Case((filters,), f"{c_out} filters of shape {fs}", partial(_bank, filters), filters=filters))
    cands = [
        Candidate(
            "the filter index is first, (C_out, KH, KW, C_in); Keras keeps it LAST: stack along axis=-1",
            lambda c: _stack(c.info["filters"])),
        Candidate(
            "the filters are concatenated along the channel axis: that makes ONE filter C_out times deeper. "
            "Stack them along a new last axis instead", lambda c: _concatenate(c.info["filters"], axis=-1)),
        Candidate(
            "C_in and C_out are swapped: the layout is (KH, KW, C_in, C_out)",
            lambda c: _stack(c.info["filters"], axis=2)),
    ]
    run_cases(fn, cases, name="stack_filters(filters)", convert=as_result_array, candidates=cands,
              reference="w[..., co] = filters[co]", view=(":", ":", "ci", "co"))


# --------------------------------------------------------------------------- 05 output size and 'same'


def _windows(n_padded, k_eff, stride):
    """Starting rows of every window position, found by sliding (no formula)."""
    starts, start = [], 0
    while start + k_eff <= n_padded:
        starts.append(start)
        start += stride
    return starts


def check_output_size(fn, *, seed=0):
    """Check ``fn(n, k, stride, padding, dilation) -> int`` along one axis; ``padding`` zeros on EACH side."""
    rng = _default_rng(seed)
    # Ordered so that each misconception first shows on a case where no other one gives the same number.
    params = [(5, 3, 1, 0, 1), (6, 2, 1, 0, 1), (7, 3, 2, 0, 1), (8, 3, 3, 0, 1), (11, 2, 1, 2, 1), (12, 2, 1, 1, 3),
              (5, 3, 1, 1, 1), (6, 4, 2, 1, 1), (7, 3, 1, 0, 2), (28, 5, 2, 2, 1), (9, 3, 2, 1, 3), (10, 4, 3, 2, 2)]
    while len(params) < 16:
        n, k, s, p, d = int(rng.integers(3, 30)), int(rng.integers(1, 6)), int(rng.integers(1, 4)), int(
            rng.integers(0, 3)), int(rng.integers(1, 3))
        if (k - 1) * d + 1 <= n + 2 * p:
            params.append((n, k, s, p, d))
    cases = []
    for n, k, s, p, d in params:
        cases.append(Case((n, k, s, p, d), f"n={n}, k={k}, stride={s}, padding={p}, dilation={d}",
                          partial(_counted_output_size, n, k, s, p, d), p=(n, k, s, p, d)))

    def span(c):
        n, k, s, p, d = c.info["p"]
        return n + 2 * p - (k - 1) * d - 1

    cands = [
        Candidate(
            "the +1 is missing: the first window position counts too. out = (n + 2p - k_eff) // stride + 1",
            lambda c: span(c) // c.info["p"][2]),
        Candidate(
            "this rounds up; a window that does not fit entirely is dropped, so divide with floor (//)",
            lambda c: -(-span(c) // c.info["p"][2]) + 1),
        Candidate(
            "this ignores the dilation: a k-tap kernel with dilation d spans k_eff = (k - 1) * d + 1 pixels",
            lambda c: (c.info["p"][0] + 2 * c.info["p"][3] - c.info["p"][1]) // c.info["p"][2] + 1),
        Candidate(
            "this uses k * d for the dilated kernel; it spans (k - 1) * d + 1 pixels (d - 1 gaps between taps)",
            lambda c: (c.info["p"][0] + 2 * c.info["p"][3] - c.info["p"][1] * c.info["p"][4]) // c.info["p"][2] + 1),
        Candidate(
            "this pads one side only; `padding` zeros go on EACH side: n + 2 * padding",
            lambda c: (span(c) - c.info["p"][3]) // c.info["p"][2] + 1),
        Candidate(
            "this ignores the padding", lambda c: (span(c) - 2 * c.info["p"][3]) // c.info["p"][2] + 1),
        Candidate(
            "this ignores the stride: the window moves `stride` pixels between outputs", lambda c: span(c) + 1),
    ]
    run_cases(fn, cases, name="output_size(n, k, stride, padding, dilation)", convert=as_int, candidates=cands,
              reference="convlib.output_size (and counting window positions)")


def check_same_padding(fn, *, seed=0):
    """Check ``fn(n, k, stride) -> (before, after)``: TensorFlow's 'same' padding along one axis."""
    rng = _default_rng(seed)
    # (6, 4, 2) comes early: there the symmetric k // 2 answer is wrong and no other misconception gives it.
    params = [(5, 3, 1), (6, 4, 2), (5, 2, 1), (6, 3, 2), (7, 3, 2), (4, 4, 1), (10, 5, 3), (5, 1, 2), (9, 1, 3),
              (9, 6, 2)]
    params += [(int(rng.integers(3, 20)), int(rng.integers(1, 7)), int(rng.integers(1, 4))) for _ in range(5)]
    cases = [Case((n, k, s), f"n={n}, k={k}, stride={s}", partial(_same_padding, n, k, s), p=(n, k, s))
             for n, k, s in params]

    def total(n, k, s):
        return ((-(-n // s)) - 1) * s + k - n

    cands = [
        Candidate(
            "off by one row: TensorFlow's 'same' puts the extra padding at the bottom/right (after), "
            "the smaller half at the top/left (before)", lambda c: c.expected[::-1]),
        Candidate(
            "this ignores the stride: the total is max((ceil(n / stride) - 1) * stride + k - n, 0), which "
            "is k - 1 only for stride 1",
            lambda c: ((c.info["p"][1] - 1) // 2, c.info["p"][1] - 1 - (c.info["p"][1] - 1) // 2)),
        Candidate(
            "this is the symmetric k // 2 convention (PyTorch's padding=k//2): k // 2 zeros on both sides, "
            "whatever the stride. TensorFlow's 'same' pads total = max((ceil(n / stride) - 1) * stride + k - n, 0) "
            "and, when the total is odd, puts the extra zero after (bottom/right)",
            lambda c: None if c.info["p"][1] // 2 == -(-sum(c.expected) // 2) else (c.info["p"][1] // 2,) * 2),
        Candidate(
            "with an odd total, one zero row is lost: before = total // 2 and after = total - before",
            lambda c: (sum(c.expected) // 2, sum(c.expected) // 2)),
        Candidate(
            "the total can be negative here (large stride): TensorFlow clips it at 0, max(total, 0)",
            lambda c: (total(*c.info["p"]) // 2, total(*c.info["p"]) - total(*c.info["p"]) // 2)),
        Candidate(
            "this rounds the half up on both sides; before = total // 2, after = total - before",
            lambda c: (-(-sum(c.expected) // 2), -(-sum(c.expected) // 2))),
    ]
    run_cases(fn, cases, name="same_padding(n, k, stride)", convert=as_int_tuple, candidates=cands,
              reference="convlib.same_padding (TensorFlow's rule)")


def _unused(n, k, stride, before, after):
    covered = set()
    for start in _windows(n + before + after, k, stride):
        covered.update(range(start, start + k))
    return sum(1 for row in range(before, before + n) if row not in covered)


def check_unused_rows(fn, *, seed=0):
    """Check ``fn(n, k, stride, padding) -> int``: input rows no window covers; ``padding = (before, after)``."""
    rng = _default_rng(seed)
    params = [(5, 3, 1, (0, 0)), (6, 3, 2, (0, 0)), (7, 1, 2, (0, 0)), (6, 1, 3, (1, 1)), (8, 3, 3, (1, 1)),
              (10, 2, 4, (0, 0)),
              (9, 3, 2, (0, 1)), (11, 2, 3, (1, 0)), (7, 2, 3, (0, 0))]
    while len(params) < 14:
        n, k, s = int(rng.integers(3, 16)), int(rng.integers(1, 5)), int(rng.integers(1, 6))
        pads = (int(rng.integers(0, 3)), int(rng.integers(0, 3)))
        if k <= n + sum(pads):
            params.append((n, k, s, pads))
    cases = [Case((n, k, s, p), f"n={n}, k={k}, stride={s}, padding={p}", partial(_unused, n, k, s, *p),
                  p=(n, k, s, p)) for n, k, s, p in params]
    cands = [
        Candidate(
            "this counts only the rows left over after the last window; when stride > k the rows BETWEEN "
            "windows are skipped too",
            lambda c: (c.info["p"][0] + sum(c.info["p"][3]) - c.info["p"][1]) % c.info["p"][2]),
        Candidate(
            "this counts padding rows as well; count only the n rows of the input",
            lambda c: c.info["p"][0] + sum(c.info["p"][3]) - len(
                {r for s in _windows(c.info["p"][0] + sum(c.info["p"][3]), c.info["p"][1], c.info["p"][2])
                 for r in range(s, s + c.info["p"][1])})),
        Candidate(
            "this ignores the padding: it shifts the windows and adds rows at the end",
            lambda c: _unused(c.info["p"][0], c.info["p"][1], c.info["p"][2], 0, 0)),
    ]
    run_cases(fn, cases, name="unused_rows(n, k, stride, padding)", convert=as_int, candidates=cands,
              reference="sliding the window and marking covered rows")


def check_dilate_kernel(fn, *, seed=0):
    """Check ``fn(k, d) -> kernel``: ``(KH, KW)`` -> ``((KH-1)*d + 1, (KW-1)*d + 1)`` with d - 1 zeros between taps."""
    rng = _default_rng(seed)
    params = [((2, 2), 2), ((3, 2), 3), ((1, 3), 2), ((3, 3), 1), ((2, 3), 4)]
    cases = []
    for khw, d in params:
        k = _ints(rng, khw, 1, 6)  # non-zero taps, so inserted zeros are visible
        cases.append(Case((k, d), f"k.shape={khw}, d={d}", partial(_dilated, k, d), k=k, d=d))

    def spaced(k, step, size):
        z = _zeros(size)
        z[::step, ::step][: k.shape[0], : k.shape[1]] = k
        return z

    cands = [
        Candidate(
            "there are trailing zeros after the last tap: a dilated kernel spans (KH - 1) * d + 1 rows, "
            "not KH * d", lambda c: spaced(c.info["k"], c.info["d"], (c.info["k"].shape[0] * c.info["d"],
                                                                     c.info["k"].shape[1] * c.info["d"]))),
        Candidate(
            "the weights are repeated instead of spaced out; dilation inserts ZEROS between the taps",
            lambda c: c.info["k"].repeat(c.info["d"], 0).repeat(c.info["d"], 1)[
                : (c.info["k"].shape[0] - 1) * c.info["d"] + 1, : (c.info["k"].shape[1] - 1) * c.info["d"] + 1]),
        Candidate(
            "the taps are d + 1 apart; dilation d puts them d apart (d - 1 zeros between neighbours)",
            lambda c: spaced(c.info["k"], c.info["d"] + 1, ((c.info["k"].shape[0] - 1) * (c.info["d"] + 1) + 1,
                                                             (c.info["k"].shape[1] - 1) * (c.info["d"] + 1) + 1))),
    ]
    run_cases(fn, cases, name="dilate_kernel(k, d)", convert=as_result_array, candidates=cands,
              reference="taps at every d-th row and column")


# --------------------------------------------------------------------------- 06 im2col and GEMM


def check_im2col(fn, *, seed=0):
    """Check ``fn(x, KH, KW) -> (Ho*Wo, KH*KW*C_in)``: x ``(H, W, C_in)``, valid, stride 1, columns (kh, kw, ci)."""
    rng = _default_rng(seed)
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
            "your columns are ordered (kw, kh, ci); order them (kh, kw, ci) like w.reshape(-1, C_out)",
            lambda c: blocks(c).transpose(0, 1, 3, 2, 4).reshape(c.expected.shape)),
        Candidate(
            "this is the transposed patch matrix (one COLUMN per output pixel); here each ROW is one output "
            "pixel's patch: (Ho*Wo, KH*KW*C_in)", lambda c: c.expected.T),
        Candidate(
            "your rows run down the columns of the output first; row i*Wo + j must hold output pixel (i, j) "
            "(row-major order)", lambda c: blocks(c).transpose(1, 0, 2, 3, 4).reshape(c.expected.shape)),
        Candidate(
            "flatten the patches to a 2-D matrix (Ho*Wo, KH*KW*C_in)",
            lambda c: blocks(c).reshape(blocks(c).shape[0], blocks(c).shape[1], -1)),
    ]
    run_cases(fn, cases, name="im2col(x, KH, KW)", convert=as_result_array, candidates=cands,
              reference="convlib.im2col", view="rows")


def check_kernel_matrix(fn, *, seed=0):
    """Check ``fn(w) -> (KH*KW*C_in, C_out)``: the kernel bank as a matrix, rows ordered (kh, kw, ci)."""
    rng = _default_rng(seed)
    cases = []
    for ws in [(2, 3, 4, 5), (3, 3, 1, 2), (1, 1, 3, 3), (2, 2, 3, 1)]:
        w = _ints(rng, ws)
        cases.append(Case((w,), f"w.shape={ws}", partial(_kernel_rows, w), w=w))
    cands = [
        Candidate(
            "w.reshape(C_out, -1).T mixes the weights of different filters: reshape never moves axes, it re-reads "
            "memory in order. C_out is already last, so reshape to (KH*KW*C_in, C_out) directly",
            lambda c: c.info["w"].reshape(c.info["w"].shape[3], -1).T),
        Candidate(
            "this is (C_out, KH*KW*C_in); im2col's patches multiply a matrix with one COLUMN per filter",
            lambda c: c.expected.T),
        Candidate(CI_FIRST_ROWS_HINT, lambda c: c.info["w"].transpose(2, 0, 1, 3).reshape(-1, c.info["w"].shape[3])),
    ]
    run_cases(fn, cases, name="kernel_matrix(w)", convert=as_result_array, candidates=cands,
              reference="w[kh, kw, ci, co] at row (kh*KW + kw)*C_in + ci", view="rows")


def check_patch_matrix_bytes(fn, *, seed=0):
    """Check ``fn(H, W, C_in, KH, KW, stride, itemsize) -> int``: bytes of one image's patch matrix (valid)."""
    rng = _default_rng(seed)
    params = [(28, 28, 1, 5, 5, 2, 8), (32, 32, 3, 3, 3, 1, 4), (64, 48, 16, 3, 3, 2, 4), (10, 7, 2, 3, 2, 3, 4)]
    params += [(int(rng.integers(8, 40)), int(rng.integers(8, 40)), int(rng.integers(1, 9)), int(rng.integers(1, 6)),
                int(rng.integers(1, 6)), int(rng.integers(1, 4)), int(rng.choice([2, 4, 8]))) for _ in range(2)]
    cases = []
    for p in params:
        label = "H={}, W={}, C_in={}, KH={}, KW={}, stride={}, itemsize={}".format(*p)
        cases.append(Case(p, label, partial(_measured_patch_bytes, *p), p=p))

    def rows_cols(p, stride=None):
        h, w, c_in, kh, kw, s, _ = p
        s = s if stride is None else stride
        return ((h - kh) // s + 1) * ((w - kw) // s + 1), kh * kw * c_in

    cands = [
        Candidate(
            "this ignores the stride: with stride s there are only Ho*Wo = ((H - KH)//s + 1) * ((W - KW)//s + 1) rows",
            lambda c: rows_cols(c.info["p"], 1)[0] * rows_cols(c.info["p"])[1] * c.info["p"][6]),
        Candidate(
            "this uses H*W rows; the patch matrix has one row per OUTPUT pixel, Ho*Wo",
            lambda c: c.info["p"][0] * c.info["p"][1] * rows_cols(c.info["p"])[1] * c.info["p"][6]),
        Candidate(
            "the patch row length misses C_in: each patch is a (KH, KW, C_in) block, KH*KW*C_in numbers",
            lambda c: rows_cols(c.info["p"])[0] * c.info["p"][3] * c.info["p"][4] * c.info["p"][6]),
        Candidate(
            "this counts numbers, not bytes: multiply by itemsize", lambda c: c.expected // c.info["p"][6]),
        Candidate(
            "this is the estimate KH*KW/stride^2 times the input; count the matrix exactly: Ho*Wo rows of "
            "KH*KW*C_in numbers",
            lambda c: int(c.info["p"][0] * c.info["p"][1] * c.info["p"][2] * c.info["p"][6] * c.info["p"][3]
                          * c.info["p"][4] / c.info["p"][5] ** 2)),
    ]
    run_cases(fn, cases, name="patch_matrix_bytes(H, W, C_in, KH, KW, stride, itemsize)", convert=as_int,
              candidates=cands, reference="the size of convlib.im2col's matrix, built and measured")
