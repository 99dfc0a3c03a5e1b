"""convlib.checks: correct answers pass silently; each misconception is named.

Every diagnosis is tested with a deliberately wrong implementation that makes
that mistake; the test asserts the first line of the AssertionError names it.
The checks' expected values are compared with Keras where they are not simply
convlib's own (already TensorFlow-tested) functions.
"""

import warnings
from pathlib import Path

import numpy as np
import pytest

import convlib
from convlib import checks

# --------------------------------------------------------------------------- correct implementations


def corr(x, k, stride=(1, 1), padding=((0, 0), (0, 0))):
    """A direct loop, independent of convlib."""
    xp = np.pad(np.asarray(x, float), padding)
    (sh, sw), (kh, kw) = stride, k.shape
    ho, wo = (xp.shape[0] - kh) // sh + 1, (xp.shape[1] - kw) // sw + 1
    y = np.zeros((ho, wo))
    for i in range(ho):
        for j in range(wo):
            y[i, j] = np.sum(xp[i * sh : i * sh + kh, j * sw : j * sw + kw] * k)
    return y


def maps(x, w):
    return np.stack([corr(x[:, :, c], w[:, :, c]) for c in range(x.shape[2])])


def conv_layer(x, w, b):
    out = [[sum(corr(img[:, :, c], w[:, :, c, co]) for c in range(w.shape[2])) + b[co] for co in range(w.shape[3])]
           for img in (x if x.ndim == 4 else x[None])]
    y = np.asarray(out).transpose(0, 2, 3, 1)
    return y if x.ndim == 4 else y[0]


def conv3d(x, k):
    kd = k.shape[2]
    return np.stack([sum(corr(x[:, :, d + j], k[:, :, j]) for j in range(kd)) for d in range(x.shape[2] - kd + 1)], -1)


def output_size(n, k, stride=1, padding=0, dilation=1):
    return (n + 2 * padding - (k - 1) * dilation - 1) // stride + 1


def same_padding(n, k, stride=1):
    total = max((-(-n // stride) - 1) * stride + k - n, 0)
    return total // 2, total - total // 2


def unused_rows(n, k, stride=1, padding=(0, 0)):
    covered = {r for s in range(0, n + sum(padding) - k + 1, stride) for r in range(s, s + k)}
    return sum(r not in covered for r in range(padding[0], padding[0] + n))


def dilate(k, d):
    z = np.zeros(((k.shape[0] - 1) * d + 1, (k.shape[1] - 1) * d + 1))
    z[::d, ::d] = k
    return z


def im2col(x, kh, kw):
    ho, wo = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    return np.array([x[i : i + kh, j : j + kw].ravel() for i in range(ho) for j in range(wo)])


def gemm_mixed(x, w, b, patches_ci_first):
    """im2col @ kernel matrix for one image, with one of the two in (ci, kh, kw) order."""
    kh, kw, c_in, c_out = w.shape
    ho, wo = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    if patches_ci_first:
        cols = np.array([x[i : i + kh, j : j + kw].transpose(2, 0, 1).ravel() for i in range(ho) for j in range(wo)])
        rows = w.reshape(-1, c_out)
    else:
        cols, rows = im2col(x, kh, kw), w.transpose(2, 0, 1, 3).reshape(-1, c_out)
    return (cols @ rows + b).reshape(ho, wo, c_out)


def patch_bytes(h, w, c_in, kh, kw, stride=1, itemsize=4):
    return ((h - kh) // stride + 1) * ((w - kw) // stride + 1) * kh * kw * c_in * itemsize


CORRECT = [
    (checks.check_kernel_shape, lambda kh, kw, ci, co: (kh, kw, ci, co), {}),
    (checks.check_param_count, lambda kh, kw, ci, co, bias=True: kh * kw * ci * co + co * bias, {}),
    (checks.check_fingerprint, lambda v, kh, kw: kh * kw * sum(v), {}),
    (checks.check_channel_kernels_to_w, lambda ks: np.stack(ks, -1)[..., None], {}),
    (checks.check_correlate2d, lambda x, k: corr(x, k), {}),
    (checks.check_correlate2d, corr, {"strided": True}),
    (checks.check_convolve2d, lambda x, k: corr(x, k[::-1, ::-1]), {}),
    (checks.check_partial_maps, maps, {}),
    (checks.check_channel_sum, lambda x, w, b: maps(x, w).sum(0) + b, {}),
    (checks.check_conv3d_channels, conv3d, {}),
    (checks.check_conv2d, conv_layer, {}),
    (checks.check_conv2d, conv_layer, {"batched": False}),
    (checks.check_conv1x1, lambda x, w: x @ w, {}),
    (checks.check_two_layer_param_count, lambda c, k1, f1, k2, f2: (k1 * k1 * c + 1) * f1 + (k2 * k2 * f1 + 1) * f2, {}),
    (checks.check_stack_filters, lambda fs: np.stack(fs, -1), {}),
    (checks.check_output_size, output_size, {}),
    (checks.check_same_padding, same_padding, {}),
    (checks.check_unused_rows, unused_rows, {}),
    (checks.check_dilate_kernel, dilate, {}),
    (checks.check_im2col, im2col, {}),
    (checks.check_kernel_matrix, lambda w: w.reshape(-1, w.shape[3]), {}),
    (checks.check_patch_matrix_bytes, patch_bytes, {}),
]


def _id(entry):
    return entry[0].__name__ + "".join(f"-{k}" for k in entry[2])


def test_every_public_check_is_covered():
    advanced = {"check_bias_grad", "check_kernel_grad", "check_input_grad", "check_grouped_conv",
                "check_depthwise_kernel", "check_grouped_param_count", "check_separable_macs"}  # test_checks_advanced.py
    from .test_checks_chapters import RIGHT as chapters  # exercises 10-12
    advanced |= {c.__name__ for c, _ in chapters}
    from .test_checks_transpose import RIGHT as transpose  # exercise 09
    advanced |= {c.__name__ for c, _ in transpose}
    public = {n for n in checks.__all__ if n.startswith("check_")}
    assert {c.__name__ for c, _, _ in CORRECT} == public - advanced


@pytest.mark.parametrize("check, fn, kwargs", CORRECT, ids=[_id(e) for e in CORRECT])
@pytest.mark.parametrize("seed", [0, 1])
def test_correct_answers_pass_silently(check, fn, kwargs, seed, capsys):
    """A pass prints one line to stdout, nothing to stderr, raises no warning and returns None."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = check(fn, seed=seed, **kwargs)
    out, err = capsys.readouterr()
    assert result is None  # nbgrader would read a returned number as partial credit
    assert err == ""
    assert caught == []
    assert out.count("\n") == 1 and out.startswith("\u2713")


# --------------------------------------------------------------------------- wrong implementations


def off_by_one(x, k):
    return corr(x, k)[:-1, :-1]


WRONG = [
    # 01 kernel shape and parameters
    ("kernel_shape 2-D shared", checks.check_kernel_shape, lambda kh, kw, ci, co: (kh, kw, co), {},
     "shared by every input channel"),
    ("kernel_shape 2-D", checks.check_kernel_shape, lambda kh, kw, ci, co: (kh, kw), {}, "a single 2-D kernel"),
    ("kernel_shape one filter", checks.check_kernel_shape, lambda kh, kw, ci, co: (kh, kw, ci), {}, "ONE filter"),
    ("kernel_shape torch", checks.check_kernel_shape, lambda kh, kw, ci, co: (co, ci, kh, kw), {}, "PyTorch"),
    ("kernel_shape swapped", checks.check_kernel_shape, lambda kh, kw, ci, co: (kh, kw, co, ci), {},
     "C_in and C_out are swapped"),
    ("kernel_shape None", checks.check_kernel_shape, lambda kh, kw, ci, co: None, {}, "forget to `return`"),
    ("params shared", checks.check_param_count, lambda kh, kw, ci, co, b=True: (kh * kw + b) * co, {},
     "shared by all channels"),
    ("params no bias", checks.check_param_count, lambda kh, kw, ci, co, b=True: kh * kw * ci * co, {},
     "bias is missing"),
    ("params always bias", checks.check_param_count, lambda kh, kw, ci, co, b=True: (kh * kw * ci + 1) * co, {},
     "use_bias=False"),
    ("params bias per pair", checks.check_param_count, lambda kh, kw, ci, co, b=True: (kh * kw + b) * ci * co, {},
     "one bias per (input channel, filter) pair"),
    ("params one filter", checks.check_param_count, lambda kh, kw, ci, co, b=True: kh * kw * ci + b, {},
     "a single filter"),
    ("params one bias", checks.check_param_count, lambda kh, kw, ci, co, b=True: kh * kw * ci * co + b, {},
     "one bias for the whole layer"),
    ("params float", checks.check_param_count, lambda kh, kw, ci, co, b=True: kh * kw * ci * co / 7, {},
     "not a whole number"),
    ("fingerprint mean", checks.check_fingerprint, lambda v, kh, kw: kh * kw * np.mean(v), {}, "mean"),
    ("fingerprint first", checks.check_fingerprint, lambda v, kh, kw: kh * kw * v[0], {}, "first channel"),
    ("fingerprint no area", checks.check_fingerprint, lambda v, kh, kw: sum(v), {}, "KH*KW pixels"),
    ("fingerprint per channel", checks.check_fingerprint, lambda v, kh, kw: kh * kw * np.array(v), {},
     "forget to sum"),
    ("kernels axis 0", checks.check_channel_kernels_to_w, lambda ks: np.stack(ks)[..., None], {}, "FIRST axis"),
    ("kernels no C_out", checks.check_channel_kernels_to_w, lambda ks: np.stack(ks, -1), {}, "4th axis"),
    ("kernels depthwise", checks.check_channel_kernels_to_w, lambda ks: np.stack(ks, -1)[:, :, None], {},
     "C_in filters of depth 1"),
    # 02 cross-correlation
    ("corr flipped", checks.check_correlate2d, lambda x, k: corr(x, k[::-1, ::-1]), {}, "true convolution"),
    ("corr mean", checks.check_correlate2d, lambda x, k: corr(x, k) / k.size, {}, "mean of the products"),
    ("corr transposed", checks.check_correlate2d, lambda x, k: corr(x, k).T, {}, "transpose"),
    ("corr k.T", checks.check_correlate2d, lambda x, k: corr(x, k.T), {}, "kernel transposed"),
    ("corr off by one", checks.check_correlate2d, off_by_one, {}, "H - KH + 1"),
    ("corr same size", checks.check_correlate2d,
     lambda x, k: corr(x, k, padding=((0, k.shape[0] - 1), (0, k.shape[1] - 1))), {}, "the input's size"),
    ("corr 3-D", checks.check_correlate2d, lambda x, k: corr(x, k)[..., None], {}, "2-D (Ho, Wo) map"),
    ("corr modifies x", checks.check_correlate2d, lambda x, k: (x.__setitem__((0, 0), 99.0), corr(x, k))[1], {},
     "changed its input"),
    ("corr raises", checks.check_correlate2d, lambda x, k: corr(x, k[:, :, None]), {}, "raised ValueError"),
    ("corr flipped strided", checks.check_correlate2d, lambda x, k, s, p: corr(x, k[::-1, ::-1], s, p),
     {"strided": True}, "true convolution"),
    ("stride swapped", checks.check_correlate2d, lambda x, k, s, p: corr(x, k, s[::-1], p), {"strided": True},
     "strides are swapped"),
    ("stride ignored", checks.check_correlate2d, lambda x, k, s, p: corr(x, k, (1, 1), p), {"strided": True},
     "ignores the stride"),
    ("stride subsamples", checks.check_correlate2d,
     lambda x, k, s, p: corr(np.pad(x, p)[:: s[0], :: s[1]], k), {"strided": True}, "subsamples the input"),
    ("padding ignored", checks.check_correlate2d, lambda x, k, s, p: corr(x, k, s), {"strided": True},
     "ignores the padding"),
    ("padding axes", checks.check_correlate2d, lambda x, k, s, p: corr(x, k, s, p[::-1]), {"strided": True},
     "padding axes are swapped"),
    ("padding before/after", checks.check_correlate2d, lambda x, k, s, p: corr(x, k, s, [q[::-1] for q in p]),
     {"strided": True}, "before and after are swapped"),
    ("padding edge", checks.check_correlate2d, lambda x, k, s, p: corr(np.pad(x, p, mode="edge"), k, s),
     {"strided": True}, "ZEROS"),
    ("convolve no flip", checks.check_convolve2d, lambda x, k: corr(x, k), {}, "cross-correlation"),
    ("convolve rows only", checks.check_convolve2d, lambda x, k: corr(x, k[::-1]), {}, "along H only"),
    ("convolve cols only", checks.check_convolve2d, lambda x, k: corr(x, k[:, ::-1]), {}, "along W only"),
    ("convolve transposed", checks.check_convolve2d,
     lambda x, k: corr(x, k.T) if k.shape[0] == k.shape[1] else corr(x, k[::-1, ::-1]), {}, "transposing is not"),
    # 03 channel sum
    ("maps channels last", checks.check_partial_maps, lambda x, w: maps(x, w).transpose(1, 2, 0), {},
     "channels-last"),
    ("maps shared", checks.check_partial_maps,
     lambda x, w: maps(x, np.repeat(w[:, :, :1], w.shape[2], 2)), {}, "shared by all channels"),
    ("maps summed", checks.check_partial_maps, lambda x, w: maps(x, w).sum(0), {}, "summed the maps already"),
    ("maps pairing", checks.check_partial_maps, lambda x, w: maps(x, w[:, :, ::-1]), {}, "wrong kernel slice"),
    ("maps flipped", checks.check_partial_maps, lambda x, w: maps(x, w[::-1, ::-1]), {}, "true convolution"),
    ("sum forgotten", checks.check_channel_sum, lambda x, w, b: maps(x, w) + b, {}, "forget to sum"),
    ("sum forgotten last", checks.check_channel_sum, lambda x, w, b: maps(x, w).transpose(1, 2, 0) + b, {},
     "forget to sum"),
    ("sum shape only", checks.check_channel_sum, lambda x, w, b: np.zeros(maps(x, w).shape), {}, "forget to sum"),
    ("sum mean", checks.check_channel_sum, lambda x, w, b: maps(x, w).mean(0) + b, {}, "mean"),
    ("sum shared", checks.check_channel_sum, lambda x, w, b: sum(corr(x[:, :, c], w[:, :, 0]) for c in range(
        x.shape[2])) + b, {}, "one 2-D kernel shared by all channels"),
    ("sum bias per channel", checks.check_channel_sum, lambda x, w, b: (maps(x, w) + b).sum(0), {},
     "once per channel"),
    ("sum no bias", checks.check_channel_sum, lambda x, w, b: maps(x, w).sum(0), {}, "bias b is missing"),
    ("sum flipped", checks.check_channel_sum, lambda x, w, b: maps(x, w[::-1, ::-1]).sum(0) + b, {},
     "true convolution"),
    ("3d depth first", checks.check_conv3d_channels, lambda x, k: conv3d(x, k).transpose(2, 0, 1), {},
     "depth axis comes first"),
    ("3d depth reversed", checks.check_conv3d_channels, lambda x, k: conv3d(x, k[:, :, ::-1]), {}, "reversed"),
    ("3d true convolution", checks.check_conv3d_channels, lambda x, k: conv3d(x, k[::-1, ::-1, ::-1]), {},
     "true 3-D convolution"),
    ("3d is conv2d", checks.check_conv3d_channels, lambda x, k: conv3d(x, k)[..., :1], {}, "first depth position"),
    ("3d one depth short", checks.check_conv3d_channels, lambda x, k: conv3d(x, k)[..., :-1], {},
     "range(C - KD + 1), not range(C - KD)"),
    ("3d same depth", checks.check_conv3d_channels,
     lambda x, k: np.concatenate([conv3d(x, k), np.zeros((*conv3d(x, k).shape[:2], k.shape[2] - 1))], -1), {},
     "C - KD + 1"),
    # 04 many filters
    ("conv2d unsummed", checks.check_conv2d, lambda x, w, b: np.stack([np.stack(
        [[corr(img[:, :, c], w[:, :, c, co]) for co in range(w.shape[3])] for c in range(w.shape[2])]).transpose(
        2, 3, 0, 1) for img in x]) + b, {}, "forget to sum"),
    ("conv2d filter 0 per channel", checks.check_conv2d, lambda x, w, b: np.stack([np.stack(
        [corr(img[:, :, c], w[:, :, c, 0]) for c in range(w.shape[2])], -1) for img in x]) + b[0], {},
     "forget to sum"),
    ("conv2d C_in channels garbage", checks.check_conv2d,
     lambda x, w, b: np.ones((*conv_layer(x, w, b).shape[:-1], x.shape[-1])), {}, "your output has C_in channels"),
    ("conv2d mean", checks.check_conv2d, lambda x, w, b: (conv_layer(x, w, b) - b) / x.shape[-1] + b, {}, "mean"),
    ("conv2d shared", checks.check_conv2d,
     lambda x, w, b: conv_layer(x, np.repeat(w[:, :, :1], w.shape[2], 2), b), {}, "shared by all channels"),
    ("conv2d bias per channel", checks.check_conv2d, lambda x, w, b: conv_layer(x, w, b) + (x.shape[-1] - 1) * b,
     {}, "once per input channel"),
    ("conv2d no bias", checks.check_conv2d, lambda x, w, b: conv_layer(x, w, 0 * b), {}, "bias b is missing"),
    ("conv2d flipped", checks.check_conv2d, lambda x, w, b: conv_layer(x, w[::-1, ::-1], b), {}, "true convolution"),
    ("conv2d NCHW", checks.check_conv2d, lambda x, w, b: conv_layer(x, w, b).transpose(0, 3, 1, 2), {},
     "channels-first"),
    ("gemm unsummed", checks.check_conv2d, lambda x, w, b: np.stack(
        [np.stack([corr(x[:, :, c], w[:, :, c, co]) for co in range(w.shape[3])], -1) for c in range(w.shape[2])],
        -2) + b, {"batched": False}, "forget to sum"),
    ("gemm patches (ci, kh, kw)", checks.check_conv2d, lambda x, w, b: gemm_mixed(x, w, b, patches_ci_first=True),
     {"batched": False}, "your columns are ordered (ci, kh, kw)"),
    ("gemm kernel rows (ci, kh, kw)", checks.check_conv2d, lambda x, w, b: gemm_mixed(x, w, b, patches_ci_first=False),
     {"batched": False}, "kernel matrix's rows are ordered (ci, kh, kw)"),
    ("1x1 w.T", checks.check_conv1x1, lambda x, w: x @ w.T, {}, "uses w.T"),
    ("1x1 no sum", checks.check_conv1x1, lambda x, w: x[..., None] * w, {}, "forget to sum"),
    ("1x1 scrambled", checks.check_conv1x1,
     lambda x, w: (x.reshape(-1, x.shape[2]) @ w).reshape(x.shape[1], x.shape[0], -1), {}, "scrambled"),
    ("1x1 H/W swapped", checks.check_conv1x1, lambda x, w: (x @ w).transpose(1, 0, 2), {}, "H and W are swapped"),
    ("2 layers depth C_in", checks.check_two_layer_param_count,
     lambda c, k1, f1, k2, f2: (k1 * k1 * c + 1) * f1 + (k2 * k2 * c + 1) * f2, {}, "f1 channels"),
    ("2 layers 2-D second", checks.check_two_layer_param_count,
     lambda c, k1, f1, k2, f2: (k1 * k1 * c + 1) * f1 + (k2 * k2 + 1) * f2, {}, "counted as 2-D"),
    ("2 layers 2-D both", checks.check_two_layer_param_count,
     lambda c, k1, f1, k2, f2: (k1 * k1 + 1) * f1 + (k2 * k2 + 1) * f2, {}, "in both layers"),
    ("2 layers no bias", checks.check_two_layer_param_count,
     lambda c, k1, f1, k2, f2: k1 * k1 * c * f1 + k2 * k2 * f1 * f2, {}, "biases are missing"),
    ("2 layers first only", checks.check_two_layer_param_count,
     lambda c, k1, f1, k2, f2: (k1 * k1 * c + 1) * f1, {}, "only the first layer"),
    ("stack axis 0", checks.check_stack_filters, lambda fs: np.stack(fs), {}, "filter index is first"),
    ("stack concatenate", checks.check_stack_filters, lambda fs: np.concatenate(fs, -1), {}, "concatenated"),
    ("stack axis 2", checks.check_stack_filters, lambda fs: np.stack(fs, 2), {}, "C_in and C_out are swapped"),
    # 05 output size and 'same'
    ("size no +1", checks.check_output_size, lambda n, k, s, p, d: (n + 2 * p - (k - 1) * d - 1) // s, {},
     "+1 is missing"),
    ("size ceil", checks.check_output_size, lambda n, k, s, p, d: -(-(n + 2 * p - (k - 1) * d - 1) // s) + 1, {},
     "rounds up"),
    ("size no dilation", checks.check_output_size, lambda n, k, s, p, d: (n + 2 * p - k) // s + 1, {},
     "ignores the dilation"),
    ("size k*d", checks.check_output_size, lambda n, k, s, p, d: (n + 2 * p - k * d) // s + 1, {}, "k * d"),
    ("size one side", checks.check_output_size, lambda n, k, s, p, d: (n + p - (k - 1) * d - 1) // s + 1, {},
     "one side only"),
    ("size no padding", checks.check_output_size, lambda n, k, s, p, d: (n - (k - 1) * d - 1) // s + 1, {},
     "ignores the padding"),
    ("size no stride", checks.check_output_size, lambda n, k, s, p, d: n + 2 * p - (k - 1) * d, {},
     "ignores the stride"),
    ("size true division", checks.check_output_size, lambda n, k, s, p, d: (n + 2 * p - (k - 1) * d - 1) / s + 1,
     {}, "not a whole number"),
    ("same swapped", checks.check_same_padding, lambda n, k, s: same_padding(n, k, s)[::-1], {},
     "off by one row: TensorFlow's 'same' puts the extra padding at the bottom"),
    ("same no stride", checks.check_same_padding, lambda n, k, s: same_padding(n, k, 1) if s == 1 else (
        (k - 1) // 2, k - 1 - (k - 1) // 2), {}, "ignores the stride"),
    ("same k//2", checks.check_same_padding, lambda n, k, s: (k // 2, k // 2), {},
     "symmetric k // 2 convention"),
    ("same symmetric", checks.check_same_padding, lambda n, k, s: (sum(same_padding(n, k, s)) // 2,) * 2, {},
     "one zero row is lost"),
    ("same negative", checks.check_same_padding,
     lambda n, k, s: (lambda t: (t // 2, t - t // 2))((-(-n // s) - 1) * s + k - n), {}, "clips it at 0"),
    ("same ceil", checks.check_same_padding, lambda n, k, s: (-(-sum(same_padding(n, k, s)) // 2),) * 2, {},
     "rounds the half up"),
    ("unused remainder", checks.check_unused_rows, lambda n, k, s, p: (n + sum(p) - k) % s, {}, "BETWEEN windows"),
    ("unused counts padding", checks.check_unused_rows, lambda n, k, s, p: unused_rows(n + sum(p), k, s), {},
     "padding rows"),
    ("unused ignores padding", checks.check_unused_rows, lambda n, k, s, p: unused_rows(n, k, s), {},
     "ignores the padding"),
    ("dilate trailing zeros", checks.check_dilate_kernel,
     lambda k, d: np.pad(dilate(k, d), ((0, d - 1), (0, d - 1))), {}, "trailing zeros"),
    ("dilate repeat", checks.check_dilate_kernel,
     lambda k, d: k.repeat(d, 0).repeat(d, 1)[: (k.shape[0] - 1) * d + 1, : (k.shape[1] - 1) * d + 1], {},
     "repeated instead of spaced"),
    ("dilate d+1", checks.check_dilate_kernel, lambda k, d: dilate(k, d + 1), {}, "d + 1 apart"),
    # 06 im2col and GEMM
    ("im2col channel first", checks.check_im2col, lambda x, kh, kw: im2col(x.transpose(0, 1, 2), kh, kw).reshape(
        -1, kh, kw, x.shape[2]).transpose(0, 3, 1, 2).reshape(-1, kh * kw * x.shape[2]), {}, "(ci, kh, kw)"),
    ("im2col kw first", checks.check_im2col, lambda x, kh, kw: im2col(x, kh, kw).reshape(
        -1, kh, kw, x.shape[2]).transpose(0, 2, 1, 3).reshape(-1, kh * kw * x.shape[2]), {}, "(kw, kh, ci)"),
    ("im2col transposed", checks.check_im2col, lambda x, kh, kw: im2col(x, kh, kw).T, {}, "transposed patch matrix"),
    ("im2col column-major", checks.check_im2col, lambda x, kh, kw: im2col(x.transpose(1, 0, 2), kw, kh).reshape(
        -1, kw, kh, x.shape[2]).transpose(0, 2, 1, 3).reshape(-1, kh * kw * x.shape[2]), {}, "row-major"),
    ("im2col 3-D", checks.check_im2col, lambda x, kh, kw: im2col(x, kh, kw).reshape(
        x.shape[0] - kh + 1, x.shape[1] - kw + 1, -1), {}, "flatten"),
    ("kmat reshape C_out first", checks.check_kernel_matrix, lambda w: w.reshape(w.shape[3], -1).T, {},
     "mixes the weights"),
    ("kmat transposed", checks.check_kernel_matrix, lambda w: w.reshape(-1, w.shape[3]).T, {}, "(C_out, KH*KW*C_in)"),
    ("kmat channel first", checks.check_kernel_matrix, lambda w: w.transpose(2, 0, 1, 3).reshape(-1, w.shape[3]),
     {}, "(ci, kh, kw)"),
    ("bytes no stride", checks.check_patch_matrix_bytes, lambda h, w, c, kh, kw, s, i: patch_bytes(h, w, c, kh, kw, 1,
                                                                                                   i), {},
     "ignores the stride"),
    ("bytes H*W rows", checks.check_patch_matrix_bytes, lambda h, w, c, kh, kw, s, i: h * w * kh * kw * c * i, {},
     "H*W rows"),
    ("bytes no C_in", checks.check_patch_matrix_bytes, lambda h, w, c, kh, kw, s, i: patch_bytes(h, w, 1, kh, kw, s,
                                                                                                 i), {}, "misses C_in"),
    ("bytes no itemsize", checks.check_patch_matrix_bytes, lambda h, w, c, kh, kw, s, i: patch_bytes(
        h, w, c, kh, kw, s, 1), {}, "not bytes"),
    ("bytes estimate", checks.check_patch_matrix_bytes, lambda h, w, c, kh, kw, s, i: int(h * w * c * i * kh * kw /
                                                                                          s**2), {}, "estimate"),
]


# Answers that cannot be compared (None, not whole, wrong kind) are explained without the values.
NO_VALUES = {"kernel_shape None", "params float", "corr modifies x", "corr raises", "fingerprint per channel",
             "size true division"}


@pytest.mark.parametrize("label, check, fn, kwargs, phrase", WRONG, ids=[w[0] for w in WRONG])
def test_each_misconception_is_named(label, check, fn, kwargs, phrase):
    with pytest.raises(AssertionError) as info:
        check(fn, **kwargs)
    message = str(info.value)
    first = message.splitlines()[0]
    assert phrase in first, message
    if label not in NO_VALUES:
        assert "expected" in message and "yours" in message  # shows expected vs actual values


def test_message_shows_case_expected_and_actual():
    x_shape = None

    def flipped(x, k):
        nonlocal x_shape
        x_shape = x.shape
        return corr(x, k[::-1, ::-1])

    with pytest.raises(AssertionError) as info:
        checks.check_correlate2d(flipped)
    lines = str(info.value).splitlines()
    assert "true convolution" in lines[0]
    assert lines[1] == f"  case: x.shape={x_shape}, k.shape=(2, 2)"
    assert any(line.strip().startswith("expected:") for line in lines)
    assert any(line.strip().startswith("yours:") for line in lines)
    assert any("largest difference" in line for line in lines)


def test_every_failure_is_a_check_failed_whose_display_is_the_message():
    """IPython shows ``_render_traceback_()`` instead of a traceback: the message, then the learner's own lines."""
    from convlib.checks.engine import CheckFailed

    with pytest.raises(CheckFailed) as info:
        checks.check_correlate2d(lambda x, k: corr(x, k[::-1, ::-1]))
    shown = info.value._render_traceback_()
    assert shown[0] == "\u2717 " + str(info.value).splitlines()[0]
    assert shown[1:] == str(info.value).splitlines()[1:]

    def broken(x, k):
        return x[100]

    for check, fn in [(checks.check_correlate2d, broken), (checks.check_correlate2d, lambda x, k: None),
                      (checks.check_output_size, None), (checks.check_fingerprint, lambda v, kh, kw: v)]:
        with pytest.raises(CheckFailed):
            check(fn)
    with pytest.raises(CheckFailed) as info:
        checks.check_correlate2d(broken)
    shown = "\n".join(info.value._render_traceback_())
    assert "return x[100]" in shown and "IndexError" in shown and "engine.py" not in shown


def test_a_failed_check_in_a_real_kernel_shows_only_its_message():
    """In Jupyter, a failed check's output is its message -- no frames of convlib's check machinery."""
    import nbformat
    from nbclient import NotebookClient

    root = Path(__file__).resolve().parents[2]
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import numpy as np\nfrom convlib.checks import check_correlate2d\n"
            "def correlate2d_valid(x, k):\n    return np.ones((2, 2))\ncheck_correlate2d(correlate2d_valid)"),
        nbformat.v4.new_code_cell("def raises(x, k):\n    return x[100]\ncheck_correlate2d(raises)"),
    ]
    # Limits for a kernel that hangs, far above a loaded machine's start and run times (no result races them).
    NotebookClient(nb, timeout=600, startup_timeout=600, allow_errors=True, kernel_name="python3",
                   resources={"metadata": {"path": str(root)}}).execute()
    (wrong,), (raised,) = (cell.outputs for cell in nb.cells)
    assert wrong.output_type == raised.output_type == "error"  # nbgrader and nbval still see a failure
    assert wrong.ename == "CheckFailed"
    assert wrong.traceback[0].startswith("\u2717 correlate2d_valid(x, k): ")
    assert wrong.traceback[1].startswith("  case: ")
    text = "\n".join(wrong.traceback + raised.traceback)
    for machinery in ("engine.py", "run_cases", "_call", "Traceback"):
        assert machinery not in "\n".join(wrong.traceback), machinery
    assert "return x[100]" in text and "engine.py" not in text and "run_cases" not in text


def test_nhwc_answers_show_one_output_map_with_labelled_axes():
    def off_in_image_1(x, w, b):
        y = conv_layer(x, w, b)
        y[1, 2, 3, 1] += 5
        return y

    with pytest.raises(AssertionError) as info:
        checks.check_conv2d(off_in_image_1)
    lines = str(info.value).splitlines()
    assert "largest difference 5 at index (1, 2, 3, 1)" in lines[2]
    expected_line = next(i for i, line in enumerate(lines) if line.startswith("  expected[n=1, :, :, co=1]: [["))
    yours_line = next(i for i, line in enumerate(lines) if line.startswith("  yours[n=1, :, :, co=1]:    [["))
    assert yours_line - expected_line == 4  # one Ho x Wo map each (Ho = 4 in the first case), printed alike
    assert lines[expected_line].index("[[") == lines[yours_line].index("[[")


def test_a_2d_patch_matrix_shows_the_differing_row_in_full():
    def one_wrong_entry(x, kh, kw):
        cols = im2col(x, kh, kw)
        cols[-1, 5] += 1
        return cols

    with pytest.raises(AssertionError) as info:
        checks.check_im2col(one_wrong_entry)
    message = str(info.value)
    assert "row 8 (the row with the largest difference), in full:" in message
    expected = next(line for line in message.splitlines() if line.startswith("  expected[8, :]: ["))
    yours = next(line for line in message.splitlines() if line.startswith("  yours[8, :]:    ["))
    assert "..." not in expected + yours and len(expected.split()) == len(yours.split()) == 2 + 12


def test_not_implemented_passes_through():
    def stub(x, k):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        checks.check_correlate2d(stub)


def test_nan_answers_fail():
    with pytest.raises(AssertionError):
        checks.check_correlate2d(lambda x, k: corr(x, k) * np.nan)


def test_lists_and_numpy_scalars_are_accepted():
    checks.check_correlate2d(lambda x, k: corr(x, k).tolist())
    checks.check_output_size(lambda *a: np.int64(output_size(*a)))
    checks.check_same_padding(lambda *a: list(same_padding(*a)))


def test_warnings_inside_the_learners_function_do_not_escape(capsys):
    def noisy(x, k):
        np.float64(1.0) / np.float64(0.0)  # RuntimeWarning: divide by zero
        warnings.warn("learner's own warning")
        return corr(x, k)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        checks.check_correlate2d(noisy)
    assert caught == [] and capsys.readouterr().err == ""


def test_rebinding_numpy_inside_the_learners_function_changes_no_verdict(monkeypatch):
    """A function that patches numpy's comparison helpers while the check runs still fails."""

    def cheat(x, k):
        for name in ("allclose", "array_equal", "isclose", "all", "abs", "absolute", "array", "asarray"):
            monkeypatch.setattr(np, name, lambda *a, **kw: True)
        monkeypatch.setattr(np.testing, "assert_allclose", lambda *a, **kw: None)
        monkeypatch.setattr(convlib, "correlate2d", lambda *a, **kw: np.zeros((1, 1)))
        return [[0.0]]

    with pytest.raises(AssertionError):
        checks.check_correlate2d(cheat)


def test_non_callable_is_reported():
    with pytest.raises(AssertionError, match="expected a function"):
        checks.check_output_size(None)


# --------------------------------------------------------------------------- the expected values agree with Keras


def test_kernel_shape_and_param_count_expectations_match_keras(keras):
    def keras_layer(kh, kw, c_in, c_out, use_bias=True):
        layer = keras.layers.Conv2D(c_out, (kh, kw), use_bias=use_bias)
        layer.build((None, kh + 2, kw + 2, c_in))
        return layer

    checks.check_kernel_shape(lambda kh, kw, ci, co: tuple(keras_layer(kh, kw, ci, co).kernel.shape))
    checks.check_param_count(lambda kh, kw, ci, co, b=True: keras_layer(kh, kw, ci, co, b).count_params())


def test_fingerprint_expectation_matches_keras(keras):
    def keras_fingerprint(values, kh, kw):
        x = np.ones((1, kh + 1, kw + 2, len(values)), np.float32) * np.asarray(values, np.float32)
        layer = keras.layers.Conv2D(1, (kh, kw), kernel_initializer="ones", bias_initializer="zeros")
        return float(np.asarray(layer(x))[0, 0, 0, 0])

    checks.check_fingerprint(keras_fingerprint)


def test_two_layer_expectation_matches_keras(keras):
    def keras_count(c_in, k1, f1, k2, f2):
        model = keras.Sequential([keras.Input((k1 + k2 + 4, k1 + k2 + 4, c_in)), keras.layers.Conv2D(f1, k1),
                                  keras.layers.Conv2D(f2, k2)])
        return model.count_params()

    checks.check_two_layer_param_count(keras_count)


def test_same_padding_and_output_size_match_tensorflow(tf):
    """'same' explicit pads reproduce tf.nn.conv2d(padding='SAME'); output_size counts its rows."""
    rng = np.random.default_rng(1)
    for n, k, s in [(5, 2, 1), (6, 3, 2), (7, 4, 3), (9, 1, 3), (10, 5, 3)]:
        x = rng.normal(size=(1, n, n + 1, 1)).astype(np.float32)
        w = rng.normal(size=(k, k, 1, 1)).astype(np.float32)
        y_tf = tf.nn.conv2d(x, w, s, "SAME").numpy()
        pads = [same_padding(n, k, s), same_padding(n + 1, k, s)]
        y_ours = tf.nn.conv2d(x, w, s, [[0, 0], list(pads[0]), list(pads[1]), [0, 0]]).numpy()
        np.testing.assert_allclose(y_ours, y_tf, rtol=1e-5, atol=1e-6)
        assert y_tf.shape[1] == output_size(n + sum(pads[0]), k, s)
    checks.check_same_padding(same_padding)


def test_channel_kernels_expectation_is_the_channel_sum():
    """The w the check expects makes conv2d the sum of per-channel correlations with the given kernels."""
    rng = np.random.default_rng(4)
    seen = []
    checks.check_channel_kernels_to_w(lambda ks: seen.append(ks) or np.stack(ks, -1)[..., None])
    for kernels in seen:
        w = np.stack(kernels, -1)[..., None]
        x = rng.normal(size=(kernels[0].shape[0] + 3, kernels[0].shape[1] + 2, len(kernels)))
        by_channel = sum(convlib.correlate2d(x[..., c], k) for c, k in enumerate(kernels))
        np.testing.assert_allclose(convlib.conv2d(x, w)[..., 0], by_channel, rtol=1e-12, atol=1e-12)


def test_dilated_kernel_expectation_matches_convlib_dilation():
    """Correlating with the zero-stuffed kernel equals correlating with dilation=d."""
    rng = np.random.default_rng(2)
    collected = []
    checks.check_dilate_kernel(lambda k, d: collected.append((k, d)) or dilate(k, d))
    for k, d in collected:
        x = rng.normal(size=((k.shape[0] - 1) * d + 4, (k.shape[1] - 1) * d + 3))
        np.testing.assert_allclose(convlib.correlate2d(x, dilate(k, d)), convlib.correlate2d(x, k, dilation=d),
                                   rtol=1e-12)


def test_convolve_expectation_matches_numpy_convolve():
    """True 2-D convolution built from 1-D np.convolve rows: y[i] = sum over a of convolve(x[i + a], k[KH-1-a])."""

    def via_numpy(x, k):
        kh = k.shape[0]
        return np.array([sum(np.convolve(x[i + a], k[kh - 1 - a], mode="valid") for a in range(kh))
                         for i in range(x.shape[0] - kh + 1)])

    checks.check_convolve2d(via_numpy)
