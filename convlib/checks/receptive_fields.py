"""Self-checks for ``exercises/11-receptive-fields.ipynb`` (receptive field, jump, stacked 3x3 layers); the contract is in :mod:`convlib.checks`."""

from __future__ import annotations

import numpy as np

from ..receptive_fields import receptive_field_info as _info
from .common import _named_case
from .engine import Candidate, Case, as_int, as_int_tuple, run_cases
from .misconceptions import hint

__all__ = [
    "check_receptive_field",
    "check_jump",
    "check_stacked_params",
]


def _k_eff(k, d):
    return (k - 1) * d + 1


def _walk(layers, own_stride=False):
    """Receptive field by the recurrence; ``own_stride`` multiplies each layer's growth by the jump after its stride."""
    r, j = 1, 1
    for k, s, d in layers:
        if own_stride:
            r += (_k_eff(k, d) - 1) * j * s
            j *= s
        else:
            r += (_k_eff(k, d) - 1) * j
            j *= s
    return r


def _by_sliding(layers):
    """The input pixels output 0 reaches, found by walking back through the layers (no formula)."""
    reach = {0}
    for k, s, d in reversed(layers):
        reach = {t * s + a * d for t in reach for a in range(k)}
    return max(reach) + 1


def _rf_reference(layers):
    size = _info(layers).size
    assert size == _by_sliding(layers)
    return size


def _label(layers):
    return "layers=" + repr(layers)


def _stacks(rng):
    stacks = [
        [(3, 1, 1), (3, 1, 1)],
        [(3, 2, 1), (4, 1, 1)],
        [(3, 2, 1), (3, 1, 1)],
        [(3, 1, 1), (3, 1, 2), (3, 1, 4)],
        [(2, 2, 1), (3, 1, 1), (2, 2, 1), (3, 1, 1)],
        [(5, 1, 1)],
        [(1, 2, 1), (3, 1, 1)],
        [(7, 2, 1), (3, 2, 1), (3, 1, 1), (3, 1, 1)],
        [(3, 1, 2), (2, 3, 1), (3, 1, 3)],
        [],
    ]
    for _ in range(3):
        stacks.append([(int(rng.integers(1, 6)), int(rng.integers(1, 4)), int(rng.integers(1, 4)))
                       for _ in range(int(rng.integers(1, 5)))])
    return stacks


def check_receptive_field(fn, *, seed=0):
    """Check ``fn(layers) -> int``: the receptive field along one axis of ``layers``, a list of ``(k, stride, dilation)``."""
    rng = np.random.default_rng(seed)
    cases = [Case((layers,), _label(layers), lambda layers=layers: _rf_reference(layers), layers=layers)
             for layers in _stacks(rng)]

    def sum_of(c, f):
        return sum(f(k, s, d) for k, s, d in c.info["layers"])

    def product(c):
        out = 1
        for k, _, _ in c.info["layers"]:
            out *= k
        return out

    candidates = [
        Candidate(hint("rf-kernels-added", "you added the kernel sizes; each layer after the first adds k_eff - 1 (its window overlaps "
                       "the previous one's by one pixel), times the jump: r_out = r_in + (k_eff - 1) * j_in, from r = j = 1"),
                  lambda c: sum_of(c, lambda k, s, d: k) if c.info["layers"] else None),
        Candidate(hint("rf-kernels-added", "you added the effective kernel sizes; each layer adds k_eff - 1, times the jump: "
                       "r_out = r_in + (k_eff - 1) * j_in, from r = j = 1"),
                  lambda c: sum_of(c, lambda k, s, d: _k_eff(k, d)) if c.info["layers"] else None),
        Candidate(hint("rf-jump-ignored", "this ignores the strides: after a stride-s layer, neighbouring taps of the next layer are s "
                       "input pixels apart, so each later layer adds (k_eff - 1) * jump, the jump being the product of the "
                       "strides so far"),
                  lambda c: 1 + sum_of(c, lambda k, s, d: _k_eff(k, d) - 1)),
        Candidate(hint("dilation-ignored", "this ignores the dilation: a k-tap kernel with dilation d spans k_eff = (k - 1) * d + 1 pixels"),
                  lambda c: _walk([(k, s, 1) for k, s, d in c.info["layers"]])),
        Candidate(hint("rf-sizes-multiplied", "you multiplied the kernel sizes; receptive fields grow by adding: "
                       "r_out = r_in + (k_eff - 1) * j_in"), product),
        Candidate(hint("rf-own-stride", "each layer's growth is multiplied by the jump INCLUDING its own stride; a layer's stride only "
                       "spaces the layers after it: r_out = r_in + (k_eff - 1) * j_in, then j_out = j_in * stride"),
                  lambda c: _walk(c.info["layers"], own_stride=True)),
    ]
    run_cases(fn, cases, candidates=candidates, name="receptive_field(layers)", convert=as_int,
              reference="convlib.receptive_field (and walking back through the layers)")


def check_jump(fn, *, seed=0):
    """Check ``fn(layers) -> int``: the jump, in input pixels, between neighbouring outputs of the last layer."""
    rng = np.random.default_rng(seed)
    stacks = [
        [(3, 2, 1), (3, 3, 1)],
        [(3, 2, 2), (3, 1, 1)],
        [(3, 1, 1), (2, 2, 1)],
        [(7, 2, 1), (3, 2, 1), (3, 2, 1), (3, 1, 1)],
        [(3, 1, 1)],
        [],
    ] + [s for s in _stacks(rng)[-3:]]
    cases = [Case((layers,), _label(layers), lambda layers=layers: _info(layers).jump, layers=layers)
             for layers in stacks]

    def product(layers, f):
        out = 1
        for k, s, d in layers:
            out *= f(k, s, d)
        return out

    candidates = [
        Candidate(hint("jump-strides-added", "you added the strides; they multiply: after strides 2 and 2, neighbouring outputs are 4 "
                       "input pixels apart"),
                  lambda c: sum(s for _, s, _ in c.info["layers"]) if c.info["layers"] else None),
        Candidate(hint("jump-times-dilation", "you multiplied the dilations in too; dilation spaces a layer's taps but does not move its "
                       "outputs apart: the jump is the product of the strides only"),
                  lambda c: product(c.info["layers"], lambda k, s, d: s * d)),
        Candidate(hint("jump-last-stride-missing", "the last layer's stride is missing: the jump of the LAST layer's outputs is the "
                       "product of ALL the strides, its own included"),
                  lambda c: product(c.info["layers"][:-1], lambda k, s, d: s) if c.info["layers"] else None),
        Candidate(hint("jump-times-kernel", "you multiplied the kernel sizes in; the jump is the product of the strides only"),
                  lambda c: product(c.info["layers"], lambda k, s, d: k * s)),
    ]
    run_cases(fn, cases, candidates=candidates, name="jump(layers)", convert=as_int,
              reference="convlib.receptive_field_info(layers).jump")


def check_stacked_params(fn, *, seed=0):
    """Check ``fn(L, C) -> (stacked, single)``: weights of L stacked 3x3 layers C -> C vs one (2L+1)x(2L+1) layer, no bias."""
    rng = np.random.default_rng(seed)
    specs = [(2, 8), (3, 64), (1, 4), (4, 1), (5, 3)]
    specs += [(int(rng.integers(1, 7)), int(rng.integers(1, 129))) for _ in range(3)]

    def count(L, C):
        size = _info([3] * L).size  # the single layer that sees as far as L stacked 3x3 layers
        return L * 3 * 3 * C * C, size * size * C * C

    cases = [_named_case(count, "L={L}, C={C}", L=L, C=C) for L, C in specs]

    def with_per_weight(c, per):
        L, C = c.info["L"], c.info["C"]
        return L * 9 * per, (2 * L + 1) ** 2 * per

    candidates = [
        Candidate(hint("kernel-single-2d", "you counted 3x3 = 9 weights per layer; each layer has C filters, each 3 x 3 x C: "
                       "9 * C * C weights"), lambda c: with_per_weight(c, 1)),
        Candidate(hint("one-filter-only", "you counted one filter per layer (3 x 3 x C); a C -> C layer has C of them: 9 * C * C"),
                  lambda c: with_per_weight(c, c.info["C"])),
        Candidate(hint("rf-kernels-added", "your single layer is 3L x 3L: L stacked 3x3 layers see 2L + 1 pixels, not 3L (each layer "
                       "adds k - 1 = 2), so the equivalent layer is (2L+1) x (2L+1)"),
                  lambda c: (c.expected[0], (3 * c.info["L"]) ** 2 * c.info["C"] ** 2)),
        Candidate(hint("first-layer-only", "your stack counts one layer; L layers have L times 9 * C * C weights"),
                  lambda c: (9 * c.info["C"] ** 2, c.expected[1]) if c.info["L"] > 1 else None),
        Candidate(hint("bias-unwanted", "this counts a bias (C per layer); the task asks for the weights only, no bias"),
                  lambda c: (c.expected[0] + c.info["L"] * c.info["C"], c.expected[1] + c.info["C"])),
    ]
    run_cases(fn, cases, candidates=candidates, name="stacked_params(L, C)", convert=as_int_tuple,
              reference="the kernels (3, 3, C, C) per layer and (2L+1, 2L+1, C, C), sized by convlib.receptive_field")
