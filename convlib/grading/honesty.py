"""Honest scores: a task's answer may not call the convlib function it asks the learner to write.

The checks compare values, so ``def conv_one_filter(x, w, b): return
convlib.conv2d(x, w[..., None], [b])[..., 0]`` would pass them.  Each test cell
of ``solutions/`` therefore says in its metadata which convlib functions the
task's answer may call::

    "metadata": {"convlib": {"may_call": ["convlib.correlate2d"]}, "nbgrader": {...}}

(``[]``: numpy only; no ``may_call`` key: no restriction).  The list may
also name a framework module (``"tensorflow"``, ``"keras"``, ``"torch"``,
``"jax"``, ``"scipy"``): without it, any use of that module in the answer
(``tf.nn.conv2d``, ``torch.conv2d``, ...) is flagged the same way.  The grader reads
the learner's code -- it does not run it for this -- and finds every reference
to a convlib function from the functions the test checks, and from the
learner's functions those call (transitively): ``convlib.conv2d(...)``,
``import convlib as cl; cl.conv2d``, ``from convlib import conv2d as c``,
``from convlib.conv import conv2d``, ``f = convlib.conv2d``,
``__import__("convlib")`` and ``importlib.import_module("convlib")``.  A
reference to a convlib function that is not allowed (:mod:`convlib.checks`
excepted) costs the task its points -- status ``flagged``, with a message naming
the call -- and adds an entry to the notebook's ``"flags"``.  An answer that
failed anyway keeps its status and gets the flag too.

Functions reached through a container (``TOOLS["c"] = convlib.correlate2d``)
count, and so does a name built at run time (``getattr(convlib, "conv" +
"2d")``, ``vars(convlib)[...]``): it is flagged as such.  Under
:mod:`convlib.checks` only the ``check_*`` functions are exempt; anything
else there is counted as the library it is.  What it cannot see: values
computed elsewhere and pasted in.  Read the code where that matters.
"""

from __future__ import annotations

import ast
import importlib
import inspect

from .notebooks import nbgrader_meta
from .planning import learner_names, may_call, plan

__all__ = ["may_call", "library_calls", "apply_honesty", "resolve", "allowed_sentence"]

PACKAGE = "convlib"
EXEMPT = ("convlib.checks", "convlib.grading")
#: Modules that compute convolutions for you: flagged unless a task's ``may_call`` names them.
FRAMEWORKS = ("tensorflow", "keras", "torch", "jax", "scipy", "tf_keras")
_WATCHED = (PACKAGE,) + FRAMEWORKS


def resolve(dotted: str):
    """The object a dotted name under ``convlib`` names (``None`` if there is none)."""
    parts = dotted.split(".")
    if parts[0] != PACKAGE:
        return None
    try:
        obj = importlib.import_module(PACKAGE)
    except Exception:
        return None
    for i, part in enumerate(parts[1:], 1):
        if hasattr(obj, part):
            obj = getattr(obj, part)
            continue
        try:
            obj = importlib.import_module(".".join(parts[: i + 1]))
        except Exception:
            return None
    return obj


def _exempt(dotted: str) -> bool:
    """A check (``convlib.checks.check_conv2d``) or the grader: what a learner may call anywhere."""
    if not any(dotted == e or dotted.startswith(e + ".") for e in EXEMPT):
        return False
    return dotted.rsplit(".", 1)[-1].startswith("check_") or dotted.startswith("convlib.grading")


def _is_library_function(dotted: str, obj) -> bool:
    if _exempt(dotted) or inspect.ismodule(obj) or obj is None:
        return False
    module = getattr(obj, "__module__", "") or ""
    if module.startswith("convlib.grading"):
        return False
    name = getattr(obj, "__name__", "")
    if module.startswith("convlib.checks") and isinstance(name, str) and name.startswith("check_"):
        return False
    return callable(obj) and module.split(".")[0] == PACKAGE


def _public_name(dotted: str, obj) -> str:
    """``convlib.conv2d`` rather than ``convlib.conv.conv2d`` when the package exports it."""
    name = getattr(obj, "__name__", None)
    top = importlib.import_module(PACKAGE)
    if isinstance(name, str) and getattr(top, name, None) is obj:
        return f"{PACKAGE}.{name}"
    return dotted


def _import_target(node) -> str | None:
    """``"convlib..."`` for ``__import__("convlib...")`` / ``importlib.import_module("convlib...")``."""
    if not isinstance(node, ast.Call) or not node.args or not isinstance(node.args[0], ast.Constant):
        return None
    fn = node.func
    name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else None
    arg = node.args[0].value
    if name in ("__import__", "import_module") and isinstance(arg, str) and arg.split(".")[0] in _WATCHED:
        return arg if name == "import_module" else arg.split(".")[0]  # __import__("convlib.conv") returns convlib
    return None


class _Aliases(ast.NodeVisitor):
    """Top-level names bound to convlib objects: imports, ``f = convlib.conv2d``, ``m = __import__(...)``."""

    def __init__(self, aliases):
        self.aliases = aliases

    def visit_Import(self, node):
        for a in node.names:
            top = a.name.split(".")[0]
            if top in _WATCHED:
                if a.asname:
                    self.aliases[a.asname] = a.name
                else:
                    self.aliases[top] = top

    def visit_ImportFrom(self, node):
        if node.level == 0 and node.module and node.module.split(".")[0] in _WATCHED:
            for a in node.names:
                if a.name != "*":
                    self.aliases[a.asname or a.name] = f"{node.module}.{a.name}"

    def visit_Assign(self, node):
        target = _dotted(node.value, self.aliases) or _import_target(node.value)
        for t in node.targets:
            if isinstance(t, ast.Name):
                if target:
                    self.aliases[t.id] = target
                else:
                    self.aliases.pop(t.id, None)
        self.generic_visit(node)


def _dotted(node, aliases) -> str | None:
    """The dotted convlib name an expression refers to, through ``aliases``."""
    attrs = []
    while isinstance(node, ast.Attribute):
        attrs.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name) and node.id in aliases:
        return ".".join([aliases[node.id], *reversed(attrs)])
    target = _import_target(node)
    if target:
        return ".".join([target, *reversed(attrs)])
    return None


def _parse(code: str):
    try:
        return ast.parse(code)
    except SyntaxError:
        return None


def _bound(node) -> set:
    """Names a function binds itself (its parameters and assignments): not references to the learner's globals."""
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        return set()
    args = node.args
    out = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
    out |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)):
            out.add(sub.id)
    return out


def library_calls(functions, cells, allowed) -> list:
    """References to disallowed convlib functions from ``functions`` (names) defined in ``cells``.

    ``cells`` is a list of ``(label, code)`` or ``(label, code, learner)`` in
    run order: the learner's cells (``learner`` true, the default) and the
    source's read-only ones (``learner`` false: only their imports count).
    Returns dicts ``{"function", "call", "cell", "line"}`` (``line`` within that
    cell), one per distinct call and function.
    """
    aliases = {}
    defs = {}  # name -> (label, node): the learner's top-level functions and assigned expressions
    for label, code, *own in cells:
        tree = _parse(code)
        if tree is None:
            continue
        for stmt in tree.body:
            _Aliases(aliases).visit(stmt)
            if own and not own[0]:
                continue
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                defs[stmt.name] = [(label, stmt)]
            elif isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and stmt.value is not None:
                for t in getattr(stmt, "targets", None) or [stmt.target]:
                    if isinstance(t, ast.Name):
                        defs[t.id] = [(label, stmt.value)]
                    else:  # TOOLS["c"] = ..., box.f = ...: the container holds it too
                        root = t
                        while isinstance(root, (ast.Subscript, ast.Attribute)):
                            root = root.value
                        if isinstance(root, ast.Name):
                            defs.setdefault(root.id, []).append((label, stmt.value))
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):  # TOOLS.append(convlib.conv2d)
                fn = stmt.value.func
                if isinstance(fn, ast.Attribute) and isinstance(fn.value, ast.Name):
                    defs.setdefault(fn.value.id, []).append((label, stmt.value))
    allowed_objs = [resolve(a) for a in allowed if a.split(".")[0] == PACKAGE]
    found, seen_calls = [], set()
    todo, visited = list(functions), set()
    while todo:
        name = todo.pop(0)
        if name in visited or name not in defs:
            continue
        visited.add(name)
        for label, node in defs[name]:
            for name_, call, line in _references(node, aliases, defs, allowed, allowed_objs, todo):
                key = (name, call)
                if key not in seen_calls:
                    seen_calls.add(key)
                    found.append({"function": name, "call": call, "cell": label, "line": line})
    return found


def _references(node, aliases, defs, allowed, allowed_objs, todo):
    """``(name, call, line)`` for each disallowed reference in ``node``; the learner's names it uses go to ``todo``."""
    local, bound = dict(aliases), _bound(node)
    for sub in ast.walk(node):  # imports inside the function count too
        if isinstance(sub, (ast.Import, ast.ImportFrom, ast.Assign)):
            _Aliases(local).visit(sub)
    for sub in ast.walk(node):
        line = getattr(sub, "lineno", None)
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load) and sub.id in defs and \
                sub.id not in local and sub.id not in bound:
            todo.append(sub.id)
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id in ("getattr", "vars") \
                and sub.args:
            target = _dotted(sub.args[0], local)
            dynamic = sub.func.id == "vars" or len(sub.args) < 2 or not isinstance(sub.args[1], ast.Constant)
            if target and dynamic and not _exempt(target):
                yield None, f"{target} (a name built at run time)", line
                continue
        if isinstance(sub, ast.Attribute) and sub.attr == "__dict__":
            target = _dotted(sub.value, local)
            if target and not _exempt(target):
                yield None, f"{target} (a name built at run time)", line
                continue
        if not isinstance(sub, (ast.Attribute, ast.Name, ast.Call)):
            continue
        dotted = _dotted(sub, local)
        if not dotted:
            continue
        top = dotted.split(".")[0]
        if top in FRAMEWORKS:
            if top not in allowed:
                yield None, top, line
            continue
        obj = resolve(dotted)
        if not _is_library_function(dotted, obj) or any(obj is a for a in allowed_objs if a is not None):
            continue
        yield None, _public_name(dotted, obj), line


def _allowed_text(allowed) -> str:
    return ("numpy only" if not allowed else "numpy and " + ", ".join(allowed))


def allowed_sentence(allowed) -> str:
    """What a task's text tells the learner they may use (``solutions/`` carries it under each task)."""
    if not allowed:
        return ("*What you may use:* numpy, plain Python and your own functions from earlier tasks. The grader "
                "reads your code: an answer that calls a convlib function scores 0 for this task.")
    names = ", ".join(f"`{a}`" for a in allowed)
    return (f"*What you may use:* numpy, plain Python, your own functions from earlier tasks and {names}. The "
            f"grader reads your code: an answer that calls any other convlib function scores 0 for this task.")


def apply_honesty(result, source_cells, submission_cells) -> None:
    """Flag (and score 0) the tasks of ``result`` whose answers call convlib functions they may not."""
    steps = plan(source_cells, submission_cells)
    cells = []
    for step in steps:
        if step.kind != "state":
            continue
        label = f"your answer cell {step.grade_id!r}" if step.answer else (
            "a cell you added" if step.grade_id is None else f"cell {step.grade_id!r}")
        cells.append((label, step.code))
    by_id = {t.grade_id: t for t in result.tests}
    learner_cells = [(lab, code) for lab, code in cells if not lab.startswith("cell ")]
    readonly = [(lab, code) for lab, code in cells if lab.startswith("cell ")]  # the source's own cells
    for cell in source_cells:
        meta = nbgrader_meta(cell)
        gid = meta.get("grade_id")
        if not (meta.get("grade") and not meta.get("solution")) or gid not in by_id:
            continue
        allowed = may_call(cell)
        if allowed is None:
            continue
        code = "".join(cell["source"]) if isinstance(cell.get("source"), list) else str(cell.get("source", ""))
        try:
            names = sorted(learner_names(code))
        except SyntaxError:
            continue
        # Imports may come from anywhere, definitions only from the learner's cells.
        calls = library_calls(names, [(lab, code, False) for lab, code in readonly] + learner_cells, allowed)
        if not calls:
            continue
        test = by_id[gid]
        for c in calls:
            result.flags.append({"grade_id": gid, "kind": "library call", **c,
                                 "message": f"{c['function']} calls {c['call']} ({c['cell']}, line {c['line']})"})
        first = calls[0]
        names_text = ", ".join(sorted({c["call"] for c in calls}))
        note = (f"{first['function']} calls {names_text} ({first['cell']}, line {first['line']}): this task asks "
                f"you to write that computation yourself, so the answer scores 0. This task may use "
                f"{_allowed_text(allowed)}.")
        # Flagged whatever the kernel made of it: the function may not even exist in the kernel's convlib.
        before = "" if test.status == "passed" or not test.message else f"\n(in the kernel: {test.message})"
        test.status, test.points, test.message = "flagged", 0.0, note + before
