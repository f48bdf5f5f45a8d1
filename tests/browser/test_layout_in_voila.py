"""The dashboard's layout in a real browser, at 1400×1000 and 1024×768.

- The training view (tab 1) is all in the viewport at 1400×1000: the run
  controls, the readout, the network picture, the loss curve and the fit.
- In every tab: no two figure canvases overlap, and no text label overlaps a
  canvas; no control's label, button text, tab title or dropdown choice is cut
  off; every control a student can operate has a name (its label, its text,
  or a tooltip).
- Play changes the loss curve, the prediction and the unit pictures.
- axe-core finds no critical or serious accessibility violation.

Screenshots of the training view at rest and during Play go to
``test-artifacts/`` (and ``docs/`` with ``MLPW_UPDATE_SCREENSHOT=1``).
"""

from __future__ import annotations

import re
import shutil

import pytest
import voila_harness as harness
from conftest import ROOT

pytestmark = pytest.mark.browser

SIZES = [(1400, 1000), (1024, 768)]

#: every visible figure canvas, and every visible piece of text, as boxes
_BOXES_JS = """() => {
  const visible = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0
                             && getComputedStyle(e).visibility !== 'hidden'; };
  const box = (e) => { const r = e.getBoundingClientRect();
                       return {x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height}; };
  const canvases = Array.from(document.querySelectorAll('.jupyter-matplotlib-canvas-div > canvas:first-child,'
                                                        + ' .jupyter-widgets img.widget-image'))
    .filter(visible).map(box);
  const texts = Array.from(document.querySelectorAll('.widget-label, .widget-html-content, .widget-button'))
    .filter(visible).map((e) => ({...box(e), text: e.innerText.slice(0, 40)}));
  return {canvases, texts};
}"""

#: controls whose text does not fit
_CUT_JS = """() => {
  const visible = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const cut = [];
  for (const e of document.querySelectorAll('.widget-label, .widget-button, .widget-toggle-button,'
                                            + ' .lm-TabBar-tabLabel, .p-TabBar-tabLabel, .widget-readout')) {
    if (visible(e) && e.scrollWidth > e.clientWidth + 1) cut.push(e.innerText || e.textContent);
  }
  const probe = document.createElement('span');
  probe.style.cssText = 'position:absolute; visibility:hidden; white-space:nowrap';
  document.body.appendChild(probe);
  for (const s of document.querySelectorAll('.jupyter-widgets select')) {
    if (!visible(s) || s.multiple || s.selectedIndex < 0) continue;
    const style = getComputedStyle(s);
    probe.style.font = style.font;
    probe.textContent = s.options[s.selectedIndex].text;
    const room = s.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 16;
    if (probe.offsetWidth > room) cut.push('dropdown: ' + probe.textContent);
  }
  probe.remove();
  return cut;
}"""

#: controls a student can operate that have no name a screen reader can read
_NAMELESS_JS = """() => {
  const visible = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const nameless = [];
  const controls = document.querySelectorAll('.jupyter-widgets input, .jupyter-widgets select,'
      + ' .jupyter-widgets button, .jupyter-widgets textarea, .jupyter-widgets [role=slider]');
  for (const e of controls) {
    if (!visible(e) || e.disabled) continue;
    const labels = e.labels ? Array.from(e.labels).map((l) => l.innerText).join('') : '';
    const holder = e.closest('.widget-inline-hbox, .widget-hslider');
    const own = holder ? (holder.querySelector('.widget-label') || {}).innerText || '' : '';
    const name = [e.getAttribute('aria-label'), e.title, labels, e.innerText, own,
                  holder ? holder.title : ''].join('').trim();
    if (!name) nameless.push(e.outerHTML.slice(0, 120));
  }
  return nameless;
}"""


def overlaps(a: dict, b: dict, slack: float = 2.0) -> bool:
    return (
        a["x"] + slack < b["x"] + b["w"]
        and b["x"] + slack < a["x"] + a["w"]
        and a["y"] + slack < b["y"] + b["h"]
        and b["y"] + slack < a["y"] + a["h"]
    )


@pytest.fixture(scope="module", params=SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def page(request, browser, dashboard_server):
    width, height = request.param
    context, page = harness.open_dashboard(browser, dashboard_server.url(), width, height)
    harness.wait_until_settled(page)
    page.size = (width, height)
    yield page
    context.close()


def open_tab(page, number: int) -> None:
    harness.open_tab(page, number, canvases=0)


def test_the_training_view_is_on_one_screen(page, artifacts, update_docs_screenshot):
    width, height = page.size
    open_tab(page, 1)
    page.evaluate("window.scrollTo(0, 0)")
    parts = {
        "run controls": page.get_by_role("button", name=re.compile(r"^\W*step\W*$", re.I)).first,
        "play": page.get_by_role("button", name=re.compile(r"^\W*play\W*$", re.I)).first,
        "readout": page.locator(harness.LOSS_READOUT).first,
    }
    boxes = {name: loc.bounding_box() for name, loc in parts.items()}
    canvases = page.evaluate(_BOXES_JS)["canvases"]
    assert len(canvases) >= 3, canvases  # the network, the loss curve, the fit
    if (width, height) == (1400, 1000):
        for name, box in [*boxes.items(), *((f"canvas {i}", c) for i, c in enumerate(canvases))]:
            y, h = box["y"], box.get("height", box.get("h"))
            assert y + h <= height + 1, f"{name} ends at {y + h:.0f} px, below the {height} px viewport"
            assert box["x"] + box.get("width", box.get("w")) <= width + 1, f"{name} is cut off on the right"
    shot = artifacts / f"training-view-{width}.png"
    page.screenshot(path=str(shot))
    if update_docs_screenshot and width == 1400:
        shutil.copy(shot, ROOT / "docs" / "training-view.png")


def test_play_changes_the_curve_the_prediction_and_the_unit_pictures(page, artifacts, update_docs_screenshot):
    open_tab(page, 1)
    before = harness.canvas_states(page)
    play = page.get_by_role("button", name=re.compile(r"^\W*play\W*$", re.I)).first
    play.click()
    page.wait_for_timeout(2500)
    during = harness.canvas_states(page)
    shot = artifacts / f"training-view-playing-{page.size[0]}.png"
    page.screenshot(path=str(shot))
    pause = page.get_by_role("button", name=re.compile(r"^\W*pause\W*$", re.I))
    if pause.count():  # (the lab's 50 iterations may be over already: then Play has paused itself)
        pause.first.click()
    harness.wait_until_settled(page)
    changed = [i for i, (a, b) in enumerate(zip(before, during, strict=True)) if a[3] != b[3]]
    assert len(changed) >= 3, f"only canvases {changed} of {len(before)} changed during Play"
    readout = page.locator(harness.LOSS_READOUT).first.inner_text()
    assert not re.search(r"iteration\s+0\s*/", readout), readout
    if update_docs_screenshot and page.size[0] == 1400:
        shutil.copy(shot, ROOT / "docs" / "training-view-playing.png")


@pytest.mark.parametrize("tab", [1, 2, 3, 4, 5])
def test_nothing_overlaps_is_cut_off_or_nameless(page, tab):
    open_tab(page, tab)
    found = page.evaluate(_BOXES_JS)
    canvases, texts = found["canvases"], found["texts"]
    pairs = [(i, j) for i in range(len(canvases)) for j in range(i + 1, len(canvases))]
    assert not [p for p in pairs if overlaps(canvases[p[0]], canvases[p[1]])], f"tab {tab}: canvases overlap"
    covered = [t["text"] for t in texts if t["text"].strip() and any(overlaps(t, c) for c in canvases)]
    assert not covered, f"tab {tab}: text under a figure: {covered}"
    assert page.evaluate(_CUT_JS) == [], f"tab {tab}: cut-off text"
    assert page.evaluate(_NAMELESS_JS) == [], f"tab {tab}: controls without a name"


def test_no_serious_accessibility_violation(page):
    from axe_playwright_python.sync_playwright import Axe

    found = []
    for tab in (1, 2, 3, 4, 5):
        open_tab(page, tab)
        results = Axe().run(page, options={"runOnly": ["wcag2a", "wcag2aa"]})
        for violation in results.response["violations"]:
            if violation["impact"] in ("critical", "serious"):
                targets = [node["target"] for node in violation["nodes"]][:3]
                found.append(f"tab {tab}: {violation['id']} ({violation['impact']}): {targets}")
    assert not found, "\n".join(found)
    assert page.console_log.errors == []
