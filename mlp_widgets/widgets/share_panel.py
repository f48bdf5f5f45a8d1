"""SharePanel: the dashboard's state as a link and as a config snippet (see :mod:`mlp_widgets.config.share`).

The panel asks its owner for the state's query (``state()`` returns the query
and a note) when "share" is pressed, and shows a link that opens the same
page with that query, a copy button for the whole address (the browser knows
it; the kernel does not), and the config snippet with its own copy button.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable

import ipywidgets as W

from ..config.share import share_snippet
from ._base import WidgetBase
from .layer_builder import _pre


def _link(query: str) -> str:
    """A link to this page with ``query`` (relative: the browser resolves it), and a button copying its address."""
    q = html.escape(query, quote=True)
    copy = (
        "<button class='jupyter-button mlpw-share-copy' title='Copy the link to the clipboard' "
        f"data-query='{q}' onclick=\"navigator.clipboard.writeText(location.href.split('?')[0].split('#')[0] + "
        "'?' + this.dataset.query); this.innerText='copied';\">copy link</button>"
    )
    return (
        f"<div class='mlpw-share-link'>{copy} <a href='?{q}' target='_blank' rel='noopener'>open this state in a "
        f"new tab</a><pre style='white-space:pre-wrap;word-break:break-all'>?{html.escape(query)}</pre></div>"
    )


class SharePanel(WidgetBase):
    """A "share" button that shows the current state as a link and a config snippet.

    Parameters
    ----------
    state : callable
        ``state() -> (query, note)``: the URL query of the current state and a
        sentence on what it leaves out (see :func:`mlp_widgets.config.share.share_query`).

    Attributes
    ----------
    query : str
        The query of the last share (empty before the first).
    link, snippet : ipywidgets.HTML
        The link (with its copy button) and the config snippet.
    """

    def __init__(self, state: Callable[[], tuple[str, str]]) -> None:
        super().__init__()
        self._state = state
        self.query = ""
        self.share_button = W.Button(
            description="share", icon="link", layout=W.Layout(width="110px"),
            tooltip="A link (and a config snippet) that opens this target, network, its weights and the search settings",
        )  # fmt: skip
        self.link = W.HTML()
        self.snippet = W.HTML()
        self.on_click(self.share_button, self.share)
        self.children = (
            W.HTML(
                "<small>The link opens the dashboard with this target, network (its weights too, if few) and "
                "search settings; the snippet is the same as a config file.</small>"
            ),
            self.share_button,
            self.status,
            self.link,
            self.snippet,
        )
        self.add_class("mlpw-share-panel")

    def share(self) -> str:
        """Show the link and the snippet of the current state; return the query."""
        query, note = self._state()
        self.query = query
        self.link.value = _link(query)
        self.snippet.value = "<b>as a config file</b>" + _pre(share_snippet(query))
        where = os.environ.get("SCRIPT_NAME", "")
        text = f"Link made: {len(query)} characters" + (f" after {where}" if where else "") + "."
        self.show_info(f"{text} {note}".strip())
        return query
