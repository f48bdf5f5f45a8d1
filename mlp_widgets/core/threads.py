"""How many torch threads a computation uses, set for one block and restored after it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

import torch


@contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run the block with ``n`` torch threads (``None``: leave torch's setting alone), then restore it."""
    before = torch.get_num_threads()
    if n is not None and n != before:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)


def one_thread() -> AbstractContextManager[None]:
    """Run the block on one torch thread: the right choice for the lab's small networks.

    A step of the lab's network is a handful of small kernels; splitting each
    over two threads costs more in hand-over than it saves, and far more on a
    busy machine or a Binder kernel that rarely has a core to itself, where
    steps became erratic (``benchmarks/bench_search.py`` measures both).
    """
    return torch_threads(1)
