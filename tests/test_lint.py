"""The code base stays ruff-clean (the config is in pyproject.toml)."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_check_is_clean():
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    assert Path(ruff).exists(), "ruff is in the test extra: install it (pip install -e '.[test]')"
    paths = [p for p in ("mlp_widgets", "tests", "benchmarks") if (ROOT / p).exists()]
    result = subprocess.run([ruff, "check", *paths], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean():
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    paths = [p for p in ("mlp_widgets", "tests", "benchmarks") if (ROOT / p).exists()]
    result = subprocess.run([ruff, "format", "--check", *paths], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, "run `ruff format mlp_widgets tests benchmarks`:\n" + result.stdout + result.stderr


def test_demo_runs_and_prints_the_lab_numbers():
    result = subprocess.run([sys.executable, "-m", "mlp_widgets.app.demo"], capture_output=True, text=True, check=True)
    assert "outputs identical (allclose)" in result.stdout
    assert "MSE of predicting 0: 9.591e-06" in result.stdout
