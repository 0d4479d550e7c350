"""The whole-conversation evaluation command plays a flows file of our own against its own
stack, with the registry access its checks need (scripts/evaluate_flows.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .conftest import PROJECT_DIR


def test_the_flows_command_checks_bookings_and_statuses_in_the_registry(
    tmp_path: Path,
) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "scripts/evaluate_flows.py",
            "--flows",
            "tests/flows/registry_checks.yml",
            "--out",
            str(tmp_path),
            "--show-failures",
        ],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = (tmp_path / "flows.md").read_text(encoding="utf-8")
    assert "PASS fr-rdv-puis-annulation" in report, report
    assert "PASS en-status-family-book" in report, report
    assert "2 conversations" in report
