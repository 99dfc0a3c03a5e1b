"""Self-checks for ``exercises/09-transposed-convolution.ipynb`` (transposed convolution); the contract is in :mod:`convlib.checks`."""

from __future__ import annotations

from functools import partial

import numpy as np

from ..conv import conv2d as _conv2d
from ..transpose import conv2d_transpose as _conv2d_transpose
from ..transpose import transpose_output_sizes as _transpose_output_sizes
from .common import _ints, _named_case, _shape_label
from .engine import Candidate, Case, as_int, as_result_array, run_cases
from .misconceptions import hint

__all__ = [
    "check_transposed_size",
    "check_conv2d_transpose",
    "check_transpose_as_conv",
]


def _transposed_size(n, k, stride, padding, output_padding):
    """The size ``output_padding`` picks among the forward input sizes that ``conv2d`` maps to ``n``."""
    return _transpose_output_sizes(n, k, stride, padding)[output_padding]


def check_transposed_size(fn, *, seed=0):
    """Check ``fn(n, k, stride, padding, output_padding) -> int``: a transposed convolution's output size along one axis.

    ``n`` input rows, a ``k``-tap kernel, ``padding`` rows cut from EACH side, ``0 <= output_padding < stride``
    (PyTorch's ``ConvTranspose2d`` arguments, dilation 1)."""
    rng = np.random.default_rng(seed)
    # Ordered so that each misconception first shows on a case where no other one gives the same number.
    params = [(3, 3, 2, 0, 1), (4, 4, 2, 1, 0), (5, 3, 3, 1, 2), (2, 5, 1, 2, 0), (6, 2, 2, 0, 0), (7, 4, 3, 1, 1),
              (3, 1, 4, 0, 3), (8, 5, 2, 2, 1)]
    while len(params) < 14:
        k, s = int(rng.integers(1, 6)), int(rng.integers(1, 4))
        p, a = int(rng.integers(0, (k + 1) // 2)), int(rng.integers(0, s))
        params.append((int(rng.integers(1, 12)), k, s, p, a))
    cases = [_named_case(_transposed_size, "n={n}, k={k}, stride={stride}, padding={padding}, output_padding={output_padding}",
                         n=n, k=k, stride=s, padding=p, output_padding=a) for n, k, s, p, a in params]

    def parts(c):
        i = c.info
        return i["n"], i["k"], i["stride"], i["padding"], i["output_padding"]

    def formula(n, k, s, p, a):
        return (n - 1) * s - 2 * p + k + a

    cands = [
        Candidate(hint("transpose-forward-formula", "this is the FORWARD convolution's output size, (n + 2p - k) // stride + 1. "
                       "A transposed convolution goes the other way: each of the n inputs stamps a k-pixel kernel, stamps "
                       "stride apart, so the output is (n - 1) * stride + k, minus the padding, plus output_padding"),
                  lambda c: (c.info["n"] + 2 * c.info["padding"] - c.info["k"]) // c.info["stride"] + 1),
        Candidate(hint("output-padding-ignored", "output_padding is missing: with stride s, s forward input sizes give the same n, "
                       "and output_padding (0 .. s - 1) picks which one -- it adds that many rows at the end"),
                  lambda c: formula(*parts(c)[:4], 0)),
        Candidate(hint("transpose-padding-added", "this adds the padding. A transposed convolution's `padding` undoes the forward "
                       "layer's: it CUTS padding rows from each side of the stamped result, (n - 1) * stride + k - 2 * padding"),
                  lambda c: formula(*parts(c)[:3], -c.info["padding"], c.info["output_padding"])),
        Candidate(hint("transpose-n-times-stride", "this uses n * stride: n stamps, stride apart, start at 0, stride, ..., "
                       "(n - 1) * stride, and the last one reaches k - 1 further: (n - 1) * stride + k"),
                  lambda c: formula(*parts(c)) + c.info["stride"]),
        Candidate(hint("stride-ignored", "this ignores the stride: consecutive stamps are stride pixels apart, (n - 1) * stride + k"),
                  lambda c: formula(c.info["n"], c.info["k"], 1, *parts(c)[3:])),
        Candidate(hint("padding-one-side", "this cuts the padding from one side only; `padding` rows go from EACH side: - 2 * padding"),
                  lambda c: formula(*parts(c)) + c.info["padding"]),
    ]
    run_cases(fn, cases, candidates=cands, convert=as_int, name="transposed_size(n, k, stride, padding, output_padding)",
              reference="convlib.transpose_output_sizes")


def _transpose_cases(rng):
    """(y, w, stride): y (N, Ho, Wo, C_out), w (KH, KW, C_in, C_out), valid padding."""
    shapes = [  # N, Ho, Wo, C_out, KH, KW, C_in, stride
        (1, 2, 3, 1, 3, 3, 1, 2),
        (1, 3, 2, 2, 3, 2, 3, 1),
        (2, 2, 2, 3, 4, 3, 2, 2),
        (1, 3, 3, 2, 2, 2, 2, 2),
        (1, 2, 4, 2, 3, 3, 2, 3),
        (2, 3, 2, 1, 1, 2, 2, 3),
    ]
    for _ in range(2):
        n, c_in, c_out = (int(v) for v in rng.integers(1, 4, 3))
        kh, kw, s = (int(v) for v in rng.integers(1, 5, 3))
        shapes.append((n, int(rng.integers(1, 4)), int(rng.integers(1, 4)), c_out, kh, kw, c_in, min(s, 3)))
    return [(_ints(rng, (n, ho, wo, c_out)), _ints(rng, (kh, kw, c_in, c_out)), s)
            for n, ho, wo, c_out, kh, kw, c_in, s in shapes]


def _transposed(y, w, s):
    kh, kw = w.shape[:2]
    return _conv2d_transpose(y, w, stride=s, output_size=((y.shape[1] - 1) * s + kh, (y.shape[2] - 1) * s + kw))


def _stamped(y, w, s, overwrite=False):
    """Scatter every y pixel's stamp y[n, i, j, :] @ w[..., :].T at (i*s, j*s); ``overwrite``: assign instead of adding."""
    n, ho, wo, _ = y.shape
    kh, kw, c_in, _ = w.shape
    x = np.zeros((n, (ho - 1) * s + kh, (wo - 1) * s + kw, c_in))
    for i in range(ho):
        for j in range(wo):
            stamp = (y[:, i, j, None, None, None, :] * w).sum(axis=-1)  # (N, KH, KW, C_in)
            if overwrite:
                x[:, i * s:i * s + kh, j * s:j * s + kw] = stamp
            else:
                x[:, i * s:i * s + kh, j * s:j * s + kw] += stamp
    return x


def _spread(y, s, gap):
    """y with ``gap`` zeros between neighbouring pixels (``gap = s - 1`` for the transpose's zero insertion)."""
    n, ho, wo, c = y.shape
    out = np.zeros((n, (ho - 1) * (gap + 1) + 1, (wo - 1) * (gap + 1) + 1, c))
    out[:, ::gap + 1, ::gap + 1] = y
    return out


def _as_conv(y, w, s, flip=True, swap=True, gap=None, full=True):
    kh, kw = w.shape[:2]
    k = w[::-1, ::-1] if flip else w
    k = k.transpose(0, 1, 3, 2) if swap else k
    pads = ((kh - 1, kh - 1), (kw - 1, kw - 1)) if full else ((0, 0), (0, 0))
    return _conv2d(_spread(y, s, s - 1 if gap is None else gap), k, padding=pads)


def _channel_hints(case, actual):
    y, w = case.info["y"], case.info["w"]
    if actual.ndim == 4 and actual.shape[3] == y.shape[3] != w.shape[2]:
        return hint("cin-cout-swapped", "your result has C_out channels: a transposed convolution takes the forward layer's output "
                    "(C_out channels) back to its input's C_in channels, with the same kernel (KH, KW, C_in, C_out)")
    return None


def _transpose_check_cases(seed):
    """The cases of both transpose checks: ``fn(y, w, stride)``, expected from convlib's transposed convolution."""
    return [Case((y, w, s), _shape_label(y=y, w=w) + f", stride={s}", partial(_transposed, y, w, s), y=y, w=w, stride=s)
            for y, w, s in _transpose_cases(np.random.default_rng(seed))]


def _args(case):
    return case.info["y"], case.info["w"], case.info["stride"]


def _run_transpose(fn, cases, candidates, shape_hint, name):
    run_cases(fn, cases, candidates=candidates, convert=as_result_array, name=name, shape_hints=shape_hint,
              reference="convlib.conv2d_transpose, the adjoint of convlib.conv2d", view=("n", ":", ":", "ci"))


def check_conv2d_transpose(fn, *, seed=0):
    """Check ``fn(y, w, stride) -> x``: y ``(N, Ho, Wo, C_out)``, the forward kernel w ``(KH, KW, C_in, C_out)``, no padding;
    x ``(N, (Ho - 1) * stride + KH, (Wo - 1) * stride + KW, C_in)``."""
    cases = _transpose_check_cases(seed)
    candidates = [
        Candidate(hint("kernel-flipped", "your stamps are the kernel turned by 180 degrees. Scattering needs no flip: input pixel "
                       "(i, j) adds y[n, i, j, co] * w[kh, kw, ci, co] at (i * stride + kh, j * stride + kw) -- the very "
                       "positions whose product it made in the forward pass"),
                  lambda c: _transposed(c.info["y"], c.info["w"][::-1, ::-1], c.info["stride"])),
        Candidate(hint("transpose-overlap-overwritten", "where two stamps overlap you kept the last one; they ADD (x[...] += stamp): "
                       "an input pixel of the forward convolution fed every window that covered it, so its transpose "
                       "collects from all of them"),
                  lambda c: _stamped(*_args(c), overwrite=True)),
        Candidate(hint("first-channel-only", "only y's channel 0 came back: every input channel ci gets the stamps of ALL C_out maps, "
                       "each through its own slice w[:, :, ci, co], summed over co"),
                  lambda c: _transposed(c.info["y"][..., :1], c.info["w"][..., :1], c.info["stride"])
                  if c.info["y"].shape[3] > 1 else None),
        Candidate(hint("cin-cout-swapped", "you used the kernel's channel axes the wrong way round: w[kh, kw, ci, co] links "
                       "forward input channel ci to output map co, and the transpose goes from co back to ci"),
                  lambda c: _transposed(c.info["y"], c.info["w"].transpose(0, 1, 3, 2), c.info["stride"])
                  if c.info["w"].shape[2] == c.info["w"].shape[3] else None),
    ]

    def shape_hint(case, actual):
        y, w = case.info["y"], case.info["w"]
        if actual.ndim == 4 and actual.shape[1:3] == (y.shape[1] + w.shape[0] - 1, y.shape[2] + w.shape[1] - 1) \
                and case.info["stride"] > 1:
            return hint("stride-ignored", "your result has the size of a stride-1 transpose: stamps go stride pixels apart, "
                        "(Ho - 1) * stride + KH rows")
        return _channel_hints(case, actual)

    _run_transpose(fn, cases, candidates, shape_hint, "conv2d_transpose(y, w, stride)")


def check_transpose_as_conv(fn, *, seed=0):
    """Check ``fn(y, w, stride) -> x``: the same transposed convolution as :func:`check_conv2d_transpose`, computed as a
    forward convolution (zeros between y's pixels, a full padding, the turned kernel with its channel axes swapped)."""
    cases = _transpose_check_cases(seed)
    candidates = [
        Candidate(hint("kernel-not-flipped", "the kernel is not turned by 180 degrees: written as a forward correlation over the "
                       "spread-out y, the transpose uses w[::-1, ::-1] (with the channel axes swapped)"),
                  lambda c: _as_conv(*_args(c), flip=False)),
        Candidate(hint("grad-channel-axes-swapped", "the kernel's channel axes are not swapped: as a forward convolution from C_out "
                       "maps to C_in channels, the kernel must be (KH, KW, C_out, C_in): w[::-1, ::-1].transpose(0, 1, 3, 2)"),
                  lambda c: _as_conv(*_args(c), swap=False) if c.info["w"].shape[2] == c.info["w"].shape[3] else None),
    ]

    def shape_hint(case, actual):
        y, w, s = _args(case)
        (kh, kw), ho = w.shape[:2], y.shape[1]
        rows = actual.shape[1] if actual.ndim == 4 else None
        if s > 1 and rows == ho + kh - 1:
            return hint("stride-ignored", "no zeros went between y's pixels: a stride-s transpose spreads y out with s - 1 zeros "
                        "between neighbours before the full convolution")
        if s > 1 and rows == (ho - 1) * (s + 1) + kh:
            return hint("transpose-zeros-off-by-one", "you put stride zeros between y's pixels; put stride - 1, so that "
                        "neighbours land stride pixels apart, as the forward windows started")
        if rows == (ho - 1) * s + 1 - kh + 1:
            return hint("grad-not-full", "your result is smaller than the forward input: pad the spread-out y with KH - 1 rows and "
                        "KW - 1 columns of zeros on every side (a FULL convolution), so that every stamp lands whole")
        return _channel_hints(case, actual)

    _run_transpose(fn, cases, candidates, shape_hint, "transpose_as_conv(y, w, stride)")
