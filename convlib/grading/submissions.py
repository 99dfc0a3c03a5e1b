"""Where the submissions are and whose they are: folders, nbgrader's layout and ``.zip`` exports.

A PATH given to ``convlib grade`` is one of

* a notebook (``alice.ipynb``): graded by itself, no learner;
* a folder of learners' folders, ``submissions/<learner>/*.ipynb`` (any depth
  below ``<learner>``): the learner is the first folder under the PATH;
* nbgrader's layout, ``submitted/<learner>/<assignment>/*.ipynb``, given as the
  ``submitted`` folder or as the course folder that holds it: the learner is the
  folder under ``submitted``;
* a ``.zip`` of any of these (what a learning platform exports).  It is
  unpacked into a temporary folder -- notebooks only, no absolute paths, no
  ``..``, at most :data:`MAX_ZIP_BYTES` unpacked -- and read as a folder.  A zip
  whose content sits in one wrapper folder (``submissions/``, ``submitted/``,
  the zip's own name, or one folder holding several) is read from inside it.

A notebook directly in a PATH folder has no learner.

Symbolic links are never followed (a linked notebook or folder is reported
as a problem, not graded), and every name a report shows goes through
:func:`safe_name`: bytes that are not UTF-8 and control characters become
visible escapes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .notebooks import show_path

__all__ = ["Submission", "Collection", "collect", "safe_name", "MAX_ZIP_BYTES", "MAX_ZIP_FILES"]

MAX_ZIP_BYTES = 512 * 2**20  # unpacked notebooks per zip
MAX_ZIP_FILES = 5000
WRAPPERS = {"submissions", "submitted", "autograded"}


@dataclass
class Submission:
    path: Path  # the file to read (inside a temporary folder for a zip)
    shown: str  # how reports name it (for a zip: "classes.zip/alice/05-....ipynb")
    learner: str | None  # None: a notebook on its own
    learner_path: str | None = None  # how reports name the learner's folder


@dataclass
class Collection:
    submissions: list
    missing: list  # paths that do not exist (or a zip that cannot be read: (path, reason))
    problems: list  # (path, reason) for unreadable zips
    _tmp: list

    def cleanup(self) -> None:
        for tmp in self._tmp:
            shutil.rmtree(tmp, ignore_errors=True)
        self._tmp.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()


def safe_name(text) -> str:
    """``text`` (a file or folder name) as reports show it: valid UTF-8, no control characters.

    A byte that is not UTF-8 (which Python keeps as a lone surrogate) becomes
    ``\\xNN``; a control character (an ANSI escape, a newline) ``\\xNN`` as well.
    """
    text = str(text)
    raw = text.encode("utf-8", "surrogateescape")
    out = raw.decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}"
                   for c in out)


def _notebooks(folder: Path, links=None) -> list:
    """The notebooks under ``folder``, not following symbolic links (each link found is added to ``links``)."""
    found = []
    for top, dirs, files in os.walk(folder, followlinks=False):
        dirs.sort()
        for d in list(dirs):
            if d == ".ipynb_checkpoints":
                dirs.remove(d)
            elif os.path.islink(os.path.join(top, d)):
                dirs.remove(d)
                if links is not None:
                    links.append(Path(top) / d)
        for name in sorted(files):
            path = Path(top) / name
            if path.is_symlink():
                if links is not None and name.endswith(".ipynb"):
                    links.append(path)
            elif name.endswith(".ipynb"):
                found.append(path)
    return sorted(found)


def _root(folder: Path, zip_stem: str | None = None) -> Path:
    """The folder whose sub-folders are the learners'."""
    if (folder / "submitted").is_dir():  # an nbgrader course folder
        return folder / "submitted"
    while True:
        entries = [e for e in folder.iterdir() if not e.name.startswith((".", "__MACOSX"))]
        dirs = [e for e in entries if e.is_dir()]
        if len(dirs) != 1 or any(e.suffix == ".ipynb" for e in entries if e.is_file()):
            return folder
        child = dirs[0]
        grand = [e for e in child.iterdir() if e.is_dir() and not e.name.startswith(".")]
        wrapper = child.name.lower() in WRAPPERS or (zip_stem is not None and child.name == zip_stem)
        if zip_stem is not None and (wrapper or (len(grand) > 1 and not any(child.glob("*.ipynb")))):
            folder = child
            continue
        if child.name.lower() in WRAPPERS:
            folder = child
            continue
        return folder


def _from_folder(folder: Path, shown_root: str, zip_stem=None, links=None) -> list:
    root = _root(folder, zip_stem)
    out = []
    for nb in _notebooks(folder, links):
        try:
            rel = nb.relative_to(root)
        except ValueError:  # outside the learners' root (e.g. next to submitted/): no learner
            rel = None
        shown = safe_name(os.path.join(shown_root, str(nb.relative_to(folder))))
        if rel is not None and len(rel.parts) > 1:
            learner = rel.parts[0]
            lpath = safe_name(os.path.join(shown_root, str((root / learner).relative_to(folder))))
            out.append(Submission(nb, shown, safe_name(learner), lpath))
        else:
            out.append(Submission(nb, shown, None))
    return out


def _safe_members(zf: zipfile.ZipFile) -> list:
    members, total = [], 0
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_FILES:
        raise ValueError(f"more than {MAX_ZIP_FILES} files")
    for info in infos:
        name = PurePosixPath(info.filename.replace("\\", "/"))
        if info.is_dir() or name.suffix != ".ipynb":
            continue
        if name.is_absolute() or ".." in name.parts or any(p.startswith("__MACOSX") for p in name.parts):
            continue
        total += info.file_size
        if total > MAX_ZIP_BYTES:
            raise ValueError(f"more than {MAX_ZIP_BYTES // 2**20} MiB of notebooks once unpacked")
        members.append((info, name))
    return members


def _unzip(path: Path, tmp: Path) -> Path:
    dest = tmp / path.stem
    dest.mkdir(parents=True)
    with zipfile.ZipFile(path) as zf:
        for info, name in _safe_members(zf):
            target = dest.joinpath(*name.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(target, "wb") as out:
                left = info.file_size + 1
                while True:
                    chunk = src.read(min(1 << 20, left))
                    if not chunk:
                        break
                    left -= len(chunk)
                    if left <= 0:
                        raise ValueError(f"{info.filename} is larger than its header says")
                    out.write(chunk)
    return dest


def collect(paths) -> Collection:
    """Every submission under ``paths`` (de-duplicated, in order), with its learner.

    Call :meth:`Collection.cleanup` (or use it as a context manager) to remove
    the unpacked zips.
    """
    subs, missing, problems, tmps = [], [], [], []
    for p in map(Path, paths):
        links = []
        if p.is_symlink() and p.suffix.lower() in (".ipynb", ".zip"):
            problems.append((p, "a symbolic link: not followed"))
            continue
        if p.is_file() and p.suffix.lower() == ".zip":
            tmp = Path(tempfile.mkdtemp(prefix="convlib-zip-"))
            tmps.append(tmp)
            try:
                folder = _unzip(p, tmp)
            except (zipfile.BadZipFile, ValueError, OSError) as exc:
                problems.append((p, str(exc)))
                continue
            subs += _from_folder(folder, show_path(p), zip_stem=p.stem)
        elif p.is_dir():
            subs += _from_folder(p, show_path(p), links=links)
        elif p.is_file():
            subs.append(Submission(p, safe_name(show_path(p)), None))
        else:
            missing.append(p)
        problems += [(link, "a symbolic link: not followed") for link in links]
    seen, unique = set(), []
    for s in subs:
        key = s.path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(s)
    return Collection(unique, missing, problems, tmps)
