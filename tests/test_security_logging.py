"""In a kernel, no traceback the package or the comm machinery logs reaches the page (issue 13).

A real IPython kernel (started by PID with ``jupyter_client``, its stderr in a
file) imports ``mlp_widgets`` and logs what a widget callback's unexpected
error and a failing widget message log. Nothing of it may come back as a
``stream`` message (what ipykernel sends the page); all of it must be in the
kernel's own stderr, which under Voilà is the server's log. Unfixed, the
loggers had no handler, Python's last-resort handler wrote to ``sys.stderr``
(ipykernel's stream to the page), and every line below reached the browser.
"""

from __future__ import annotations

import os
import time

from jupyter_client.manager import KernelManager

CODE = """
import logging
import mlp_widgets
try:
    1 / 0
except ZeroDivisionError:
    logging.getLogger("mlp_widgets.widgets").exception("Error in a callback of Probe")
logging.getLogger("Comm").error("Exception in comm_msg for c1", exc_info=ValueError("forged value"))
logging.getLogger("ipykernel.comm").error("Exception opening comm with target: jupyter.widget",
                                          exc_info=ValueError("forged comm_open"))
print("done")
"""


def test_logged_tracebacks_go_to_the_kernels_stderr_not_to_the_page(tmp_path):
    log_path = tmp_path / "kernel.log"
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}  # ipykernel captures fd 2 then
    manager = KernelManager(kernel_name="python3")
    with open(log_path, "wb") as log:
        manager.start_kernel(stdout=log, stderr=log, env=env, cwd=str(tmp_path))
    client = manager.client()
    try:
        client.start_channels()
        client.wait_for_ready(timeout=60)
        msg_id = client.execute(CODE)
        streams: list[str] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            msg = client.get_iopub_msg(timeout=30)
            if msg["msg_type"] in ("stream", "error"):
                streams.append(str(msg["content"]))
            if msg["parent_header"].get("msg_id") == msg_id and msg["content"].get("execution_state") == "idle":
                break
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert any("done" in text for text in streams), streams  # the probe ran and its print did reach the page
    page = "".join(streams)
    for words in ("Traceback", "ZeroDivisionError", "forged value", "forged comm_open", "Error in a callback"):
        assert words not in page
    kernel_log = log_path.read_text()
    for words in ("[mlp_widgets.widgets ERROR", "ZeroDivisionError: division by zero", "ValueError: forged value",
                  "[ipykernel.comm ERROR", "ValueError: forged comm_open"):  # fmt: skip
        assert words in kernel_log, kernel_log
