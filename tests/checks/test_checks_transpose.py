"""Checks for exercise 09 (transposed convolution): its right answers and wrong models, which test_checks_chapters.py
runs with the other chapters' (right answers pass, each misconception is named); the adjoint identity."""

import numpy as np

from convlib import checks as ck


# --------------------------------------------------------------------------- right answers (independent of convlib)


def size(n, k, stride, padding, output_padding):
    return (n - 1) * stride - 2 * padding + k + output_padding


def stamp(y, w, stride, overwrite=False, flip=False):
    """Scatter-add: y[n, i, j, co] * w[kh, kw, ci, co] lands at (i*stride + kh, j*stride + kw), channel ci."""
    w = w[::-1, ::-1] if flip else w
    n, ho, wo, _ = y.shape
    kh, kw, c_in, _ = w.shape
    x = np.zeros((n, (ho - 1) * stride + kh, (wo - 1) * stride + kw, c_in))
    for i in range(ho):
        for j in range(wo):
            patch = np.einsum("nc,hwic->nhwi", y[:, i, j], w)
            region = x[:, i * stride:i * stride + kh, j * stride:j * stride + kw]
            if overwrite:
                region[...] = patch
            else:
                region += patch
    return x


def correlate_valid(x, k):
    """Plain loops: x (N, H, W, C), k (KH, KW, C, F) -> (N, H - KH + 1, W - KW + 1, F)."""
    kh, kw = k.shape[:2]
    ho, wo = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    out = np.zeros((x.shape[0], ho, wo, k.shape[3]))
    for i in range(ho):
        for j in range(wo):
            out[:, i, j] = np.einsum("nhwc,hwcf->nf", x[:, i:i + kh, j:j + kw], k)
    return out


def as_conv(y, w, stride, flip=True, swap=True, gap=None, pad=True):
    gap = stride - 1 if gap is None else gap
    n, ho, wo, c = y.shape
    spread = np.zeros((n, (ho - 1) * (gap + 1) + 1, (wo - 1) * (gap + 1) + 1, c))
    spread[:, ::gap + 1, ::gap + 1] = y
    kh, kw = w.shape[:2]
    if pad:
        spread = np.pad(spread, ((0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1), (0, 0)))
    k = w[::-1, ::-1] if flip else w
    return correlate_valid(spread, k.transpose(0, 1, 3, 2) if swap else k)


RIGHT = [
    (ck.check_transposed_size, size),
    (ck.check_conv2d_transpose, stamp),
    (ck.check_transpose_as_conv, as_conv),
]


def test_the_adjoint_identity_holds_for_the_reference():
    rng = np.random.default_rng(0)
    y, w = rng.normal(size=(2, 3, 4, 3)), rng.normal(size=(3, 2, 2, 3))
    x = rng.normal(size=(2, 7, 8, 2))                     # (3 - 1) * 2 + 3, (4 - 1) * 2 + 2
    forward = correlate_valid(x, w)[:, ::2, ::2]           # stride 2
    assert np.isclose(np.sum(forward * y), np.sum(x * stamp(y, w, 2)), rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- one wrong model per misconception


WRONG = [
    (ck.check_transposed_size, lambda n, k, s, p, a: (n + 2 * p - k) // s + 1, "transpose-forward-formula"),
    (ck.check_transposed_size, lambda n, k, s, p, a: size(n, k, s, p, 0), "output-padding-ignored"),
    (ck.check_transposed_size, lambda n, k, s, p, a: size(n, k, s, -p, a), "transpose-padding-added"),
    (ck.check_transposed_size, lambda n, k, s, p, a: n * s - 2 * p + k + a, "transpose-n-times-stride"),
    (ck.check_transposed_size, lambda n, k, s, p, a: size(n, k, 1, p, a), "stride-ignored"),
    (ck.check_transposed_size, lambda n, k, s, p, a: size(n, k, s, p, a) + p, "padding-one-side"),
    (ck.check_conv2d_transpose, lambda y, w, s: stamp(y, w, s, flip=True), "kernel-flipped"),
    (ck.check_conv2d_transpose, lambda y, w, s: stamp(y, w, s, overwrite=True), "transpose-overlap-overwritten"),
    (ck.check_conv2d_transpose, lambda y, w, s: stamp(y[..., :1], w[..., :1], s), "first-channel-only"),
    (ck.check_conv2d_transpose, lambda y, w, s: stamp(y, w.transpose(0, 1, 3, 2), s) if w.shape[2] == w.shape[3]
     else stamp(y, w, s), "cin-cout-swapped"),
    (ck.check_conv2d_transpose, lambda y, w, s: stamp(y, w, 1), "stride-ignored"),
    (ck.check_conv2d_transpose, lambda y, w, s: stamp(y, w, s) if w.shape[2] == w.shape[3]
     else np.zeros((*stamp(y, w, s).shape[:3], y.shape[3])), "cin-cout-swapped"),
    (ck.check_transpose_as_conv, lambda y, w, s: as_conv(y, w, s, flip=False), "kernel-not-flipped"),
    (ck.check_transpose_as_conv, lambda y, w, s: as_conv(y, w, s, swap=False) if w.shape[2] == w.shape[3]
     else as_conv(y, w, s), "grad-channel-axes-swapped"),
    (ck.check_transpose_as_conv, lambda y, w, s: as_conv(y, w, s, gap=0), "stride-ignored"),
    (ck.check_transpose_as_conv, lambda y, w, s: as_conv(y, w, s, gap=s), "transpose-zeros-off-by-one"),
    (ck.check_transpose_as_conv, lambda y, w, s: as_conv(y, w, s, pad=False) if min(w.shape[:2]) > 1
     else as_conv(y, w, s), "grad-not-full"),
]
