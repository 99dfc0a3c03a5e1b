"""'same' padding as different frameworks split it.

Every framework agrees on what 'same' padding is for: with stride 1 the output
keeps the input's size, with stride s it has ``ceil(n / s)`` positions.  They
disagree on **where** an odd total of padding goes, and a port that gets it
wrong shifts every output by one pixel without raising an error:

``"upper"``
    TensorFlow's ``'SAME'`` (and Keras' ``padding='same'``), ONNX's
    ``auto_pad="SAME_UPPER"``: the extra row/column goes *after* (bottom/right).
``"lower"``
    ONNX's ``auto_pad="SAME_LOWER"``: the extra row/column goes *before*
    (top/left).
``"symmetric"``
    PyTorch's integer padding ``padding=k_eff // 2`` on both sides, the usual
    hand-written 'same': equal on both sides, so for an even ``k_eff`` the
    output is one larger than 'same', and with a stride the windows start at
    other rows than TensorFlow's whenever TensorFlow's total is odd.

(PyTorch's ``padding='same'`` string, documented for ``stride=1`` only, splits
an odd total with the extra after, like ``"upper"``.)
"""

from __future__ import annotations

from .geometry import effective_kernel_size, output_size, same_padding

__all__ = ["CONVENTIONS", "same_pads"]

#: The conventions :func:`same_pads` knows, with who uses them.
CONVENTIONS = {
    "upper": "TensorFlow/Keras 'same', ONNX SAME_UPPER: extra padding at the bottom/right",
    "lower": "ONNX SAME_LOWER: extra padding at the top/left",
    "symmetric": "PyTorch padding=k_eff // 2 on both sides",
}


def same_pads(n, k, stride=1, dilation=1, convention="upper") -> tuple[int, int]:
    """Padding ``(before, after)`` along one axis under a 'same' convention.

    Parameters
    ----------
    n, k, stride, dilation : int
        As for :func:`convlib.geometry.same_padding` (input and kernel size along the axis).
    convention : {"upper", "lower", "symmetric"}
        See the module docstring and :data:`CONVENTIONS`.

    Returns
    -------
    (before, after) : tuple of int
        Pass ``((top, bottom), (left, right))`` built from these to
        :func:`convlib.conv2d` to compute that framework's output.

    Examples
    --------
    >>> same_pads(6, 2), same_pads(6, 2, convention="lower"), same_pads(6, 2, convention="symmetric")
    ((0, 1), (1, 0), (1, 1))
    >>> same_pads(7, 3, stride=2), same_pads(7, 3, stride=2, convention="symmetric")
    ((1, 1), (1, 1))
    """
    if convention not in CONVENTIONS:
        raise ValueError(f"convention must be one of {sorted(CONVENTIONS)}, got {convention!r}")
    before, after = same_padding(n, k, stride, dilation)
    if convention == "upper":
        return before, after
    if convention == "lower":
        return after, before
    half = effective_kernel_size(k, dilation) // 2
    output_size(n, k, stride, (half, half), dilation)  # same errors as conv2d when the kernel does not fit
    return half, half
