"""The grader's helper inside the learner's kernel (used by :mod:`convlib.grading.grade` only).

``install()`` runs first in every grading kernel, before any submission code;
then, around each test cell, the grader runs ``reset()`` and ``emit()``:

* ``reset()`` undoes what the submission did to the modules the checks rely on
  (numpy, convlib, builtins, importlib: every attribute it rebound or deleted
  is put back, replaced ``sys.modules`` entries too), loads every module of
  the :mod:`convlib.checks` package afresh from its file (whatever its name:
  the package is the boundary, not a file-name pattern), and switches the checks to
  *recording*: they call the learner's functions and keep the answers, without
  judging them.
* ``emit()`` sends the recorded answers to the grader as one display message.

The verdict is reached in the grader's own process (see
:mod:`convlib.checks.record`), so this guard does not have to be tamper-proof:
a submission that breaks it only loses its records, and with them the points.
``reset()`` exists so that an honest submission that happens to rebind
something (``np.sum = ...`` in an experiment, say) is still graded fairly.
"""

from __future__ import annotations

import builtins
import importlib
import importlib.util
import pkgutil
import sys

__all__ = ["check_module_names", "install", "reset", "emit"]

_PROTECTED = ("numpy", "convlib", "importlib")
_MISSING = object()
_state: dict = {}


def check_module_names() -> list:
    """Every module of the :mod:`convlib.checks` package, in load order.

    ``record``, ``misconceptions``, ``engine`` and ``common`` first (the others import them), then every other
    module in the package's folder, then the package itself, whose names
    (``from convlib.checks import check_conv2d``) must come from the fresh modules.
    """
    import convlib.checks as package

    first = ["convlib.checks.record", "convlib.checks.misconceptions", "convlib.checks.engine",
             "convlib.checks.common"]
    found = sorted(f"{package.__name__}.{m.name}" for m in pkgutil.iter_modules(package.__path__))
    return first + [name for name in found if name not in first] + [package.__name__]


def install() -> None:
    """Snapshot the protected modules. Call once, before any submission code runs."""
    import numpy  # noqa: F401
    from IPython import get_ipython
    from IPython.display import publish_display_data

    import convlib
    from convlib.checks.record import MIME

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
        parent, _, child = name.rpartition(".")
        put(sys.modules[parent], child, module)
    records: list = []
    sys.modules["convlib.checks.engine"].RECORDER = records
    state["records"] = records
    shell = state["shell"]
    if shell is not None:
        shell.user_ns["__builtins__"] = builtins


def emit() -> None:
    """Send the answers recorded since the last ``reset()`` to the grader."""
    _state["publish"]({_state["mime"]: {"records": list(_state["records"])}})
