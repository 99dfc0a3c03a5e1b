"""Test-run settings shared by the unit tests and by nbval's notebook kernels.

TensorFlow prints a oneDNN banner and C++ log lines on import unless these are
set *before* it loads; nbval's kernels inherit this process's environment, so
setting them here keeps stored notebook outputs free of that noise.

Tests that need an extra (the browser tests: requirements-ui.txt and the
system's Chromium; the nbgrader test: requirements-nbgrader.txt) skip with a
reason that names its requirements file. The run then ends with one line that
says what was skipped and the command that runs it too. In CI (the environment
variable ``CI`` set) such a skip is a failure: CI cannot pass by skipping them.
"""

import os
import re

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("MPLBACKEND", "Agg")

#: An extra's requirements file, as a skip reason names it.
EXTRA = re.compile(r"requirements-[\w-]+\.txt")
#: The system package a skip reason asks for (the browser tests' Chromium).
SYSTEM = re.compile(r"apt-get install(?: -y)? ([\w.+-]+)")


def in_ci() -> bool:
    """True when the environment variable CI is set (to anything but 0/false/no)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def skip_reason(report) -> str:
    """The reason of a skipped test or module report."""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr or "")


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects
def pytest_collection_modifyitems(items):
    """Every notebook cell nbval runs is part of a slow test (a kernel, TensorFlow, the whole notebook)."""
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.skipped and in_ci() and not hasattr(report, "wasxfail"):
        reason = skip_reason(report)
        if EXTRA.search(reason) or SYSTEM.search(reason):
            report.outcome = "failed"
            report.longrepr = f"{reason.removeprefix('Skipped: ')} -- CI is set, so this test must run, not skip"
    return report


def extras_line(reports) -> str | None:
    """One line: the tests skipped for want of an extra, what they need, and the command that runs them too."""
    groups: dict[tuple[tuple[str, ...], tuple[str, ...]], int] = {}
    for report in reports:
        reason = skip_reason(report)
        need = (tuple(sorted(set(EXTRA.findall(reason)))), tuple(sorted(set(SYSTEM.findall(reason)))))
        if need != ((), ()):
            groups[need] = groups.get(need, 0) + 1
    if not groups:
        return None
    files = sorted({f for fs, _ in groups for f in fs})
    packages = sorted({p for _, ps in groups for p in ps})

    def what(need):
        fs, ps = need
        return " and ".join([*fs, *(f"the system's {p}" for p in ps)])

    parts = ", ".join(f"{n} need{'s' * (n == 1)} {what(need)}" for need, n in sorted(groups.items()))
    command = " && ".join(
        ([f"apt-get install -y {' '.join(packages)}"] if packages else [])
        + ([f"python -m pip install {' '.join(f'-r {f}' for f in files)}"] if files else [])
        + ["python -m pytest"]
    )
    total = sum(groups.values())
    return f"{total} tests skipped for want of an extra ({parts}). To run them too: {command}"


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter):
    line = extras_line(terminalreporter.stats.get("skipped", []))
    if line:
        terminalreporter.write_line(line, yellow=True, bold=True)
