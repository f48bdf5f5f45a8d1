"""ExportPanel: save, load and export a network, and export figures, from the browser.

ipywidgets has no download widget, so a download is a link: the file is
encoded into a ``data:`` URI (base64) in an ``<a download=…>`` tag that the
panel shows after a button is pressed; clicking it saves the file. Loading
uses ``ipywidgets.FileUpload``; the file goes through :mod:`mlp_widgets.export`,
so a malformed one is refused with the sentence that names the bad field, and
the network on screen stays.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import ipywidgets as W
import traitlets

from .. import export
from ..core import Net
from ..plots.figure import png_bytes
from ._base import WidgetBase, flow

#: code styles offered by the panel: label -> :func:`mlp_widgets.export.export_code` style
CODE_STYLES: dict[str, str] = {"nn.Module class": "module", "nn.Sequential": "sequential"}
#: largest upload accepted, in bytes
MAX_UPLOAD = 50 * 2**20

FigureSource = Mapping[str, Any] | Callable[[], Mapping[str, Any]]


def download_link(data: bytes, filename: str, mime: str, label: str | None = None) -> str:
    """HTML of a link that downloads ``data`` as ``filename`` (a base64 ``data:`` URI; no server involved)."""
    payload = base64.b64encode(data).decode("ascii")
    size = f"{len(data) / 1024:.1f} KiB" if len(data) >= 1024 else f"{len(data)} bytes"
    text = html.escape(label or f"download {filename}")
    return (
        f'<a download="{html.escape(filename, quote=True)}" href="data:{mime};base64,{payload}" '
        f'target="_blank" style="font-weight:bold">⬇ {text}</a> <small>({size})</small>'
    )


def _safe_name(name: str) -> str:
    name = Path(str(name)).name
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name) or "upload"


class ExportPanel(WidgetBase):
    """Buttons to save a network (JSON, torch file), load one, export its PyTorch code, and export a figure as PNG.

    Parameters
    ----------
    net : Net, optional
        The network to save and export (observable; link it to follow another widget).
    figures : mapping or callable, optional
        Figures that can be exported: ``{name: view or Figure}``, or a function
        returning such a mapping (asked again by :meth:`refresh_figures`, so
        figures built later appear).
    basename : str
        File name (without ending) of saved networks.

    Attributes
    ----------
    net : Net or None
        Input: what Save and Export use. A valid upload replaces it.
    loaded : Net or None
        Output (read-only): the network read from the last valid upload.
    download : ipywidgets.HTML
        The latest download link.
    code_area : ipywidgets.Textarea
        The exported PyTorch code (copyable).
    """

    net = traitlets.Instance(Net, allow_none=True)
    loaded = traitlets.Instance(Net, allow_none=True, read_only=True)

    def __init__(
        self,
        net: Net | None = None,
        figures: FigureSource | None = None,
        *,
        basename: str = "network",
    ) -> None:
        super().__init__()
        self.net = net
        self._figures = figures
        self.basename = _safe_name(basename)

        def wide(px: int) -> W.Layout:
            return W.Layout(width=f"{px}px")

        self.save_json_button = W.Button(
            description="save as JSON", icon="download", layout=wide(150),
            tooltip="Download the network (architecture and weights) as a JSON file",
        )  # fmt: skip
        self.save_torch_button = W.Button(
            description="save as torch file", icon="download", layout=wide(180),
            tooltip="Download the network as a torch file: the state_dict of its nn.Sequential twin (.pt)",
        )  # fmt: skip
        self.upload = W.FileUpload(
            accept=".json,.pt,.pth", multiple=False, description="load network", layout=wide(180),
            tooltip="Load a network saved here (.json, .pt or .pth); it becomes the current network",
        )  # fmt: skip
        self.code_style = W.Dropdown(
            options=list(CODE_STYLES.items()), value="module", layout=wide(170),
            tooltip="A TorchNet-style class, or an nn.Sequential",
        )  # fmt: skip
        self.code_button = W.Button(
            description="export PyTorch code", icon="code", layout=wide(190),
            tooltip="Runnable PyTorch code that rebuilds this network with its weights",
        )  # fmt: skip
        self.figure_dropdown = W.Dropdown(description="figure", layout=wide(320), tooltip="The figure to export")
        self.png_button = W.Button(
            description="export figure as PNG", icon="image", layout=wide(200), tooltip="Download the figure as PNG"
        )
        self.download = W.HTML()
        self.code_area = W.Textarea(layout=W.Layout(width="100%", height="220px", display="none"))
        self.on_click(self.save_json_button, self.save_json)
        self.on_click(self.save_torch_button, self.save_torch)
        self.on_click(self.code_button, self.export_code)
        self.on_click(self.png_button, self.export_png)
        self.on_change(self.upload, self._on_upload)
        self.refresh_figures()
        self.children = (
            flow(self.save_json_button, self.save_torch_button, self.upload),
            flow(self.code_style, self.code_button, self.figure_dropdown, self.png_button),
            self.status,
            self.download,
            self.code_area,
        )
        self.add_class("mlpw-export-panel")

    # -- network files --------------------------------------------------------------------------
    def _require_net(self) -> Net:
        if self.net is None:
            raise ValueError("There is no network to save yet; build one first.")
        return self.net

    def json_bytes(self) -> bytes:
        """The network as :func:`mlp_widgets.export.save_json` writes it."""
        net = self._require_net()
        return export.json_bytes(net)

    def torch_bytes(self) -> bytes:
        """The network as :func:`mlp_widgets.export.save_torch` writes it."""
        net = self._require_net()
        return export.torch_bytes(net)

    def save_json(self) -> bytes:
        """Offer the network as a ``.json`` download; return the file's bytes."""
        data = self.json_bytes()
        self.download.value = download_link(data, f"{self.basename}.json", "application/json")
        self.show_info("Saved as JSON: click the link to download it.")
        return data

    def save_torch(self) -> bytes:
        """Offer the network as a torch ``.pt`` download; return the file's bytes."""
        data = self.torch_bytes()
        self.download.value = download_link(data, f"{self.basename}.pt", "application/octet-stream")
        self.show_info("Saved as a torch file: click the link to download it (torch.load(path)['state_dict']).")
        return data

    def load_bytes(self, name: str, content: bytes) -> Net:
        """Read a network file's bytes (``.json``, ``.pt`` or ``.pth``, by ``name``) and make it :attr:`net`.

        Raises
        ------
        ValueError
            With :mod:`mlp_widgets.export`'s sentence for a malformed file; :attr:`net` is kept then.
        """
        name = _safe_name(name)
        if len(content) > MAX_UPLOAD:
            raise ValueError(f"{name} is {len(content) / 2**20:.0f} MiB; files up to {MAX_UPLOAD // 2**20} MiB load.")
        net = export.load(bytes(content), name=name)
        if not export.is_finite_net(net):
            raise ValueError(f"{name} holds a NaN or infinite parameter; only finite numbers load.")
        self.set_trait("loaded", net)
        self.net = net
        self.show_info(f"Loaded {name}: {net.num_params()} parameters, {len(net.linear_layers)} linear layers.")
        return net

    def _on_upload(self, files: Any) -> None:
        if not files:
            return
        try:
            items = list(files if isinstance(files, (list, tuple)) else files.values())
            if len(items) != 1:
                raise ValueError(f"Load one network file at a time; got {len(items)} files, so none was loaded.")
            self.load_bytes(items[0]["name"], bytes(items[0]["content"]))
        finally:
            self.put(self.upload, value=())  # the same file may be uploaded again

    # -- code and figures -----------------------------------------------------------------------
    def export_code(self) -> str:
        """Show runnable PyTorch code of the network (copyable) and offer it as a ``.py`` download."""
        code = export.export_code(self._require_net(), self.code_style.value)
        self.code_area.value = code
        self.code_area.layout.display = None
        self.download.value = download_link(code.encode(), f"{self.basename}.py", "text/x-python")
        self.show_info("PyTorch code below (select and copy it) or download it.")
        return code

    def figures(self) -> dict[str, Any]:
        """The figures that can be exported now, by name."""
        source = self._figures() if callable(self._figures) else self._figures
        return dict(source or {})

    def refresh_figures(self) -> None:
        """Ask the figure source again (e.g. after a tab built new figures)."""
        names = list(self.figures())
        current = self.figure_dropdown.value
        self.figure_dropdown.options = names
        if names:
            self.figure_dropdown.value = current if current in names else names[0]

    def export_png(self, name: str | None = None) -> bytes:
        """Offer the chosen figure (or ``name``) as a PNG download; return the PNG bytes.

        Raises
        ------
        ValueError
            If there is no such figure.
        """
        self.refresh_figures()
        figures = self.figures()
        name = name if name is not None else self.figure_dropdown.value
        if not figures:
            raise ValueError("There is no figure to export yet; open a tab with figures first.")
        if name not in figures:
            raise ValueError(f"There is no figure {name!r}; the figures are {', '.join(map(repr, figures))}.")
        fig = getattr(figures[name], "fig", figures[name])
        data = png_bytes(fig)
        filename = _safe_name(re.sub(r"\s+", "_", name)) + ".png"
        self.download.value = download_link(data, filename, "image/png")
        self.show_info(f"Exported {name!r} as PNG: click the link to download it.")
        return data
