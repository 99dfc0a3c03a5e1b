"""convlib.checks (backprop, grouped): right answers pass quietly, each misconception is named, unfinished work shows."""

import numpy as np
import pytest

import convlib
from convlib.checks import engine as check_tools
from convlib import checks as ca


def dw_right(x, dy):
    kh, kw = x.shape[1] - dy.shape[1] + 1, x.shape[2] - dy.shape[2] + 1
    # An independent route: per-channel correlations summed over the batch.
    return np.array([[sum(convlib.correlate2d(x[n, :, :, ci], dy[n, :, :, co]) for n in range(len(x)))
                      for co in range(dy.shape[3])] for ci in range(x.shape[3])]).transpose(2, 3, 0, 1).reshape(
        kh, kw, x.shape[3], dy.shape[3])


def dx_right(dy, w):
    kh, kw = w.shape[:2]
    return convlib.conv2d(dy, w[::-1, ::-1].transpose(0, 1, 3, 2), padding=((kh - 1, kh - 1), (kw - 1, kw - 1)))


def grouped_right(x, w, g):
    ci, co = x.shape[3] // g, w.shape[3] // g
    return np.concatenate([convlib.conv2d(x[..., k * ci:(k + 1) * ci], w[..., k * co:(k + 1) * co]) for k in range(g)],
                          axis=-1)


RIGHT = [
    (ca.check_bias_grad, lambda dy: dy.sum(axis=(0, 1, 2))),
    (ca.check_kernel_grad, dw_right),
    (ca.check_input_grad, dx_right),
    (ca.check_grouped_conv, grouped_right),
    (ca.check_depthwise_kernel, lambda dk: dk.reshape(dk.shape[0], dk.shape[1], 1, -1)),
    (ca.check_grouped_param_count, lambda kh, kw, ci, co, g, b: kh * kw * (ci // g) * co + (co if b else 0)),
    (ca.check_separable_macs, lambda ho, wo, ci, co, kh, kw: ho * wo * (kh * kw * ci + ci * co)),
]


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("check, fn", RIGHT, ids=lambda v: getattr(v, "__name__", ""))
def test_right_answers_pass_with_one_line(check, fn, seed, capsys):
    assert check(fn, seed=seed) is None
    out, err = capsys.readouterr()
    assert out.count("\u2713") == 1 and err == ""


def shared_dw(x, dy):
    one = dw_right(x.sum(axis=3, keepdims=True), dy)
    return np.concatenate([one] * x.shape[3], axis=2)


def interleaved(x, w, g):
    perm_in = np.concatenate([np.arange(k, x.shape[3], g) for k in range(g)])
    perm_out = np.concatenate([np.arange(k, w.shape[3], g) for k in range(g)])
    y = np.zeros((*convlib.conv2d(x[..., :w.shape[2]], w).shape[:3], w.shape[3]))
    y[..., perm_out] = grouped_right(x[..., perm_in], w, g)
    return y


WRONG = [
    (ca.check_bias_grad, lambda dy: dy.mean(axis=(0, 1, 2)), "averaged"),
    (ca.check_bias_grad, lambda dy: dy.sum(axis=(1, 2)), "kept the batch axis"),
    (ca.check_bias_grad, lambda dy: dy.sum(), "summed over the channels"),
    (ca.check_bias_grad, lambda dy: dy.sum(axis=(1, 2)).mean(axis=0), "averaged over the batch"),
    (ca.check_kernel_grad, shared_dw, "same gradient slice"),
    (ca.check_kernel_grad, lambda x, dy: dw_right(x, dy)[::-1, ::-1], "flipped"),
    (ca.check_kernel_grad, lambda x, dy: dw_right(x[:1], dy[:1]), "first image only"),
    (ca.check_kernel_grad, lambda x, dy: dw_right(x, dy).transpose(0, 1, 3, 2), "(KH, KW, C_out, C_in)"),
    (ca.check_input_grad, lambda dy, w: convlib.conv2d(dy, w.transpose(0, 1, 3, 2),
                                                       padding=((w.shape[0] - 1,) * 2, (w.shape[1] - 1,) * 2)),
     "not turned by 180"),
    (ca.check_input_grad, lambda dy, w: convlib.conv2d(dy, w[::-1, ::-1].transpose(0, 1, 3, 2)), "FULL convolution"),
    (ca.check_input_grad, lambda dy, w: dx_right(dy[..., :1], w[..., :1]), "only filter 0"),
    (ca.check_input_grad, lambda dy, w: np.concatenate([dx_right(dy, w.sum(axis=2, keepdims=True))] * w.shape[2], 3),
     "same gradient"),
    (ca.check_grouped_conv, interleaved, "every g-th channel"),
    (ca.check_grouped_conv, lambda x, w, g: np.concatenate(
        [convlib.conv2d(x[..., k::g], w[..., k * (w.shape[3] // g):(k + 1) * (w.shape[3] // g)]) for k in range(g)],
        axis=3), "x[..., k::groups]"),
    (ca.check_grouped_conv, lambda x, w, g: convlib.conv2d(x[..., :w.shape[2]], w[..., :w.shape[3] // g]),
     "one group's maps"),
    (ca.check_depthwise_kernel, lambda dk: dk.transpose(0, 1, 3, 2).reshape(dk.shape[0], dk.shape[1], 1, -1),
     "m*C_in + c"),
    (ca.check_depthwise_kernel, lambda dk: dk.reshape(dk.shape[0], dk.shape[1], -1, 1), "depth (axis 2)"),
    (ca.check_grouped_param_count, lambda kh, kw, ci, co, g, b: kh * kw * ci * co + (co if b else 0), "standard"),
    (ca.check_grouped_param_count, lambda kh, kw, ci, co, g, b: kh * kw * (ci // g) * (co // g) + (co if b else 0),
     "twice"),
    (ca.check_grouped_param_count, lambda kh, kw, ci, co, g, b: kh * kw * (ci // g) * co, "bias is missing"),
    (ca.check_separable_macs, lambda ho, wo, ci, co, kh, kw: ho * wo * kh * kw * ci * co, "standard convolution"),
    (ca.check_separable_macs, lambda ho, wo, ci, co, kh, kw: ho * wo * kh * kw * ci, "pointwise 1x1 step is missing"),
    (ca.check_separable_macs, lambda ho, wo, ci, co, kh, kw: ho * wo * ci * co, "depthwise step is missing"),
    (ca.check_separable_macs, lambda ho, wo, ci, co, kh, kw: ho * wo * kh * kw * ci * ci * co, "multiplied"),
]


@pytest.mark.parametrize("check, fn, hint", WRONG, ids=[w[2] for w in WRONG])
def test_misconceptions_are_named_with_expected_and_actual(check, fn, hint):
    with pytest.raises(AssertionError) as err:
        check(fn)
    first, *rest = str(err.value).splitlines()
    assert hint in first, first
    assert any(line.lstrip().startswith("case:") for line in rest)
    assert any("expected" in line for line in rest)


@pytest.mark.parametrize("check, fn", RIGHT, ids=lambda v: getattr(v, "__name__", ""))
def test_unfinished_exercise_raises_not_implemented(check, fn):
    def stub(*args):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        check(stub)


def test_collecting_notes_inputs_and_calls_nothing():
    """While the grader collects inputs, a check builds its cases and never calls the function."""
    def never(*args):
        raise AssertionError("called while collecting")

    with check_tools.collecting() as calls:
        assert ca.check_bias_grad(never) is None
    assert len(calls) == 1 and calls[0][0] is never and len(calls[0][1]) == 7
