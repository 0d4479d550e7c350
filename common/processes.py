"""Starting, watching and stopping the stack's processes: one supervisor for the launcher,
the benchmark and the end-to-end tests.

Each process runs in its own process group (Ctrl-C reaches only the supervisor, which stops
the groups in order, children included). A process that dies is restarted after a backoff
(1, 2, 4... seconds, at most 30) while the others keep serving; one that crashes
CRASH_LIMIT times within CRASH_WINDOW seconds is left stopped, and the log says so.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

log = logging.getLogger(__name__)

CRASH_LIMIT = 5
CRASH_WINDOW = 300.0
MAX_BACKOFF = 30.0
STOP_TIMEOUT = 15.0


def free_ports(count: int) -> list[int]:
    """Distinct ports the kernel reports free (all held open until all are chosen)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def free_port() -> int:
    return free_ports(1)[0]


def http_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def wait_for_http(url: str, timeout: float, process: subprocess.Popen[bytes] | None = None) -> None:
    """Wait until url answers 200; RuntimeError if the process exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the process exited with code {process.returncode}")
        if http_ok(url):
            return
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signum)


def stop_groups(processes: list[subprocess.Popen[bytes]], timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM to each process's whole group at once, SIGKILL to those still there after
    timeout; then whatever descendant of theirs is left (a child in a session of its own)."""
    descendants = []
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            descendants += psutil.Process(process.pid).children(recursive=True)
    for process in processes:
        _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("process %d did not stop in %.0f s; killing it", process.pid, timeout)
            _signal_group(process, signal.SIGKILL)
            process.wait(timeout=timeout)
    _, left = psutil.wait_procs(descendants, timeout=max(0.1, deadline - time.monotonic()))
    for leftover in left:
        log.warning("killing leftover process %d", leftover.pid)
        with contextlib.suppress(psutil.NoSuchProcess):
            leftover.kill()
    psutil.wait_procs(left, timeout=10)


@dataclass
class Service:
    name: str
    command: list[str]
    env: dict[str, str]
    start_timeout: float
    health_url: str | None = None  # ready when this answers 200...
    ready_line: bytes | None = None  # ...or when its log shows this line
    secret_env: dict[str, str] = field(default_factory=dict, repr=False)
    cwd: Path | None = None  # the supervisor's own when not given


@dataclass
class _Managed:
    service: Service
    log_path: Path
    process: subprocess.Popen[bytes]
    log_offset: int
    ready: bool = False
    started_at: float = field(default_factory=time.monotonic)
    crashes: list[float] = field(default_factory=list)
    restart_at: float | None = None
    given_up: bool = False

    def log_tail(self) -> str:
        with self.log_path.open("rb") as log_file:
            log_file.seek(self.log_offset)
            lines = log_file.read().decode(errors="replace").strip().splitlines()
        return lines[-1] if lines else ""


class Supervisor:
    def __init__(
        self,
        cwd: Path,
        log_dir: Path,
        base_env: dict[str, str],
        say: Callable[[str], None] = print,
    ) -> None:
        self.cwd = cwd
        self.log_dir = log_dir
        self.base_env = base_env
        self.say = say
        self.managed: list[_Managed] = []

    # Starting --------------------------------------------------------------------------

    def _spawn(self, service: Service) -> tuple[subprocess.Popen[bytes], Path, int]:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{service.name}.log"
        offset = log_path.stat().st_size if log_path.exists() else 0
        with log_path.open("ab") as log_file:
            process = subprocess.Popen(
                service.command,
                cwd=service.cwd or self.cwd,
                env={**self.base_env, **service.env, **service.secret_env},
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group
            )
        return process, log_path, offset

    def _is_ready(self, managed: _Managed) -> bool:
        service = managed.service
        if service.ready_line is not None:
            with managed.log_path.open("rb") as log_file:
                log_file.seek(managed.log_offset)
                return service.ready_line in log_file.read()
        assert service.health_url is not None
        return http_ok(service.health_url)

    def start(self, service: Service) -> None:
        """Start service and wait until it is ready; RuntimeError (with its last log line)
        if it exits or does not get ready in time."""
        process, log_path, offset = self._spawn(service)
        managed = _Managed(service, log_path, process, offset)
        self.managed.append(managed)
        deadline = time.monotonic() + service.start_timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                tail = managed.log_tail()
                raise RuntimeError(
                    f"{service.name} exited with code {process.returncode}"
                    f"{f': {tail}' if tail else ''} (log: {log_path})"
                )
            if self._is_ready(managed):
                managed.ready = True
                return
            time.sleep(0.5)
        raise RuntimeError(
            f"{service.name} did not answer within {service.start_timeout:.0f} s; see {log_path}"
        )

    # Watching --------------------------------------------------------------------------

    def check(self) -> None:
        """One round of watching: restart what died (after its backoff), note what is back."""
        now = time.monotonic()
        for managed in self.managed:
            if managed.given_up:
                continue
            if managed.restart_at is not None:
                if now >= managed.restart_at:
                    self._restart(managed)
                continue
            code = managed.process.poll()
            if code is None:
                if not managed.ready and self._is_ready(managed):
                    managed.ready = True
                    self.say(f"{managed.service.name} is back.")
                continue
            self._crashed(managed, code, now)

    def _crashed(self, managed: _Managed, code: int, now: float) -> None:
        name = managed.service.name
        managed.crashes = [t for t in managed.crashes if now - t < CRASH_WINDOW] + [now]
        if len(managed.crashes) >= CRASH_LIMIT:
            managed.given_up = True
            self.say(
                f"{name} stopped {len(managed.crashes)} times in {CRASH_WINDOW / 60:.0f} "
                f"minutes; not restarting it again (log: {managed.log_path}). "
                "The other services keep running."
            )
            return
        backoff = min(MAX_BACKOFF, 2.0 ** (len(managed.crashes) - 1))
        self.say(
            f"{name} stopped unexpectedly (code {code}); restarting it in {backoff:.0f} s "
            f"(log: {managed.log_path})."
        )
        managed.ready = False
        managed.restart_at = now + backoff

    def _restart(self, managed: _Managed) -> None:
        managed.process, managed.log_path, managed.log_offset = self._spawn(managed.service)
        managed.restart_at = None
        managed.started_at = time.monotonic()

    def serve(self, interval: float = 0.5) -> None:
        """Watch until interrupted (KeyboardInterrupt or SystemExit from a signal)."""
        while True:
            self.check()
            time.sleep(interval)

    def watch_in_background(self, interval: float = 0.5) -> Callable[[], None]:
        """Watch from a thread (while the console chat has the terminal); returns a function
        that ends the watching."""
        stopping = threading.Event()

        def watch() -> None:
            while not stopping.wait(interval):
                self.check()

        thread = threading.Thread(target=watch, name="supervisor", daemon=True)
        thread.start()

        def end() -> None:
            stopping.set()
            thread.join(timeout=10)

        return end

    # Stopping --------------------------------------------------------------------------

    def pid_of(self, name: str) -> int:
        return next(m.process.pid for m in self.managed if m.service.name == name)

    def check_alive(self) -> None:
        """RuntimeError, with the end of its log, if a started process has exited."""
        for managed in self.managed:
            if managed.process.poll() is not None:
                raise RuntimeError(
                    f"{managed.service.name} exited with code {managed.process.returncode}: "
                    f"{managed.log_tail()} (log: {managed.log_path})"
                )

    def stop(self) -> None:
        """Stop every process group, the last started first."""
        stop_groups([managed.process for managed in reversed(self.managed)])
        self.managed.clear()
