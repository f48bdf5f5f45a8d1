"""Secure defaults: no code from users is evaluated, and the dashboard server is private and quiet.

* The package never evaluates text: no ``eval``/``exec``/``compile``/``__import__``,
  no ``pickle``/``marshal``; ``torch.load`` only with ``weights_only=True``; YAML only
  through a safe loader.
* ``mlp-widgets dashboard`` listens on 127.0.0.1 only (its listening sockets,
  read from the process), serves a page without the notebook's source, and a
  notebook that raises shows Voilà's notice, not the traceback — both served
  with the CLI's own :func:`~mlp_widgets.app.cli.voila_argv`.

The servers are started by PID on free loopback ports (no browser needed).
The refusal of ``execute_request`` over the kernel websocket is tested in
``tests/browser/test_execute_refused.py``.
"""

from __future__ import annotations

import ast
import json
import sys
import tempfile
import urllib.request
from pathlib import Path

import psutil
import pytest

import mlp_widgets
from mlp_widgets.app.cli import voila_argv

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))
import voila_harness as harness  # noqa: E402

PACKAGE = Path(mlp_widgets.__file__).resolve().parent
SOURCES = sorted(PACKAGE.rglob("*.py"))

#: calls that run text as code
CODE_RUNNERS = {"eval", "exec", "compile", "__import__", "execfile"}
#: modules that run code while loading data
UNSAFE_MODULES = {"pickle", "cPickle", "dill", "marshal", "shelve"}


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return f"{_name(func.value)}.{func.attr}"
    return ""


def test_the_package_has_sources_to_check():
    assert len(SOURCES) > 20 and PACKAGE / "widgets" / "_base.py" in SOURCES


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(PACKAGE)) for p in SOURCES])
def test_no_text_is_evaluated_as_code(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for call in _calls(tree):
        name = _name(call.func)
        assert name not in CODE_RUNNERS, f"{path.name}:{call.lineno} calls {name}()"
        if name == "torch.load":
            weights_only = [k for k in call.keywords if k.arg == "weights_only"]
            assert weights_only and getattr(weights_only[0].value, "value", None) is True, (
                f"{path.name}:{call.lineno}: torch.load without weights_only=True unpickles arbitrary objects"
            )
        if name == "yaml.load":
            loader = [k for k in call.keywords if k.arg == "Loader"]
            assert loader and "safe" in ast.unparse(loader[0].value).lower() + _yaml_loader_is_safe(), (
                f"{path.name}:{call.lineno}: yaml.load without a safe loader"
            )
        assert name not in {"yaml.unsafe_load", "yaml.full_load"}, f"{path.name}:{call.lineno} {name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            modules = {(node.module or "").split(".")[0]}
        else:
            continue
        assert not modules & UNSAFE_MODULES, f"{path.name}:{node.lineno} imports {modules & UNSAFE_MODULES}"


def _yaml_loader_is_safe() -> str:
    """``"safe"`` if the config's YAML loader is a ``yaml.SafeLoader`` (the loader is built by a function)."""
    import yaml

    from mlp_widgets.config import presets

    return "safe" if issubclass(presets._yaml_loader(), yaml.SafeLoader) else ""


def test_the_checker_catches_eval_and_unpickling(tmp_path):
    """The checks above would see a violation (they are not vacuous)."""
    bad = "import pickle\nx = eval(text)\nimport torch\ntorch.load(path)\n"
    tree = ast.parse(bad)
    names = [_name(c.func) for c in _calls(tree)]
    assert "eval" in names and "torch.load" in names
    assert any(isinstance(n, ast.Import) and n.names[0].name == "pickle" for n in ast.walk(tree))


# -- the served dashboard -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def dashboard_server():
    port = harness.free_port()
    with tempfile.TemporaryDirectory(prefix="mlpw-cwd-") as cwd:
        server = harness.VoilaServer(harness.dashboard_command(port), port, Path(cwd))
        with server:
            yield server


def _listening(pid: int) -> list[tuple[str, int]]:
    return [
        (c.laddr.ip, c.laddr.port)
        for c in psutil.Process(pid).net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN
    ]


def test_the_dashboard_server_listens_on_loopback_only(dashboard_server):
    sockets = _listening(dashboard_server.pid)
    assert ("127.0.0.1", dashboard_server.port) in sockets
    assert all(ip in ("127.0.0.1", "::1") for ip, _ in sockets), sockets


def test_the_page_has_no_source_code(dashboard_server):
    html = urllib.request.urlopen(dashboard_server.url(""), timeout=120).read().decode()
    assert "application/vnd.jupyter.widget-view+json" in html  # the widget is there ...
    assert "from mlp_widgets import Dashboard" not in html  # ... its code is not
    assert "%matplotlib widget" not in html


def test_a_failing_notebook_shows_no_traceback(tmp_path):
    secret = "secret-marker-4711"
    notebook = {
        "cells": [
            {
                "cell_type": "code", "execution_count": None, "id": "boom", "metadata": {}, "outputs": [],
                "source": [f"password_{secret} = 1\n", f"raise RuntimeError('{secret}')"],
            }
        ],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }  # fmt: skip
    path = tmp_path / "raises.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    port = harness.free_port()
    command = [sys.executable, "-m", "voila", *voila_argv(path, port=port, open_browser=False)]
    with harness.VoilaServer(command, port, tmp_path) as server:
        html = urllib.request.urlopen(server.url(""), timeout=120).read().decode()
    assert "There was an error when executing cell" in html  # the page says something failed ...
    assert secret not in html and "Traceback" not in html and "RuntimeError" not in html  # ... and no more
