"""Parameters and multiply-adds of convolution layers, from one formula.

A 2-D convolution with ``groups`` has C_out filters, each ``KH x KW x
(C_in / groups)`` deep, plus one bias per filter::

    params = KH * KW * (C_in / groups) * C_out  (+ C_out with a bias)
    macs   = Ho * Wo * KH * KW * (C_in / groups) * C_out        (per image)

``macs`` counts multiply-adds (one multiplication and one addition each);
FLOPs are usually quoted as ``2 * macs``.  Bias additions are not counted.
Every layer kind is this formula with particular arguments:

* standard: ``groups = 1``;
* grouped: ``1 < groups < C_in``;
* depthwise (Keras ``DepthwiseConv2D``, depth multiplier M):
  ``groups = C_in``, ``C_out = M * C_in``;
* separable (Keras ``SeparableConv2D``): a depthwise layer without bias,
  then a 1 x 1 standard layer from ``M * C_in`` to ``C_out`` with bias.
"""

from __future__ import annotations

from typing import NamedTuple

from .geometry import as_pair, check_integer, conv_geometry
from .validation import check_groups, check_groups_divide

__all__ = ["Counts", "conv2d_counts", "depthwise_counts", "separable_counts", "layer_counts",
           "gemm_shape", "conv_flops", "patch_matrix_bytes"]


class Counts(NamedTuple):
    """Size and cost of a layer.

    Attributes
    ----------
    params : int
        Trainable parameters (weights and biases).
    macs : int
        Multiply-adds for one image of the output size given.
    """

    params: int
    macs: int

    def __add__(self, other):  # two layers in sequence: counts add up
        return Counts(self.params + other.params, self.macs + other.macs)


def conv2d_counts(c_in, c_out, kernel_size, out_hw=(1, 1), *, groups=1, bias=True) -> Counts:
    """The one formula: parameters and multiply-adds of a (grouped) 2-D convolution.

    Parameters
    ----------
    c_in, c_out : int
        Input channels C_in and filters C_out; both divisible by ``groups``.
    kernel_size : int or (KH, KW)
    out_hw : int or (Ho, Wo), default (1, 1)
        The output's height and width (multiply-adds scale with them; with
        the default, ``macs`` is the cost of one output pixel).
    groups : int, default 1
    bias : bool, default True

    Returns
    -------
    Counts
        ``params = KH*KW*(C_in/groups)*C_out + C_out*bias``,
        ``macs = Ho*Wo*KH*KW*(C_in/groups)*C_out``.

    Examples
    --------
    >>> conv2d_counts(3, 1, 2)             # the 2x2 RGB filter of the channel fingerprint
    Counts(params=13, macs=12)
    >>> conv2d_counts(64, 64, 3, (56, 56), groups=64)
    Counts(params=640, macs=1806336)
    """
    c_in, c_out = check_integer(c_in, "c_in"), check_integer(c_out, "c_out")
    kh, kw = as_pair(kernel_size, "kernel_size")
    ho, wo = as_pair(out_hw, "out_hw")
    groups = check_groups(groups)
    check_groups_divide(groups, {"c_in": c_in, "c_out": c_out})
    weights = kh * kw * (c_in // groups) * c_out
    return Counts(weights + (c_out if bias else 0), ho * wo * weights)


def depthwise_counts(c_in, kernel_size, out_hw=(1, 1), *, depth_multiplier=1, bias=True) -> Counts:
    """Keras ``DepthwiseConv2D``: :func:`conv2d_counts` with ``groups = C_in``, ``C_out = M * C_in``."""
    m = check_integer(depth_multiplier, "depth_multiplier")
    return conv2d_counts(c_in, m * c_in, kernel_size, out_hw, groups=c_in, bias=bias)


def separable_counts(c_in, c_out, kernel_size, out_hw=(1, 1), *, depth_multiplier=1, bias=True) -> Counts:
    """Keras ``SeparableConv2D``: depthwise (no bias), then 1x1 from ``M * C_in`` to ``C_out`` (with bias)."""
    m = check_integer(depth_multiplier, "depth_multiplier")
    depthwise = depthwise_counts(c_in, kernel_size, out_hw, depth_multiplier=m, bias=False)
    return depthwise + conv2d_counts(m * c_in, c_out, 1, out_hw, bias=bias)


def layer_counts(kind, c_in, c_out, kernel_size, out_hw=(1, 1), *, groups=1, bias=True) -> Counts:
    """Counts for ``kind`` in {"standard", "grouped", "depthwise", "separable"} -- one table row.

    For ``"depthwise"``, ``c_out`` must be a multiple of ``c_in`` (the depth
    multiplier is ``c_out // c_in``); for ``"separable"`` the depth multiplier is 1.
    """
    if kind == "standard":
        return conv2d_counts(c_in, c_out, kernel_size, out_hw, bias=bias)
    if kind == "grouped":
        return conv2d_counts(c_in, c_out, kernel_size, out_hw, groups=groups, bias=bias)
    if kind == "depthwise":
        if c_out % c_in:
            raise ValueError(f"a depthwise layer has C_out = M * C_in filters; c_out={c_out} is not a multiple of c_in={c_in}")
        return depthwise_counts(c_in, kernel_size, out_hw, depth_multiplier=c_out // c_in, bias=bias)
    if kind == "separable":
        return separable_counts(c_in, c_out, kernel_size, out_hw, bias=bias)
    raise ValueError(f"kind must be 'standard', 'grouped', 'depthwise' or 'separable', got {kind!r}")


# --------------------------------------------------------------------------- the layer as one matrix product


def gemm_shape(x_shape, w_shape, stride=1, padding="valid", dilation=1) -> tuple:
    """Sizes of the one matrix product that computes the layer.

    Parameters
    ----------
    x_shape : (N, H, W, C_in)
    w_shape : (KH, KW, C_in, C_out)
    stride, padding, dilation
        As for :func:`convlib.conv2d`.

    Returns
    -------
    (M, K, N) : tuple of int
        ``M = N*Ho*Wo`` patch rows, ``K = KH*KW*C_in`` values per patch,
        ``N = C_out`` filters: ``(M, K) @ (K, N)``.
    """
    n, h, w, _ = x_shape
    kh, kw, c_in, c_out = w_shape
    ho, wo = conv_geometry((h, w), (kh, kw), stride, padding, dilation).out
    return n * ho * wo, kh * kw * c_in, c_out


def conv_flops(x_shape, w_shape, stride=1, padding="valid", dilation=1) -> int:
    """Floating-point operations of the layer: ``2*M*K*N`` (one multiply and one add each).

    The same count as :func:`conv2d_counts` (``2 * macs`` per image, times N).
    """
    m, k, n = gemm_shape(x_shape, w_shape, stride, padding, dilation)
    return 2 * m * k * n


def patch_matrix_bytes(x_shape, w_shape, stride=1, padding="valid", dilation=1, itemsize=4) -> int:
    """Bytes of the whole patch matrix ``im2col(x)``, shape ``(M, K)``.

    Parameters
    ----------
    x_shape, w_shape, stride, padding, dilation
        As for :func:`gemm_shape`.
    itemsize : int, default 4 (float32)

    Returns
    -------
    int
        ``M * K * itemsize``; compare with ``x``'s own ``N*H*W*C_in*itemsize``
        and with convlib's bounded buffer ``convlib.fast_gemm.DEFAULT_BUFFER_BYTES``.
    """
    m, k, _ = gemm_shape(x_shape, w_shape, stride, padding, dilation)
    return m * k * itemsize
