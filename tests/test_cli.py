"""The ``mlp-widgets`` command line and the Voilà settings it shares with ``voila.json`` and ``jupyter_config.json``."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import nbformat
import psutil
import pytest

import mlp_widgets
from mlp_widgets.app import cli

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "mlp_widgets.app.cli"]


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd, timeout=60)


def test_version_prints_the_package_version(tmp_path):
    result = run_cli("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"mlp-widgets {mlp_widgets.__version__}"


def test_no_command_prints_help_and_fails(capsys):
    assert cli.main([]) == 2
    assert "dashboard" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "70000"], "the port must be a whole number from 0 to 65535"),
        (["--port", "eighty"], "the port must be a whole number from 0 to 65535"),
        (["--preheat", "-1"], "the number of preheated kernels must be a whole number from 0 to 16"),
        (["--cull-idle", "soon"], "the idle time must be a whole number of seconds"),
    ],
)
def test_bad_options_are_refused_with_a_sentence(args, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["dashboard", "--no-browser", *args])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_a_busy_port_is_reported_not_replaced(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        status = cli.main(["dashboard", "--no-browser", "--port", str(port)])
    assert status == 1
    assert f"port {port} on 127.0.0.1 is already in use" in capsys.readouterr().out


def test_the_dashboard_notebook_is_package_data_equal_to_the_repository_copy():
    shipped = cli.dashboard_notebook()
    assert shipped == Path(mlp_widgets.__file__).parent / "app" / "dashboard.ipynb"
    packaged = nbformat.read(shipped, as_version=4)
    repository = nbformat.read(ROOT / "notebooks" / "dashboard.ipynb", as_version=4)
    assert packaged == repository
    nbformat.validate(packaged)
    sources = [cell.source for cell in packaged.cells]
    assert sources[0] == "%matplotlib widget"
    assert "Dashboard()" in sources[-1]
    assert all(not cell.get("outputs") for cell in packaged.cells)


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> set[str]:
    """The files in a wheel built from the repository (once for the module)."""
    folder = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(folder)]
    result = subprocess.run([*command, str(ROOT)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr  # hatchling is in the test extra: no excuse to skip
    (wheel,) = folder.glob("mlp_widgets-*.whl")
    return set(zipfile.ZipFile(wheel).namelist())


def test_the_wheel_ships_the_dashboard_notebook(wheel_names):
    names = wheel_names
    assert "mlp_widgets/app/dashboard.ipynb" in names
    assert "mlp_widgets/app/cli.py" in names


def test_console_script_points_at_main():
    import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"].get("scripts", {})
    assert scripts.get("mlp-widgets") == "mlp_widgets.app.cli:main"
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "mlp-widgets"]
    assert script.load() is cli.main  # the installed script runs this very function


def _voila_app(argv: list[str]):
    from voila.app import Voila

    app = Voila()
    app.initialize(argv)
    return app


def test_voila_reads_the_cli_settings(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no voila.json here
    argv = cli.voila_argv(cli.dashboard_notebook(), port=12345, open_browser=False, cull_idle_timeout=30)
    app = _voila_app(argv)
    app.connection_dir = str(tmp_path)
    app.init_settings()  # builds the kernel manager; starts nothing
    assert (app.ip, app.port, app.port_retries, app.open_browser) == ("127.0.0.1", 12345, 0, False)
    assert app.notebook_path == str(cli.dashboard_notebook())
    assert app.voila_configuration.strip_sources is True
    assert app.voila_configuration.show_tracebacks is False
    assert app.voila_configuration.preheat_kernel is False
    assert app.voila_configuration.extension_denylist == list(cli.VOILA_DENIED_EXTENSIONS)
    assert app.config.VoilaExecutor.iopub_timeout == cli.IOPUB_TIMEOUT  # read by Voilà's executor per page
    manager = app.kernel_manager
    assert (manager.cull_idle_timeout, manager.cull_interval, manager.cull_connected, manager.cull_busy) == (
        30,
        30,
        False,
        False,
    )
    # the browser may send widget messages only, never code to execute
    # (Voilà sets this whitelist itself; an empty list would allow every message type)
    assert manager.allowed_message_types and set(manager.allowed_message_types) <= {
        "comm_open", "comm_close", "comm_msg", "comm_info_request", "kernel_info_request", "shutdown_request",
    }  # fmt: skip
    assert "execute_request" not in manager.allowed_message_types


def test_preheat_asks_voila_for_a_kernel_pool():
    settings = cli.voila_settings(preheat=3)
    assert settings["VoilaConfiguration"]["preheat_kernel"] is True
    assert settings["VoilaConfiguration"]["default_pool_size"] == 3
    assert "default_pool_size" not in cli.voila_settings()["VoilaConfiguration"]


def test_voila_json_matches_the_cli_defaults():
    config = json.loads((ROOT / "voila.json").read_text())
    assert config["Voila"]["ip"] == "127.0.0.1"
    defaults = cli.voila_settings()
    for section, traits in defaults.items():
        for name, value in traits.items():
            assert config[section][name] == value, f"voila.json {section}.{name}"


def test_jupyter_config_json_matches_the_cli_defaults_for_the_server_extension():
    config = json.loads((ROOT / "jupyter_config.json").read_text())
    defaults = cli.voila_settings()
    assert config["MappingKernelManager"] == defaults["MappingKernelManager"]
    assert config["VoilaExecutor"] == defaults["VoilaExecutor"]
    for name in ("strip_sources", "show_tracebacks", "extension_denylist"):
        assert config["VoilaConfiguration"][name] == defaults["VoilaConfiguration"][name]
    # the server extension has no kernel pool: the setting would be silently ignored
    assert "preheat_kernel" not in config["VoilaConfiguration"]
    # the same websocket guard as the CLI's, as the Jupyter server's trait
    guard = cli.guard_settings()["Voila"]["kernel_websocket_connection_class"]
    assert config["ServerApp"]["kernel_websocket_connection_class"] == guard


def test_the_server_starts_outside_the_repository_prints_its_url_and_stops(tmp_path):
    """Run ``mlp-widgets dashboard --port 0`` from an empty folder; read the URL it prints; fetch a static file."""
    process = subprocess.Popen(
        [*CLI, "dashboard", "--no-browser", "--port", "0"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        url, lines, deadline = None, [], time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            match = re.search(r"the dashboard is at (http://127\.0\.0\.1:(\d+)/)", line)
            if match:
                url = match.group(1)
        assert url, "".join(lines)
        port = int(re.search(r":(\d+)/", url).group(1))
        try:  # a missing static file: the server answers without starting a kernel
            urllib.request.urlopen(f"{url}voila/static/ready-probe", timeout=10)
        except urllib.error.HTTPError as error:
            assert error.code in (403, 404)
        # it listens on the loopback interface only
        listening = [c.laddr for c in psutil.Process(process.pid).net_connections("inet") if c.status == "LISTEN"]
        assert listening and all(address.ip == "127.0.0.1" for address in listening), listening
        assert port in {address.port for address in listening}
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    assert process.returncode is not None


# -- presets by name (package data) ---------------------------------------------------------------
def test_presets_are_package_data_and_named_by_their_stem():
    assert cli.presets_folder() == Path(mlp_widgets.__file__).parent / "presets"
    assert {"lab2", "ripple_deep"} <= set(cli.preset_names())
    assert cli.resolve_config("lab2") == cli.presets_folder() / "lab2.json"
    assert cli.resolve_config("ripple_deep") == cli.presets_folder() / "ripple_deep.yaml"
    assert not (ROOT / "presets").exists(), "one copy of the presets: mlp_widgets/presets"


def test_a_config_path_wins_over_a_preset_of_the_same_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lab2").write_text("{}")
    assert cli.resolve_config("lab2") == Path("lab2")
    assert cli.resolve_config(str(tmp_path / "other.json")) == tmp_path / "other.json"  # missing: from_file says so


def test_an_unknown_preset_name_gets_a_sentence_listing_the_presets(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.use_config("lab3") == 2
    err = capsys.readouterr().err
    assert "--config 'lab3' is neither a config file nor a preset" in err and "lab2, ripple_deep" in err


def test_the_help_names_the_presets(capsys):
    with pytest.raises(SystemExit):
        cli.main(["dashboard", "--help"])
    assert "lab2" in capsys.readouterr().out


def test_the_wheel_ships_the_presets(wheel_names):
    names = wheel_names
    assert {f"mlp_widgets/presets/{p.name}" for p in cli.presets_folder().iterdir() if p.is_file()} <= names


# -- compression: set where tornado builds the application ----------------------------------------
def test_the_dashboard_server_builds_its_application_with_compression(tmp_path, monkeypatch):
    """``compress_response`` works only among the settings that build the tornado Application."""
    import tornado.web

    monkeypatch.chdir(tmp_path)
    built = {}
    original = tornado.web.Application.__init__

    def record(self, *args, **settings):
        built.update(settings)
        original(self, *args, **settings)
        raise SystemExit(0)  # stop before listening

    monkeypatch.setattr(tornado.web.Application, "__init__", record)
    with pytest.raises(SystemExit):
        cli.serve_dashboard(port=cli._free_port("127.0.0.1"), open_browser=False)
    assert built["compress_response"] is True
    assert built["websocket_compression_options"] == {}


def test_jupyter_config_json_compresses_for_the_server_extension():
    """The Jupyter server takes ``compress_response`` from its tornado settings; websocket compression from its own
    trait (it overwrites the tornado setting of that name)."""
    server = json.loads((ROOT / "jupyter_config.json").read_text())["ServerApp"]
    wanted = cli.tornado_settings()
    assert server["tornado_settings"] == {"compress_response": wanted["compress_response"]}
    assert server["websocket_compression_options"] == wanted["websocket_compression_options"]


def test_jupyter_server_builds_its_application_with_the_root_config_compression(tmp_path):
    """With the root on the config path (binder/start), the web application itself is built with compression."""
    env = {**os.environ, "REPO_DIR": str(ROOT), "JUPYTER_CONFIG_PATH": "", "HOME": str(tmp_path)}
    env.pop("JUPYTER_CONFIG_DIR", None)
    script = (
        "from jupyter_server.serverapp import ServerApp\n"
        "app = ServerApp(); app.initialize(['--no-browser', '--ServerApp.port=0', '--ServerApp.open_browser=False'])\n"
        "s = app.web_app.settings\n"
        "print(s.get('compress_response'), s.get('websocket_compression_options'))\n"
        "print(any(t.__name__ == 'GZipContentEncoding' for t in app.web_app.transforms))\n"
    )
    result = subprocess.run(
        [str(ROOT / "binder" / "start"), sys.executable, "-c", script],
        env=env, capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "{}", "True"], result.stdout


def _port_left_in_time_wait() -> int:
    """A port whose last connection was closed by its server side: it lingers in TIME_WAIT, nothing listens."""
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = server.accept()
        accepted.close()  # the server's end closes first, as a stopped server's does
    client.close()
    return port


def test_a_restart_right_after_a_stop_finds_the_port_free():
    port = _port_left_in_time_wait()
    states = [c.status for c in psutil.net_connections("tcp") if c.laddr and c.laddr.port == port]
    assert "TIME_WAIT" in states and "LISTEN" not in states
    assert not cli._port_in_use("127.0.0.1", port)  # Restart=on-failure would have been refused for ~60 s
    with socket.socket() as listening:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        assert cli._port_in_use("127.0.0.1", listening.getsockname()[1])  # a live server is still found


def test_the_server_guards_its_kernel_websockets(tmp_path, monkeypatch):
    from mlp_widgets.app.guard import GuardedKernelConnection

    monkeypatch.chdir(tmp_path)
    app = _voila_app(cli.voila_argv(cli.dashboard_notebook(), port=12345, open_browser=False))
    assert app.kernel_websocket_connection_class is GuardedKernelConnection
    # standalone Voilà from the repository is guarded the same way
    config = json.loads((ROOT / "voila.json").read_text())
    for section, traits in cli.guard_settings().items():
        assert config[section].items() >= traits.items()
