"""What the dashboard adds to the page it is shown on: readable contrast and names for every slider.

Two gaps of the front-ends, closed for our page only:

* **Contrast.** The folds' titles and the tabs a student has not opened are
  drawn in JupyterLab's secondary text colour on a grey background, under the
  4.5:1 that readable text needs (axe-core's colour-contrast rule). They get
  the theme's primary text colour instead — a theme variable, so dark themes
  keep working.
* **Names for sliders.** ipywidgets draws a slider's handle as an element
  with ``role="slider"`` but no name, so a screen reader announces "slider"
  and nothing else (axe-core's aria-input-field-name rule). A small script
  gives every handle the name of its slider's label (or its tooltip), for
  sliders already on the page and any added later.

Also: a file upload button says how many files it holds, "(0)" after every
load; the count is hidden (the panel says what was loaded).
"""

from __future__ import annotations

import ipywidgets as W

_CSS = """
.mlpw-dashboard .jupyter-widget-Collapse-header,
.mlpw-dashboard .jupyter-widget-Collapse-header span,
.mlpw-dashboard .lm-TabBar-tab .lm-TabBar-tabLabel,
.mlpw-dashboard .p-TabBar-tab .p-TabBar-tabLabel {
  color: var(--jp-ui-font-color1, #1a1a1a);
}
.mlpw-dashboard .widget-upload { font-size: 0; }
.mlpw-dashboard .widget-upload::after {
  content: "load network"; font-size: var(--jp-widgets-font-size, 13px);
}
.mlpw-dashboard .widget-upload i { font-size: var(--jp-widgets-font-size, 13px); margin-right: 4px; }
.mlpw-code pre { font-family: var(--jp-code-font-family, monospace); font-size: 12px; line-height: 1.35;
                 user-select: text; overflow-x: auto; }
"""

# Runs once when the page draws this widget (an image that fails to load), then watches the page for new sliders.
_NAME_SLIDERS = (
    "(function(){"
    "if(window.mlpwSliderNames)return;window.mlpwSliderNames=true;"
    "function name(){document.querySelectorAll('[role=slider]:not([aria-label])').forEach(function(h){"
    "var box=h.closest('.widget-slider,.widget-hslider,.widget-vslider,.jupyter-widgets');"
    "var label=box&&box.querySelector('.widget-label');"
    "var text=(label&&label.innerText.trim())||(box&&box.title)||'slider';"
    "if(h.classList.contains('noUi-handle-lower')&&box&&box.querySelector('.noUi-handle-upper'))text+=' (from)';"
    "if(h.classList.contains('noUi-handle-upper'))text+=' (to)';"
    "h.setAttribute('aria-label',text);});}"
    "name();new MutationObserver(name).observe(document.body,{childList:true,subtree:true});"
    "})()"
)


def page_fixes() -> W.HTML:
    """The style sheet and the slider-naming script, as one invisible widget to put on the page."""
    return W.HTML(
        f'<style>{_CSS}</style><img alt="" src="data:," style="display:none" onerror="{_NAME_SLIDERS}">',
        layout=W.Layout(height="0px", margin="0", overflow="hidden"),
    )
