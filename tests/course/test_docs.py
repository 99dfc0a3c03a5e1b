"""What the README and the docs tell a newcomer holds in this repository.

- Every repository file or folder they name exists: in a Markdown link
  (relative to the document), or in code (backticks or a code block),
  where a path that starts with one of the repository's top-level folders is
  relative to the repository root and a bare file name must be a file of the
  repository. The requirements files' comments are held to the same rule.
- One answer to "which Python?": the versions pyproject.toml's classifiers
  list are the ones the README names, requires-python lets pip install on
  exactly those (and refuse the one before the oldest), the setup check
  notebook asserts the oldest, and .ci/run tests the oldest and the newest.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

try:
    import tomllib
except ImportError:  # Python 3.10: pytest's own TOML reader
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
REQUIREMENTS = [*sorted(ROOT.glob("requirements*.txt")), *sorted((ROOT / "binder").glob("*.txt"))]
#: Names of files a bare mention must match somewhere in the repository (not output files like grades.json).
REPOSITORY_SUFFIXES = (".py", ".ipynb", ".txt", ".toml", ".cfg", ".md")
#: Folders that are not the repository's (a virtual environment, build output, caches).
NOT_OURS = {".git", ".venv", "venv", "build", "dist", "screenshots", "node_modules", "__pycache__"}


def repository_files() -> set[str]:
    names = set()
    for path in ROOT.rglob("*"):
        rel = path.relative_to(ROOT).parts
        if not any(part in NOT_OURS or part.endswith(".egg-info") for part in rel):
            names.add(path.name)
    return names


TOP_LEVEL = {p.name for p in ROOT.iterdir() if p.is_dir() and p.name not in NOT_OURS}


def code_texts(markdown: str) -> list[str]:
    """The fenced code blocks and the inline code spans of a Markdown text."""
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", markdown, flags=re.S | re.M)
    rest = re.sub(r"^```[^\n]*\n.*?^```", "", markdown, flags=re.S | re.M)
    return blocks + re.findall(r"`([^`\n]+)`", rest)


def path_tokens(text: str) -> list[str]:
    """The words of a code text that look like paths (no URLs, options or Python expressions)."""
    out = []
    for word in re.split(r"[\s=\"'(),;<>|]+", text):
        word = word.split("::")[0].rstrip(".:")
        if not word or "://" in word or word.startswith("-"):
            continue
        out.append(word.removeprefix("./"))
    return out


def missing_in_code(text: str, names: set[str]) -> list[str]:
    """Paths named in ``text`` (code) that are not in the repository."""
    missing = []
    for word in path_tokens(text):
        parts = word.split("/")
        if len(parts) > 1 and parts[0] in TOP_LEVEL:
            # A placeholder part (NN-name.ipynb, OWNER): only the folders before it must exist.
            concrete = []
            for part in parts:
                if re.search(r"[A-Z]{2,}|\*|\.\.\.", part):
                    break
                concrete.append(part)
            path = ROOT.joinpath(*concrete)
            whole = len(concrete) == len([p for p in parts if p])
            # a notebook may be named without its .ipynb (as JupyterLab's launcher names it)
            if not (path.exists() or (whole and path.with_name(path.name + ".ipynb").exists())):
                missing.append(word)
        elif len(parts) == 1 and word.endswith(REPOSITORY_SUFFIXES) and re.fullmatch(r"[\w-][\w.-]*", word):
            if word not in names:
                missing.append(word)
    return missing


def test_the_scan_finds_a_missing_path_and_accepts_real_ones():
    names = repository_files()
    text = "`tests/test_ui.py` `python -m pytest tests/course/test_ui.py::test_x` `exercises/01-kernel-shape-and-parameters`"
    assert missing_in_code(" ".join(code_texts(text)), names) == ["tests/test_ui.py"]
    assert missing_in_code("notebooks/NN-name.ipynb https://x.org/a/b convlib.grade submissions/ grades.json", names) == []
    assert missing_in_code("nosuchfile.py docs/nowhere/ .ipynb", names) == ["nosuchfile.py", "docs/nowhere/"]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_docs_name_only_paths_that_exist(doc):
    names = repository_files()
    text = doc.read_text()
    missing = [w for code in code_texts(text) for w in missing_in_code(code, names)]
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        target = target.split("#")[0]
        if target and not re.match(r"[a-z]+:", target) and not (doc.parent / target).exists():
            missing.append(target)
    assert not missing, f"{doc.relative_to(ROOT)} names paths that do not exist: {sorted(set(missing))}"


@pytest.mark.parametrize("path", REQUIREMENTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_requirements_comments_name_only_paths_that_exist(path):
    names = repository_files()
    comments = " ".join(line.split("#", 1)[1] for line in path.read_text().splitlines() if "#" in line)
    missing = missing_in_code(comments.replace("`", " "), names)
    assert not missing, f"{path.relative_to(ROOT)} names paths that do not exist: {missing}"


# -- which Python -------------------------------------------------------------


def supported_pythons() -> list[tuple[int, int]]:
    """The Python versions pyproject.toml's classifiers list, oldest first."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    found = [re.fullmatch(r"Programming Language :: Python :: (\d+)\.(\d+)", c) for c in project["classifiers"]]
    versions = sorted((int(m[1]), int(m[2])) for m in found if m)
    assert versions, "pyproject.toml lists no 'Programming Language :: Python :: 3.X' classifier"
    return versions


def dotted(v: tuple[int, int]) -> str:
    return f"{v[0]}.{v[1]}"


def test_the_readme_names_the_supported_pythons():
    quick = (ROOT / "README.md").read_text().split("## Quick start", 1)[1].split("\n## ", 1)[0]
    sentence = re.search(r"You need Python ([^.]*(?:\.\d+[^.]*)*)\.", quick)
    assert sentence, "the quick start should say 'You need Python ...'"
    named = sorted({tuple(map(int, v.split("."))) for v in re.findall(r"\b3\.\d+\b", sentence[1])})
    assert named == supported_pythons(), f"the README names {named}, pyproject.toml's classifiers {supported_pythons()}"


def test_pip_installs_exactly_on_the_supported_pythons():
    versions = supported_pythons()
    requires = SpecifierSet(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"])
    assert all(requires.contains(f"{dotted(v)}.0") for v in versions), (requires, versions)
    before = (versions[0][0], versions[0][1] - 1)
    assert not requires.contains(f"{dotted(before)}.99"), f"requires-python {requires} lets pip install on {dotted(before)}"


def test_the_setup_check_asserts_the_oldest_python():
    nb = json.loads((ROOT / "notebooks" / "00-setup-check.ipynb").read_text())
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    asserted = re.findall(r"assert sys\.version_info >= \((\d+), (\d+)\)", code)
    assert [tuple(map(int, a)) for a in asserted] == [supported_pythons()[0]], asserted


def test_ci_tests_the_oldest_and_the_newest_python():
    run = (ROOT / ".ci" / "run").read_text()
    line = re.search(r"^OTHER_PYTHONS=\(([^)]*)\)", run, flags=re.M)
    assert line, ".ci/run should list the other Pythons it tests in OTHER_PYTHONS=(...)"
    listed = [tuple(map(int, v.split("."))) for v in line[1].split()]
    versions = supported_pythons()
    assert versions[0] in listed and versions[-1] in listed, f".ci/run tests {listed}; supported: {versions}"
    assert set(listed) <= set(versions), f".ci/run tests {listed}, not all supported ({versions})"


# -- the open command ---------------------------------------------------------


def test_the_readme_says_how_to_open_the_course_as_a_user_and_as_root():
    """The quick start's command, and the one for root (tests/course/test_ui_fresh_clone.py runs the one that fits)."""
    from tests.course.test_ui_fresh_clone import readme_open_command

    user, root = readme_open_command(as_root=False), readme_open_command(as_root=True)
    assert user[:2] == ["jupyter", "lab"] and "--allow-root" not in user
    assert "--allow-root" in root
    assert [a for a in root if a not in ("--allow-root", "--no-browser") and not a.startswith("--ip=")] == user, root
