"""Receptive field: how many input pixels one output pixel of a stack of layers sees.

Along one axis, each layer has ``k`` taps, a ``stride`` and a ``dilation``;
its effective kernel is ``k_eff = (k - 1) * dilation + 1`` wide.  Walking the
stack from the input, with ``r`` the receptive field and ``j`` the *jump*
(the distance, in input pixels, between neighbouring outputs of the layer
reached so far), starting from ``r = j = 1``::

    r_out = r_in + (k_eff - 1) * j_in
    j_out = j_in * stride

So strides multiply the jump, and every later layer's kernel grows the field
by ``k_eff - 1`` *jumps*: two stacked 3x3 layers see 5 pixels, three see 7
(linear growth), while dilations 1, 2, 4 with ``k = 3`` see 15 (exponential
growth) at the same cost in weights.  Pooling windows count as layers too:
``(pool_size, stride)``.

This is the extent along one axis of the pixels an output *can* depend on;
a dilated or strided stack may leave holes inside it that it never reads
(see :func:`convlib.geometry.coverage`).
"""

from __future__ import annotations

from typing import NamedTuple

from .geometry import check_integer, effective_kernel_size, is_integer

__all__ = ["receptive_field", "receptive_field_info", "ReceptiveField"]


class ReceptiveField(NamedTuple):
    """The receptive field of a stack of layers along one axis (no padding).

    Attributes
    ----------
    size : int
        Number of consecutive input pixels that output pixel ``t`` of the last
        layer can depend on.
    jump : int
        Product of the strides: output ``t + 1``'s field starts ``jump``
        input pixels after output ``t``'s.
    start : float
        Centre of output 0's field in input coordinates, input pixel ``i``
        being at coordinate ``i``.  With no padding that field is pixels
        ``0 .. size - 1``, so ``start = (size - 1) / 2``; output ``t``'s field
        is pixels ``t * jump .. t * jump + size - 1``, centred at
        ``start + t * jump``.  (Padding ``p`` before a layer would shift
        ``start`` by ``-p * j_in``.)
    """

    size: int
    jump: int
    start: float


def _layer(layer, i):
    """``(k, stride, dilation)`` from ``k``, ``(k, stride)`` or ``(k, stride, dilation)``."""
    values = (layer,) if is_integer(layer) else layer
    if not (isinstance(values, (tuple, list)) and 1 <= len(values) <= 3 and all(map(is_integer, values))):
        raise TypeError(f"layers[{i}] must be k, (k, stride) or (k, stride, dilation) as integers, got {layer!r}")
    return tuple(check_integer(v, name, why=f" in layers[{i}] = {layer!r}")
                 for name, v in zip(("k", "stride", "dilation"), (*values, 1, 1)))


def receptive_field_info(layers) -> ReceptiveField:
    """Size, jump and centre of the receptive field of a stack of layers along one axis.

    Parameters
    ----------
    layers : sequence of int or (k, stride) or (k, stride, dilation)
        The layers from input to output; a bare int ``k`` means stride 1 and
        dilation 1, ``(k, stride)`` dilation 1.  An empty stack is the
        identity: size 1, jump 1.

    Returns
    -------
    ReceptiveField
        ``(size, jump, start)``; see :class:`ReceptiveField` for their meaning.

    Raises
    ------
    TypeError
        If a layer is not an int or a tuple of 1 to 3 ints.
    ValueError
        If k, stride or dilation is < 1.

    Examples
    --------
    >>> receptive_field_info([3, 3])
    ReceptiveField(size=5, jump=1, start=2.0)
    >>> receptive_field_info([(3, 2), (3, 2)])   # the second layer's taps are 2 input pixels apart
    ReceptiveField(size=7, jump=4, start=3.0)
    """
    if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__"):
        raise TypeError(f"layers must be a sequence of k, (k, stride) or (k, stride, dilation), got {layers!r}")
    size, jump = 1, 1
    for i, layer in enumerate(layers):
        k, stride, dilation = _layer(layer, i)
        size += (effective_kernel_size(k, dilation) - 1) * jump
        jump *= stride
    return ReceptiveField(size, jump, (size - 1) / 2)


def receptive_field(layers) -> int:
    """Receptive field size of a stack of layers along one axis.

    Parameters
    ----------
    layers : sequence of int or (k, stride) or (k, stride, dilation)
        As for :func:`receptive_field_info`.

    Returns
    -------
    int
        ``r`` from ``r_out = r_in + (k_eff - 1) * j_in``, ``j_out = j_in * stride``,
        ``k_eff = (k - 1) * dilation + 1``, starting from ``r = j = 1``.

    Examples
    --------
    >>> receptive_field([3, 3]), receptive_field([3, 3, 3])
    (5, 7)
    >>> receptive_field([(3, 1, 1), (3, 1, 2), (3, 1, 4)])   # dilations 1, 2, 4
    15
    """
    return receptive_field_info(layers).size
