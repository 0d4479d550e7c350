"""The NLU evaluation command runs end to end on a small sample (the full run is a benchmark:
see docs/evaluation.md; this checks only that the command works)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def latest_model() -> Path:
    models = sorted((PROJECT_DIR / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    assert models, "scripts/test.sh trains a model before the tests"
    return models[-1]


def test_evaluation_report_on_a_sample(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "scripts/evaluate_nlu.py",
            "--model",
            str(latest_model()),
            "--sample",
            "1",
            "--out",
            str(tmp_path),
        ],
        cwd=PROJECT_DIR,
        check=True,
        timeout=900,
    )
    report = (tmp_path / "regression-nlu.md").read_text()
    for lang in ("en", "fr", "ar"):
        assert f"| {lang} |" in report
        matrix = tmp_path / "regression" / "config" / lang / "intent_confusion_matrix.png"
        assert matrix.stat().st_size > 0
    assert (tmp_path / "regression" / "comparison.png").stat().st_size > 0
