"""What the grader and the exercise generator both read: the repository's root and a cell's nbgrader metadata."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["repo_root", "nbgrader_meta", "show_path"]


def repo_root() -> Path:
    """The repository's root: the folder that holds ``convlib/``, ``solutions/`` and ``exercises/``."""
    return Path(__file__).resolve().parents[2]


def nbgrader_meta(cell) -> dict:
    """The cell's ``metadata["nbgrader"]`` dict, or ``{}`` (also when the metadata is not a dict)."""
    meta = cell.get("metadata")
    nbg = meta.get("nbgrader") if isinstance(meta, dict) else None
    return nbg if isinstance(nbg, dict) else {}


def show_path(path) -> str:
    """``path`` as a report shows it: relative to the current folder when inside it, else absolute."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        rel = str(path)
    return os.path.abspath(path) if rel.startswith("..") else rel  # abspath: a symbolic link keeps its own name
