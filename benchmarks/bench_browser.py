"""The dashboard in headless Chromium against Voilà on this machine, side by side with a reference page.

Measures, for each page:

- cold load: navigation → every visible figure canvas painted, with a fresh kernel;
- preheated load: the same with a Voilà kernel pool that has already run the page;
- slider → repaint: keydown on a slider handle → the figure canvas's next
  ``drawImage`` (timed inside the page), over ``--moves`` moves; median and p95;
  with the bytes the kernel sent over the websocket per update;
- the same slider → repaint with Chromium's network emulation
  (``Network.emulateNetworkConditions``: 1 Mbit/s each way, 50 ms latency, Binder's conditions);
- Play (the dashboard only): on its training tab, figure frames painted per
  second while Play runs (until the search stops, at most ``PLAY_SECONDS``)
  and websocket KiB per painted frame;
- the resident memory (RSS) of the page's kernel, via psutil, after the moves;
- the cold load at 1 Mbit/s (Binder's conditions from the first byte), with the
  bytes that crossed the link before the first paint by type (script, style,
  font, document, other HTTP; the kernel websocket counted on the wire by a
  proxy, since DevTools report websocket frames decompressed);
- drag-to-rotate a 3-D surface for 3 s, on loopback and at 1 Mbit/s: distinct
  frames painted per second while the mouse is down, and the time from the
  release to the last frame (the settled view). The dashboard's column drags
  notebook 03's target surface; the reference drags its own surface.

The reference page (``tests/browser/notebooks/one_surface.ipynb``: one slider, one
640×480 3-D surface) is what the issue's figures were measured with. The
dashboard (``mlp-widgets dashboard``) is measured when ``mlp_widgets.Dashboard``
exists. The dashboard's slider is measured on its "Activations" tab and Play
on its "Train" tab (``--slider-tab``, ``--play-tab``: the tabs' labels, for
measuring an older dashboard whose tabs had other names). Run:
``python benchmarks/bench_browser.py [--moves 30] [--runs 3] [--only slow,drag]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))  # the browser tests' harness
import voila_harness as harness  # noqa: E402

REFERENCE = ROOT / "tests" / "browser" / "notebooks" / "one_surface.ipynb"
MIB = 1024 * 1024
#: Binder's conditions: about 1 Mbit/s each way; 50 ms latency
BINDER_NETWORK = {"offline": False, "latency": 50, "downloadThroughput": 125_000, "uploadThroughput": 125_000}
DRAG_NOTEBOOK = ROOT / "notebooks" / "03_target_and_loss.ipynb"
#: the issues' targets for the dashboard (drag: notebook 03's target surface)
TARGETS = {
    "cold load (s)": 3.5,
    "preheated load (s)": 1.5,
    "repaint median (ms)": 45,
    "repaint p95 (ms)": 90,
    "repaint median at 1 Mbit/s (ms)": 150,
    "kernel RSS (MiB)": 400,
    "cold load at 1 Mbit/s (s)": 12,
    "drag fps": 24,
    "drag fps at 1 Mbit/s": 6,
    "drag settle at 1 Mbit/s (ms)": 300,
}
#: sections of the benchmark (``--only``)
SECTIONS = ("fast", "slow", "drag")
#: longest Play measured on the dashboard's training tab (s)
PLAY_SECONDS = 5.0

#: records, inside the page, each keydown and each image drawn on a figure canvas (performance.now() times)
INSTRUMENT_JS = """
window.__mlpw = {keys: [], draws: []};
document.addEventListener('keydown', () => window.__mlpw.keys.push(performance.now()), true);
const drawImage = CanvasRenderingContext2D.prototype.drawImage;
CanvasRenderingContext2D.prototype.drawImage = function (...args) {
  const canvas = this.canvas;
  if (canvas && canvas.parentElement && canvas.parentElement.classList.contains('jupyter-matplotlib-canvas-div')
      && canvas === canvas.parentElement.firstElementChild) {
    window.__mlpw.draws.push(performance.now());
  }
  return drawImage.apply(this, args);
};
"""


@dataclass
class Page:
    """One measured page: how to serve it, and what was measured."""

    name: str
    command: Callable[[int], list[str]]
    preheat_command: Callable[[int], list[str]]
    path: str
    cwd: Path
    drag_command: Callable[[int], list[str]]
    #: label of the tab whose slider is measured (None: the first view's) and of the tab with Play (None: none)
    slider_tab: str | None = None
    play_tab: str | None = None
    results: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def percentile(values: list[float], q: float) -> float:
    """The ``q``-quantile (0–1) by linear interpolation."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def new_page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(120_000)
    page = context.new_page()
    harness.block_external(page)
    page.add_init_script(INSTRUMENT_JS)
    return context, page


def load(page, url: str) -> float:
    """Seconds from navigation to every visible canvas painted."""
    start = time.perf_counter()
    page.goto(url, timeout=180_000)
    harness.wait_for_render(page, timeout_ms=180_000)
    harness.wait_for_canvases(page, count=1, timeout_ms=180_000)
    return time.perf_counter() - start


def wait_idle(pids: list[int], quiet: float = 2.0, timeout: float = 120.0) -> None:
    """Wait until the processes have used under 5 % CPU for ``quiet`` seconds (a preheated kernel has run the page)."""
    processes = [psutil.Process(pid) for pid in pids]
    deadline = time.monotonic() + timeout
    calm_since = None
    while time.monotonic() < deadline:
        busy = sum(p.cpu_percent(interval=0.25) for p in processes if p.is_running())
        if busy < 5:
            calm_since = calm_since or time.monotonic()
            if time.monotonic() - calm_since >= quiet:
                return
        else:
            calm_since = None


class WebsocketBytes:
    """Bytes the page received over its websockets."""

    def __init__(self, page) -> None:
        self.received = 0
        page.on("websocket", lambda ws: ws.on("framereceived", self._count))

    def _count(self, payload) -> None:
        self.received += len(payload) if payload is not None else 0


def measure_play(page, received: WebsocketBytes, seconds: float = PLAY_SECONDS) -> tuple[float, float]:
    """Figure frames painted per second while Play runs, and websocket KiB per painted frame.

    Play runs until the search stops by itself (the lab's search ends after 50
    iterations) or for ``seconds``, then is paused: the rate is taken from the
    click to the last frame painted, so the idle time after the search ends
    does not count.
    """
    import re

    play = page.get_by_role("button", name=re.compile(r"play", re.IGNORECASE))
    buttons = [play.nth(i) for i in range(play.count()) if play.nth(i).is_visible()]
    if buttons:  # a labelled play/pause toggle
        start, pause = buttons[0], buttons[0]
    else:  # an older dashboard: ipywidgets' Play widget (icon buttons: play, pause, stop)
        icons = page.locator(".widget-play button:visible")
        if icons.count() < 2:
            raise RuntimeError("no visible Play button")
        start, pause = icons.nth(0), icons.nth(1)
    draws, bytes_before = page.evaluate("window.__mlpw.draws.length"), received.received
    clicked = page.evaluate("performance.now()")
    start.click()
    deadline = time.perf_counter() + seconds
    count, last_change = draws, time.perf_counter()
    while time.perf_counter() < deadline:
        page.wait_for_timeout(100)
        now = page.evaluate("window.__mlpw.draws.length")
        if now != count:
            count, last_change = now, time.perf_counter()
        elif count > draws and time.perf_counter() - last_change > 1.0:
            break  # the search has stopped by itself
    else:
        pause.click()
    page.wait_for_timeout(500)
    painted = page.evaluate(f"window.__mlpw.draws.slice({draws})")
    if not painted:
        raise RuntimeError("Play painted no frame")
    span = max(painted[-1] - clicked, 1.0) / 1000
    return len(painted) / span, (received.received - bytes_before) / 1024 / len(painted)


def measure_moves(page, moves: int, received: WebsocketBytes) -> tuple[list[float], list[int]]:
    """Slider → repaint latencies (ms) and bytes received per update, over ``moves`` moves of a repainting slider."""
    found = harness.find_repainting_slider(page)
    if found is None:
        raise RuntimeError("no slider on the first view repaints a figure canvas")
    index = found[0]
    handle = harness.slider_handles(page).nth(index)
    page.wait_for_timeout(500)
    latencies, sizes = [], []
    for move in range(moves):
        handle.focus()
        draws = page.evaluate("window.__mlpw.draws.length")
        bytes_before = received.received
        page.keyboard.press("ArrowLeft" if move % 2 == 0 else "ArrowRight")
        page.wait_for_function(f"window.__mlpw.draws.length > {draws}", timeout=60_000, polling="raf")
        key, draw = page.evaluate(f"[window.__mlpw.keys.at(-1), window.__mlpw.draws[{draws}]]")
        latencies.append(draw - key)
        page.wait_for_timeout(250)  # let a trailing frame land before the next move
        sizes.append(received.received - bytes_before)
    return latencies, sizes


def measure(page_spec: Page, browser, runs: int, moves: int, throttled_moves: int) -> None:
    results = page_spec.results
    port = harness.free_port()
    with harness.VoilaServer(page_spec.command(port), port, page_spec.cwd) as server:
        colds = []
        for _ in range(runs):
            context, page = new_page(browser)
            colds.append(load(page, server.url(page_spec.path)))
            context.close()
        results["cold load (s)"] = statistics.median(colds)

        context, page = new_page(browser)
        received = WebsocketBytes(page)
        known = set(server.kernel_pids())
        load(page, server.url(page_spec.path))
        (kernel,) = set(server.kernel_pids()) - known
        if page_spec.play_tab is not None:
            harness.open_tab(page, page_spec.play_tab)
            results["play frames per s"], results["play KiB per frame"] = measure_play(page, received)
        if page_spec.slider_tab is not None:
            harness.open_tab(page, page_spec.slider_tab)
        latencies, sizes = measure_moves(page, moves, received)
        results["repaint median (ms)"] = statistics.median(latencies)
        results["repaint p95 (ms)"] = percentile(latencies, 0.95)
        results["bytes per update (KiB)"] = statistics.median(sizes) / 1024

        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", BINDER_NETWORK)
        slow, slow_sizes = measure_moves(page, throttled_moves, received)
        results["repaint median at 1 Mbit/s (ms)"] = statistics.median(slow)
        results["repaint p95 at 1 Mbit/s (ms)"] = percentile(slow, 0.95)
        cdp.send(
            "Network.emulateNetworkConditions",
            {**BINDER_NETWORK, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )
        results["kernel RSS (MiB)"] = psutil.Process(kernel).memory_info().rss / MIB
        context.close()

    port = harness.free_port()
    with harness.VoilaServer(page_spec.preheat_command(port), port, page_spec.cwd) as server:
        warm = []
        for _ in range(runs):
            deadline = time.monotonic() + 120
            while not server.kernel_pids() and time.monotonic() < deadline:
                time.sleep(0.2)
            wait_idle(server.kernel_pids())
            context, page = new_page(browser)
            warm.append(load(page, server.url(page_spec.path)))
            context.close()
        results["preheated load (s)"] = statistics.median(warm)


#: DevTools resource types, as reported, grouped for the table
_KINDS = {"Script": "script", "Stylesheet": "style", "Font": "font", "Document": "document"}


def measure_slow_cold(page_spec: Page, browser) -> None:
    """Cold load at 1 Mbit/s: seconds to every visible canvas painted, and the bytes by type before that."""
    results = page_spec.results
    port = harness.free_port()
    with harness.VoilaServer(page_spec.command(port), port, page_spec.cwd) as server:
        proxy = harness.CountingProxy(server.port)
        try:
            context, page = new_page(browser)
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
            cdp.send("Network.emulateNetworkConditions", BINDER_NETWORK)
            kinds: dict[str, str] = {}
            sizes = {"script": 0, "style": 0, "font": 0, "document": 0, "other": 0}
            cdp.on("Network.responseReceived", lambda e: kinds.__setitem__(e["requestId"], e.get("type", "")))

            def finished(event: dict) -> None:
                kind = _KINDS.get(kinds.get(event["requestId"], ""), "other")
                sizes[kind] += int(event.get("encodedDataLength", 0))

            cdp.on("Network.loadingFinished", finished)
            results["cold load at 1 Mbit/s (s)"] = load(page, proxy.url(page_spec.path))
            for kind, size in sizes.items():
                results[f"  {kind} (KiB)"] = size / 1024
            results["  websocket, wire (KiB)"] = proxy.received["websocket"] / 1024
            results["  HTTP, wire (KiB)"] = proxy.received["http"] / 1024
            context.close()
        finally:
            proxy.stop()


def measure_drag(page_spec: Page, browser, seconds: float = 3.0) -> None:
    """Drag-to-rotate the first figure canvas, on loopback and at 1 Mbit/s."""
    results = page_spec.results
    port = harness.free_port()
    with harness.VoilaServer(page_spec.drag_command(port), port, ROOT) as server:
        for label, network in (("", None), (" at 1 Mbit/s", BINDER_NETWORK)):
            context, page = new_page(browser)
            page.add_init_script(harness.FRAME_RECORDER_JS)
            load(page, server.url(""))
            page.wait_for_timeout(1000)  # the first frames and the browser's echoes have landed
            if network is not None:
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                cdp.send("Network.emulateNetworkConditions", network)
            result = harness.drag(page, 0, seconds)
            results[f"drag fps{label}"] = result.fps
            results[f"drag settle{label} (ms)"] = result.settle_ms
            context.close()


def _drag_config(folder: Path, cli) -> Path:
    """A folder with a ``voila.json``: the repository's plus the dashboard server's tornado settings."""
    config = json.loads((ROOT / "voila.json").read_text())
    config.setdefault("Voila", {})["tornado_settings"] = cli.tornado_settings()
    path = folder / "drag-config"
    path.mkdir(exist_ok=True)
    (path / "voila.json").write_text(json.dumps(config))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=30, help="slider moves at full speed (at least 20)")
    parser.add_argument("--throttled-moves", type=int, default=20, help="slider moves at 1 Mbit/s")
    parser.add_argument("--runs", type=int, default=3, help="cold and preheated loads per page")
    parser.add_argument("--slider-tab", default="Activations", help="the dashboard's tab whose slider is measured")
    parser.add_argument("--play-tab", default="Train", help="the dashboard's tab with Play")
    parser.add_argument(
        "--only", default=",".join(SECTIONS), help=f"comma-separated sections to run, of {', '.join(SECTIONS)}"
    )
    args = parser.parse_args()
    sections = {name.strip() for name in args.only.split(",") if name.strip()}
    if not sections <= set(SECTIONS):
        parser.error(f"--only takes sections of {', '.join(SECTIONS)}; got {args.only!r}")
    if args.moves < 20:
        parser.error("--moves must be at least 20")

    cwd = Path(tempfile.mkdtemp(prefix="mlpw-bench-"))
    pages = [
        Page(
            "reference",
            lambda port: harness.voila_command(REFERENCE, port),
            lambda port: harness.voila_command(REFERENCE, port, "--preheat_kernel=True", "--pool_size=1"),
            "",
            ROOT,
            lambda port: harness.voila_command(REFERENCE, port),
        )
    ]
    try:
        import mlp_widgets
        from mlp_widgets.app import cli

        getattr(mlp_widgets, "Dashboard")  # noqa: B009
        pages.append(
            Page(
                "dashboard",
                lambda port: harness.dashboard_command(port),
                lambda port: harness.dashboard_command(port, "--preheat=1"),
                "",
                cwd,
                # notebook 03 with the dashboard server's websocket compression (Voilà reads that setting per
                # connection, so Voila.tornado_settings in a config file suffices; gzip of HTTP needs the CLI's app)
                lambda port: harness.voila_command(
                    DRAG_NOTEBOOK, port, f"--Voila.config_file_paths={_drag_config(cwd, cli)}"
                ),
                slider_tab=args.slider_tab or None,
                play_tab=args.play_tab or None,
            )
        )
    except AttributeError:
        print("mlp_widgets.Dashboard does not exist yet: measuring the reference page only\n")

    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = harness.launch_browser(playwright)
        for page_spec in pages:
            print(f"measuring {page_spec.name} ...", flush=True)
            if "fast" in sections:
                measure(page_spec, browser, args.runs, args.moves, args.throttled_moves)
            if "slow" in sections:
                measure_slow_cold(page_spec, browser)
            if "drag" in sections:
                measure_drag(page_spec, browser)
        browser.close()

    names = list(dict.fromkeys(name for p in pages for name in p.results))
    header = f"{'':34}" + "".join(f"{p.name:>12}" for p in pages) + f"{'target':>10}"
    if len(pages) == 2:
        header += f"{'dash/ref':>10}"
    print(
        f"\nheadless Chromium, Voilà, {psutil.cpu_count()} cores; {args.moves} moves, {args.throttled_moves} at 1 Mbit/s"
    )
    print(header)
    for name in names:
        row = f"{name:34}" + "".join(f"{p.results.get(name, float('nan')):12.2f}" for p in pages)
        target = TARGETS.get(name)
        row += f"{target:10g}" if target is not None else f"{'':10}"
        if len(pages) == 2 and pages[0].results.get(name) and name in pages[1].results:
            row += f"{pages[1].results[name] / pages[0].results[name]:10.2f}"
        print(row)


if __name__ == "__main__":
    main()
