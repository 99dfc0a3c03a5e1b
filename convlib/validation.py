"""Checking the arrays given to a convolution, with errors that teach.

A wrong kernel depth is the course's own subject, so those messages explain
what is true: every filter of a 2-D convolution spans *all* input channels,
``w`` has shape ``(KH, KW, C_in, C_out)``, and the per-channel results are
summed.
"""

from __future__ import annotations

import numpy as np

__all__ = ["as_float_array", "check_conv_args"]

_KERNEL_FACT = (
    "A 2-D convolution kernel is not a flat KH x KW plane: each filter spans all "
    "input channels, with its own KH x KW weights for every channel, and the "
    "per-channel results are summed. So w must have shape (KH, KW, C_in, C_out)."
)


def as_float_array(a, name: str) -> np.ndarray:
    """``np.asarray(a)``, rejecting what is not a real number array.

    Integer and boolean arrays are accepted here and converted to floating
    point later, so that uint8 images cannot overflow.
    """
    try:
        arr = np.asarray(a)
    except ValueError as exc:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array of numbers: {exc}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    return arr


def _result_dtype(*arrays) -> np.dtype:
    # float32 stays float32; integers become float (float64 unless paired with float32).
    return np.result_type(*[a.dtype for a in arrays if a is not None], np.float32)


def check_conv_args(x, w, b=None):
    """Validate ``x``, ``w`` and ``b`` of a 2-D convolution.

    Parameters
    ----------
    x : array_like, shape (N, H, W, C_in) or (H, W, C_in)
    w : array_like, shape (KH, KW, C_in, C_out)
    b : array_like, shape (C_out,), optional

    Returns
    -------
    x : ndarray, shape (N, H, W, C_in)
        Always batched, in the result's floating dtype.
    w : ndarray, shape (KH, KW, C_in, C_out)
    b : ndarray, shape (C_out,) or None
    single : bool
        True when ``x`` was one image ``(H, W, C_in)``.

    Raises
    ------
    ValueError
        Wrong ranks, a kernel depth that differs from C_in, a bias of the
        wrong length, empty axes.
    TypeError
        Non-numeric arrays.
    """
    x = as_float_array(x, "x")
    w = as_float_array(w, "w")
    b = None if b is None else as_float_array(b, "b")

    if x.ndim not in (3, 4):
        raise ValueError(
            f"x must be a batch of images (N, H, W, C_in) or one image (H, W, C_in) "
            f"(channels last, NHWC); got x.ndim={x.ndim} with shape {x.shape}. "
            f"For a single-channel 2-D array use x[..., None]."
        )
    single = x.ndim == 3
    if single:
        x = x[None]
    c_in = x.shape[-1]

    if w.ndim == 2:
        if c_in > 1:
            raise ValueError(
                f"w has shape {w.shape}, a 2-D (KH, KW) kernel, but x has C_in={c_in} channels. "
                f"{_KERNEL_FACT} Here that is ({w.shape[0]}, {w.shape[1]}, {c_in}, C_out): "
                f"a 2-D kernel has C_in=1 channel and x has C_in={c_in}."
            )
        raise ValueError(
            f"w has shape {w.shape}, a 2-D (KH, KW) kernel; conv2d wants the Keras layout "
            f"(KH, KW, C_in, C_out). For one channel and one filter use w.reshape({w.shape[0]}, "
            f"{w.shape[1]}, 1, 1), or convlib.correlate2d for plain 2-D arrays."
        )
    if w.ndim == 3:
        hint = (
            f" It looks like one filter (KH, KW, C_in): use w[..., None] for C_out=1."
            if w.shape[-1] == c_in
            else ""
        )
        raise ValueError(
            f"w has shape {w.shape} (3-D), but conv2d wants the Keras layout (KH, KW, C_in, C_out), "
            f"a bank of C_out filters each of shape (KH, KW, C_in).{hint}"
        )
    if w.ndim != 4:
        raise ValueError(f"w must be 4-D (KH, KW, C_in, C_out), got w.ndim={w.ndim} with shape {w.shape}")

    kh, kw, depth, c_out = w.shape
    if depth != c_in:
        hint = ""
        if depth == 1:
            hint = (
                " A depth of 1 is one 2-D kernel; Keras never shares one 2-D kernel across "
                "channels: each input channel has its own weights."
            )
        elif w.shape[1] == c_in or w.shape[0] == c_in:
            hint = (
                " The channel count appears at another axis of w: is it in PyTorch's layout "
                "(C_out, C_in, KH, KW)? Use w.transpose(2, 3, 1, 0) to get (KH, KW, C_in, C_out)."
            )
        raise ValueError(
            f"kernel depth does not match the input channels: w has shape {w.shape}, so its "
            f"depth (axis 2, C_in) is {depth}, but x has C_in={c_in} channels (x.shape={x.shape}). "
            f"{_KERNEL_FACT}{hint}"
        )
    for name, arr in (("x", x), ("w", w)):
        if 0 in arr.shape:
            raise ValueError(f"{name} has an empty axis: shape {arr.shape}")

    if b is not None:
        if b.shape != (c_out,):
            raise ValueError(
                f"b must have shape (C_out,) = ({c_out},), one bias per filter, got shape {b.shape}"
            )
    dtype = _result_dtype(x, w, b)
    x = x.astype(dtype, copy=False)
    w = w.astype(dtype, copy=False)
    if b is not None:
        b = b.astype(dtype, copy=False)
    return x, w, b, single
