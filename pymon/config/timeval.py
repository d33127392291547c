"""Time values with units (CFG-13): "30s", "1.5m", "2h", "1d"."""

from __future__ import annotations

import re

from pymon.config.perl import format_number

_TIMEVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)([dhms])\s*$", re.ASCII)
_FACTOR = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def dhmstos(text: str) -> str | None:
    """Seconds as the Perl string mon stores, or None when TEXT is not a time value.

    CFG-13: the unit is mandatory. For seconds mon keeps the digits as written
    ("00", "0.50"), which matters because "00" is true in Perl where "0" is not.
    """
    match = _TIMEVAL.match(text.lower())
    if match is None:
        return None
    number, unit = match.groups()
    if unit == "s":
        return number
    if number.isdigit() and int(number) * _FACTOR[unit] < 2**64:
        return str(int(number) * _FACTOR[unit])  # Perl multiplies integers exactly up to 2**64
    return format_number(float(number) * _FACTOR[unit])


def seconds(text: str) -> float | None:
    """The value of a time value in seconds, or None when it is not one."""
    value = dhmstos(text)
    return None if value is None else float(value)
