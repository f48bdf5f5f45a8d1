"""Drive Voilà pages in headless Chromium: start and stop servers, watch the console, read canvases.

Used by the browser tests (through ``conftest.py``) and by ``benchmarks/bench_browser.py``.

- Servers are subprocesses in their own process group, bound to 127.0.0.1 on a
  free port; :meth:`VoilaServer.stop` ends them by PID (SIGTERM to the group,
  then SIGKILL) and ends any kernel they left behind, by PID.
- Pages may load nothing from outside 127.0.0.1: :func:`block_external` aborts
  every other request, so a test never depends on the network.
- :class:`ConsoleLog` collects console errors, uncaught page errors and failed
  requests; the only ones it forgives are in :data:`ALLOWED_EXTERNAL`.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil

#: Debian's Chromium (never ``playwright install``)
CHROMIUM = "/usr/bin/chromium"
#: flags for a quiet, headless Chromium in a container
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: External resources whose failure to load is not ours, by URL (regular expressions).
#: Voilà's "lab" page template links Font Awesome's style sheets from the jsDelivr CDN
#: (``voila/templates/lab/index.html.j2``): offline, and here always (external requests
#: are aborted), they fail with a console error naming that URL.
ALLOWED_EXTERNAL = (
    r"^https://cdn\.jsdelivr\.net/npm/@fortawesome/fontawesome-free@[^/]*/css/(all|v4-shims)\.min\.css$",
)

#: selector of the main (image) canvas of each ipympl figure; the second canvas is the rubber band
FIGURE_CANVAS = ".jupyter-matplotlib-canvas-div > canvas:first-child"
#: class that a widget gives the element showing the current loss (Step changes its text)
LOSS_READOUT = ".mlpw-loss-readout"

_LOOPBACK = re.compile(r"^(https?|wss?)://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?/")
_DATA = re.compile(r"^(data|blob|about):")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def voila_command(target: str | Path, port: int, *extra: str) -> list[str]:
    """Voilà's command line serving ``target`` (a notebook or a directory) on 127.0.0.1:``port``."""
    return [
        sys.executable,
        "-m",
        "voila",
        "--no-browser",
        "--Voila.ip=127.0.0.1",
        f"--Voila.port={port}",
        "--Voila.port_retries=0",
        *extra,
        str(target),
    ]


def dashboard_command(port: int, *extra: str) -> list[str]:
    """``mlp-widgets dashboard`` (run as ``python -m mlp_widgets.app.cli``) on 127.0.0.1:``port``."""
    return [sys.executable, "-m", "mlp_widgets.app.cli", "dashboard", "--no-browser", f"--port={port}", *extra]


@dataclass
class VoilaServer:
    """A Voilà server started as a subprocess; use as a context manager or call :meth:`stop`."""

    command: list[str]
    port: int
    cwd: Path
    env: dict[str, str] | None = None
    process: subprocess.Popen | None = None
    log_path: Path = field(default_factory=lambda: Path(tempfile.mkstemp(prefix="voila-", suffix=".log")[1]))
    _kernels: set[int] = field(default_factory=set)

    @property
    def pid(self) -> int:
        """PID of the server process."""
        assert self.process is not None, "the server is not started"
        return self.process.pid

    def url(self, path: str = "") -> str:
        """URL of ``path`` on this server."""
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def start(self, timeout: float = 60.0) -> VoilaServer:
        """Start the server and wait until it answers HTTP (at most ``timeout`` seconds)."""
        env = {**os.environ, **(self.env or {})}
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                self.command, cwd=self.cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Poll the port until the server answers HTTP; raise with the server's log if it dies or times out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"Voilà exited with status {self.process.returncode}:\n{self.log()}")
            try:
                # any HTTP answer will do; a missing static file answers without starting a kernel
                with urllib.request.urlopen(self.url("voila/static/ready-probe"), timeout=2):
                    return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.1)
        raise TimeoutError(f"Voilà did not answer on port {self.port} within {timeout:.0f} s:\n{self.log()}")

    def log(self) -> str:
        """The server's output so far."""
        return self.log_path.read_text(errors="replace")

    def kernel_pids(self) -> list[int]:
        """PIDs of the kernels this server runs now."""
        if self.process is None or self.process.poll() is not None:
            return []
        try:
            children = psutil.Process(self.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        pids = []
        for child in children:
            try:
                if "ipykernel_launcher" in " ".join(child.cmdline()):
                    pids.append(child.pid)
            except psutil.Error:
                continue
        self._kernels.update(pids)
        return pids

    def stop(self, timeout: float = 20.0) -> None:
        """Stop the server by PID: SIGTERM to its process group, wait, then SIGKILL; end leftover kernels by PID."""
        if self.process is None:
            return
        self.kernel_pids()  # remember the kernels: they run in sessions of their own
        if self.process.poll() is None:
            try:
                os.killpg(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait(timeout)
        for pid in self._kernels:
            try:
                kernel = psutil.Process(pid)
                kernel.kill()
                kernel.wait(timeout)
            except psutil.Error:
                continue

    def __enter__(self) -> VoilaServer:
        return self.start() if self.process is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def block_external(page) -> None:
    """Abort every request from ``page`` that leaves 127.0.0.1 (the tests need no network)."""

    def route(route) -> None:
        url = route.request.url
        if _LOOPBACK.match(url) or _DATA.match(url):
            route.continue_()
        else:
            route.abort()

    page.route("**/*", route)


def is_allowed(url: str | None) -> bool:
    """Whether a failure to load ``url`` is forgiven (see :data:`ALLOWED_EXTERNAL`)."""
    return bool(url) and any(re.match(pattern, url) for pattern in ALLOWED_EXTERNAL)


class ConsoleLog:
    """Console errors, uncaught exceptions and failed requests of one page, minus the allowed ones."""

    def __init__(self, page) -> None:
        self.entries: list[str] = []
        self.forgiven: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.entries.append(f"uncaught exception: {error}"))
        page.on("requestfailed", self._on_request_failed)

    def _on_console(self, message) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        text = f"console error: {message.text} ({url})"
        (self.forgiven if is_allowed(url) else self.entries).append(text)

    def _on_request_failed(self, request) -> None:
        text = f"request failed: {request.url} ({request.failure})"
        (self.forgiven if is_allowed(request.url) else self.entries).append(text)

    @property
    def errors(self) -> list[str]:
        """Everything that is not forgiven."""
        return list(self.entries)


#: JavaScript: for each visible figure canvas, [width, height, painted pixels, FNV-1a hash of the pixels]
_CANVAS_STATE_JS = """(selector) => Array.from(document.querySelectorAll(selector))
  .filter(c => c.offsetParent !== null)
  .map(c => {
    if (!c.width || !c.height) return [c.width, c.height, 0, 0];
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let painted = 0, hash = 2166136261;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3]) painted++;
      hash = Math.imul(hash ^ (d[i] | d[i + 1] << 8 | d[i + 2] << 16 | d[i + 3] << 24), 16777619) >>> 0;
    }
    return [c.width, c.height, painted, hash];
  })"""

#: JavaScript: the page has rendered every output. Voilà removes each output's script once it
#: renders it; a widget output is a Lumino panel that stays empty until its view is attached.
_RENDERED_JS = """() => {
  const cells = document.getElementById('rendered_cells');
  if (!cells || cells.style.display === 'none') return false;
  if (document.querySelector('script[type="application/vnd.voila.cell-output+json"]')) return false;
  return Array.from(document.querySelectorAll('.jp-OutputArea-output.lm-Panel')).every(p => p.children.length > 0);
}"""


def canvas_states(page, selector: str = FIGURE_CANVAS) -> list[list[int]]:
    """``[width, height, painted pixels, pixel hash]`` of each visible figure canvas."""
    return page.evaluate(_CANVAS_STATE_JS, selector)


def wait_for_canvases(page, count: int = 1, timeout_ms: float = 60_000, selector: str = FIGURE_CANVAS) -> list:
    """Wait until at least ``count`` visible figure canvases exist and every one has painted pixels."""
    page.wait_for_function(
        f"""(selector) => {{
          const states = ({_CANVAS_STATE_JS})(selector);
          return states.length >= {int(count)} && states.every(s => s[2] > 0);
        }}""",
        arg=selector,
        timeout=timeout_ms,
        polling=50,
    )
    return canvas_states(page, selector)


def wait_for_render(page, timeout_ms: float = 90_000) -> None:
    """Wait until Voilà has rendered every output of the page and its widgets."""
    page.wait_for_function(_RENDERED_JS, timeout=timeout_ms, polling=100)


def wait_for_repaint(page, before: list[list[int]], index: int = 0, timeout_ms: float = 30_000) -> list[list[int]]:
    """Wait until canvas ``index`` shows other pixels than in ``before``; return the new states."""
    page.wait_for_function(
        f"""([selector, hash]) => {{
          const states = ({_CANVAS_STATE_JS})(selector);
          return states.length > {int(index)} && states[{int(index)}][3] !== hash;
        }}""",
        arg=[FIGURE_CANVAS, before[index][3]],
        timeout=timeout_ms,
        polling="raf",
    )
    return canvas_states(page)


def error_outputs(page) -> list[str]:
    """Texts of error outputs on the page (a failed cell, a widget that could not be shown)."""
    return page.evaluate(
        """() => {
          const found = Array.from(document.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]'))
            .map(e => e.innerText.trim());
          for (const e of document.querySelectorAll('.jupyter-widgets, .jp-OutputArea-output')) {
            const t = e.innerText || '';
            if (/Error displaying widget|Failed to load model class|Could not create a view/.test(t)) found.push(t.trim());
          }
          return found;
        }"""
    )


def slider_handles(page):
    """Locator of every slider handle (ipywidgets' sliders move with the arrow keys)."""
    return page.locator(".widget-slider .noUi-handle, .widget-hslider .noUi-handle")


def launch_browser(playwright):
    """Headless Debian Chromium with :data:`CHROMIUM_ARGS`."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


#: selector of the tabs of ipywidgets' Tab (a Lumino tab bar)
TAB = ".widget-tab > .lm-TabBar .lm-TabBar-tab, .jupyter-widget-tab > .lm-TabBar .lm-TabBar-tab"


_TABS_JS = """(selector) => Array.from(document.querySelectorAll(selector)).map((tab, index) => {
  let depth = 0;
  for (let e = tab.parentElement; e; e = e.parentElement) {
    if (e.classList.contains('widget-tab') || e.classList.contains('jupyter-widget-tab')) depth++;
  }
  return {index, depth, label: tab.innerText.trim(), visible: tab.offsetParent !== null};
})"""

#: JavaScript: a signature of what is visible (widgets, canvases, empty widget panels)
_VISIBLE_JS = """() => {
  const visible = e => e.offsetParent !== null;
  const widgets = Array.from(document.querySelectorAll('.jupyter-widgets')).filter(visible).length;
  const canvases = Array.from(document.querySelectorAll('.jupyter-matplotlib-canvas-div > canvas:first-child')).filter(visible).length;
  const empty = Array.from(document.querySelectorAll('.jp-OutputArea-output.lm-Panel')).filter(p => p.children.length === 0).length;
  return [widgets, canvases, empty];
}"""


#: JavaScript: every visible tab widget shows a non-empty page (a lazily built tab has arrived)
_TABS_FILLED_JS = """() => Array.from(document.querySelectorAll('.widget-tab-contents'))
  .filter(c => c.offsetParent !== null)
  .every(c => Array.from(c.children).some(page => page.offsetParent !== null && page.children.length > 0))"""


def wait_until_settled(page, quiet_ms: float = 600, timeout_ms: float = 60_000) -> None:
    """Wait until the visible widgets and canvases stop changing for ``quiet_ms`` (a lazily built tab has arrived)."""
    deadline = time.monotonic() + timeout_ms / 1000
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        signature = page.evaluate(_VISIBLE_JS)
        if signature != last:
            last, since = signature, time.monotonic()
        elif signature[2] == 0 and time.monotonic() - since >= quiet_ms / 1000:
            return
        page.wait_for_timeout(100)
    raise TimeoutError(f"the page kept changing for {timeout_ms / 1000:.0f} s: {last}")


def visit_tabs(page, timeout_ms: float = 60_000):
    """Open every tab of the page once, nested tabs included, yielding each tab's label (one ``None`` if none).

    Deeper tabs are visited first, so the inner tabs of the open outer tab are seen
    before moving on. After each click, waits until the tab's content has settled
    and every visible figure canvas has painted.
    """
    visited: set[str] = set()
    while True:
        tabs = [t for t in page.evaluate(_TABS_JS, TAB) if t["visible"] and t["label"] not in visited]
        if not tabs:
            break
        tab = max(tabs, key=lambda t: (t["depth"], -t["index"]))
        page.locator(TAB).nth(tab["index"]).click()
        visited.add(tab["label"])
        page.wait_for_function(_TABS_FILLED_JS, timeout=timeout_ms, polling=100)
        wait_until_settled(page, timeout_ms=timeout_ms)
        wait_for_canvases(page, count=0, timeout_ms=timeout_ms)
        yield tab["label"]
    if not visited:
        wait_until_settled(page, timeout_ms=timeout_ms)
        wait_for_canvases(page, count=0, timeout_ms=timeout_ms)
        yield None


def find_repainting_slider(page, timeout_ms: float = 5_000):
    """Move each visible slider one step right until a visible canvas repaints.

    Returns ``(slider index, canvas states before, canvas states after)``, or ``None``
    if no visible slider changes any visible canvas.
    """
    handles = slider_handles(page)
    for index in range(handles.count()):
        handle = handles.nth(index)
        if not handle.is_visible():
            continue
        before = canvas_states(page)
        if not before:
            return None
        handle.focus()
        page.keyboard.press("ArrowRight")
        if not any_repaint(page, before, timeout_ms):  # this slider repaints nothing visible
            continue
        return index, before, canvas_states(page)
    return None


def step_repaints(page, timeout_ms: float = 30_000) -> bool:
    """Click the page's visible "step" button and wait until a visible canvas repaints; whether one did."""
    step = page.get_by_role("button", name=re.compile(r"^\W*step\W*$", re.IGNORECASE))
    buttons = [step.nth(i) for i in range(step.count()) if step.nth(i).is_visible()]
    before = canvas_states(page)
    if not buttons or not before:
        return False
    buttons[0].click()
    return any_repaint(page, before, timeout_ms)


def any_repaint(page, before: list[list[int]], timeout_ms: float = 30_000) -> bool:
    """Wait until a visible canvas differs from ``before`` (its :func:`canvas_states`); whether one did in time."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(
            f"""([selector, hashes]) => {{
              const states = ({_CANVAS_STATE_JS})(selector);
              return states.some((s, i) => i < hashes.length && s[3] !== hashes[i]);
            }}""",
            arg=[FIGURE_CANVAS, [state[3] for state in before]],
            timeout=timeout_ms,
            polling="raf",
        )
    except PlaywrightTimeout:
        return False
    return True


def open_dashboard(browser, url: str, width: int = 1400, height: int = 1000):
    """A new page (own context) on ``url`` at ``width``×``height``, rendered with its first canvases painted and its
    console recorded (``page.console_log``): (context, page)."""
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(90_000)
    page = context.new_page()
    block_external(page)
    page.console_log = ConsoleLog(page)
    page.goto(url, timeout=120_000)
    wait_for_render(page, timeout_ms=120_000)
    wait_for_canvases(page, count=1, timeout_ms=120_000)
    return context, page


def open_tab(page, tab: int | str, canvases: int | None = 1, timeout_ms: float = 120_000) -> None:
    """Open the dashboard's tab ``tab``: its number (the title starts with "N · ") or text its title contains.

    Then wait until the page has settled and, unless ``canvases`` is ``None``, until at least that many
    visible canvases exist and all have painted.
    """
    if isinstance(tab, int):
        page.get_by_role("tab", name=re.compile(rf"^{tab} · ")).click()
    else:
        page.locator(TAB, has_text=tab).first.click()
    wait_until_settled(page)
    if canvases is not None:
        wait_for_canvases(page, count=canvases, timeout_ms=timeout_ms)


# -- slow links: bytes on the wire, drags ----------------------------------------------------------
class CountingProxy:
    """A TCP proxy on 127.0.0.1 that counts the bytes it forwards, per kind of connection.

    Chromium's DevTools give HTTP sizes as sent (compressed) but websocket
    frames only as decompressed payloads; this proxy, put between the browser
    and a server, sees what really crosses the link. A connection whose request
    line names ``/channels`` is a kernel websocket; others are HTTP. Runs in a
    daemon thread; :meth:`stop` closes it.
    """

    def __init__(self, target_port: int) -> None:
        import threading

        self.target_port = target_port
        self.port = free_port()
        self.received = {"http": 0, "websocket": 0}  # server → browser
        self.sent = {"http": 0, "websocket": 0}  # browser → server
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, path: str = "") -> str:
        """URL of ``path`` through the proxy."""
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def reset(self) -> None:
        """Start counting from zero."""
        for counts in (self.received, self.sent):
            for key in counts:
                counts[key] = 0

    def _accept(self) -> None:
        import threading

        while not self._stopped:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target_port))
            kind = ["http"]
            threading.Thread(target=self._pipe, args=(client, server, self.sent, kind, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, self.received, kind, False), daemon=True).start()

    @staticmethod
    def _pipe(source, sink, counts: dict[str, int], kind: list[str], upstream: bool) -> None:
        first = upstream
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if first:
                    first = False
                    if b"/channels" in data.split(b"\r\n", 1)[0]:
                        kind[0] = "websocket"
                counts[kind[0]] += len(data)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self) -> None:
        """Stop accepting connections."""
        self._stopped = True
        self._listener.close()


#: JavaScript: records every image drawn on a figure canvas (time, canvas, a hash of its pixels) while
#: ``window.__mlpw_frames.on`` is true, and the time of each mouse press and release
FRAME_RECORDER_JS = """
window.__mlpw_frames = {on: false, draws: [], down: [], up: []};
document.addEventListener('mousedown', () => window.__mlpw_frames.down.push(performance.now()), true);
document.addEventListener('mouseup', () => window.__mlpw_frames.up.push(performance.now()), true);
(() => {
  const drawImage = CanvasRenderingContext2D.prototype.drawImage;
  CanvasRenderingContext2D.prototype.drawImage = function (...args) {
    const result = drawImage.apply(this, args);
    const rec = window.__mlpw_frames, canvas = this.canvas;
    if (rec.on && canvas && canvas.parentElement
        && canvas.parentElement.classList.contains('jupyter-matplotlib-canvas-div')
        && canvas === canvas.parentElement.firstElementChild && canvas.width && canvas.height) {
      const d = this.getImageData(0, 0, canvas.width, canvas.height).data;
      let hash = 2166136261;
      for (let i = 0; i < d.length; i += 12) hash = Math.imul(hash ^ (d[i] | d[i + 1] << 8 | d[i + 2] << 16), 16777619) >>> 0;
      rec.draws.push([performance.now(), hash]);
    }
    return result;
  };
})();
"""


@dataclass
class DragResult:
    """What a drag on a canvas showed: distinct frames, when, and the hashes of the first and last."""

    frames_during: int
    seconds: float
    settle_ms: float
    first_hash: int
    last_hash: int

    @property
    def fps(self) -> float:
        """Distinct frames painted per second while the mouse was down."""
        return self.frames_during / self.seconds if self.seconds else 0.0


def drag(page, canvas_index: int = 0, seconds: float = 3.0, quiet_ms: float = 1500, step_ms: float = 16) -> DragResult:
    """Drag across figure canvas ``canvas_index`` for ``seconds`` (right, then back left), then release.

    The page must have :data:`FRAME_RECORDER_JS` as an init script. Counts the
    distinct frames painted between press and release, and measures the time
    from the release to the last distinct frame (waiting until none came for
    ``quiet_ms``).
    """
    canvas = page.locator(f"{FIGURE_CANVAS} >> visible=true").nth(canvas_index)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None, "the canvas is not on screen"
    x0, y = box["x"] + box["width"] * 0.35, box["y"] + box["height"] * 0.5
    span = box["width"] * 0.3
    page.evaluate("() => { const r = window.__mlpw_frames; r.draws = []; r.down = []; r.up = []; r.on = true; }")
    page.mouse.move(x0, y)
    page.mouse.down()
    start = time.monotonic()
    while (elapsed := time.monotonic() - start) < seconds:
        phase = elapsed / seconds
        offset = span * (2 * phase if phase < 0.5 else 2 - 2 * phase)
        page.mouse.move(x0 + offset, y + 0.1 * offset)
        time.sleep(step_ms / 1000)
    page.mouse.up()
    last_count, quiet_since = -1, time.monotonic()
    while time.monotonic() - quiet_since < quiet_ms / 1000:
        count = page.evaluate("window.__mlpw_frames.draws.length")
        if count != last_count:
            last_count, quiet_since = count, time.monotonic()
        time.sleep(0.05)
    record = page.evaluate("() => { const r = window.__mlpw_frames; r.on = false; return r; }")
    down, up = record["down"][0], record["up"][-1]
    distinct, previous = [], None
    for at, hash_ in record["draws"]:
        if hash_ != previous:
            distinct.append((at, hash_))
            previous = hash_
    during = [d for d in distinct if down <= d[0] <= up]
    after = [d for d in distinct if d[0] > up]
    last = (after or distinct or [(up, 0)])[-1]
    return DragResult(
        frames_during=len(during),
        seconds=(up - down) / 1000,
        settle_ms=max(0.0, last[0] - up),
        first_hash=distinct[0][1] if distinct else 0,
        last_hash=last[1],
    )


# -- JupyterLab and Notebook 7 ---------------------------------------------------------------------
def jupyter_command(app: str, port: int, root: str | Path, *extra: str) -> list[str]:
    """``jupyter lab`` or ``jupyter notebook`` (``app``) on 127.0.0.1:``port``, serving ``root``, without a token.

    Safe here: it listens on the loopback interface only, for one test module.
    """
    return [
        sys.executable,
        "-m",
        "jupyterlab" if app == "lab" else "notebook",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.allow_root=True",
        "--ServerApp.disable_check_xsrf=True",  # the tests shut kernels down over the REST API
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        *extra,
    ]


def shutdown_kernels(server) -> None:
    """Shut down every kernel of a Jupyter server over its REST API (one notebook's kernel after its test)."""
    import json

    with urllib.request.urlopen(server.url("api/kernels"), timeout=30) as response:
        kernels = json.loads(response.read())
    for kernel in kernels:
        request = urllib.request.Request(server.url(f"api/kernels/{kernel['id']}"), method="DELETE")
        try:
            urllib.request.urlopen(request, timeout=30).close()
        except urllib.error.HTTPError:
            pass


#: JavaScript: [code cells with a visible prompt, those whose prompt shows a finished run ("[n]:")] of the
#: open notebook (a cell whose input is collapsed, like the dashboard's ``%matplotlib widget``, shows none)
_RUN_STATE_JS = """() => {
  const prompts = Array.from(document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt'))
    .map(p => (p.innerText || '').trim()).filter(t => t.length > 0);
  return [prompts.length, prompts.filter(t => /\\[\\d+\\]/.test(t)).length];
}"""


#: JavaScript: some code cell has started running ("[*]") or ran ("[n]")
_STARTED_JS = """() => Array.from(document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt'))
  .some(p => /\\[(\\*|\\d+)\\]/.test(p.innerText || ''))"""


def _accept_kernel_dialog(page) -> bool:
    """Take the preferred kernel if JupyterLab asks for one (a session whose first kernel connection failed)."""
    select = page.locator(".jp-Dialog button", has_text="Select")
    if select.count() and select.first.is_visible():
        select.first.click()
        return True
    return False


def _kernel_idle(page) -> bool:
    return page.evaluate(
        """() => { const s = document.querySelector('.jp-Notebook-ExecutionIndicator');
                   return !!s && s.getAttribute('data-status') === 'idle'; }"""
    )


def run_all_cells(page, timeout_ms: float = 240_000) -> None:
    """In JupyterLab or Notebook 7: wait for the kernel, run every cell from the Run menu, wait until all ran.

    The kernel may show "idle" before its websocket is connected, and a session
    may ask for a kernel; a Run All that started no cell is tried again.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=timeout_ms)
    deadline = time.monotonic() + timeout_ms / 1000
    for attempt in range(6):
        while not _kernel_idle(page):
            _accept_kernel_dialog(page)
            if time.monotonic() > deadline:
                raise TimeoutError("the notebook's kernel never became idle")
            page.wait_for_timeout(250)
        try:  # a dialog (a kernel to choose) may cover the menu bar
            page.locator(".lm-MenuBar-item", has_text="Run").first.click(timeout=5_000)
            page.locator(".lm-Menu-item:visible", has_text="Run All Cells").first.click(timeout=5_000)
        except PlaywrightTimeout:
            if not _accept_kernel_dialog(page):
                page.keyboard.press("Escape")
            continue
        started = time.monotonic()
        while time.monotonic() - started < 20:
            if _accept_kernel_dialog(page):
                break  # the kernel starts now: run all again once it is idle
            if page.evaluate(_STARTED_JS):
                break
            page.wait_for_timeout(250)
        if page.evaluate(_STARTED_JS):
            break
        if attempt == 5:
            raise TimeoutError("Run All Cells started no cell")
    # a kernel websocket that reconnects during the run drops the queued cells: run the rest again
    last, since = None, time.monotonic()
    while True:
        state = page.evaluate(_RUN_STATE_JS)
        if state[0] > 0 and state[0] == state[1]:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"the notebook's cells did not all run: {state}")
        if state != last:
            last, since = state, time.monotonic()
        elif time.monotonic() - since > 10 and _kernel_idle(page) and not page.evaluate(_BUSY_JS):
            page.evaluate(_SELECT_FIRST_UNRUN_JS)
            try:
                page.locator(".lm-MenuBar-item", has_text="Run").first.click(timeout=5_000)
                page.locator(".lm-Menu-item:visible", has_text="Run Selected Cell and All Below").first.click(
                    timeout=5_000
                )
            except PlaywrightTimeout:
                page.keyboard.press("Escape")
            since = time.monotonic()
        _accept_kernel_dialog(page)
        page.wait_for_timeout(250)


#: JavaScript: some code cell is running ("[*]")
_BUSY_JS = """() => Array.from(document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt'))
  .some(p => /\\[\\*\\]/.test(p.innerText || ''))"""

#: JavaScript: select (click the prompt of) the first code cell that has not run
_SELECT_FIRST_UNRUN_JS = """() => {
  for (const cell of document.querySelectorAll('.jp-Notebook .jp-CodeCell')) {
    const p = cell.querySelector('.jp-InputPrompt');
    const t = (p && p.innerText || '').trim();
    if (t && !/\\[\\d+\\]/.test(t)) { p.dispatchEvent(new MouseEvent('mousedown', {bubbles: true})); p.click(); return true; }
  }
  return false;
}"""


def widget_problems(page) -> list[str]:
    """What shows that a widget did not render: error boxes, or a widget's plain-text stand-in (``VBox(…)``)."""
    return page.evaluate(
        r"""() => {
          const found = [];
          for (const e of document.querySelectorAll('.jp-OutputArea-output')) {
            const t = e.innerText || '';
            if (/Error displaying widget|Failed to load model class|Click to show javascript error|Could not create a view/.test(t)) found.push(t.slice(0, 200));
            if (e.matches('[data-mime-type="text/plain"]') && /^(VBox|HBox|Box|Tab|Canvas)\(/.test(t.trim())) found.push(t.slice(0, 200));
            if (e.matches('[data-mime-type="application/vnd.jupyter.stderr"]') && /Traceback|Error/.test(t)) found.push(t.slice(0, 300));
          }
          for (const e of document.querySelectorAll('.jp-OutputArea-output .jp-RenderedText')) {
            if (/Traceback \(most recent call last\)/.test(e.innerText || '')) found.push(e.innerText.slice(0, 300));
          }
          return found;
        }"""
    )


#: JavaScript: contrast ratio (WCAG) of each visible coloured status text inside the package's widgets
CONTRAST_JS = r"""() => {
  const lum = c => { const m = c.match(/[\d.]+/g).map(Number); const [r, g, b] = m.slice(0, 3).map(v => {
      v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const background = e => { for (; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor;
      const m = c.match(/[\d.]+/g); if (m && (m.length < 4 || Number(m[3]) > 0.5)) return c; }
    return 'rgb(255, 255, 255)'; };
  const out = [];
  for (const e of document.querySelectorAll('[class*="mlpw-"] span[style*="color"], .mlpw-loss-readout')) {
    if (e.offsetParent === null || !(e.innerText || '').trim()) continue;
    const fg = lum(getComputedStyle(e).color), bg = lum(background(e));
    out.push([e.innerText.trim().slice(0, 60), (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05)]);
  }
  return out;
}"""
