"""In a kernel, the package's log records go to the kernel's own stderr (the server's log), never to the page.

In a Jupyter kernel ``sys.stderr`` is ipykernel's stream to the front end:
what is written there travels over the websocket to the browser. A logger
with no handler falls back on Python's last-resort handler, which writes to
``sys.stderr``; so the traceback of a widget callback's unexpected error
(logged by :mod:`mlp_widgets.widgets`) and ``comm``'s log of an exception in
a widget message (ipywidgets' ``TraitError`` for a forged value) reached the
page even with Voilà's ``show_tracebacks=False``.

:func:`keep_logs_off_the_page` gives those loggers a handler writing to the
stream the kernel process was started with: with ipykernel's capture of file
descriptor 2 (``capture_fd_output``, on by default) that is the copy of the
original descriptor ipykernel keeps (``_original_stdstream_copy``), else
``sys.__stderr__``. Under Voilà, that is the server's own output, where the
teacher sees it. Outside a kernel nothing changes.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TextIO

#: loggers whose records could carry a traceback to the page: ours, and comm's and ipykernel's (errors in
#: widget messages, e.g. a comm_open the browser forged)
LOGGERS = ("mlp_widgets", "Comm", "ipykernel.comm")


def kernel_stderr() -> TextIO | None:
    """The kernel process's original stderr, or ``None`` when not running in an ipykernel."""
    stream = sys.stderr
    if type(stream).__module__.split(".")[0] != "ipykernel":
        return None
    fd = getattr(stream, "_original_stdstream_copy", None)
    if fd is not None:
        return os.fdopen(os.dup(fd), "w", buffering=1, encoding="utf-8", errors="replace")
    if getattr(stream, "_should_watch", False):  # fd 2 itself goes to the page, and there is no copy of it
        return open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - kept for the kernel's life
    return sys.__stderr__


class _KernelLogHandler(logging.StreamHandler):
    """Marks the handler this module adds, so adding it twice is a no-op."""


def keep_logs_off_the_page() -> bool:
    """In a kernel, send :data:`LOGGERS`' records to the kernel's original stderr; return whether it did."""
    if all(any(isinstance(h, _KernelLogHandler) for h in logging.getLogger(n).handlers) for n in LOGGERS):
        return True
    target = kernel_stderr()
    if target is None:
        return False
    handler = _KernelLogHandler(target)
    handler.setFormatter(logging.Formatter("[%(name)s %(levelname)s kernel %(process)d] %(message)s"))
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(h, _KernelLogHandler) for h in logger.handlers):
            logger.addHandler(handler)
    return True
