"""Transposed convolution: the adjoint of :func:`convlib.conv2d`.

``conv2d`` with a kernel ``w`` of shape ``(KH, KW, C_in, C_out)`` is a linear
map from ``x`` ``(N, H, W, C_in)`` to ``y`` ``(N, Ho, Wo, C_out)``.  Its
transpose (adjoint) goes back, from C_out channels to C_in, with the **same**
``w``: it is exactly the gradient of ``conv2d`` with respect to its input, so

    <conv2d(x, w), y> == <x, conv2d_transpose(y, w)>     for every x and y.

Each input value of the transpose is multiplied by the whole kernel and
**added** into an output patch; where patches overlap (kernel larger than the
stride) the contributions pile up -- the origin of the "checkerboard"
pattern of strided transposed convolutions.

Output size.  With stride ``s`` several input sizes ``n`` give the same
forward output size ``o``: along one axis, with ``k_eff = (k - 1) * d + 1``,

* explicit padding ``(before, after)``:
  ``n = (o - 1) * s + k_eff - before - after + a`` for ``a = 0 .. s - 1``;
* ``"valid"``: the same with no padding;
* ``"same"``: ``n = (o - 1) * s + 1 .. o * s`` (TF's ``'same'`` gives
  ``o = ceil(n / s)``).

``output_size`` picks one of them.  By default: what Keras'
``Conv2DTranspose`` picks -- ``(o - 1) * s + max(k_eff, s)`` for ``"valid"``,
``o * s`` for ``"same"`` -- and the smallest size for explicit padding.
"""

from __future__ import annotations

import numpy as np

from .geometry import axis_padding, as_pair, conv_geometry, effective_kernel_size, normalize_padding
from .im2col import col2im
from .validation import (as_batch, as_float_array, check_groups, check_groups_divide, check_not_empty, float_dtype,
                         group_slices)

__all__ = ["conv2d_transpose", "transpose_output_sizes"]


def transpose_output_sizes(o: int, k: int, stride: int = 1, padding="valid", dilation: int = 1) -> range:
    """Every input size ``n`` along one axis for which ``conv2d`` gives output size ``o``.

    Parameters
    ----------
    o : int
        The forward output size (Ho or Wo): the transpose's input size.
    k : int
        Kernel size along the axis (KH or KW).
    stride, dilation : int
    padding : {"valid", "same"} or int or (before, after)

    Returns
    -------
    range
        ``s`` consecutive sizes in general (fewer when small sizes would be
        below 1 or where padding exceeds the kernel); the first is the smallest.

    Examples
    --------
    >>> list(transpose_output_sizes(3, 3, stride=2))         # 7, 8 -> 3 with a 3-tap kernel
    [7, 8]
    >>> list(transpose_output_sizes(3, 3, stride=2, padding="same"))
    [5, 6]
    """
    if isinstance(padding, str) and padding.lower() == "same":
        lo, hi = (o - 1) * stride + 1, o * stride
    else:
        before, after = axis_padding(padding, 1, k, stride, dilation)
        lo = (o - 1) * stride + effective_kernel_size(k, dilation) - before - after
        hi = lo + stride - 1
    return range(max(lo, 1), hi + 1)


def _default_size(o, k, stride, padding, dilation, sizes):
    if isinstance(padding, str):
        if padding == "same":
            return o * stride
        return (o - 1) * stride + max(effective_kernel_size(k, dilation), stride)
    return sizes[0]


def conv2d_transpose(y, w, *, stride=1, padding="valid", dilation=1, output_size=None, groups=1) -> np.ndarray:
    """Transposed convolution with the forward kernel ``w``: C_out channels back to C_in.

    Parameters
    ----------
    y : array_like, shape (N, Ho, Wo, C_out), or (Ho, Wo, C_out) for one image
        An array shaped like the output of ``conv2d(x, w, ...)``.
    w : array_like, shape (KH, KW, C_in / groups, C_out)
        The *forward* kernel bank (the same array ``tf.nn.conv2d_transpose``
        and Keras' ``Conv2DTranspose`` take).
    stride, padding, dilation
        Those of the forward convolution, as for :func:`convlib.conv2d`.
    output_size : int or (H, W), optional
        The result's height and width: one of the forward input sizes that
        give ``(Ho, Wo)`` (see :func:`transpose_output_sizes`).  Default: as
        Keras' ``Conv2DTranspose`` for ``"valid"``/``"same"``, the smallest
        size for explicit padding.
    groups : int, default 1
        Those of the forward :func:`convlib.conv2d`: output channels of group
        ``k`` go back to input channels of group ``k`` only.

    Returns
    -------
    x : ndarray, shape (N, H, W, C_in), or (H, W, C_in) for one image
        ``x[n, p, q, ci] = sum over i, j, kh, kw, co with
        (i*sh + kh*dh - top, j*sw + kw*dw - left) == (p, q) of
        y[n, i, j, co] * w[kh, kw, ci, co]``.  Equal to ``dx`` of
        :func:`convlib.conv2d_backward` with ``dy = y``.

    Raises
    ------
    ValueError
        ``y`` with a channel count other than C_out, wrong ranks, or an
        ``output_size`` that ``conv2d`` would not map to ``(Ho, Wo)``.
    TypeError
        Non-integer stride, dilation, padding or output_size.

    Examples
    --------
    Stride 2, a 3x3 kernel of ones: each input pixel stamps a 3x3 block, and
    where two stamps overlap the values add.

    >>> import numpy as np
    >>> x = conv2d_transpose(np.ones((2, 2, 1)), np.ones((3, 3, 1, 1)), stride=2)
    >>> x[..., 0]
    array([[1., 1., 2., 1., 1.],
           [1., 1., 2., 1., 1.],
           [2., 2., 4., 2., 2.],
           [1., 1., 2., 1., 1.],
           [1., 1., 2., 1., 1.]])
    """
    y, single = as_batch(y, "y", "Ho, Wo, C_out")
    w = as_float_array(w, "w")
    if w.ndim != 4:
        raise ValueError(f"w must be the forward kernel (KH, KW, C_in, C_out), 4-D; got shape {w.shape}")
    groups = check_groups(groups)
    kh, kw, c_in_g, c_out = w.shape
    check_groups_divide(groups, {"C_out": c_out}, {"C_out": " (w.shape[3] is C_out)"})
    c_in = c_in_g * groups
    if y.shape[3] != c_out:
        hint = " (y has C_in channels: did you mean the forward direction, conv2d?)" if y.shape[3] == c_in else ""
        raise ValueError(
            f"y must have C_out={c_out} channels: the transpose of conv2d with w of shape {w.shape} maps the "
            f"C_out={c_out} output channels back to C_in={c_in}; got y.shape={y.shape}{hint}"
        )
    check_not_empty(y=y, w=w)
    stride_p, dilation_p = as_pair(stride, "stride"), as_pair(dilation, "dilation")
    pad_axes = normalize_padding(padding)

    sizes = []
    for axis, o, k, s, d, p in zip("HW", y.shape[1:3], (kh, kw), stride_p, dilation_p, pad_axes):
        allowed = transpose_output_sizes(o, k, s, p, d)
        if not allowed:
            raise ValueError(
                f"no input size along {axis} gives {o} output rows with a {k}-tap kernel, stride {s}, "
                f"dilation {d} and padding {p}: the padding is larger than the kernel can reach"
            )
        sizes.append((allowed, _default_size(o, k, s, p, d, allowed)))
    if output_size is None:
        hw = tuple(default for _, default in sizes)
    else:
        hw = as_pair(output_size, "output_size")
        for axis, n, (allowed, _), o, s in zip("HW", hw, sizes, y.shape[1:3], stride_p):
            if n not in allowed:
                raise ValueError(
                    f"output_size={output_size!r} is impossible along {axis}: conv2d with this kernel, stride {s} "
                    f"and padding maps an input of size {allowed.start}..{allowed.stop - 1} (and only those) to "
                    f"{o}; the stride makes {len(allowed)} sizes possible, output_size picks one of them"
                )

    g = conv_geometry(hw, (kh, kw), stride, padding, dilation)
    assert g.out == y.shape[1:3], (g.out, y.shape)
    dtype = float_dtype(y, w)
    y, w = y.astype(dtype, copy=False), w.astype(dtype, copy=False)
    geo = dict(stride=stride, padding=padding, dilation=dilation)
    x_shape = (y.shape[0], *hw, c_in_g)
    if groups == 1:
        x = _scatter(y, w, x_shape, geo)
    else:
        x = np.empty((*x_shape[:3], c_in), dtype)
        for ins, outs in group_slices(groups, c_in, c_out):
            x[..., ins] = _scatter(y[..., outs], w[..., outs], x_shape, geo)
    return x[0] if single else x


def _scatter(y, w, x_shape, geo):
    """One group: every pixel of ``y`` scatters ``y[n, i, j, :] @ w_mat.T`` into its patch; col2im adds them up."""
    kh, kw, _, c_out = w.shape
    cols = y.reshape(-1, c_out) @ w.reshape(-1, c_out).T  # (N*Ho*Wo, KH*KW*C_in)
    return col2im(cols, x_shape, (kh, kw), **geo)
