"""What the grader and the exercise generator both read: the repository's root and a cell's nbgrader metadata."""

from __future__ import annotations

from pathlib import Path

__all__ = ["repo_root", "nbgrader_meta"]


def repo_root() -> Path:
    """The repository's root: the folder that holds ``convlib/``, ``solutions/`` and ``exercises/``."""
    return Path(__file__).resolve().parents[2]


def nbgrader_meta(cell) -> dict:
    """The cell's ``metadata["nbgrader"]`` dict, or ``{}`` (also when the metadata is not a dict)."""
    meta = cell.get("metadata")
    nbg = meta.get("nbgrader") if isinstance(meta, dict) else None
    return nbg if isinstance(nbg, dict) else {}
