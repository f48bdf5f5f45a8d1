"""What the JupyterLab and Notebook 7 browser tests share: a server over a copy of the notebooks, and the checks.

The notebooks are copied to a temporary folder, so autosave never writes
outputs into the repository. Settings and workspaces live in that folder too.
The server's kernel websockets are guarded as the repository's
``jupyter_config.json`` guards them on Binder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import voila_harness as harness

ROOT = Path(__file__).resolve().parents[2]
#: the notebook series, in order
SERIES = (
    "01_layers_and_activations.ipynb",
    "02_building_a_network.ipynb",
    "03_target_and_loss.ipynb",
    "04_random_search.ipynb",
)
#: the notebook whose first figure is the 3-D target surface (the drag test)
DRAG_NOTEBOOK = "03_target_and_loss.ipynb"
#: notebooks whose first view has a live slider that repaints a figure (02's sliders are inside the builder's
#: tabs; 03's only slider, the landscape's grid size, applies on a button; 04 is checked with Step; the
#: dashboard is checked tab by tab, :func:`check_dashboard`)
SLIDER_NOTEBOOKS = ("01_layers_and_activations.ipynb",)
#: the dashboard notebook
DASHBOARD = "dashboard.ipynb"
#: the notebook with a Step button and a loss readout
STEP_NOTEBOOK = "04_random_search.ipynb"


def start_server(app: str, base: Path) -> harness.VoilaServer:
    """Start ``jupyter lab`` or ``jupyter notebook`` (``app``) over a copy of ``notebooks/`` in ``base``."""
    root = base / "root"
    shutil.copytree(ROOT / "notebooks", root / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    settings, workspaces = base / "settings", base / "workspaces"
    settings.mkdir()
    workspaces.mkdir()
    port = harness.free_port()
    command = harness.jupyter_command(
        app,
        port,
        root,
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={workspaces}",
        # the guard the repository's jupyter_config.json installs on Binder: the notebooks must work behind it
        "--ServerApp.kernel_websocket_connection_class=mlp_widgets.app.guard.GuardedKernelConnection",
    )
    env = {"JUPYTER_CONFIG_DIR": str(base / "config"), "JUPYTER_RUNTIME_DIR": str(base / "runtime")}
    return harness.VoilaServer(command, port, root, env=env).start(timeout=120)


def open_notebook(browser, url: str):
    """A new page (own context) on ``url``: (context, page). JupyterLab URLs get ``?reset``: a fresh workspace,
    so the notebooks of earlier tests are not reopened beside this one."""
    if "/lab/" in url:
        url += "?reset"
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(120_000)
    page = context.new_page()
    harness.block_external(page)
    page.goto(url)
    return context, page


def close_notebook(server, context) -> None:
    """Close the page and shut down the server's kernels (each costs ≈ 300 MiB)."""
    context.close()
    harness.shutdown_kernels(server)


def check_rendered(page) -> list[list[int]]:
    """Every widget rendered and every visible canvas painted; returns the canvas states."""
    problems = harness.widget_problems(page)
    assert problems == [], problems
    states = harness.wait_for_canvases(page, count=1, timeout_ms=120_000)
    assert all(painted > 0 for _, _, painted, _ in states)
    return states


def check_slider_repaints(page) -> None:
    """Some visible slider, dragged with the mouse, repaints a visible canvas.

    The mouse, not the arrow keys: Notebook 7 keeps arrow keys from a slider's handle.
    """
    handles = harness.slider_handles(page)
    for index in range(handles.count()):
        handle = handles.nth(index)
        if not handle.is_visible():
            continue
        handle.scroll_into_view_if_needed()
        box = handle.bounding_box()
        before = harness.canvas_states(page)
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 25, y, steps=5)
        page.mouse.up()
        if harness.any_repaint(page, before, timeout_ms=10_000):
            return
    raise AssertionError("no slider repaints a figure")


def check_step_changes_readout(page) -> None:
    """Step changes the loss readout."""
    readout = page.locator(f"{harness.LOSS_READOUT} >> visible=true").first
    before = readout.inner_text()
    page.locator("button:visible", has_text="Step").first.click()
    page.wait_for_function(
        """([selector, before]) => Array.from(document.querySelectorAll(selector))
             .some(e => e.offsetParent !== null && e.innerText !== before)""",
        arg=[harness.LOSS_READOUT, before],
        timeout=60_000,
    )


def check_drag_rotates(page) -> None:
    """Dragging across the first figure (a 3-D surface) changes it while the mouse is down."""
    page.add_init_script(harness.FRAME_RECORDER_JS)  # for later pages
    page.evaluate(harness.FRAME_RECORDER_JS)
    result = harness.drag(page, 0, seconds=1.5, quiet_ms=1000)
    assert result.frames_during >= 2, result
    assert result.first_hash != result.last_hash, result


def check_dashboard(page) -> None:
    """The dashboard as a student first uses it: Step on the first tab ("Train") changes the loss readout;
    on "Activations" a slider (w1, w2, b) repaints a figure; on "Target & loss" a drag rotates the 3-D
    target surface."""
    check_step_changes_readout(page)
    harness.open_tab(page, "Activations")
    check_rendered(page)
    check_slider_repaints(page)
    harness.open_tab(page, "Target & loss")
    check_drag_rotates(page)
