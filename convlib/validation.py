"""Checking the arrays given to a convolution, with errors that teach.

A wrong kernel depth is the course's own subject, so those messages explain
what is true: every filter of a 2-D convolution spans *all* input channels,
``w`` has shape ``(KH, KW, C_in, C_out)``, and the per-channel results are
summed.  A grouped convolution (``groups`` > 1) is the exception the course
names: there each filter spans only its own group's ``C_in / groups``
channels, and those messages say so.
"""

from __future__ import annotations

import numpy as np

from .geometry import check_integer

__all__ = ["as_float_array", "as_batch", "check_not_empty", "check_dy", "float_dtype", "check_conv_args",
           "check_groups", "check_groups_divide", "group_slices"]

_KERNEL_FACT = (
    "A 2-D convolution kernel is not a flat KH x KW plane: each filter spans all "
    "input channels, with its own KH x KW weights for every channel, and the "
    "per-channel results are summed. So w must have shape (KH, KW, C_in, C_out)."
)


def as_float_array(a, name: str) -> np.ndarray:
    """``np.asarray(a)``, rejecting what is not a real number array.

    Integer and boolean arrays are accepted here and converted to floating
    point later (see :func:`float_dtype`), so that uint8 images cannot
    overflow.
    """
    try:
        arr = np.asarray(a)
    except ValueError as exc:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array of numbers: {exc}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    return arr


def as_batch(a, name: str, axes: str = "H, W, C_in"):
    """``a`` as a batch ``(N, *axes)``, and whether it was one image ``(*axes)``.

    Returns
    -------
    batch : ndarray, shape (N, H, W, C)
        ``a[None]`` for one image.
    single : bool
        True when ``a`` was one image: the caller returns ``y[0]`` then.

    Raises
    ------
    ValueError
        Unless ``a`` is 3-D or 4-D (channels last).
    """
    a = as_float_array(a, name)
    if a.ndim not in (3, 4):
        raise ValueError(
            f"{name} must be a batch of images (N, {axes}) or one image ({axes}) (channels last, NHWC); "
            f"got {name}.ndim={a.ndim} with shape {a.shape}. For a single-channel 2-D array use {name}[..., None]."
        )
    return (a[None], True) if a.ndim == 3 else (a, False)


def check_not_empty(**arrays) -> None:
    """Raise ``"{name} has an empty axis"`` for the first array with a zero in its shape."""
    for name, a in arrays.items():
        if 0 in a.shape:
            raise ValueError(f"{name} has an empty axis: shape {a.shape}")


def check_dy(dy, expected, single, dtype, why: str, channels: str = "C_out") -> np.ndarray:
    """The upstream gradient ``dy`` of a layer, shaped like its forward output.

    Parameters
    ----------
    dy : array_like, shape expected, or expected[1:] for one image
    expected : (N, Ho, Wo, C)
        The forward output's shape.
    single : bool
        The forward input was one image, so ``dy`` may be ``(Ho, Wo, C)``.
    dtype : dtype
        ``dy`` is promoted with it (the forward input's dtype).
    why : str
        What the shape follows from, said in the error.
    channels : str, default "C_out"
        The name of the last axis, said in the error.

    Returns
    -------
    dy : ndarray, shape expected
    """
    dy = as_float_array(dy, "dy")
    if single and dy.ndim == 3:
        dy = dy[None]
    if dy.shape != tuple(expected):
        raise ValueError(f"dy must have the shape of the forward output y, (N, Ho, Wo, {channels}) = "
                         f"{tuple(expected[1:]) if single else tuple(expected)}: {why}; got dy.shape={dy.shape}")
    return dy.astype(np.result_type(dy.dtype, dtype), copy=False)


def float_dtype(*arrays) -> np.dtype:
    """The floating dtype of a result: ``np.result_type(*arrays, np.float32)``.

    float32 stays float32 and float64 anywhere gives float64.  Integers and
    booleans promote as NumPy promotes them with float32: bool, uint8, int8,
    uint16 and int16 fit in float32 and give float32 (a uint8 image with a
    float32 kernel gives float32); int32, uint32, int64 and uint64 give
    float64 (an int64 image with a float32 kernel gives float64).
    """
    return np.result_type(*[a.dtype for a in arrays if a is not None], np.float32)


def check_groups(groups) -> int:
    """Check the ``groups`` argument: a positive integer.

    Raises
    ------
    TypeError
        If ``groups`` is not an integer.
    ValueError
        If ``groups`` < 1.
    """
    return check_integer(groups, "groups", why=" (1 is a standard convolution)")


def check_groups_divide(groups, channels, notes=None) -> None:
    """Every channel count in ``channels`` (``{name: count}``) must split into ``groups`` equal groups.

    ``notes`` adds a remark after a name's part of the message (``{"C_out": " (w.shape[3] is C_out)"}``).
    """
    for name, c in channels.items():
        if c % groups:
            what = "filters" if name.lower() == "c_out" else "input channels"
            raise ValueError(
                f"groups={groups} must divide {name}={c}: a grouped convolution splits the "
                f"{what} into {groups} equal groups{(notes or {}).get(name, '')}, "
                f"and {c} / {groups} is not a whole number."
            )


def group_slices(groups, c_in, c_out):
    """The channels of each group: ``[(inputs, filters), ...]``, one pair of slices per group.

    The C_in input channels and the C_out filters split into ``groups`` equal,
    consecutive runs (Keras' order): filter group ``k`` sees input group ``k`` only.
    """
    gi, go = c_in // groups, c_out // groups
    return [(slice(k * gi, (k + 1) * gi), slice(k * go, (k + 1) * go)) for k in range(groups)]


def _check_grouped_kernel(w, c_in, groups):
    """With ``groups`` > 1: C_in and C_out divisible by groups, kernel depth C_in / groups."""
    kh, kw, depth, c_out = w.shape
    check_groups_divide(groups, {"C_in": c_in, "C_out": c_out}, {"C_out": " (w.shape[3] is C_out)"})
    if depth != c_in // groups:
        hint = ""
        if depth == c_in:
            hint = f" A depth of C_in={c_in} is the standard (groups=1) kernel: with groups, each filter is thinner."
        raise ValueError(
            f"kernel depth does not match groups: with groups={groups}, the C_in={c_in} input channels are split "
            f"into {groups} groups of C_in/groups={c_in // groups}, and each filter sees only its own group's "
            f"channels (summed over those {c_in // groups}). So w must have shape (KH, KW, C_in/groups, C_out) = "
            f"({kh}, {kw}, {c_in // groups}, {c_out}), but its depth (axis 2) is {depth} (w.shape={w.shape}).{hint}"
        )


def check_conv_args(x, w, b=None, groups=1):
    """Validate ``x``, ``w`` and ``b`` of a 2-D convolution.

    Parameters
    ----------
    x : array_like, shape (N, H, W, C_in) or (H, W, C_in)
    w : array_like, shape (KH, KW, C_in / groups, C_out)
    b : array_like, shape (C_out,), optional
    groups : int, default 1
        Number of channel groups; ``w``'s depth is ``C_in / groups``.

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
        Wrong ranks, a kernel depth that differs from C_in (C_in / groups),
        C_in or C_out not divisible by groups, a bias of the wrong length,
        empty axes.
    TypeError
        Non-numeric arrays.
    """
    groups = check_groups(groups)
    x, single = as_batch(x, "x")
    w = as_float_array(w, "w")
    b = None if b is None else as_float_array(b, "b")
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
    if groups > 1:
        _check_grouped_kernel(w, c_in, groups)
    elif depth != c_in:
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
    check_not_empty(x=x, w=w)

    if b is not None:
        if b.shape != (c_out,):
            raise ValueError(
                f"b must have shape (C_out,) = ({c_out},), one bias per filter, got shape {b.shape}"
            )
    dtype = float_dtype(x, w, b)
    x = x.astype(dtype, copy=False)
    w = w.astype(dtype, copy=False)
    if b is not None:
        b = b.astype(dtype, copy=False)
    return x, w, b, single
