"""Reading notebooks, and finding each submission's source in ``solutions/``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .notebooks import nbgrader_meta

__all__ = ["source_text", "read_cells", "Source", "load_sources", "match_source", "find_notebooks", "MAX_NOTEBOOK_BYTES"]

MAX_NOTEBOOK_BYTES = 64 * 2**20  # a larger submission is not read ("unreadable")


def source_text(cell) -> str:
    src = cell.get("source", "")
    if isinstance(src, list):
        return "".join(s for s in src if isinstance(s, str))
    return src if isinstance(src, str) else ""


def read_cells(path: Path) -> tuple[list, dict]:
    """The cells (plain dicts) and metadata of a notebook file, tolerating anything but bad JSON."""
    path = Path(path)
    if path.is_symlink():
        raise ValueError("a symbolic link: not followed")
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        raise ValueError(f"larger than {MAX_NOTEBOOK_BYTES // 2**20} MiB ({size // 2**20} MiB)")
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise ValueError("not a Jupyter notebook (no list of cells)")
    cells = [c for c in data["cells"] if isinstance(c, dict)]
    meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    return cells, meta


@dataclass
class Source:
    path: Path
    cells: list
    exercise: str


def load_sources(solutions: Path) -> dict:
    """Every ``*.ipynb`` in ``solutions`` by file name.

    Raises
    ------
    ValueError
        A source whose test cells lack a grade_id or points, or repeat a grade_id
        (``python -m convlib.exercises --check`` reports every format problem).
    """
    sources = {}
    for path in sorted(Path(solutions).glob("*.ipynb")):
        cells, meta = read_cells(path)
        seen = set()
        for cell in cells:
            nbg = nbgrader_meta(cell)
            gid = nbg.get("grade_id")
            if not nbg:
                continue
            if not isinstance(gid, str) or not gid or gid in seen:
                raise ValueError(f"{path.name}: a missing or repeated grade_id ({gid!r})")
            seen.add(gid)
            if nbg.get("grade") and not isinstance(nbg.get("points"), (int, float)):
                raise ValueError(f"{path.name}: test cell {gid!r} has no points")
        exercise = (meta.get("convlib") or {}).get("exercise", path.stem) if isinstance(meta.get("convlib"), dict) \
            else path.stem
        sources[path.name] = Source(path, cells, exercise)
    return sources


def match_source(path: Path, meta: dict, sources: dict):
    """The source of a submission: same file name, else its ``convlib.exercise`` metadata, else a name prefix."""
    if path.name in sources:
        return sources[path.name]
    exercise = (meta.get("convlib") or {}).get("exercise") if isinstance(meta.get("convlib"), dict) else None
    for src in sources.values():
        if exercise and src.exercise == exercise:
            return src
    candidates = [s for s in sources.values() if path.stem.startswith(s.path.stem)]
    return max(candidates, key=lambda s: len(s.path.stem)) if candidates else None


def find_notebooks(paths) -> tuple[list, list]:
    """Notebook files under ``paths`` (sorted, de-duplicated) and the paths that do not exist."""
    found, missing = [], []
    for p in map(Path, paths):
        if p.is_dir():
            found += [q for q in sorted(p.rglob("*.ipynb")) if ".ipynb_checkpoints" not in q.parts]
        elif p.is_file():
            found.append(p)
        else:
            missing.append(p)
    seen, unique = set(), []
    for p in found:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique, missing
