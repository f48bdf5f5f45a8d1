"""Keep the checker's judgement out of the student's reach.

Student code runs in the same process as the checker, so it could change
what the checker relies on — on purpose or by accident:

- **its inputs**: a ``forward`` that writes into ``x`` would also change a
  reference computed from that ``x`` afterwards. :func:`call` hands student
  code copies of every tensor and compares the copies with the originals
  afterwards, so references are computed from tensors student code never saw,
  and a change is reported (:func:`changed_inputs`).
- **torch itself**: ``torch.allclose = lambda *a, **k: True`` would make every
  comparison pass. :func:`restore_torch` compares torch's (and the builtins')
  functions with the ones recorded when this module was imported, puts back
  any that were replaced and names them; a torch-function or dispatch mode
  left active is popped too. The runner calls it around every case and
  :func:`call` after every call into student code, so the comparisons that
  follow use the real functions.

A student who rewrites the checker's own module in the kernel is beyond what
an in-process check can stop (nbgrader's own test cells share this limit);
these guards close the cheap tricks and the honest accidents.
"""

from __future__ import annotations

import builtins
import math
import os
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

#: namespaces whose functions the checker uses (directly or through torch's own code)
_OWNERS: tuple[Any, ...] = (
    torch,
    torch.Tensor,
    torch.nn.functional,
    nn.Module,
    nn.Linear,
    nn.ReLU,
    nn.Sigmoid,
    nn.MSELoss,
    nn.Parameter,
    builtins,
    math,
)
_OWNER_NAMES = {
    id(torch): "torch",
    id(torch.Tensor): "torch.Tensor",
    id(torch.nn.functional): "torch.nn.functional",
    id(nn.Module): "nn.Module",
    id(nn.Linear): "nn.Linear",
    id(nn.ReLU): "nn.ReLU",
    id(nn.Sigmoid): "nn.Sigmoid",
    id(nn.MSELoss): "nn.MSELoss",
    id(nn.Parameter): "nn.Parameter",
    id(builtins): "builtins",
    id(math): "math",
}


#: the builtins the checker calls; the rest are not watched (ipykernel swaps ``input`` in every cell)
_BUILTINS = frozenset(
    "abs all any bool callable dict enumerate float getattr hasattr id int isinstance issubclass iter len list "
    "max min next range repr round set sorted str sum super tuple type vars zip".split()
)


def _record() -> list[tuple[Any, str, Any]]:
    return [
        (owner, name, value)
        for owner in _OWNERS
        for name, value in vars(owner).items()
        if callable(value) and not isinstance(value, types.ModuleType) and (owner is not builtins or name in _BUILTINS)
    ]


#: (owner, name, the function as torch defined it), taken when the checks are imported
_ORIGINALS = _record()
#: the names each class defines itself: a new one may hide an inherited method (torch.Tensor.__eq__ lives on TensorBase)
_OWN_NAMES = {id(owner): set(vars(owner)) for owner in _OWNERS if isinstance(owner, type)}
_MISSING = object()


def _remove_shadows(owner: type) -> list[str]:
    """Delete names added to ``owner`` that hide a method of one of its bases; return them."""
    removed = []
    for name in set(vars(owner)) - _OWN_NAMES[id(owner)]:
        if any(name in vars(base) for base in owner.__mro__[1:]):
            delattr(owner, name)
            removed.append(f"{_OWNER_NAMES[id(owner)]}.{name}")
    return removed


class CheckerMode(TorchFunctionMode):
    """Base of the checker's own torch-function modes, which :func:`restore_torch` leaves alone."""


_TORCH_DIR = os.path.dirname(os.path.abspath(torch.__file__))


def _written_by_torch(value: Any) -> bool:
    """Whether ``value`` is a Python function from torch's own folder — torch rebinds some functions itself.

    ``torch.compile`` (``torch._dynamo``) wraps ``torch.manual_seed`` and patches
    ``nn.Module.__init__`` and ``__setstate__`` in place; those are kept as the new
    originals. Student code is never in torch's folder.
    """
    code = getattr(value, "__code__", None)
    return code is not None and os.path.abspath(code.co_filename).startswith(_TORCH_DIR)


def restore_torch() -> list[str]:
    """Put back every recorded function that was replaced or deleted; return their names.

    Also pops torch-function modes (other than the checker's own
    :class:`CheckerMode`) and dispatch modes left active — a mode can answer
    ``torch.allclose`` with anything — named ``"a torch mode"``.
    """
    replaced = []
    for i, (owner, name, original) in enumerate(_ORIGINALS):
        current = vars(owner).get(name, _MISSING)
        if current is original:
            continue
        if _written_by_torch(current):
            _ORIGINALS[i] = (owner, name, current)  # torch's own rebinding: the new original
            continue
        try:
            setattr(owner, name, original)
        except (AttributeError, TypeError):  # a C type: nobody could have replaced it
            continue
        replaced.append(f"{_OWNER_NAMES[id(owner)]}.{name}")
    for owner in _OWNERS:
        if isinstance(owner, type):
            replaced.extend(_remove_shadows(owner))
    modes = 0
    while (depth := torch._C._len_torch_function_stack()) > 0:
        if isinstance(torch._C._get_function_stack_at(depth - 1), CheckerMode):
            break
        torch._C._pop_torch_function_stack()
        modes += 1
    while torch._C._len_torch_dispatch_stack() > 0:
        torch._C._pop_torch_dispatch_stack()
        modes += 1
    if modes:
        replaced.append("a torch mode")
    return replaced


class TorchReplaced(Exception):  # noqa: N818 - reads as the verdict
    """Student code replaced a function the checker relies on (already put back)."""

    def __init__(self, names: list[str]) -> None:
        shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
        super().__init__(f"your code replaced {shown}; the check put the original back")
        self.names = names


#: one entry per call whose tensor arguments student code changed: "the case (argument x)"
_changes: list[str] = []
_case_name: list[str] = [""]


@contextmanager
def watching(case_name: str) -> Iterator[None]:
    """Attribute the input changes :func:`call` sees to ``case_name``."""
    _case_name[0] = case_name
    try:
        yield
    finally:
        _case_name[0] = ""


def reset_changes() -> None:
    """Forget the input changes seen so far (a new check starts)."""
    _changes.clear()


def changed_inputs() -> list[str]:
    """The cases in which student code changed a tensor it was given, in order."""
    return list(_changes)


def _copy(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        copy = value.detach().clone()
        return copy.requires_grad_() if value.requires_grad and value.is_leaf else copy
    return value


def _same(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and bool(torch.equal(a.detach(), b.detach()))


def call(fn: Callable[..., Any], *args: Any, names: tuple[str, ...] = ()) -> Any:
    """``fn(*args)`` with every tensor argument copied, then torch checked.

    Tensors are copied (keeping ``requires_grad`` on leaves), so the caller's
    tensors stay as they were whatever ``fn`` does; afterwards a copy that
    differs from its original is recorded under the current case (see
    :func:`changed_inputs`). Pass a tensor that must reach the student as it
    is (to read its ``.grad`` afterwards) wrapped in :class:`Given`.

    Raises
    ------
    TorchReplaced
        If the call replaced one of torch's functions (now put back).
    """
    given = [arg.value if isinstance(arg, Given) else _copy(arg) for arg in args]
    try:
        out = fn(*given)
    finally:
        replaced = restore_torch()
    if replaced:
        raise TorchReplaced(replaced)
    for i, (arg, copy) in enumerate(zip(args, given, strict=True)):
        original = arg.value if isinstance(arg, Given) else arg
        if isinstance(arg, Given) or not isinstance(original, torch.Tensor):
            continue
        if not _same(copy, original):
            name = names[i] if i < len(names) else f"argument {i + 1}"
            _changes.append(f"{_case_name[0] or 'a case'} ({name})")
    return out


class Given:
    """A tensor handed to student code itself, not a copy (the caller reads its gradient afterwards)."""

    def __init__(self, value: torch.Tensor) -> None:
        self.value = value


def plain_tensor(out: torch.Tensor) -> torch.Tensor:
    """``out`` itself if it is a plain ``torch.Tensor`` or ``nn.Parameter``.

    Raises
    ------
    TypeError
        For any other subclass of ``torch.Tensor``: its methods (``__eq__``,
        ``allclose`` through ``__torch_function__``) could answer anything.
    """
    if type(out) is torch.Tensor or type(out) is nn.Parameter:  # a Parameter's __torch_function__ is torch's own
        return out
    raise TypeError(type(out).__name__)
