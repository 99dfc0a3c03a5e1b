"""The sandbox a submission's kernel runs in: bubblewrap (``bwrap``), the tool Flatpak uses.

:func:`bwrap_argv` wraps a kernel's command line so that it runs

* in its own PID, network, IPC, UTS, user and cgroup namespaces
  (``--unshare-all``): it sees only its own processes, cannot signal the
  grader or another learner's kernel, and has no network at all;
* as an unprivileged user (uid/gid :data:`SANDBOX_UID` inside the sandbox);
* with a read-only view of what Python needs (the interpreter's prefixes,
  ``/usr``, the library folders and a few files of ``/etc``) and of the
  ``convlib`` the grader gives it (:mod:`convlib.grading.view`), and **no view**
  of the repository, the submissions, ``solutions/`` or the grader's output;
* with the deep-learning frameworks (:data:`HIDDEN`) covered by empty folders:
  no exercise needs one, so an answer that hands its task to TensorFlow fails
  there, whatever spelling it uses (the code reading flags it too);
* with one private, size-capped ``tmpfs`` as its home and working folder,
  holding only its own notebook's copy, and size-capped private ``/tmp`` and
  ``/dev/shm``;
* with ``--die-with-parent``: when the kernel's launcher dies (the grader
  kills it, or the grader itself dies), the sandbox's first process dies, and
  with it the PID namespace and every process the submission started
  (double-forked ``setsid`` daemons included).

The kernel reaches the grader over Jupyter's ``ipc`` transport: unix sockets
in a per-kernel socket folder, the only host folder the sandbox may write.
A kernel in its own network namespace cannot reach the grader's TCP ports, and
this way the grader keeps running the notebook from outside (per-cell time
limits, restarts after a dead kernel), so no result ever comes from inside
the sandbox in a file the submission could write.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from .notebooks import repo_root

__all__ = ["SANDBOX_UID", "HOME", "bwrap_path", "bwrap_problem", "bwrap_argv", "INSTALL_HINT"]

SANDBOX_UID = 65534  # "nobody"
HOME = "/home/learner"
INSTALL_HINT = ("install bubblewrap: `sudo apt-get install bubblewrap` (Debian, Ubuntu) or `sudo dnf install "
                "bubblewrap` (Fedora); on macOS or Windows grade inside a Linux container (see docs/grading.md). "
                "--no-sandbox grades without it, NOT ISOLATED: only for your own trusted notebooks")
#: Files and folders of /etc that Python, matplotlib and numpy read (those that exist are bound read-only).
ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "fonts", "localtime", "mime.types",
       "nsswitch.conf", "passwd", "group", "hosts", "ssl", "matplotlibrc")

#: Packages a grading kernel does not see: frameworks that would compute an exercise's answer for it.
HIDDEN = ("tensorflow", "keras", "tf_keras", "torch", "jax")
_checked: dict = {}


def bwrap_path() -> str | None:
    """The ``bwrap`` executable, or ``None`` when it is not installed."""
    return shutil.which("bwrap")


def bwrap_problem() -> str | None:
    """Why the sandbox cannot be used here (``None``: it works).  Runs ``bwrap`` once per process."""
    if "problem" in _checked:
        return _checked["problem"]
    exe = bwrap_path()
    if exe is None:
        problem = "bubblewrap (bwrap) is not installed"
    else:
        try:
            help_text = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=30).stdout
            if "--size" not in help_text:
                problem = "bubblewrap is older than 0.8 (no --size for a capped /tmp)"
            else:
                probe = subprocess.run(bwrap_argv([sys.executable, "-c", "pass"], home_mb=1), capture_output=True,
                                       text=True, timeout=60)
                problem = None if probe.returncode == 0 else (
                    "bubblewrap cannot create its namespaces here (user namespaces disabled?): "
                    + (probe.stderr.strip().splitlines() or ["exit status %d" % probe.returncode])[-1])
        except (OSError, subprocess.SubprocessError) as exc:
            problem = f"bubblewrap does not run: {exc}"
    _checked["problem"] = problem
    return problem


def _python_dirs() -> list:
    """Folders outside /usr that the interpreter and its packages live in (a venv, pyenv, conda), nested or not."""
    dirs = set()
    for p in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
              os.path.dirname(os.path.realpath(sys.executable))}:
        p = os.path.realpath(p)
        if p and not p.startswith("/usr/") and p != "/usr" and os.path.isdir(p):
            dirs.add(p)
    return sorted(dirs, key=len)


def _python_roots() -> list:
    """The outermost of :func:`_python_dirs` (a venv inside its base's folder needs only one bind)."""
    out = []
    for r in _python_dirs():
        if not any(r == o or r.startswith(o + os.sep) for o in out):
            out.append(r)
    return out


def _hidden_dirs() -> list:
    """The installed folders of the :data:`HIDDEN` packages (found on ``sys.path``, imported or not)."""
    from importlib.machinery import PathFinder

    dirs = []
    for name in HIDDEN:
        try:
            spec = PathFinder.find_spec(name)  # not sys.modules: an imported package may have grown its __path__
        except (ImportError, ValueError):
            continue
        dirs += [d for d in (spec.submodule_search_locations or []) if os.path.isdir(d)] if spec else []
    return dirs


def bwrap_argv(argv, *, home_mb: int = 256, tmp_mb: int = 256, files=(), ro_dirs=(), rw_dirs=(), env=None,
               chdir: str = HOME) -> list:
    """``argv`` wrapped in ``bwrap`` (see the module docstring).

    Parameters
    ----------
    argv : list of str
        The command to run inside (the kernel's command line).
    home_mb, tmp_mb : int
        Sizes of the private home folder (tmpfs) and of ``/tmp`` and ``/dev/shm`` (each), in MiB.
    files : sequence of paths
        Bound read-write into the home folder under their own names (the submission's private copy).
    ro_dirs, rw_dirs : sequence of paths
        Bound read-only / read-write at the same path inside (the convlib view; the socket folder).
    env : dict, optional
        The whole environment inside (nothing else of the grader's environment is passed).
    """
    out = [bwrap_path() or "bwrap", "--unshare-all", "--die-with-parent", "--new-session",
           "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID), "--hostname", "sandbox",
           "--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            out += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            out += ["--ro-bind", str(path), str(path)]
    for name in ETC:
        out += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    out += ["--proc", "/proc", "--dev", "/dev",
            "--size", str(int(tmp_mb) * 2**20), "--tmpfs", "/tmp",
            "--size", str(int(tmp_mb) * 2**20), "--tmpfs", "/dev/shm",
            "--size", str(int(home_mb) * 2**20), "--perms", "0700", "--tmpfs", HOME]
    # After the private /tmp: a virtual environment made in /tmp (as CI's are) must stay visible.
    roots = _python_roots()
    for root in roots:
        out += ["--ro-bind", root, root]
    # A virtual environment in the repository's folder (`.venv`, as the README suggests) is bound alone, and its
    # folders above are empty mount points.  A Python root that holds the repository (the course cloned inside a
    # conda environment's folder, say) would bring the solutions with it: an empty folder covers the repository.
    repo = os.path.realpath(repo_root())
    if any(repo == root or repo.startswith(root + os.sep) for root in roots):
        out += ["--tmpfs", repo]
        for inside in _python_dirs():  # what Python needs inside the repository (its .venv), on top of the cover
            if inside.startswith(repo + os.sep):
                out += ["--ro-bind", inside, inside]
    for folder in _hidden_dirs():
        out += ["--tmpfs", folder]
    for d in ro_dirs:
        out += ["--ro-bind", str(d), str(d)]
    for d in rw_dirs:
        out += ["--bind", str(d), str(d)]
    for f in files:
        out += ["--bind", str(f), f"{HOME}/{Path(f).name}"]
    out += ["--chdir", chdir, "--clearenv"]
    for key, value in (env or {}).items():
        out += ["--setenv", key, value]
    return out + ["--", *argv]
