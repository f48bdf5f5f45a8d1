"""``mlp-widgets dashboard --config FILE``: the file is checked before the server starts and reaches the kernels."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mlp_widgets.app import cli
from mlp_widgets.config import CONFIG_ENV, DashboardConfig
from mlp_widgets.config.page import PRESETS_ENV

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def served(monkeypatch):
    """Replace the server by a recorder (the options it would have been started with)."""
    calls = []
    monkeypatch.setattr(cli, "serve_dashboard", lambda **options: calls.append(options) or 0)
    for name in (CONFIG_ENV, PRESETS_ENV):
        monkeypatch.setenv(name, "")  # remembers the real value, so what the CLI sets is undone afterwards
        monkeypatch.delenv(name)
    return calls


def test_a_valid_config_is_passed_to_the_kernels_through_the_environment(served, tmp_path, monkeypatch):
    path = tmp_path / "class.yaml"
    path.write_text("search:\n  epsilon: 1e-3\nui:\n  tabs: [network, search]\n")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["dashboard", "--no-browser", "--config", "class.yaml"]) == 0
    assert len(served) == 1 and served[0]["open_browser"] is False
    named = Path(cli.os.environ[CONFIG_ENV])
    assert named == path.resolve() and named.is_absolute()  # the kernels may start in another folder
    assert DashboardConfig.from_file(named).ui.tabs == ("network", "search")


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.json", json.dumps({"search": {"epsilon": -1}}), "config field 'search.epsilon' must be a number above 0"),
        ("bad.yaml", "ui:\n  hidden_controls: [builder.colour]\n", "config field 'ui.hidden_controls[0]' names no"),
        ("bad.json", "{", "bad.json is not valid JSON"),
        ("bad.txt", "", "A config file must end in .json, .yaml or .yml"),
    ],
)
def test_an_invalid_config_stops_before_the_server(served, tmp_path, capsys, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    assert cli.main(["dashboard", "--no-browser", "--config", str(path)]) == 2
    assert served == []  # the server never started
    err = capsys.readouterr().err
    assert err.startswith("mlp-widgets: ") and message in err
    assert CONFIG_ENV not in cli.os.environ


def test_a_missing_config_file_is_named(served, tmp_path, capsys):
    assert cli.main(["dashboard", "--config", str(tmp_path / "nowhere.json")]) == 2
    assert "Cannot read the config file" in capsys.readouterr().err and served == []


def test_the_command_exits_with_code_2_and_the_sentence(tmp_path):
    bad = tmp_path / "class.json"
    bad.write_text(json.dumps({"network": {"hidden": [300]}}))
    result = subprocess.run(
        [sys.executable, "-m", "mlp_widgets.app.cli", "dashboard", "--no-browser", "--port", "0", "--config", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "config field 'network.hidden[0]' must be a whole number from 1 to 256; got 300." in result.stderr
    assert "the dashboard is at" not in result.stdout


def test_presets_pass_the_command_line_check(served):
    for path in sorted((ROOT / "mlp_widgets" / "presets").glob("*.*")):
        assert cli.use_config(str(path)) == 0, path
