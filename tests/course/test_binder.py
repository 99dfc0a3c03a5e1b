"""The Binder / repo2docker set-up stays consistent with the course's requirements.

repo2docker (what Binder and JupyterHub's image builders run) looks for its
configuration in ``binder/`` first, and when that folder exists it ignores the
same files at the repository root, the root ``requirements.txt`` included. It
then runs ``pip install -r binder/requirements.txt`` *in the repository root*,
after copying the whole repository when the file has a local reference
(``-r ...`` or ``-e .``). These tests check that what Binder would install is
exactly what ``requirements.txt`` lists, convlib itself included, on the
Python the course is written for.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

try:
    import tomllib
except ImportError:  # Python 3.10: pytest's own TOML reader
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"
COURSE_PYTHON = "3.11"
# The notebook the README's Binder link opens (urlpath=lab/tree/<this>).
LAUNCH_NOTEBOOK = "notebooks/00-setup-check.ipynb"
# Files repo2docker reads from binder/ and so ignores at the root once binder/ exists.
SHADOWED_AT_ROOT = (
    "environment.yml", "runtime.txt", "apt.txt", "postBuild", "start", "install.R",
    "Project.toml", "REQUIRE", "setup.py", "Pipfile", "Pipfile.lock", "requirements3.txt",
)  # fmt: skip


def expand_requirements(path: Path, cwd: Path, seen: tuple[Path, ...] = ()) -> tuple[dict, set]:
    """Read a pip requirements file the way pip does.

    Returns ``({canonical name: Requirement}, {editable paths})``. A nested
    ``-r FILE`` is relative to the file that names it; ``-e PATH`` is relative to
    pip's working directory ``cwd`` (pip's rule, which is why repo2docker's
    working directory, the repository root, matters).
    """
    path = path.resolve()
    assert path not in seen, f"requirements files include each other: {seen + (path,)}"
    reqs: dict[str, Requirement] = {}
    editables: set[Path] = set()
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = re.split(r"(^|\s)#", raw, maxsplit=1)[0].strip()
        if not line:
            continue
        where = f"{path.relative_to(ROOT)}:{number}"
        option = re.match(r"(-r|--requirement|-e|--editable)(\s*=\s*|\s+|(?=\S))(\S+)$", line)
        if option:
            flag, target = option.group(1), option.group(3)
            if flag in ("-r", "--requirement"):
                sub_reqs, sub_edit = expand_requirements(path.parent / target, cwd, seen + (path,))
                for name, req in sub_reqs.items():
                    assert name not in reqs, f"{where}: {name} is listed twice"
                    reqs[name] = req
                editables |= sub_edit
            else:
                editables.add((cwd / target).resolve())
            continue
        assert not line.startswith("-"), f"{where}: option {line!r} is not understood by this test"
        req = Requirement(line)
        name = canonicalize_name(req.name)
        assert name not in reqs, f"{where}: {name} is listed twice"
        reqs[name] = req
    return reqs, editables


def test_binder_runs_the_course_python():
    runtime = (BINDER / "runtime.txt").read_text().strip()
    assert runtime == f"python-{COURSE_PYTHON}", f"binder/runtime.txt says {runtime!r}"
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert SpecifierSet(requires).contains(f"{COURSE_PYTHON}.0"), (
        f"pyproject.toml requires-python {requires!r} excludes Binder's Python {COURSE_PYTHON}"
    )


def test_binder_installs_exactly_the_root_requirements_and_convlib():
    # repo2docker's working directory for pip is the repository root.
    binder_reqs, binder_editables = expand_requirements(BINDER / "requirements.txt", cwd=ROOT)
    root_reqs, root_editables = expand_requirements(ROOT / "requirements.txt", cwd=ROOT)
    assert root_reqs, "requirements.txt lists no packages"
    missing = sorted(set(root_reqs) - set(binder_reqs))
    extra = sorted(set(binder_reqs) - set(root_reqs))
    assert not missing and not extra, f"binder/ misses {missing}, adds {extra} compared with requirements.txt"
    differ = {n: (str(binder_reqs[n]), str(root_reqs[n])) for n in root_reqs if str(binder_reqs[n]) != str(root_reqs[n])}
    assert not differ, f"binder/ and requirements.txt pin differently: {differ}"
    assert binder_editables == root_editables == {ROOT}, (
        f"convlib must be installed editable from the repository root; binder/: {binder_editables}, "
        f"requirements.txt: {root_editables}"
    )
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["name"] == "convlib"


def test_binder_needs_no_postbuild_for_convlib():
    """With a local reference in binder/requirements.txt, repo2docker installs it
    after copying the repository (so `-e .` works) and no postBuild is needed;
    if someone adds one it must be executable, or the build stops."""
    lines = [re.split(r"(^|\s)#", raw, maxsplit=1)[0].strip() for raw in (BINDER / "requirements.txt").read_text().splitlines()]
    assert any(re.match(r"(-r|--requirement|-e|--editable)\b", line) for line in lines), (
        "binder/requirements.txt has no local reference: repo2docker would install it before copying the "
        "repository, and convlib would be missing (add `-r ../requirements.txt`, or a postBuild)"
    )
    post_build = BINDER / "postBuild"
    if post_build.exists():
        assert post_build.stat().st_mode & 0o111, "binder/postBuild must be executable"


def test_no_root_configuration_is_silently_ignored():
    shadowed = [name for name in SHADOWED_AT_ROOT if (ROOT / name).exists()]
    assert not shadowed, (
        f"{shadowed} at the repository root are ignored by Binder because binder/ exists: move them into binder/"
    )


def test_pip_reads_binder_requirements_from_the_repository_root(tmp_path):
    """pip itself, run as repo2docker runs it, finds the root requirements and
    convlib. Offline: --no-index with this environment's installed packages
    (the ones requirements.txt installs); only convlib's editable build is planned."""
    report = tmp_path / "report.json"
    cmd = [
        sys.executable, "-m", "pip", "install", "--dry-run", "--no-index", "--no-deps", "--no-build-isolation",
        "--disable-pip-version-check", "--quiet", "--report", str(report), "-r", "binder/requirements.txt",
    ]  # fmt: skip
    run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    if run.returncode != 0:
        pytest.fail(
            "pip could not resolve binder/requirements.txt offline from this environment (is everything in "
            f"requirements.txt installed?):\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}",
            pytrace=False,
        )
    planned = {canonicalize_name(item["metadata"]["name"]): item for item in json.loads(report.read_text())["install"]}
    assert "convlib" in planned, f"pip would not install convlib from binder/requirements.txt: {sorted(planned)}"
    info = planned["convlib"]["download_info"]
    assert info.get("dir_info", {}).get("editable") is True, info
    assert info["url"] == ROOT.as_uri(), f"convlib would come from {info['url']}, not {ROOT.as_uri()}"


def test_binder_link_opens_an_existing_notebook():
    assert (ROOT / LAUNCH_NOTEBOOK).exists()
    readme = (ROOT / "README.md").read_text()
    for target in re.findall(r"urlpath=(?:%2F|/)?lab(?:%2F|/)tree(?:%2F|/)([^\s)&\"']+)", readme):
        target = target.replace("%2F", "/")
        assert (ROOT / target).exists(), f"the README's Binder link opens {target}, which does not exist"
