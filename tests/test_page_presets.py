"""A page's preset: the server's default, or one the URL names among those the server offers — never a path."""

from __future__ import annotations

import json

import pytest

from mlp_widgets.app import cli
from mlp_widgets.config import CONFIG_ENV, DashboardConfig
from mlp_widgets.config.page import PRESETS_ENV, page_config
from mlp_widgets.widgets.dashboard import Dashboard


@pytest.fixture
def offered(monkeypatch):
    """A server started with ``--config lab2 --config ripple_deep``: its environment."""
    monkeypatch.setenv(CONFIG_ENV, "unset")  # so monkeypatch puts the environment back after the test
    monkeypatch.setenv(PRESETS_ENV, "{}")
    assert cli.use_config(["lab2", "ripple_deep"]) == 0
    return {CONFIG_ENV: cli.os.environ[CONFIG_ENV], PRESETS_ENV: cli.os.environ[PRESETS_ENV]}


def test_the_first_config_is_the_default_and_every_one_is_offered_by_name(offered):
    assert set(json.loads(offered[PRESETS_ENV])) == {"lab2", "ripple_deep"}
    config, sentence = page_config({**offered, "QUERY_STRING": ""})
    assert config == DashboardConfig.from_file(cli.resolve_config("lab2")) and sentence == ""


def test_a_url_names_a_preset_the_server_offers(offered):
    config, sentence = page_config({**offered, "QUERY_STRING": "preset=ripple_deep"})
    assert config.target.name == "ripple" and sentence == ""


@pytest.mark.parametrize("asked", ["genetic", "../../etc/passwd", "/tmp/x.json", "lab2.json", "a" * 500])
def test_anything_else_in_the_url_is_refused_with_a_sentence_and_the_default_shown(offered, asked):
    from urllib.parse import quote

    config, sentence = page_config({**offered, "QUERY_STRING": f"preset={quote(asked)}"})
    assert config == DashboardConfig.from_file(cli.resolve_config("lab2"))
    assert "offers no preset" in sentence and "never a path" in sentence and "lab2, ripple_deep" in sentence
    assert len(sentence) < 400


def test_the_dashboard_starts_from_the_page_preset_and_says_what_it_refused(offered, monkeypatch):
    monkeypatch.setenv(CONFIG_ENV, offered[CONFIG_ENV])
    monkeypatch.setenv(PRESETS_ENV, offered[PRESETS_ENV])
    monkeypatch.setenv("QUERY_STRING", "preset=ripple_deep")
    board = Dashboard(backend="agg")
    try:
        assert board.dataset.target == "ripple" and board.message == ""
    finally:
        board.close()
    monkeypatch.setenv("QUERY_STRING", "preset=../secret")
    board = Dashboard(backend="agg")
    try:
        assert board.dataset.target == "gaussian" and "offers no preset '../secret'" in board.message
    finally:
        board.close()


def test_bad_or_clashing_configs_are_all_reported_before_the_server_starts(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(CONFIG_ENV, "unset")
    (tmp_path / "lab2.json").write_text('{"search": {"epsilon": -1}}')
    (tmp_path / "bad name.json").write_text("{}")
    assert cli.use_config([str(tmp_path / "lab2.json"), "nonsense", str(tmp_path / "bad name.json")]) == 2
    err = capsys.readouterr().err
    assert "search.epsilon" in err and "'nonsense' is neither a config file nor a preset" in err
    assert "rename the file" in err
    assert cli.os.environ[CONFIG_ENV] == "unset"  # nothing was named to the kernels
