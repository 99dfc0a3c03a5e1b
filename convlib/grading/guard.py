"""The grader's helper inside the learner's kernel (used by :mod:`convlib.grade` only).

``install()`` runs first in every grading kernel, before any submission code;
then, around each test cell, the grader runs ``reset()`` and ``emit()``:

* ``reset()`` undoes what the submission did to the modules the checks rely on
  (numpy, convlib, builtins, importlib: every attribute it rebound or deleted
  is put back, replaced ``sys.modules`` entries too), loads every check module
  (``convlib/check*.py``) afresh from its file, and switches the checks to
  *recording*: they call the learner's functions and keep the answers, without
  judging them.
* ``emit()`` sends the recorded answers to the grader as one display message.

The verdict is reached in the grader's own process (see
:mod:`convlib.check_record`), so this guard does not have to be tamper-proof:
a submission that breaks it only loses its records, and with them the points.
``reset()`` exists so that an honest submission that happens to rebind
something (``np.sum = ...`` in an experiment, say) is still graded fairly.
"""

from __future__ import annotations

import builtins
import importlib
import importlib.util
import sys
from pathlib import Path

__all__ = ["check_module_names", "install", "reset", "emit"]

_PROTECTED = ("numpy", "convlib", "importlib")
_MISSING = object()
_state: dict = {}


def check_module_names() -> list:
    """``convlib.check_record``, ``convlib.check_tools``, then every other ``convlib/check*.py``, in load order."""
    first = ["convlib.check_record", "convlib.check_tools"]
    found = sorted(f"convlib.{p.stem}" for p in Path(__file__).parent.glob("check*.py"))
    return first + [name for name in found if name not in first]


def install() -> None:
    """Snapshot the protected modules. Call once, before any submission code runs."""
    import numpy  # noqa: F401
    from IPython import get_ipython
    from IPython.display import publish_display_data

    import convlib
    from convlib.check_record import MIME

    names = check_module_names()
    for name in names:
        importlib.import_module(name)

    snapshot = {}
    for name, module in list(sys.modules.items()):
        if module is not None and (name == "builtins" or name.split(".")[0] in _PROTECTED):
            snapshot[name] = (module, dict(vars(module)))
    _state.update(
        snapshot=snapshot,
        paths={name: sys.modules[name].__file__ for name in names},
        convlib=convlib,
        publish=publish_display_data,
        mime=MIME,
        shell=get_ipython(),
        spec_from_file_location=importlib.util.spec_from_file_location,
        module_from_spec=importlib.util.module_from_spec,
        setattr=setattr,
        records=[],
    )


def reset() -> None:
    """Restore the protected modules, load the checks afresh and start recording."""
    state, put = _state, _state["setattr"]
    for name, (module, saved) in state["snapshot"].items():
        if sys.modules.get(name) is not module:
            sys.modules[name] = module
        current = vars(module)
        for key, value in saved.items():
            if current.get(key, _MISSING) is not value:
                try:
                    put(module, key, value)
                except (AttributeError, TypeError):  # a read-only attribute: it cannot have been changed
                    pass
    for name in state["paths"]:
        spec = state["spec_from_file_location"](name, state["paths"][name])
        module = state["module_from_spec"](spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        put(state["convlib"], name.split(".")[1], module)
    records: list = []
    sys.modules["convlib.check_tools"].RECORDER = records
    state["records"] = records
    shell = state["shell"]
    if shell is not None:
        shell.user_ns["__builtins__"] = builtins


def emit() -> None:
    """Send the answers recorded since the last ``reset()`` to the grader."""
    _state["publish"]({_state["mime"]: {"records": list(_state["records"])}})
