"""The answer codec between a grading kernel and the grader.

The grader sends a test's inputs to the learner's kernel encoded
(:func:`encode`); the kernel (:mod:`convlib.grading.recorder`) calls the
learner's function on each and sends back what came back, encoded, with a
fingerprint of the inputs (:func:`fingerprint`); the grader decodes the
answers (:func:`decode`) and judges them in its own process.  This module is
the only part of :mod:`convlib.checks` that the kernel gets.

Every record is plain JSON: arrays travel as base64 bytes (exact, NaN-safe).
"""

from __future__ import annotations

import base64
import hashlib

import numpy as np

__all__ = ["MIME", "encode", "decode", "fingerprint", "MAX_NUMBERS"]

#: The display MIME type the grading kernel sends its records under.
MIME = "application/vnd.convlib.grade+json"
#: Answers with more numbers than this are recorded as "too big", not copied.
MAX_NUMBERS = 2_000_000

# Bound at import: a submission rebinding numpy's attributes later changes nothing here.
_ndarray, _generic, _array, _dtype, _frombuffer = np.ndarray, np.generic, np.array, np.dtype, np.frombuffer
_b64encode, _b64decode, _sha256 = base64.b64encode, base64.b64decode, hashlib.sha256


def _count(value, depth=0) -> int:
    if isinstance(value, _ndarray):
        return int(value.size)
    if type(value) in (list, tuple) and depth < 6:
        return sum(_count(v, depth + 1) for v in value) + len(value)
    return 1


def encode(value, depth: int = 0):
    """A JSON-able description of ``value`` that :func:`decode` turns back into an equal object."""
    if depth == 0 and _count(value) > MAX_NUMBERS:
        return {"t": "big", "type": type(value).__name__, "n": _count(value)}
    if value is None:
        return {"t": "none"}
    if isinstance(value, (bool, np.bool_)):
        return {"t": "bool", "v": bool(value)}
    if isinstance(value, (_ndarray, _generic)):
        arr = _array(value, copy=True)  # a plain ndarray, whatever subclass came in
        if arr.dtype.kind in "biuf":
            return {"t": "nd" if isinstance(value, _ndarray) else "np", "dtype": arr.dtype.str,
                    "shape": list(arr.shape), "b64": _b64encode(arr.tobytes()).decode("ascii")}
    elif isinstance(value, int):
        return {"t": "int", "v": str(int.__index__(value))}
    elif isinstance(value, float):
        return {"t": "float", "v": float.__repr__(value)}
    elif isinstance(value, str):
        return {"t": "str", "v": str.__str__(value)[:2000]}
    if type(value) in (list, tuple) and depth < 6:
        return {"t": type(value).__name__, "items": [encode(v, depth + 1) for v in value]}
    try:
        text = object.__repr__(value)
    except Exception:  # pragma: no cover - object.__repr__ does not fail
        text = "?"
    return {"t": "other", "type": type(value).__name__, "repr": text[:200]}


class _Opaque:
    """Stands in for an answer that was neither a number, a sequence nor an array."""

    def __init__(self, text):
        self._text = text

    def __repr__(self):
        return self._text


def decode(desc):
    """The object described by ``desc`` (see :func:`encode`)."""
    t = desc["t"]
    if t == "none":
        return None
    if t == "bool":
        return bool(desc["v"])
    if t == "int":
        return int(desc["v"])
    if t == "float":
        return float(desc["v"])
    if t == "str":
        return str(desc["v"])
    if t in ("nd", "np"):
        arr = _frombuffer(_b64decode(desc["b64"]), dtype=_dtype(desc["dtype"])).reshape(desc["shape"]).copy()
        return arr if t == "nd" else arr[()]
    if t in ("list", "tuple"):
        items = [decode(d) for d in desc["items"]]
        return items if t == "list" else tuple(items)
    if t == "big":
        return type(desc["type"], (_Opaque,), {})(f"<{desc['type']} with {desc['n']} numbers>")
    return type(str(desc.get("type", "object")), (_Opaque,), {})(str(desc.get("repr", "?")))


def _feed(h, value, depth=0):
    if isinstance(value, _ndarray):
        arr = _array(value, copy=True)
        h.update(f"nd{arr.dtype.str}{arr.shape}".encode())
        h.update(arr.tobytes())
    elif type(value) in (list, tuple) and depth < 6:
        h.update(f"{type(value).__name__}{len(value)}(".encode())
        for v in value:
            _feed(h, v, depth + 1)
        h.update(b")")
    else:
        h.update(f"{type(value).__name__}:{value!r};".encode())


def fingerprint(args) -> str:
    """A hash of a case's arguments, equal in the kernel and in the grader for the same case."""
    h = _sha256()
    _feed(h, tuple(args))
    return h.hexdigest()
