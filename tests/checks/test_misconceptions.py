"""Every hint a check gives names its misconception with a stable id (convlib.checks.misconceptions)."""

import ast
import re
from pathlib import Path

import numpy as np
import pytest

import convlib
from convlib.checks import CheckFailed, check_channel_sum, check_output_size
from convlib.checks.misconceptions import MISCONCEPTIONS, Hint, hint

CHECKS = Path(convlib.__file__).parent / "checks"
MODULES = sorted(p for p in CHECKS.glob("*.py") if p.stem not in ("__init__", "engine", "record", "misconceptions"))


def _hint_nodes(tree):
    """The hint argument of every Candidate(...) and (hint, build) pair in a check module."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Candidate":
            yield node.args[0]
        elif isinstance(node, ast.List):
            for e in node.elts:
                if isinstance(e, ast.Tuple) and len(e.elts) == 2 and isinstance(e.elts[1], ast.Lambda):
                    yield e.elts[0]


def test_ids_are_short_kebab_case_and_described():
    for mid, text in MISCONCEPTIONS.items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", mid) and len(mid) <= 32, mid
        assert text and "\n" not in text


def test_every_candidate_hint_is_tagged():
    for path in MODULES:
        for node in _hint_nodes(ast.parse(path.read_text())):
            tagged = (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "hint") or (
                isinstance(node, ast.Name) and node.id.endswith("_HINT"))
            assert tagged, f"{path.name}:{node.lineno}: a hint without a misconception id"


def test_every_id_is_used_by_some_check():
    text = "".join(p.read_text() for p in MODULES)
    unused = [mid for mid in MISCONCEPTIONS if f'hint("{mid}"' not in text and f'misconception="{mid}"' not in text]
    assert not unused


def test_unknown_ids_are_refused():
    with pytest.raises(KeyError):
        hint("no-such-misconception", "text")
    h = hint("channel-mean", "text")
    assert isinstance(h, str) and isinstance(h, Hint) and h == "text" and h.misconception == "channel-mean"


def _failure(check, fn):
    with pytest.raises(CheckFailed) as info:
        check(fn)
    return info.value


def test_the_verdict_carries_the_id():
    def corr(x, k):
        return convlib.correlate2d(x, k)

    def mean(x, w, b):
        return sum(corr(x[:, :, c], w[:, :, c]) for c in range(x.shape[2])) / x.shape[2] + b

    def bias_per_channel(x, w, b):
        return sum(corr(x[:, :, c], w[:, :, c]) + b for c in range(x.shape[2]))

    def unsummed(x, w, b):
        return np.stack([corr(x[:, :, c], w[:, :, c]) for c in range(x.shape[2])], axis=-1) + b

    def garbage(x, w, b):
        return np.zeros((1, 1))

    assert _failure(check_channel_sum, mean).misconception == "channel-mean"
    assert _failure(check_channel_sum, bias_per_channel).misconception == "bias-per-channel"
    assert _failure(check_channel_sum, unsummed).misconception == "channels-not-summed"
    assert _failure(check_channel_sum, garbage).misconception is None
    no_plus_one = _failure(check_output_size, lambda n, k, s=1, p=0, d=1: (n + 2 * p - (k - 1) * d - 1) // s)
    assert no_plus_one.misconception == "plus-one-missing"
