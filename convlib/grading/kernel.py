"""One fresh Jupyter kernel for the grader, with timeouts that always return.

:class:`KernelSession` starts an IPython kernel (this very Python, in an
empty temporary folder), runs code in it and reports what happened as an
:class:`ExecResult`: ``ok``, ``error`` (with the exception's name and
message), ``timeout`` or ``dead``.  A cell that runs past its time is
interrupted; one that ignores the interrupt gets its kernel killed
(``ExecResult.restarted``; call :meth:`KernelSession.start` for a new one), so
a call never hangs.

The kernel runs under :mod:`convlib.grading.limits` (rlimits set by a launcher,
and a watchdog on its process tree); a kernel the watchdog kills reports
``dead`` with ``ename == "limit"`` and the reason in ``evalue``.  Its working
folder is a fresh temporary folder holding only copies of ``files``.
"""

from __future__ import annotations

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
        Put first on the kernel's ``PYTHONPATH`` (where ``convlib`` lives).
    limits : convlib.grading.limits.Limits, optional
        CPU, memory and process limits (default :data:`~convlib.grading.limits.DEFAULT_LIMITS`).
    files : sequence of paths
        Copied into the kernel's working folder (the submission itself).
    """

    def __init__(self, mime: str, extra_path: str | None = None, limits=None, files=()):
        from .limits import DEFAULT_LIMITS

        self.mime = mime
        self.extra_path = extra_path
        self.limits = DEFAULT_LIMITS if limits is None else limits
        self.files = [Path(f) for f in files]
        self._tmp = tempfile.TemporaryDirectory(prefix="convlib-grade-")
        self.km = None
        self.kc = None
        self.watchdog = None
        self.limit_reason = None  # why the watchdog killed the last kernel

    # -- lifecycle ------------------------------------------------------------------------------------------
    def start(self, timeout: float = 60.0) -> None:
        """Start a new kernel (closing any previous one)."""
        import json

        from jupyter_client import KernelManager
        from jupyter_client.kernelspec import KernelSpecManager

        from .limits import Watchdog, launcher_argv

        self.close_kernel()
        self.limit_reason = None
        root = Path(self._tmp.name)
        spec_dir = root / "kernels" / "convlib-grade"
        spec_dir.mkdir(parents=True, exist_ok=True)
        argv = launcher_argv(self.limits, [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}",
                                           "--HistoryManager.enabled=False"])
        (spec_dir / "kernel.json").write_text(json.dumps(
            {"argv": argv, "display_name": "convlib grading", "language": "python"}))
        work = root / "work"
        if work.exists():  # a restart: the submission starts again from its own copy only
            shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        for f in self.files:
            shutil.copy(f, work / f.name)
        home = root / "home"
        home.mkdir(exist_ok=True)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (self.extra_path, env.get("PYTHONPATH")) if p)
        env.setdefault("MPLBACKEND", "Agg")
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        env.setdefault("OPENBLAS_NUM_THREADS", "1")  # one kernel per job: no oversubscription
        env.setdefault("OMP_NUM_THREADS", "1")
        env["HOME"] = str(home)
        env["MPLCONFIGDIR"] = str(home / "matplotlib")
        env["IPYTHONDIR"] = str(root / "ipython")
        km = KernelManager(kernel_name="convlib-grade",
                           kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(root / "kernels")]))
        try:
            km.start_kernel(cwd=str(work), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            kc = km.client()
            kc.start_channels()
            kc.wait_for_ready(timeout=timeout)
        except Exception as exc:
            try:
                km.shutdown_kernel(now=True)
            except Exception:
                pass
            raise KernelStartError(f"the kernel did not start: {exc}") from exc
        self.km, self.kc = km, kc
        pid = _kernel_pid(km)
        if pid is not None:
            self.watchdog = Watchdog(pid, self.limits)

    def close_kernel(self) -> None:
        if self.watchdog is not None:
            self.watchdog.stop()
            self.limit_reason = self.watchdog.reason or self.limit_reason
            self.watchdog = None
        kc, km, self.kc, self.km = self.kc, self.km, None, None
        if kc is not None:
            try:
                kc.stop_channels()
            except Exception:
                pass
        if km is not None:
            try:
                km.shutdown_kernel(now=True)
            except Exception:
                pass

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
                continue
            except Exception:  # a closed channel
                return self._dead(result)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
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
        reply = self._reply(msg_id)
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

    def _reply(self, msg_id):
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            try:
                msg = self.kc.get_shell_msg(timeout=0.5)
            except queue.Empty:
                continue
            except Exception:
                return None
            if msg.get("parent_header", {}).get("msg_id") == msg_id:
                return msg.get("content", {})
        return None

    def _dead(self, result: ExecResult) -> ExecResult:
        result.status = "dead"
        reason = self.watchdog.reason if self.watchdog is not None else self.limit_reason
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
