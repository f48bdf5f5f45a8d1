"""The ``mlp-widgets`` command: serve the dashboard with Voilà (``dashboard``), print the lab's numbers (``demo``).

``mlp-widgets dashboard`` runs Voilà in this process on the dashboard notebook
shipped inside the package (``mlp_widgets/app/dashboard.ipynb``), so it works
from an installed package anywhere. The server is safe by default: it listens
on 127.0.0.1, shows no source code, sends no tracebacks to the page, refuses
code typed in the browser (Voilà forwards only widget messages to kernels),
checks every websocket frame before parsing it (:mod:`mlp_widgets.app.guard`)
and shuts down the kernels of pages left idle and closed.

The same settings live in the repository's ``voila.json`` (standalone Voilà)
and ``jupyter_config.json`` (Voilà as a Jupyter server extension, on Binder);
a test keeps the three in step.
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import os
import socket
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

#: default port of the dashboard server (Voilà's own default)
DEFAULT_PORT = 8866
#: seconds a kernel with no page connected may stay idle before it is shut down
CULL_IDLE_TIMEOUT = 600
#: seconds between two checks for idle kernels
CULL_INTERVAL = 60
#: seconds Voilà waits for a cell's output after the kernel says the cell is done. nbclient's
#: default, 4 s, is too short when many kernels start at once on few cores: with 10 pages
#: opened together on 2 cores, 3 of them lost the dashboard's output and never rendered.
IOPUB_TIMEOUT = 60
#: front-end extensions a Voilà page does not load: Notebook 7's own (installed with notebook, e.g. on Binder)
#: fails there with "The getter for the shared module is not a function", and costs the page 42 KiB
VOILA_DENIED_EXTENSIONS = ("@jupyter-notebook/lab-extension",)


def dashboard_notebook() -> Path:
    """Path of the dashboard notebook shipped as package data.

    Raises
    ------
    FileNotFoundError
        If the package was installed without its data files.
    """
    path = Path(str(resources.files("mlp_widgets") / "app" / "dashboard.ipynb"))
    if not path.is_file():
        raise FileNotFoundError(f"the dashboard notebook is missing from the installed package: {path}")
    return path


def voila_settings(preheat: int = 0, cull_idle_timeout: int = CULL_IDLE_TIMEOUT) -> dict[str, dict[str, Any]]:
    """The Voilà and kernel-manager settings of the dashboard server.

    Parameters
    ----------
    preheat : int
        Number of kernels kept started and already running the notebook, ready
        for the next visitors (0: start a kernel when a page is opened).
    cull_idle_timeout : int
        Seconds a kernel with no page connected may stay idle before it is shut down.

    Returns
    -------
    dict
        Traitlets configuration ``{class name: {trait: value}}``.
    """
    settings: dict[str, dict[str, Any]] = {
        "VoilaConfiguration": {
            "strip_sources": True,
            "show_tracebacks": False,
            "preheat_kernel": preheat > 0,
            "extension_denylist": list(VOILA_DENIED_EXTENSIONS),
        },
        "VoilaExecutor": {"iopub_timeout": IOPUB_TIMEOUT},
        "MappingKernelManager": {
            "cull_idle_timeout": cull_idle_timeout,
            "cull_interval": min(CULL_INTERVAL, max(1, cull_idle_timeout)),
            "cull_connected": False,
            "cull_busy": False,
        },
    }
    if preheat > 0:
        settings["VoilaConfiguration"]["default_pool_size"] = preheat
    return settings


def guard_settings() -> dict[str, dict[str, Any]]:
    """The settings that guard the server against what a client sends (see :mod:`mlp_widgets.app.guard`).

    Kept apart from :func:`voila_settings` so that they name only what guards the server.
    """
    return {"Voila": {"kernel_websocket_connection_class": "mlp_widgets.app.guard.GuardedKernelConnection"}}


def voila_argv(
    notebook: Path,
    *,
    port: int = DEFAULT_PORT,
    ip: str = "127.0.0.1",
    open_browser: bool = True,
    preheat: int = 0,
    cull_idle_timeout: int = CULL_IDLE_TIMEOUT,
) -> list[str]:
    """Command-line arguments for Voilà that serve ``notebook`` with :func:`voila_settings`."""
    argv = [
        f"--Voila.ip={ip}",
        f"--Voila.port={port}",
        "--Voila.port_retries=0",
        f"--Voila.open_browser={open_browser}",
    ]
    for section, traits in voila_settings(preheat, cull_idle_timeout).items():
        for name, value in traits.items():  # a list: one argument per item, as traitlets wants
            values = value if isinstance(value, list) else [value]
            argv += [f"--{section}.{name}={item}" for item in values]
    for section, traits in guard_settings().items():
        argv += [f"--{section}.{name}={value}" for name, value in traits.items()]
    return [*argv, str(notebook)]


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(
            f"the port must be a whole number from 0 to 65535 (0: any free port); got {text!r}"
        )
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 16:
        raise argparse.ArgumentTypeError(
            f"the number of preheated kernels must be a whole number from 0 to 16; got {text!r}"
        )
    return value


def _seconds(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(
            f"the idle time must be a whole number of seconds, 0 or more (0: never); got {text!r}"
        )
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``mlp-widgets``."""
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="mlp-widgets",
        description="Lab 2's multi-layer perceptrons as interactive widgets.",
    )
    parser.add_argument("--version", action="version", version=f"mlp-widgets {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    dashboard = commands.add_parser(
        "dashboard",
        help="serve the dashboard with Voilà and print its URL",
        description="Serve the dashboard with Voilà (sources hidden, no tracebacks, idle kernels shut down).",
    )
    dashboard.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"port to listen on (default {DEFAULT_PORT}; 0: any free port)"
    )
    dashboard.add_argument(
        "--ip",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; anything else serves the network)",
    )
    dashboard.add_argument("--no-browser", action="store_true", help="do not open a web browser")
    dashboard.add_argument(
        "--preheat",
        type=_count,
        default=0,
        metavar="N",
        help="keep N kernels started and running the dashboard, so pages open faster (default 0)",
    )
    dashboard.add_argument(
        "--cull-idle",
        type=_seconds,
        default=CULL_IDLE_TIMEOUT,
        metavar="SECONDS",
        help=f"shut down a kernel whose page was closed after SECONDS idle (default {CULL_IDLE_TIMEOUT}; 0: never)",
    )
    dashboard.add_argument(
        "--config",
        metavar="NAME|FILE",
        action="append",
        default=None,
        help="a dashboard config: the name of a shipped preset (" + ", ".join(preset_names()) + ") or a .json/.yaml "
        "file (target, network, search settings, tabs, hidden and fixed controls); checked before the server starts. "
        "Give it several times to offer several presets: the first is the default, each other one opens with "
        "?preset=NAME in the page's URL (NAME: the preset's name or the file's name without its ending)",
    )
    commands.add_parser(
        "demo",
        help="print the lab's numbers from the core alone (no widgets)",
        description="Print the lab's Task 2.2 network, its check against torch and its loss against the baselines.",
    )
    return parser


# -- presets: config files shipped inside the package ----------------------------------------------
#: suffixes of config files
CONFIG_SUFFIXES = (".json", ".yaml", ".yml")


def presets_folder() -> Path:
    """Folder of the presets shipped as package data (``mlp_widgets/presets``)."""
    return Path(str(resources.files("mlp_widgets") / "presets"))


def preset_names() -> list[str]:
    """Names of the shipped presets (file names without their suffix), sorted."""
    folder = presets_folder()
    return sorted(p.stem for p in folder.iterdir() if p.suffix in CONFIG_SUFFIXES) if folder.is_dir() else []


def resolve_config(text: str) -> Path:
    """The config file that ``--config`` names: a path to a file, or the name of a shipped preset.

    A path that exists wins over a preset of the same name, so a teacher's own
    ``lab2.json`` in the working directory is used as given.

    Raises
    ------
    ValueError
        If ``text`` is neither an existing file nor a preset's name (the message lists the presets).
    """
    path = Path(text)
    if path.is_file() or path.suffix.lower() in CONFIG_SUFFIXES or len(path.parts) > 1:
        return path  # a path: DashboardConfig.from_file names what is wrong with it
    for suffix in CONFIG_SUFFIXES:
        preset = presets_folder() / f"{text}{suffix}"
        if preset.is_file():
            return preset
    raise ValueError(
        f"--config {text!r} is neither a config file nor a preset; the presets are {', '.join(preset_names())} "
        "(or give a path to a .json or .yaml file)."
    )


def use_config(text: str | list[str]) -> int:
    """Check the configs (preset names or files) and name them to the kernels; return 0, or 2 after printing why not.

    The first is the default: its path goes to the kernels in the
    ``MLP_WIDGETS_CONFIG`` environment variable (Voilà's kernels inherit the
    server's environment). All of them are offered by name in
    ``MLP_WIDGETS_PRESETS`` (see :mod:`mlp_widgets.config.page`), for pages
    whose URL asks for one (``?preset=NAME``). Every refusal of every file is
    printed before the server would start.
    """
    import json

    from ..config import CONFIG_ENV, DashboardConfig
    from ..config.page import NAME, PRESETS_ENV

    texts = [text] if isinstance(text, str) else list(text)
    offered: dict[str, str] = {}
    problems = []
    for item in texts:
        try:
            path = resolve_config(item)
            DashboardConfig.from_file(path)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        name = path.stem
        if not NAME.match(name):
            problems.append(
                f"--config {item!r}: a preset's name is its file's name without the ending, made of "
                "letters, digits, '-' and '_'; rename the file."
            )
        elif name in offered:
            problems.append(f"--config {item!r}: two presets are called {name!r}; rename one file.")
        else:
            offered[name] = str(path.resolve())
    if problems:
        for problem in problems:
            print(f"mlp-widgets: {problem}", file=sys.stderr)
        return 2
    os.environ[CONFIG_ENV] = next(iter(offered.values()))
    os.environ[PRESETS_ENV] = json.dumps(offered)
    return 0


# -- slow links: what the server compresses -------------------------------------------------------
def tornado_settings() -> dict[str, Any]:
    """Tornado settings that make the dashboard fast on a slow link (Binder: about 1 Mbit/s).

    ``compress_response`` gzips every HTTP response to a browser that accepts
    it (JavaScript, most of the page, compresses well); tornado reads it only when
    the ``Application`` is built, so it must be among the settings that build
    it, not in ``Voila.tornado_settings`` (applied afterwards, without effect).
    ``websocket_compression_options`` (``{}``: permessage-deflate with tornado's
    defaults) compresses the kernel websocket: widget-state JSON compresses
    well, image frames hardly (``docs/deploy.md`` has the measured gains and
    cost). The same settings are in
    ``jupyter_config.json`` (``ServerApp.tornado_settings``) for Voilà as a
    server extension.
    """
    return {"compress_response": True, "websocket_compression_options": {}}


def _free_port(ip: str) -> int:
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((ip, 0))
        return int(sock.getsockname()[1])


def _port_in_use(ip: str, port: int) -> bool:
    """Whether something listens on ``ip:port``.

    The probe binds with ``SO_REUSEADDR``, as tornado's own listening socket
    does: connections of a server stopped a moment ago linger in TIME_WAIT for
    about a minute, and without it a restart (``Restart=on-failure``) was
    refused with "port already in use" while nothing listened.
    """
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((ip, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return True
            raise
    return False


def _is_loopback(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return ip == "localhost"


def serve_dashboard(
    *,
    port: int = DEFAULT_PORT,
    ip: str = "127.0.0.1",
    open_browser: bool = True,
    preheat: int = 0,
    cull_idle_timeout: int = CULL_IDLE_TIMEOUT,
) -> int:
    """Serve the dashboard with Voilà in this process until interrupted; return an exit status."""
    from voila.app import Voila

    notebook = dashboard_notebook()
    if port == 0:
        port = _free_port(ip)
    elif _port_in_use(ip, port):
        print(f"mlp-widgets: port {port} on {ip} is already in use; choose another with --port (0: any free port).")
        return 1
    if not _is_loopback(ip):
        print(
            f"mlp-widgets: warning: listening on {ip}, not on this machine only; anyone who can reach it can open "
            "the dashboard (each visitor gets a kernel)."
        )

    class DashboardVoila(Voila):
        """Voilà that compresses what it sends and prints the dashboard's URL once it is listening."""

        def init_settings(self) -> dict[str, Any]:
            return {**super().init_settings(), **tornado_settings()}

        def listen(self) -> None:
            import tornado.ioloop

            tornado.ioloop.IOLoop.current().add_callback(self._announce)
            super().listen()

        def _announce(self) -> None:
            print(f"mlp-widgets: the dashboard is at {self.display_url}  (Ctrl+C stops the server)", flush=True)

    argv = voila_argv(
        notebook, port=port, ip=ip, open_browser=open_browser, preheat=preheat, cull_idle_timeout=cull_idle_timeout
    )
    DashboardVoila.launch_instance(argv=argv)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mlp-widgets`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "dashboard":
        if args.config is not None and use_config(args.config) != 0:
            return 2
        return serve_dashboard(
            port=args.port,
            ip=args.ip,
            open_browser=not args.no_browser,
            preheat=args.preheat,
            cull_idle_timeout=args.cull_idle,
        )
    if args.command == "demo":
        from .demo import main as demo

        demo()
        return 0
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
