"""Resource limits for a grading kernel: CPU time, memory, processes, file sizes.

Two mechanisms, because one alone does not hold as root:

* **rlimits**, set in the kernel process before it starts (a launcher that
  calls :func:`resource.setrlimit` and then ``exec``\\ s ``ipykernel``; see
  :data:`LAUNCHER`): ``RLIMIT_AS`` (address space, per process: a 20 GB
  ``np.ones`` fails at once with ``MemoryError``), ``RLIMIT_CPU`` (CPU
  seconds per kernel: the kernel is killed by ``SIGXCPU``), ``RLIMIT_FSIZE``
  (the largest file it may write) and ``RLIMIT_NPROC`` -- which Linux does not
  apply to root.
* a **watchdog** thread in the grader (:class:`Watchdog`) that polls
  ``/proc`` every :data:`POLL_S` seconds, finds every descendant of the
  kernel, and kills the kernel's process group and each descendant when their
  number exceeds ``processes`` (a fork bomb) or their summed resident memory
  exceeds ``rss_mb``.  This works as root too, needs no cgroups, and bounds
  what several processes do together (``RLIMIT_AS`` is per process).

A process that leaves the kernel's process group *and* re-parents itself away
from the kernel (a double fork with ``setsid``) escapes the watchdog: the
limits are a safety net for mistakes and careless code, not a sandbox.  See
docs/grading.md, "What is and is not isolated".
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from dataclasses import asdict, dataclass

__all__ = ["Limits", "DEFAULT_LIMITS", "LAUNCHER", "launcher_argv", "Watchdog", "descendants", "tree_rss_mb"]

POLL_S = 0.1


@dataclass(frozen=True)
class Limits:
    """The limits of one grading kernel (``None`` or 0: no limit of that kind).

    The defaults leave a wide margin over what a normal submission needs
    (measured: a grading kernel with numpy and convlib uses about 0.2 GB of
    address space and 0.07 GB resident; one that imports TensorFlow and builds
    a Keras layer 1.9 GB and 0.65 GB; a whole notebook about 1-2 s of CPU).
    """

    address_space_mb: int | None = 6144  # RLIMIT_AS, per process
    rss_mb: int | None = 3072  # the watchdog: resident memory of the kernel and all its children together
    cpu_s: int | None = 300  # RLIMIT_CPU, per kernel process (a restarted kernel starts afresh)
    processes: int | None = 32  # the watchdog: descendants of the kernel (and RLIMIT_NPROC for non-root)
    file_mb: int | None = 256  # RLIMIT_FSIZE

    def rlimits(self) -> dict:
        """``{"RLIMIT_...": soft_limit}`` for the launcher."""
        out = {}
        if self.address_space_mb:
            out["RLIMIT_AS"] = int(self.address_space_mb) * 2**20
        if self.cpu_s:
            out["RLIMIT_CPU"] = int(self.cpu_s)
        if self.file_mb:
            out["RLIMIT_FSIZE"] = int(self.file_mb) * 2**20
        if self.processes and os.geteuid() != 0:
            # Per user, not per kernel: leave room for the user's other processes.
            out["RLIMIT_NPROC"] = _user_processes() + 4 * int(self.processes)
        return out

    def as_dict(self) -> dict:
        return asdict(self)


DEFAULT_LIMITS = Limits()
NO_LIMITS = Limits(None, None, None, None, None)

#: Run as ``python -c LAUNCHER '{"RLIMIT_AS": n, ...}' python -m ipykernel_launcher ...``: sets the limits, then
#: replaces itself with the kernel (nothing of convlib is imported before the learner's code runs).
LAUNCHER = (
    "import json, os, resource, sys\n"
    "for name, soft in json.loads(sys.argv[1]).items():\n"
    "    kind = getattr(resource, name)\n"
    "    hard = resource.getrlimit(kind)[1]\n"
    "    soft = soft if hard == resource.RLIM_INFINITY else min(soft, hard)\n"
    "    resource.setrlimit(kind, (soft, hard))\n"
    "os.execv(sys.argv[2], sys.argv[2:])\n"
)


def launcher_argv(limits: Limits, argv: list) -> list:
    """``argv`` (a kernel's command line) wrapped so that it starts under ``limits``' rlimits."""
    rl = limits.rlimits()
    if not rl:
        return list(argv)
    return [sys.executable, "-c", LAUNCHER, json.dumps(rl), *argv]


def _user_processes() -> int:
    uid, n = os.geteuid(), 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    n += 1
            except OSError:
                pass
    return n


def _parents() -> dict:
    """pid -> parent pid, for every process (from /proc/<pid>/stat)."""
    out = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        rest = stat[stat.rfind(b")") + 2:].split()
        if len(rest) > 1:
            out[int(entry.name)] = int(rest[1])
    return out


def descendants(pid: int) -> list:
    """Every live descendant of ``pid`` (children, their children, ...)."""
    children = {}
    for child, parent in _parents().items():
        children.setdefault(parent, []).append(child)
    out, todo = [], list(children.get(pid, []))
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


_PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20


def tree_rss_mb(pids) -> float:
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm", "rb") as f:
                total += int(f.read().split()[1]) * _PAGE_MB
        except (OSError, IndexError, ValueError):
            pass
    return total


def kill_tree(pid: int, rounds: int = 50) -> None:
    """SIGKILL ``pid``, every descendant and ``pid``'s process group (unless it is the grader's), until none is left.

    The group is killed again each round: children of a killed process are
    re-parented away from ``pid`` but stay in its group.
    """
    try:
        pgid = os.getpgid(pid)
    except OSError:
        pgid = None
    if pgid is not None and pgid == os.getpgid(0):
        pgid = None  # never the grader's own group
    for _ in range(rounds):
        victims = [pid] + descendants(pid)
        found = False
        if pgid is not None:
            try:
                os.killpg(pgid, signal.SIGKILL)
                found = True
            except (ProcessLookupError, PermissionError, OSError):
                pass
        for p in victims:
            try:
                os.kill(p, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if not found and not descendants(pid):
            return
        time.sleep(0.02)


class Watchdog:
    """Kills a kernel whose process tree grows past ``limits`` (see the module docstring).

    ``reason`` says why it killed (``None`` while it has not).
    """

    def __init__(self, pid: int, limits: Limits):
        self.pid, self.limits = pid, limits
        self.reason = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"convlib-watchdog-{pid}", daemon=True)
        if limits.processes or limits.rss_mb:
            self._thread.start()

    def _check(self) -> str | None:
        kids = descendants(self.pid)
        n = self.limits.processes
        if n and len(kids) > n:
            return f"the code started more than {n} processes (a fork bomb?) and was stopped"
        mb = self.limits.rss_mb
        if mb:
            used = tree_rss_mb([self.pid] + kids)
            if used > mb:
                return f"the code used more than {mb} MB of memory ({used:.0f} MB) and was stopped"
        return None

    def _run(self) -> None:
        while not self._stop.wait(POLL_S):
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                return
            except PermissionError:
                pass
            reason = self._check()
            if reason:
                self.reason = reason
                kill_tree(self.pid)
                return

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)
