"""One fresh Jupyter kernel for the grader, in a sandbox, with timeouts that always return.

:class:`KernelSession` starts an IPython kernel (this very Python) inside the
sandbox of :mod:`convlib.grading.sandbox` (``sandbox=False``: a plain
process, NOT isolated), runs code in it and reports what happened as an
:class:`ExecResult`: ``ok``, ``error`` (with the exception's name and
message), ``timeout`` or ``dead``.  A cell that runs past its time is
interrupted; one that ignores the interrupt gets its kernel killed
(``ExecResult.restarted``; call :meth:`KernelSession.start` for a new one), so
a call never hangs.

The kernel runs under :mod:`convlib.grading.limits` (a cgroup where the
machine offers one, else rlimits and a watchdog); a kernel that a limit killed
reports ``dead`` with ``ename == "limit"`` and the reason in ``evalue``.  Its
working folder holds only a private copy of ``files``.  What the grader keeps
of a kernel's output is capped (:data:`OUTPUT_CAP` characters of each
stream per execution, at most :data:`QUEUED` messages waiting, each no larger
than the kernel itself could build under its memory limit), so a submission
that prints or displays without end cannot make the grader's memory grow
without bound.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ExecResult", "KernelSession", "KernelStartError"]

OUTPUT_CAP = 20_000  # characters of stdout / stderr kept per execution
GRACE_S = 2.0  # how long an interrupted cell gets to stop
QUEUED = 8  # messages from the kernel waiting to be read; more are dropped by the kernel's side
QUIET_S = 1.0  # after the kernel's reply, how long without output counts as the end of a cell


class KernelStartError(RuntimeError):
    """The kernel did not start."""


@dataclass
class ExecResult:
    """What one execution did."""

    status: str = "ok"  # ok | error | timeout | dead
    ename: str = ""
    evalue: str = ""
    stdout: str = ""
    stderr: str = ""
    data: list = field(default_factory=list)  # payloads sent under the watched MIME type
    started: bool = False  # the kernel began executing this code
    restarted: bool = False  # the kernel was replaced (its state is lost)

    @property
    def message(self) -> str:
        if self.ename:
            return f"{self.ename}: {self.evalue}" if self.evalue else self.ename
        return ""


def _append(text: str, more: str) -> str:
    if len(text) >= OUTPUT_CAP:
        return text
    return (text + more)[:OUTPUT_CAP]


class KernelSession:
    """A grading kernel.

    Parameters
    ----------
    mime : str
        Display payloads of this MIME type are collected into ``ExecResult.data``.
    extra_path : str, optional
        Put first on the kernel's ``PYTHONPATH`` (the folder holding the ``convlib`` it may import); in the
        sandbox it is bound read-only.
    limits : convlib.grading.limits.Limits, optional
        CPU, memory, process and disk limits (default :data:`~convlib.grading.limits.DEFAULT_LIMITS`).
    files : sequence of paths
        Copied into the kernel's working folder (the submission itself).
    sandbox : bool
        Run the kernel in the bubblewrap sandbox (default); ``False``: a plain process, not isolated.
    """

    def __init__(self, mime: str, extra_path: str | None = None, limits=None, files=(), sandbox: bool = True):
        from .limits import DEFAULT_LIMITS

        self.mime = mime
        self.extra_path = extra_path
        self.limits = DEFAULT_LIMITS if limits is None else limits
        self.files = [Path(f) for f in files]
        self.sandbox = sandbox
        self._tmp = tempfile.TemporaryDirectory(prefix="convlib-grade-")
        self.km = None
        self.kc = None
        self.watchdog = None
        self.cgroup = None
        self.limit_reason = None  # why a limit killed the last kernel
        self.limits_kind = None  # "cgroup" or "rlimit": how the last kernel's limits were enforced

    # -- lifecycle ------------------------------------------------------------------------------------------
    def start(self, timeout: float = 60.0) -> None:
        """Start a new kernel (closing any previous one)."""
        from jupyter_client import KernelManager
        from jupyter_client.kernelspec import KernelSpecManager

        from .limits import Cgroup, Watchdog, launcher_argv
        from .sandbox import HOME, bwrap_argv

        self.close_kernel()
        self.limit_reason = None
        root = Path(self._tmp.name)
        spec_dir = root / "kernels" / "convlib-grade"
        spec_dir.mkdir(parents=True, exist_ok=True)
        work = root / "work"
        if work.exists():  # a restart: the submission starts again from its own copy only
            shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        copies = []
        for f in self.files:
            shutil.copy(f, work / f.name)
            copies.append(work / f.name)
        kernel = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}",
                  "--HistoryManager.enabled=False"]
        env = {"PYTHONPATH": self.extra_path or "", "MPLBACKEND": "Agg", "TF_CPP_MIN_LOG_LEVEL": "3",
               "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",  # one kernel per job: no oversubscription
               "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}
        self.cgroup = Cgroup.create(self.limits)
        self.limits_kind = "cgroup" if self.cgroup is not None else "rlimit"
        kwargs = {}
        if self.sandbox:
            sockets = Path(tempfile.mkdtemp(prefix="convlib-kernel-", dir=_socket_parent()))
            self._sockets = sockets
            home = HOME
            env.update(HOME=home, MPLCONFIGDIR=f"{home}/.matplotlib", IPYTHONDIR=f"{home}/.ipython",
                       PATH="/usr/local/bin:/usr/bin:/bin")
            mb = int(self.limits.disk_mb)
            argv = bwrap_argv(kernel, home_mb=mb, tmp_mb=mb, files=copies,
                              ro_dirs=[self.extra_path] if self.extra_path else [], rw_dirs=[sockets], env=env)
            kwargs = {"transport": "ipc", "ip": str(sockets / "k"), "connection_file": str(sockets / "kernel.json")}
            start_env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL")}
        else:
            self._sockets = None
            home = root / "home"
            home.mkdir(exist_ok=True)
            argv = kernel
            start_env = dict(os.environ)
            start_env.update(env)
            start_env["PYTHONPATH"] = os.pathsep.join(p for p in (self.extra_path, os.environ.get("PYTHONPATH"))
                                                      if p)
            start_env.update(HOME=str(home), MPLCONFIGDIR=str(home / "matplotlib"), IPYTHONDIR=str(root / "ipython"))
        (spec_dir / "kernel.json").write_text(json.dumps(
            {"argv": launcher_argv(self.limits, argv, self.cgroup), "display_name": "convlib grading",
             "language": "python", "interrupt_mode": "message"}))
        km = KernelManager(kernel_name="convlib-grade",
                           kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(root / "kernels")]), **kwargs)
        try:
            km.start_kernel(cwd=str(work), env=start_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            kc = km.client(context=_capped_context())
            kc.start_channels()
            kc.wait_for_ready(timeout=timeout)
        except Exception as exc:
            try:
                km.shutdown_kernel(now=True)
            except Exception:
                pass
            self._drop_cgroup()
            raise KernelStartError(f"the kernel did not start: {exc}") from exc
        self.km, self.kc = km, kc
        pid = _kernel_pid(km)
        if pid is not None:
            self.watchdog = Watchdog(pid, self.limits, self.cgroup)

    def _drop_cgroup(self) -> None:
        if self.cgroup is not None:
            self.limit_reason = self.limit_reason or self.cgroup.reason()
            self.cgroup.remove()
            self.cgroup = None

    def close_kernel(self) -> None:
        if self.watchdog is not None:
            self.watchdog.stop()
            self.limit_reason = self.watchdog.reason or self.limit_reason
            pid, self.watchdog = self.watchdog.pid, None
        else:
            pid = None
        kc, km, self.kc, self.km = self.kc, self.km, None, None
        if kc is not None:
            try:
                kc.stop_channels()
                kc.context.destroy(linger=0)
            except Exception:
                pass
        if km is not None:
            try:
                km.shutdown_kernel(now=True)
            except Exception:
                pass
        if pid is not None:
            from .limits import kill_tree

            kill_tree(pid)  # the launcher, and with it the sandbox's PID namespace
        self._drop_cgroup()
        sockets, self._sockets = getattr(self, "_sockets", None), None
        if sockets is not None:
            shutil.rmtree(sockets, ignore_errors=True)

    def close(self) -> None:
        self.close_kernel()
        self._tmp.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def alive(self) -> bool:
        try:
            return self.km is not None and self.km.is_alive()
        except Exception:
            return False

    # -- running code ---------------------------------------------------------------------------------------
    def execute(self, code: str, timeout: float) -> ExecResult:
        """Run ``code``; always returns within about ``timeout + GRACE_S`` seconds."""
        result = self._execute(code, timeout)
        if os.environ.get("CONVLIB_GRADE_DEBUG"):
            print(f"[grade] {id(self.km) % 10000:04d} {code[:40]!r:44} -> {result.status} started={result.started} "
                  f"restarted={result.restarted} data={len(result.data)} {result.message[:60]}", file=sys.stderr)
        return result

    def _execute(self, code: str, timeout: float) -> ExecResult:
        result = ExecResult()
        if not self.alive():
            return self._dead(result)
        kc = self.kc
        try:
            msg_id = kc.execute(code, store_history=False, allow_stdin=False, stop_on_error=False)
        except Exception as exc:
            result.status, result.ename, result.evalue = "dead", type(exc).__name__, str(exc)
            return result
        deadline = time.monotonic() + timeout
        interrupted_at = None
        reply, heard = None, time.monotonic()  # the shell reply, if it came first; when iopub last spoke
        while True:
            now = time.monotonic()
            if interrupted_at is None and now >= deadline:
                result.status = "timeout"
                try:
                    self.km.interrupt_kernel()
                except Exception:
                    pass
                interrupted_at = now
            if interrupted_at is not None and now - interrupted_at > GRACE_S:
                self._replace(result)  # the code ignored the interrupt
                return result
            try:
                msg = kc.get_iopub_msg(timeout=0.1)
            except queue.Empty:
                if not self.alive():
                    return self._dead(result)
                if reply is None:
                    reply = self._reply(msg_id, wait=0.0)
                elif time.monotonic() - heard > QUIET_S:
                    break  # the reply came and the "idle" status was lost (dropped by a flooded channel)
                continue
            except Exception:  # a closed channel
                return self._dead(result)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            heard = time.monotonic()
            kind, content = msg.get("msg_type"), msg.get("content", {})
            if kind == "status":
                if content.get("execution_state") == "busy":
                    result.started = True
                elif content.get("execution_state") == "idle":
                    break
            elif kind == "execute_input":
                result.started = True
            elif kind == "stream":
                name = "stderr" if content.get("name") == "stderr" else "stdout"
                setattr(result, name, _append(getattr(result, name), str(content.get("text", ""))))
            elif kind == "error":
                if not result.ename:
                    result.ename, result.evalue = str(content.get("ename", "")), str(content.get("evalue", ""))
                if result.status == "ok":
                    result.status = "error"
            elif kind in ("display_data", "execute_result", "update_display_data"):
                payload = content.get("data", {}).get(self.mime)
                if payload is not None:
                    result.data.append(payload)
        reply = reply if reply is not None else self._reply(msg_id)
        payload = reply.get("payload") if isinstance(reply, dict) else None
        if isinstance(payload, list) and any(isinstance(p, dict) and p.get("source") == "ask_exit" for p in payload):
            # exit() / quit(): the kernel shuts down right after this reply. Count it as dead now, not at
            # whatever runs next.
            result.status = "dead"
            result.ename, result.evalue = "exit", "the code called exit(): the kernel shut down"
            return result
        if reply is not None and reply.get("status") == "error":
            if result.status == "ok":
                result.status = "error"
            if not result.ename:
                result.ename, result.evalue = str(reply.get("ename", "")), str(reply.get("evalue", ""))
        return result

    def _reply(self, msg_id, wait: float = 5.0):
        deadline = time.monotonic() + wait
        while True:
            try:
                msg = self.kc.get_shell_msg(timeout=min(0.5, wait))
            except queue.Empty:
                if time.monotonic() >= deadline:
                    return None
                continue
            except Exception:
                return None
            if msg.get("parent_header", {}).get("msg_id") == msg_id:
                return msg.get("content", {})
            if time.monotonic() >= deadline:
                return None

    def _dead(self, result: ExecResult) -> ExecResult:
        result.status = "dead"
        reason = self.watchdog.reason if self.watchdog is not None else self.limit_reason
        if not reason and self.cgroup is not None:
            reason = self.cgroup.reason()
        if reason:
            result.ename, result.evalue = "limit", reason
        elif self.alive() is False and self.km is not None and _exit_signal(self.km) == 24:  # SIGXCPU
            result.ename, result.evalue = "limit", (f"the code used more than its {self.limits.cpu_s} s of CPU "
                                                    f"time and was stopped")
        return result

    def _replace(self, result: ExecResult) -> None:
        """Kill an unresponsive kernel; the caller starts a new one (its state is lost)."""
        result.restarted = True
        self.close_kernel()


def _kernel_pid(km):
    prov = getattr(km, "provisioner", None)
    for obj in (getattr(prov, "process", None), getattr(km, "kernel", None)):
        pid = getattr(obj, "pid", None)
        if isinstance(pid, int):
            return pid
    pid = getattr(prov, "pid", None)
    return pid if isinstance(pid, int) else None


def _exit_signal(km):
    """The signal that ended the kernel process (None if unknown)."""
    prov = getattr(km, "provisioner", None)
    proc = getattr(prov, "process", None) or getattr(km, "kernel", None)
    code = getattr(proc, "returncode", None)
    return -code if isinstance(code, int) and code < 0 else None


def _socket_parent() -> str | None:
    """Where the kernels' socket folders go: /dev/shm (memory, which a cgroup counts) where it can be written."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK) else None


def _capped_context():
    """A ZeroMQ context whose sockets bound what the grader holds of a kernel's messages (module docstring)."""
    import zmq

    ctx = zmq.Context()
    ctx.setsockopt(zmq.RCVHWM, QUEUED)
    ctx.setsockopt(zmq.LINGER, 0)
    return ctx
