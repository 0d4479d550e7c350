"""The process supervisor: a crashed service comes back after a backoff while the others keep
running; one that keeps crashing is left stopped and the log says so; stopping stops the
whole process group (children included)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import psutil

from common.processes import Service, Supervisor, free_port


def http_service(name: str, port: int) -> Service:
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    return Service(name, command, env={}, start_timeout=20, health_url=f"http://127.0.0.1:{port}/")


def wait_for(condition, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_a_killed_service_is_restarted_and_the_others_keep_running(tmp_path: Path) -> None:
    said: list[str] = []
    supervisor = Supervisor(tmp_path, tmp_path / "logs", {"PATH": "/usr/bin"}, say=said.append)
    try:
        first, second = http_service("first", free_port()), http_service("second", free_port())
        supervisor.start(first)
        supervisor.start(second)
        other_pid = supervisor.managed[1].process.pid
        supervisor.managed[0].process.kill()

        def back() -> bool:
            supervisor.check()
            return any(line == "first is back." for line in said)

        assert wait_for(back, 20), said
        assert "first stopped unexpectedly" in said[0] and "restarting it in 1 s" in said[0]
        assert supervisor.managed[1].process.pid == other_pid  # never touched
        assert supervisor.managed[1].process.poll() is None
    finally:
        supervisor.stop()


def test_a_service_that_keeps_crashing_is_left_stopped(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import common.processes as processes

    monkeypatch.setattr(processes, "MAX_BACKOFF", 0.2)
    said: list[str] = []
    supervisor = Supervisor(tmp_path, tmp_path / "logs", {}, say=said.append)
    crashing = Service(
        "crashing",
        [sys.executable, "-c", "import time; print('up', flush=True); time.sleep(1)"],
        env={},
        start_timeout=10,
        ready_line=b"up",
    )
    try:
        supervisor.start(crashing)

        def given_up() -> bool:
            supervisor.check()
            return supervisor.managed[0].given_up

        assert wait_for(given_up, 30), said
        assert "not restarting it again" in said[-1]
        assert sum("stopped unexpectedly" in line for line in said) == processes.CRASH_LIMIT - 1
    finally:
        supervisor.stop()


def test_stop_ends_the_whole_process_group(tmp_path: Path) -> None:
    supervisor = Supervisor(tmp_path, tmp_path / "logs", {})
    parent = Service(
        "parent",
        [
            sys.executable,
            "-c",
            "import subprocess, sys, time;"
            "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']);"
            "print('up', flush=True); time.sleep(60)",
        ],
        env={},
        start_timeout=10,
        ready_line=b"up",
    )
    supervisor.start(parent)
    process = psutil.Process(supervisor.managed[0].process.pid)
    assert wait_for(lambda: len(process.children()) == 1, 10)
    child = process.children()[0]
    supervisor.stop()
    assert wait_for(lambda: not child.is_running() or child.status() == "zombie", 10)
