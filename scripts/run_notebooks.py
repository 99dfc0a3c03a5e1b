"""Execute notebooks top to bottom in one fresh kernel each and store their outputs.

    python scripts/run_notebooks.py                 # notebooks/ and solutions/
    python scripts/run_notebooks.py notebooks/03-*.ipynb

This is how notebooks are committed: executed, with outputs, so that they read
well on a code host and nbval can compare the stored outputs with a fresh run.
Prints each notebook's run time; fails if a notebook raises or runs over
--max-seconds (the course promises each notebook runs in under 30 s).
"""

from __future__ import annotations

import argparse
import glob
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def execute(path: Path, timeout: int) -> float:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    # Keep stored notebooks free of per-run noise.  The widget state stays
    # (nb.metadata["widgets"]): with it JupyterLab shows the stored widgets
    # instead of their text fallback before the notebook is run.
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)
    return elapsed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", help="notebooks (default: notebooks/*.ipynb solutions/*.ipynb)")
    parser.add_argument("--max-seconds", type=float, default=30.0)
    parser.add_argument("--timeout", type=int, default=300, help="per-cell timeout")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    paths = args.paths or sorted(glob.glob(str(ROOT / "notebooks" / "*.ipynb"))) + sorted(
        glob.glob(str(ROOT / "solutions" / "*.ipynb"))
    )
    slow = []
    for p in map(Path, paths):
        seconds = execute(p, args.timeout)
        print(f"{seconds:6.1f} s  {p}", flush=True)
        if seconds > args.max_seconds:
            slow.append(p)
    if slow:
        print(f"over {args.max_seconds} s: {', '.join(map(str, slow))}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
