"""The convlib a grading kernel sees: only what the notebook's tasks may call.

A learner's kernel runs in a sandbox with no view of the repository, so the
real convlib is not there.  :func:`build_view` writes the package it gets
instead, for one exercise notebook:

* ``convlib/__init__.py`` offers exactly the functions the notebook's tasks
  may call (``may_call`` in the source's test cells, e.g.
  ``convlib.correlate2d``).  Each is cut out of convlib with the definitions
  it needs and nothing else (:func:`shake`): the reference implementations of
  the notebook's other tasks are not in the sandbox, so no spelling of their
  names can call them.  Each call is noted
  (:func:`convlib.grading.recorder.note_call`), so a task that calls a
  function allowed only to another task of the same notebook is found out.
* ``convlib/checks/`` has the answer codec and a stand-in for every
  ``check_*`` that prints a note: self-checks do not run while grading (the
  grader judges in its own process), and an answer cell that calls one still
  runs.
* ``convlib/grading/recorder.py``: the grader's code in the kernel.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import shutil
from pathlib import Path

__all__ = ["build_view", "allowed_names", "shake"]

_PACKAGE = "convlib"


def allowed_names(source_cells) -> list:
    """Every ``convlib.<name>`` that some test cell of a source lets its task call, sorted."""
    names = set()
    for cell in source_cells:
        own = cell.get("metadata", {}).get("convlib", {})
        if isinstance(own, dict) and isinstance(own.get("may_call"), list):
            for dotted in own["may_call"]:
                head, _, name = str(dotted).rpartition(".")
                if head == _PACKAGE and name.isidentifier():
                    names.add(name)
    return sorted(names)


class _Module:
    """One convlib module's top level: which statement defines each name."""

    def __init__(self, name):
        self.name = name
        self.tree = ast.parse(inspect.getsource(importlib.import_module(name)))
        self.defines = {}
        for node in self.tree.body:
            for bound in _bound_names(node):
                self.defines.setdefault(bound, node)

    def resolve(self, node, level, module):
        """The absolute module a relative ``from . import`` in this module names."""
        if not level:
            return module
        parts = self.name.split(".")[:-level]
        return ".".join(parts + ([module] if module else []))


def _bound_names(node):
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [(a.asname or a.name).split(".")[0] for a in node.names]
    if isinstance(node, ast.Assign):
        return [n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return []


def shake(names: dict) -> dict:
    """The source of every convlib module needed for ``names``, cut down to what they use.

    Parameters
    ----------
    names : dict
        ``{module name: iterable of top-level names}`` to keep, e.g. ``{"convlib.reference": ["correlate2d"]}``.

    Returns
    -------
    dict
        ``{module name: source}``: each module keeps, in its own order, the statements that define
        a needed name (and its ``from __future__`` line); the names those statements read are
        needed in turn, across modules.  Docstrings of the kept functions stay; comments do not.
    """
    modules, need, todo = {}, {}, [(m, n) for m, ns in names.items() for n in ns]
    while todo:
        module_name, name = todo.pop()
        if name in need.setdefault(module_name, set()):
            continue
        need[module_name].add(name)
        module = modules.get(module_name) or modules.setdefault(module_name, _Module(module_name))
        node = module.defines.get(name)
        if node is None:
            raise ValueError(f"{module_name} defines no top-level name {name!r}")
        if isinstance(node, ast.ImportFrom) and node.level:
            origin = module.resolve(node, node.level, node.module)
            for alias in node.names:
                if (alias.asname or alias.name) == name:
                    todo.append((origin, alias.name))
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.Name) and inner.id in module.defines and inner.id not in need[module_name]:
                todo.append((module_name, inner.id))
    sources = {}
    for module_name, module in modules.items():
        kept = []
        for node in module.tree.body:
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                kept.append(node)
                continue
            wanted = [b for b in _bound_names(node) if b in need[module_name]]
            if not wanted:
                continue
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                node = type(node)(**{**node.__dict__, "names": [
                    a for a in node.names if (a.asname or a.name).split(".")[0] in wanted]})
            kept.append(node)
        sources[module_name] = ast.unparse(ast.Module(body=kept, type_ignores=[])) + "\n"
    return sources


def _wrappers(names: list) -> tuple[dict, str]:
    """What to shake for ``names`` (offered as ``convlib.<name>``) and the package's ``__init__`` that offers them."""
    import convlib

    wanted, lines = {}, [
        '"""convlib as a grading kernel sees it: only the functions this notebook\'s tasks may call."""',
        "import functools as _functools", "",
        "from .grading.recorder import note_call as _note_call", "",
    ]
    for name in names:
        obj = getattr(convlib, name)
        wanted.setdefault(obj.__module__, []).append(obj.__name__)
        lines += [
            f"from {obj.__module__[len(_PACKAGE):]} import {obj.__name__} as _{name}", "",
            "",
            f"@_functools.wraps(_{name})",
            f"def {name}(*args, **kwargs):",
            f"    _note_call({'convlib.' + name!r})",
            f"    return _{name}(*args, **kwargs)", "",
        ]
    lines.append(f"__all__ = {names!r}")
    return wanted, "\n".join(lines) + "\n"


def _checks_stub() -> str:
    from .. import checks

    names = sorted(n for n in checks.__all__ if n.startswith("check_"))
    return "\n".join([
        '"""Self-checks do not run while grading: the grader checks your functions in its own process."""', "",
        "from .engine import CheckFailed", "",
        "",
        "def _not_while_grading(*args, **kwargs):",
        '    print("(self-checks do not run while your notebook is graded)")', "",
        "",
        *(f"{name} = _not_while_grading" for name in names),
        "",
    ])


def build_view(dest: Path, allowed=()) -> Path:
    """Write the convlib a grading kernel sees into ``dest``; put ``dest`` first on the kernel's path.

    Parameters
    ----------
    dest : pathlib.Path
        An empty or missing folder; ``dest/convlib`` is written.
    allowed : iterable of str
        The names the notebook's tasks may call (``allowed_names(source_cells)``), e.g. ``["correlate2d"]``.

    Returns
    -------
    pathlib.Path
        ``dest``.
    """
    dest = Path(dest)
    root = dest / _PACKAGE
    here = Path(__file__).resolve().parent  # convlib/grading
    names = sorted(set(allowed))
    wanted, init = _wrappers(names)
    (root / "checks").mkdir(parents=True, exist_ok=True)
    (root / "grading").mkdir(exist_ok=True)
    for module_name, source in shake(wanted).items():
        (root / (module_name[len(_PACKAGE) + 1:].replace(".", "/") + ".py")).write_text(source)
    (root / "__init__.py").write_text(init)
    (root / "checks" / "__init__.py").write_text(_checks_stub())
    (root / "checks" / "engine.py").write_text(
        '"""The failure a self-check raises, so that ``except CheckFailed`` in a notebook still works."""\n\n\n'
        "class CheckFailed(AssertionError):\n    pass\n")
    shutil.copyfile(here.parent / "checks" / "record.py", root / "checks" / "record.py")
    (root / "grading" / "__init__.py").write_text("")
    shutil.copyfile(here / "recorder.py", root / "grading" / "recorder.py")
    return dest
