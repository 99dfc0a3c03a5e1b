"""The package's shape: the wheel holds every layer, the maths imports no pictures or Jupyter, every layer's size
stays in view, and no module imports in a circle or stands in for another."""

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import sz  # noqa: E402

NOT_IN_THE_MATHS = {"matplotlib", "ipywidgets", "IPython", "nbformat", "nbclient", "jupyter_client", "ctypes"}
SUBPACKAGES = sorted(p.parent.relative_to(ROOT).as_posix() for p in (ROOT / "convlib").rglob("__init__.py"))


def test_the_maths_imports_no_pictures_jupyter_or_ctypes():
    for path in sorted((ROOT / "convlib").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
            bad = {n.split(".")[0] for n in names} & NOT_IN_THE_MATHS
            assert not bad, f"{path.name} imports {bad}: the top level of convlib is the maths only"
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
                top = node.module.split(".")[0]
                assert not (ROOT / "convlib" / top / "__init__.py").exists(), \
                    f"{path.name} imports the {top} layer: the maths imports only the maths"


@pytest.mark.parametrize("layer", sorted(sz.BUDGETS))
def test_every_layer_stays_under_its_budget(layer):
    """`python scripts/sz.py` prints lines of code per layer; each layer has a budget in sz.BUDGETS."""
    loc = sz.layers()[layer][1]
    assert loc <= sz.BUDGETS[layer], f"{layer} is {loc} lines of code, over its budget of {sz.BUDGETS[layer]}"


def test_every_layer_has_a_budget():
    assert set(sz.layers()) == set(sz.BUDGETS)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict:
    """convlib module -> the convlib modules it imports, anywhere in its code (inside functions too)."""
    paths = {_module_name(p): p for p in (ROOT / "convlib").rglob("*.py")}
    graph = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(parent + ([node.module] if node.module else []))
                # `from pkg import mod` imports the module pkg.mod; `from mod import name` imports mod
                found.update(f"{base}.{a.name}" if f"{base}.{a.name}" in paths else base for a in node.names)
        graph[name] = {m for m in found if m in paths and m != name}
    return graph


def import_cycles(graph: dict) -> list:
    """Each import circle as a list of modules [a, b, ..., a], one per strongly connected group."""
    order, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(v):
        order[v] = low[v] = len(order)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in order:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], order[w])
        if low[v] == order[v]:
            group = set()
            while v not in group:
                group.add(stack.pop())
            on_stack.difference_update(group)
            if len(group) > 1:
                groups.append(group)

    for v in sorted(graph):
        if v not in order:
            visit(v)
    cycles = []
    for group in groups:  # one circle through the group's first module, by breadth-first search inside it
        start = min(group)
        paths = {start: [start]}
        while not any(start in graph[path[-1]] for path in paths.values()):
            paths = {w: path + [w] for path in paths.values() for w in sorted(graph[path[-1]] & group)
                     if w not in paths} | paths
        cycles.append(min((p for p in paths.values() if start in graph[p[-1]]), key=len) + [start])
    return cycles


def test_no_module_stands_in_for_another():
    """No import hook on ``sys.meta_path`` and no module ``__getattr__`` that hands out another convlib module's names."""
    for path in sorted((ROOT / "convlib").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert "meta_path" not in {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}, path
        for f in (n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "__getattr__"):
            imports = [n for n in ast.walk(f) if isinstance(n, ast.ImportFrom) and (n.level or "convlib" in n.module)]
            assert not imports, f"{path}: __getattr__ passes on names of another module"


def test_the_cycle_finder_finds_a_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert import_cycles(graph) == [["a", "b", "c", "a"]]
    assert import_cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles_in_convlib():
    cycles = import_cycles(import_graph())
    assert not cycles, "import circles in convlib: " + "; ".join(" -> ".join(c) for c in cycles)


@pytest.mark.slow
def test_the_wheel_holds_every_subpackage(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (wheel,) = tmp_path.glob("convlib-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [p for p in SUBPACKAGES if f"{p}/__init__.py" not in names]
    assert not missing, f"the wheel lacks {missing}"
    assert len(SUBPACKAGES) >= 5, SUBPACKAGES
