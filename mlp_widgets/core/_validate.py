"""Small input checks shared by the core: each raises ``ValueError`` with a
sentence that names the bad value and says what is allowed."""

from __future__ import annotations

import math
import reprlib
from numbers import Integral, Real

_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 60
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxdict = _SHORT.maxset = 6
_SHORT.maxlevel = 3


def shown(value: object) -> str:
    """``repr(value)``, cut short: a refusal names a bad value without printing all of a huge one.

    A file or a config may hold a value that is enormous when printed (a YAML
    alias bomb is millions of characters from a few hundred bytes); this never
    builds more than a few hundred characters.
    """
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return f"a whole number of about {int(value.bit_length() * 0.30103)} digits"
    try:
        return _SHORT.repr(value)
    except Exception:  # noqa: BLE001 - a value whose repr fails is still named
        return f"a {type(value).__name__}"


def check_int(name: str, value: object, lo: int, hi: int | None = None) -> int:
    """Return ``value`` as an ``int`` if it is a whole number in ``[lo, hi]``.

    Raises
    ------
    ValueError
        If ``value`` is not a whole number or lies outside the range.
    """
    allowed = f"a whole number from {lo} to {hi}" if hi is not None else f"a whole number of at least {lo}"
    if isinstance(value, bool) or not isinstance(value, (Integral, Real)):
        raise ValueError(f"{name} must be {allowed}; got {shown(value)}.")
    if isinstance(value, Real) and not isinstance(value, Integral):
        if not math.isfinite(value) or value != int(value):
            raise ValueError(f"{name} must be {allowed}; got {shown(value)}.")
    ivalue = int(value)
    if ivalue < lo or (hi is not None and ivalue > hi):
        raise ValueError(f"{name} must be {allowed}; got {shown(ivalue)}.")
    return ivalue


def check_float(
    name: str,
    value: object,
    *,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
) -> float:
    """Return ``value`` as a finite ``float`` within the given bounds.

    Parameters
    ----------
    name : str
        Name used in the error message.
    value : object
        The value to check.
    lo, hi : float, optional
        Inclusive bounds (``lo`` is exclusive when ``lo_open`` is true).
    lo_open : bool
        Whether ``lo`` itself is refused.

    Raises
    ------
    ValueError
        If ``value`` is not a finite number within the bounds.
    """
    if lo is not None and hi is not None:
        allowed = f"a number {'above' if lo_open else 'from'} {lo:g} {'and at most' if lo_open else 'to'} {hi:g}"
    elif lo is not None:
        allowed = f"a number {'greater than' if lo_open else 'of at least'} {lo:g}"
    elif hi is not None:
        allowed = f"a number of at most {hi:g}"
    else:
        allowed = "a finite number"
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"{name} must be {allowed}; got {shown(value)}.")
    fvalue = float(value)
    if not math.isfinite(fvalue):
        raise ValueError(f"{name} must be {allowed}; got {fvalue}.")
    if lo is not None and (fvalue < lo or (lo_open and fvalue == lo)):
        raise ValueError(f"{name} must be {allowed}; got {fvalue:g}.")
    if hi is not None and fvalue > hi:
        raise ValueError(f"{name} must be {allowed}; got {fvalue:g}.")
    return fvalue


def check_choice(name: str, value: object, choices: list[str] | tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``choices``; otherwise raise ``ValueError``."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {shown(value)}.")
    return str(value)
