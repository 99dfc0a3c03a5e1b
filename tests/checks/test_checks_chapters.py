"""Checks for exercises 10-12 (pooling, receptive fields, conventions): right answers pass, each misconception is named."""

import numpy as np
import pytest

from convlib import checks as ck
from convlib.checks import CheckFailed
from convlib.checks import engine as check_tools
from tests.checks.test_checks_transpose import RIGHT as TRANSPOSE_RIGHT, WRONG as TRANSPOSE_WRONG


# --------------------------------------------------------------------------- right answers (independent of convlib)


def max_pool(x, k, s=None, reduce=np.max):
    s = k if s is None else s
    rows, cols = range(0, x.shape[1] - k + 1, s), range(0, x.shape[2] - k + 1, s)
    return np.array([[reduce(x[:, i:i + k, j:j + k, :], axis=(1, 2)) for j in cols] for i in rows]).transpose(2, 0, 1, 3)


def pads_tf(n, k):
    total = -(-n // k) * k - n
    return total // 2, total - total // 2


def avg_same(x, k, side="tf", divide="real"):
    ph, pw = pads_tf(x.shape[1], k), pads_tf(x.shape[2], k)
    if side == "swapped":
        ph, pw = ph[::-1], pw[::-1]
    xp = np.pad(x, ((0, 0), ph, pw, (0, 0)))
    ones = np.pad(np.ones(x.shape[1:3]), (ph, pw))
    ho, wo = xp.shape[1] // k, xp.shape[2] // k
    y = np.zeros((x.shape[0], ho, wo, x.shape[3]))
    for i in range(ho):
        for j in range(wo):
            count = k * k if divide == "all" else ones[i * k:(i + 1) * k, j * k:(j + 1) * k].sum()
            y[:, i, j] = xp[:, i * k:(i + 1) * k, j * k:(j + 1) * k].sum(axis=(1, 2)) / count
    return y


def pool_back(dy, x, k, pick="first"):
    dx = np.zeros_like(x, dtype=float)
    for n, i, j, c in np.ndindex(*dy.shape):
        win = x[n, i * k:(i + 1) * k, j * k:(j + 1) * k, c]
        out = dx[n, i * k:(i + 1) * k, j * k:(j + 1) * k, c]
        if pick == "spread":
            out += dy[n, i, j, c] / win.size
            continue
        flat = np.flatnonzero(win.ravel() == win.max())
        for f in {"first": flat[:1], "last": flat[-1:], "all": flat}[pick]:
            out[f // k, f % k] += dy[n, i, j, c]
    return dx


def rf(layers, *, k_of=lambda k, d: (k - 1) * d + 1, use_jump=True, own=False):
    r, j = 1, 1
    for k, s, d in layers:
        r += (k_of(k, d) - 1) * (j * s if own else j if use_jump else 1)
        j *= s
    return r


def jump(layers):
    return int(np.prod([s for _, s, _ in layers]))


def same_pads(n, k, stride, dilation, convention):
    k_eff = (k - 1) * dilation + 1
    if convention == "symmetric":
        return k_eff // 2, k_eff // 2
    total = max((-(-n // stride) - 1) * stride + k_eff - n, 0)
    before, after = total // 2, total - total // 2
    return (before, after) if convention == "upper" else (after, before)


def flatten_perm(h, w, c):
    return np.arange(c * h * w).reshape(c, h, w).transpose(1, 2, 0).ravel()


RIGHT = [
    (ck.check_max_pool2d, max_pool),
    (ck.check_avg_pool_same, avg_same),
    (ck.check_max_pool_backward, pool_back),
    (ck.check_receptive_field, rf),
    (ck.check_jump, jump),
    (ck.check_stacked_params, lambda L, C: (9 * L * C * C, (2 * L + 1) ** 2 * C * C)),
    (ck.check_kernel_from_torch, lambda w: w.transpose(2, 3, 1, 0)),
    (ck.check_same_pads, same_pads),
    (ck.check_flatten_permutation, flatten_perm),
    *TRANSPOSE_RIGHT,  # exercise 09 (test_checks_transpose.py)
]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("check, fn", RIGHT, ids=lambda v: getattr(v, "__name__", ""))
def test_right_answers_pass_with_one_line(check, fn, seed, capsys):
    assert check(fn, seed=seed) is None
    out, err = capsys.readouterr()
    assert out.count("\u2713") == 1 and err == ""


# --------------------------------------------------------------------------- one wrong model per misconception


def ceil_pool(x, k, s=None):
    s = k if s is None else s
    rows, cols = range(0, x.shape[1] - k + s, s), range(0, x.shape[2] - k + s, s)
    return np.array([[x[:, i:i + k, j:j + k, :].max(axis=(1, 2)) for j in cols] for i in rows]).transpose(2, 0, 1, 3)


def short_pool(x, k, s=None):
    s = k if s is None else s
    rows, cols = range(0, x.shape[1] - k, s), range(0, x.shape[2] - k, s)
    if not rows or not cols:
        return max_pool(x, k, s)  # a learner's special case for a window as large as the input
    return np.array([[x[:, i:i + k, j:j + k, :].max(axis=(1, 2)) for j in cols] for i in rows]).transpose(2, 0, 1, 3)


def symmetric_avg(x, k):
    p = k // 2
    xp = np.pad(x, ((0, 0), (p, p), (p, p), (0, 0)))
    ones = np.pad(np.ones(x.shape[1:3]), p)
    ho, wo = (xp.shape[1] - k) // k + 1, (xp.shape[2] - k) // k + 1
    return np.array([[xp[:, i * k:(i + 1) * k, j * k:(j + 1) * k].sum(axis=(1, 2)) / ones[i * k:(i + 1) * k, j * k:(j + 1) * k].sum()
                      for j in range(wo)] for i in range(ho)]).transpose(2, 0, 1, 3)


def sum_k(layers):
    return sum(k for k, _, _ in layers)


WRONG = [
    # 10 · pooling
    (ck.check_max_pool2d, lambda x, k, s=None: max_pool(x, k, s).max(axis=3), "pool-across-channels"),
    (ck.check_max_pool2d, lambda x, k, s=None: max_pool(x, k, s).max(axis=3, keepdims=True), "pool-across-channels"),
    (ck.check_max_pool2d, lambda x, k, s=None: max_pool(x, k, s).sum(axis=3), "pool-channels-summed"),
    (ck.check_max_pool2d, lambda x, k, s=None: max_pool(x, k, 1 if s is None else s), "pool-stride-one"),
    (ck.check_max_pool2d, ceil_pool, "rounds-up"),
    (ck.check_max_pool2d, short_pool, "window-count-off-by-one"),
    (ck.check_avg_pool_same, lambda x, k: avg_same(x, k, divide="all"), "avg-pad-counted"),
    (ck.check_avg_pool_same, lambda x, k: avg_same(x, k, side="swapped"), "same-extra-before"),
    (ck.check_avg_pool_same, lambda x, k: avg_same(x, k, side="swapped", divide="all"), "avg-pad-counted"),
    (ck.check_avg_pool_same, symmetric_avg, "same-symmetric-k2"),
    (ck.check_avg_pool_same, lambda x, k: max_pool(x, k, reduce=np.mean), "padding-ignored"),
    (ck.check_max_pool_backward, lambda dy, x, k: pool_back(dy, x, k, "spread"), "maxpool-grad-spread"),
    (ck.check_max_pool_backward, lambda dy, x, k: pool_back(dy, x, k, "all"), "maxpool-grad-all-ties"),
    (ck.check_max_pool_backward, lambda dy, x, k: pool_back(dy, x, k, "last"), "maxpool-grad-last-max"),
    # 11 · receptive fields
    (ck.check_receptive_field, lambda layers: sum_k(layers) if layers else 1, "rf-kernels-added"),
    (ck.check_receptive_field, lambda layers: sum((k - 1) * d + 1 for k, _, d in layers) or 1, "rf-kernels-added"),
    (ck.check_receptive_field, lambda layers: rf(layers, use_jump=False), "rf-jump-ignored"),
    (ck.check_receptive_field, lambda layers: rf(layers, k_of=lambda k, d: k), "dilation-ignored"),
    (ck.check_receptive_field, lambda layers: int(np.prod([k for k, _, _ in layers])), "rf-sizes-multiplied"),
    (ck.check_receptive_field, lambda layers: rf(layers, own=True), "rf-own-stride"),
    (ck.check_jump, lambda layers: sum(s for _, s, _ in layers) or 1, "jump-strides-added"),
    (ck.check_jump, lambda layers: int(np.prod([s * d for _, s, d in layers])), "jump-times-dilation"),
    (ck.check_jump, lambda layers: jump(layers[:-1]), "jump-last-stride-missing"),
    (ck.check_jump, lambda layers: int(np.prod([k * s for k, s, _ in layers])), "jump-times-kernel"),
    (ck.check_stacked_params, lambda L, C: (9 * L, (2 * L + 1) ** 2), "kernel-single-2d"),
    (ck.check_stacked_params, lambda L, C: (9 * L * C, (2 * L + 1) ** 2 * C), "one-filter-only"),
    (ck.check_stacked_params, lambda L, C: (9 * L * C * C, (3 * L) ** 2 * C * C), "rf-kernels-added"),
    (ck.check_stacked_params, lambda L, C: (9 * C * C, (2 * L + 1) ** 2 * C * C), "first-layer-only"),
    (ck.check_stacked_params, lambda L, C: (L * (9 * C * C + C), (2 * L + 1) ** 2 * C * C + C), "bias-unwanted"),
    # 12 · conventions across frameworks
    (ck.check_kernel_from_torch, lambda w: w.reshape(w.shape[2], w.shape[3], w.shape[1], w.shape[0]), "reshape-scrambles"),
    (ck.check_kernel_from_torch, lambda w: w.T, "kernel-hw-swapped"),
    (ck.check_kernel_from_torch, lambda w: w.transpose(2, 3, 0, 1), "cin-cout-swapped"),
    (ck.check_kernel_from_torch, lambda w: np.moveaxis(w, (0, 1), (2, 3)).transpose(1, 0, 2, 3), "kernel-hw-swapped"),
    (ck.check_same_pads, lambda n, k, s, d, c: same_pads(n, k, s, d, {"upper": "lower", "lower": "upper"}.get(c, c)),
     "same-extra-before"),
    (ck.check_same_pads, lambda n, k, s, d, c: same_pads(n, k, s, d, "upper" if c == "lower" else c), "same-lower-swapped"),
    (ck.check_same_pads, lambda n, k, s, d, c: (k // 2, k // 2) if c == "symmetric" else same_pads(n, k, s, d, c),
     "symmetric-dilation-ignored"),
    (ck.check_same_pads, lambda n, k, s, d, c: same_pads(n, k, s, d, "symmetric"), "same-symmetric-k2"),
    (ck.check_same_pads, lambda n, k, s, d, c: same_pads(n, k, s, 1 if c != "symmetric" else d, c), "dilation-ignored"),
    (ck.check_same_pads, lambda n, k, s, d, c: same_pads(n, k, 1, d, c) if c != "symmetric" else same_pads(n, k, s, d, c),
     "stride-ignored"),
    (ck.check_same_pads, lambda n, k, s, d, c: (sum(same_pads(n, k, s, d, "upper")) // 2,) * 2 if c == "symmetric"
     else same_pads(n, k, s, d, c), "same-symmetric-split"),
    (ck.check_flatten_permutation, lambda h, w, c: np.arange(h * w * c), "flatten-identity"),
    (ck.check_flatten_permutation, lambda h, w, c: np.argsort(flatten_perm(h, w, c)), "flatten-perm-inverse"),
    (ck.check_flatten_permutation, lambda h, w, c: np.arange(c * h * w).reshape(c, w, h).transpose(2, 1, 0).ravel(),
     "flatten-hw-swapped"),
    *TRANSPOSE_WRONG,  # exercise 09's wrong models (defined beside its reference in test_checks_transpose.py)
]


@pytest.mark.parametrize("check, fn, misconception", WRONG, ids=[f"{w[0].__name__}-{w[2]}" for w in WRONG])
def test_each_misconception_is_diagnosed(check, fn, misconception):
    with pytest.raises(CheckFailed) as err:
        check(fn)
    assert err.value.misconception == misconception, str(err.value)
    first, *rest = str(err.value).splitlines()
    assert ":" in first
    assert any(line.lstrip().startswith("case:") for line in rest)
    assert any("expected" in line for line in rest)


@pytest.mark.parametrize("check, fn", RIGHT, ids=lambda v: getattr(v, "__name__", ""))
def test_a_wrong_answer_matching_no_model_is_not_given_a_misconception(check, fn):
    def garbage(*args):
        out = fn(*args)
        return tuple(v + 7 for v in out) if isinstance(out, tuple) else out + 7

    with pytest.raises(CheckFailed) as err:
        check(garbage)
    assert err.value.misconception is None


@pytest.mark.parametrize("check, fn", RIGHT, ids=lambda v: getattr(v, "__name__", ""))
def test_unfinished_exercise_raises_not_implemented(check, fn):
    def stub(*args):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        check(stub)


@pytest.mark.parametrize("check, fn", RIGHT, ids=lambda v: getattr(v, "__name__", ""))
def test_checks_only_collect_inputs_for_the_grader(check, fn):
    """While the grader collects inputs these checks note their cases, call nothing and judge nothing."""
    def never(*args):
        raise AssertionError("called while collecting")

    with check_tools.collecting() as calls:
        assert check(never) is None
    assert calls and all(entry[0] is never and entry[1] for entry in calls)
