"""Perl value semantics that mon's behaviour depends on.

mon keeps config values as Perl scalars: a string that is also a number. Which
values it accepts, and how it prints them back (`get`, error messages), follow
Perl's rules for truth, numeric conversion and number formatting.
"""

from __future__ import annotations

import re

# Perl's \s without `use utf8`: ASCII whitespace only.
PERL_SPACE = " \t\n\r\f\v"

_NUMERIC_PREFIX = re.compile(
    r"[ \t\n\r\f\v]*[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)", re.ASCII
)


def perl_true(value: str | None) -> bool:
    """A Perl string is false when it is undefined, empty or exactly "0"."""
    return value is not None and value not in ("", "0")


def perl_num(value: str | None) -> float:
    """Numeric value of a Perl string: its leading number, else 0."""
    if value is None:
        return 0.0
    match = _NUMERIC_PREFIX.match(value)
    return float(match.group(0)) if match else 0.0


def format_number(value: float) -> str:
    """Stringify a number as Perl does (%.15g)."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return format(value, ".15g")


def split_words(text: str) -> list[str]:
    """Perl's split(/\\s+/, TEXT): no leading empty field only if TEXT has no leading space."""
    fields = re.split(r"\s+", text, flags=re.ASCII)
    while fields and fields[-1] == "":
        fields.pop()
    return fields


def strip(text: str) -> str:
    return text.strip(PERL_SPACE)


def canonpath(path: str) -> str:
    """File::Spec's canonpath: squeeze slashes, drop `.` parts, keep `..`."""
    absolute = path.startswith("/")
    joined = "/".join(p for p in path.split("/") if p not in ("", "."))
    if absolute:
        return "/" + joined
    return joined or "."


def catdir(base: str, path: str) -> str:
    """File::Spec->catdir(BASE, PATH)."""
    return canonpath(f"{base}/{path}")
