"""Lines of code per layer of convlib (no blank lines, comments or docstrings), like tinygrad's sz.py.

    python scripts/sz.py            # a table: layer, modules, lines of code, budget
    python scripts/sz.py --core     # only the maths' number

The maths is convlib/*.py (what a learner reads end to end) but the command line,
``__main__.py``; the other layers are its subfolders.
"""

from __future__ import annotations

import ast
import io
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "convlib"
#: the top-level module that is no maths: the console script
COMMAND_LINE = "__main__.py"
#: layer -> the most lines of code it may hold; tests/course/test_package.py keeps every layer under it.
#: Raise a budget on purpose, in the commit that needs it, not by accident.
BUDGETS = {"maths": 1050, "command line": 20, "bench": 500, "checks": 2600, "figures": 2770, "grading": 2900}


def code_lines(path: Path) -> int:
    """Lines that hold code: not blank, not only a comment, not part of a docstring."""
    text = path.read_text(encoding="utf-8")
    docstrings = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                docstrings.update(range(first.lineno, first.end_lineno + 1))
    lines = set()
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                            tokenize.ENDMARKER):
            lines.update(n for n in range(tok.start[0], tok.end[0] + 1) if n not in docstrings)
    return len(lines)


def layers() -> dict:
    """layer -> (modules, lines of code): "maths", "command line", then one layer per subfolder."""
    top = sorted(PACKAGE.glob("*.py"))
    out = {"maths": [f for f in top if f.name != COMMAND_LINE], "command line": [PACKAGE / COMMAND_LINE]}
    for folder in sorted(p for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()):
        out[folder.name] = sorted(folder.rglob("*.py"))
    return {name: (len(files), sum(code_lines(f) for f in files)) for name, files in out.items()}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    table = layers()
    if "--core" in argv:
        print(table["maths"][1])
        return 0
    print(f"{'layer':<13} {'modules':>7} {'lines of code':>14} {'budget':>7}")
    for name, (modules, loc) in table.items():
        print(f"{name:<13} {modules:>7} {loc:>14} {BUDGETS.get(name, '-'):>7}")
    print(f"{'total':<13} {sum(m for m, _ in table.values()):>7} {sum(n for _, n in table.values()):>14}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
