"""Resource limits for a grading kernel: memory, processes, CPU time, file sizes, disk.

Two mechanisms; the grader uses the first where the machine offers it and
says which in its JSON (``"limits": "cgroup"`` or ``"rlimit"``):

* a **cgroup** per kernel (:class:`Cgroup`: cgroup v1's ``memory`` and
  ``pids`` controllers, or cgroup v2 where its parent delegates them), which
  the kernel's launcher joins before it becomes the sandbox: the memory and
  the number of tasks of *every* process the submission starts count
  together, whatever it does (double forks, ``setsid``), and the kernel
  enforces them itself (the out-of-memory killer; ``fork`` failing), with no
  clock involved;
* else **rlimits** and a **watchdog**: ``RLIMIT_AS`` (address space, per
  process: a 20 GB ``np.ones`` fails at once with ``MemoryError``),
  ``RLIMIT_CPU`` (CPU seconds per kernel process), ``RLIMIT_FSIZE`` and, for
  non-root, ``RLIMIT_NPROC``, set by a launcher (:data:`LAUNCHER`) before it
  ``exec``\\ s the kernel; and a thread in the grader (:class:`Watchdog`)
  that polls ``/proc`` every :data:`POLL_S` seconds and kills the kernel and
  its descendants when their number exceeds ``processes`` or their summed
  resident memory exceeds ``rss_mb``.  Inside the sandbox every process of
  the submission stays a descendant of the kernel's launcher (orphans are
  adopted by the sandbox's first process), so the watchdog sees them all.

The rlimits (``RLIMIT_AS``, ``RLIMIT_CPU``, ``RLIMIT_FSIZE``) apply in both
cases.  Disk: the sandbox's home, ``/tmp`` and ``/dev/shm`` are ``tmpfs``
folders of a fixed size (:mod:`convlib.grading.sandbox`).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["Limits", "DEFAULT_LIMITS", "LAUNCHER", "launcher_argv", "Watchdog", "Cgroup", "descendants", "tree_rss_mb"]

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
    disk_mb: int = 256  # the sandbox's home folder, and /tmp and /dev/shm each (tmpfs sizes)
    tasks: int = 1024  # the cgroup's pids.max: processes *and threads* (TensorFlow starts dozens of threads)

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

#: Run as ``python -c LAUNCHER '{"RLIMIT_AS": n, ...}' python -m ipykernel_launcher ...``: sets the limits, then
#: replaces itself with the kernel (nothing of convlib is imported before the learner's code runs).
LAUNCHER = (
    "import json, os, resource, sys\n"
    "config = json.loads(sys.argv[1])\n"
    "for procs in config.pop('cgroups', []):\n"
    "    with open(procs, 'w') as f:\n"
    "        f.write(str(os.getpid()))\n"
    "for name, soft in config.items():\n"
    "    kind = getattr(resource, name)\n"
    "    hard = resource.getrlimit(kind)[1]\n"
    "    soft = soft if hard == resource.RLIM_INFINITY else min(soft, hard)\n"
    "    resource.setrlimit(kind, (soft, hard))\n"
    "os.execv(sys.argv[2], sys.argv[2:])\n"
)


def launcher_argv(limits: Limits, argv: list, cgroup=None) -> list:
    """``argv`` (a kernel's command line) wrapped so that it starts under ``limits``' rlimits, in ``cgroup``."""
    config = limits.rlimits()
    if cgroup is not None:
        config["cgroups"] = cgroup.procs_files()
    if not config:
        return list(argv)
    return [sys.executable, "-c", LAUNCHER, json.dumps(config), *argv]


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
    """Kills a kernel whose processes grow past ``limits`` (see the module docstring).

    ``pid`` is the kernel's launcher; with a ``cgroup`` the processes are the
    cgroup's members (the memory limit is then the kernel's own), else ``pid``
    and its descendants.  ``reason`` says why it killed (``None`` while it has not).
    """

    def __init__(self, pid: int, limits: Limits, cgroup=None):
        self.pid, self.limits, self.cgroup = pid, limits, cgroup
        self.reason = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"convlib-watchdog-{pid}", daemon=True)
        if limits.processes or (limits.rss_mb and cgroup is None):
            self._thread.start()

    def members(self) -> list:
        if self.cgroup is not None:
            return self.cgroup.pids()
        return [self.pid] + descendants(self.pid)

    def _check(self) -> str | None:
        procs = self.members()
        n = self.limits.processes
        if n and len(procs) - 1 > n:
            return f"the code started more than {n} processes (a fork bomb?) and was stopped"
        mb = self.limits.rss_mb
        if mb and self.cgroup is None:
            used = tree_rss_mb(procs)
            if used > mb:
                return f"the code used more than {mb} MB of memory ({used:.0f} MB) and was stopped"
        return None

    def kill(self) -> None:
        if self.cgroup is not None:
            self.cgroup.kill_all()
        kill_tree(self.pid)

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
                self.kill()
                return

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)


# --------------------------------------------------------------------------- cgroups


def _own_cgroups() -> dict:
    """``{controller or "": path}`` of this process, from /proc/self/cgroup (``""``: cgroup v2)."""
    out = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return out
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) == 3:
            for controller in parts[1].split(",") if parts[1] else [""]:
                out[controller] = parts[2]
    return out


def _v2_mount() -> Path | None:
    try:
        mounts = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return None
    for line in mounts:
        fields = line.split()
        if len(fields) > 2 and fields[2] == "cgroup2":
            return Path(fields[1])
    return None


class Cgroup:
    """A cgroup of its own for one kernel, with a memory and a process limit; :meth:`create` or ``None``.

    ``folders`` are the cgroup's folders (one per controller with cgroup v1,
    one with v2).  The kernel's launcher joins it by writing its pid into
    :meth:`procs_files`; every process started afterwards is a member.
    """

    _counter = 0
    _lock = threading.Lock()

    def __init__(self, folders: list, version: int, limits: Limits):
        self.folders, self.version, self.limits = folders, version, limits

    @classmethod
    def create(cls, limits: Limits):
        """A new cgroup under this process's own, or ``None`` where cgroups cannot be used (no error)."""
        with cls._lock:
            cls._counter += 1
            name = f"convlib-grade-{os.getpid()}-{cls._counter}"
        own = _own_cgroups()
        base = Path("/sys/fs/cgroup")
        made = []
        try:
            if "memory" in own and "pids" in own and (base / "memory").is_dir() and (base / "pids").is_dir():
                for controller in ("memory", "pids"):
                    folder = base / controller / own[controller].lstrip("/") / name
                    folder.mkdir()
                    made.append(folder)
                group = cls(made, 1, limits)
            else:
                mount = _v2_mount()
                if mount is None or "" not in own:
                    return None
                parent = mount / own[""].lstrip("/")
                enabled = (parent / "cgroup.subtree_control").read_text().split()
                if "memory" not in enabled or "pids" not in enabled:
                    return None
                folder = parent / name
                folder.mkdir()
                made.append(folder)
                group = cls(made, 2, limits)
            group._apply()
            return group
        except OSError:
            for folder in made:
                try:
                    folder.rmdir()
                except OSError:
                    pass
            return None

    def _write(self, name: str, value) -> None:
        for folder in self.folders:
            if (folder / name).exists():
                (folder / name).write_text(str(value))
                return
        raise OSError(f"no {name} in the cgroup")

    def _read(self, name: str) -> str:
        for folder in self.folders:
            try:
                return (folder / name).read_text()
            except OSError:
                continue
        return ""

    def _apply(self) -> None:
        mb, tasks = self.limits.rss_mb, self.limits.tasks
        if self.version == 1:
            if mb:
                self._write("memory.limit_in_bytes", int(mb) * 2**20)
                try:
                    self._write("memory.memsw.limit_in_bytes", int(mb) * 2**20)  # no escape into swap
                except OSError:
                    pass
            self._write("pids.max", int(tasks))
        else:
            if mb:
                self._write("memory.max", int(mb) * 2**20)
                try:
                    self._write("memory.swap.max", 0)
                except OSError:
                    pass
            self._write("pids.max", int(tasks))

    def procs_files(self) -> list:
        return [str(folder / "cgroup.procs") for folder in self.folders]

    def pids(self) -> list:
        """The processes in the cgroup now."""
        out = set()
        for folder in self.folders:
            try:
                out.update(int(x) for x in (folder / "cgroup.procs").read_text().split())
            except (OSError, ValueError):
                pass
        return sorted(out)

    def _counter_of(self, name: str, key: str) -> int:
        for line in self._read(name).splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == key and parts[1].isdigit():
                return int(parts[1])
        return 0

    def reason(self) -> str | None:
        """Why the kernel died, if a limit of this cgroup killed it or stopped a fork (``None``: none did)."""
        if self.version == 1:
            oom = self._counter_of("memory.oom_control", "oom_kill")
            forks = 0
            try:
                forks = int((self._read("pids.events").split() or ["", "0"])[1])
            except (ValueError, IndexError):
                pass
        else:
            oom = self._counter_of("memory.events", "oom_kill")
            forks = self._counter_of("pids.events", "max")
        if oom:
            return f"the code used more than {self.limits.rss_mb} MB of memory and was stopped"
        if forks:
            return (f"the code tried to start more than {self.limits.tasks} processes and threads (a fork bomb?) "
                    f"and was stopped")
        return None

    def kill_all(self, rounds: int = 100) -> bool:
        """SIGKILL every member until none is left; True when the cgroup is empty."""
        for _ in range(rounds):
            members = self.pids()
            if not members:
                return True
            for pid in members:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.02)
        return not self.pids()

    def remove(self) -> None:
        """Kill what is left and delete the cgroup."""
        self.kill_all()
        for folder in self.folders:
            for _ in range(100):
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)
