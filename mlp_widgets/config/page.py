"""Which preset a dashboard page starts from: the server's default, or one the page's URL names.

A teacher starts one server with several presets (``mlp-widgets dashboard
--config lab2 --config ripple_deep``) and gives each group its link
(``…/?preset=ripple_deep``). The server names its presets to the kernels in
:data:`PRESETS_ENV` (a JSON object, preset name → file) and its default in
:data:`~mlp_widgets.config.presets.CONFIG_ENV`; Voilà hands each kernel its
page's query string in ``QUERY_STRING``. A name from the URL is only ever
looked up among the presets the server was started with: a path, or any
name it did not offer, is refused with a sentence and the default is shown.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from .presets import CONFIG_ENV, DashboardConfig
from .share import query_pairs

#: environment variable naming the presets a server offers, as a JSON object {name: path}
PRESETS_ENV = "MLP_WIDGETS_PRESETS"
#: the query parameter that names a preset
PRESET_PARAMETER = "preset"
#: what a preset's name may look like (never a path)
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


def offered_presets(environ: dict[str, str] | None = None) -> dict[str, Path]:
    """The presets this server offers by name (none when it was started without any)."""
    environ = os.environ if environ is None else environ
    try:
        data = json.loads(environ.get(PRESETS_ENV, "{}"))
    except json.JSONDecodeError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(name): Path(str(path)) for name, path in data.items() if NAME.match(str(name))}


def page_config(environ: dict[str, str] | None = None) -> tuple[DashboardConfig | None, str]:
    """The config a page starts from, and a sentence when something the server or the URL gave was refused.

    Order: a preset named in the page's URL (``?preset=NAME``) if the server
    offers it, else the server's default config, else ``None`` (the lab's
    defaults).
    """
    environ = os.environ if environ is None else environ
    sentences = []
    try:  # bounded like a share link's query, which may share the URL with the preset
        wanted = [value for key, value in query_pairs(environ.get("QUERY_STRING", "")) if key == PRESET_PARAMETER]
    except ValueError as exc:
        sentences.append(f"{exc} The server's default is shown.")
        wanted = []
    if wanted:
        name = wanted[-1]
        offered = offered_presets(environ)
        if name in offered:
            try:
                return DashboardConfig.from_file(offered[name]), ""
            except ValueError as exc:
                sentences.append(f"The preset {name!r} was refused: {exc}")
        else:
            names = ", ".join(sorted(offered)) or "none"
            shown = name if NAME.match(name) else name[:40] + ("…" if len(name) > 40 else "")
            sentences.append(
                f"This server offers no preset {shown!r} (its presets: {names}); a preset is named, never a path. "
                "The server's default is shown."
            )
    path = environ.get(CONFIG_ENV)
    if path:
        try:
            return DashboardConfig.from_file(path), " ".join(sentences)
        except ValueError as exc:
            sentences.append(f"The config file in {CONFIG_ENV} was refused, so the lab's defaults are shown: {exc}")
    return None, " ".join(sentences)


__all__ = ["NAME", "PRESETS_ENV", "PRESET_PARAMETER", "offered_presets", "page_config"]
