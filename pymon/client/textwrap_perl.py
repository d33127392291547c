"""Perl's Text::Wrap::wrap (2021.0814, with its default unexpand) for the text monshow prints.

monshow wraps descriptions, summaries and host lists with it at 70 columns (Perl
counts the bytes of mon's strings: `wrap_bytes` does too);
Python's textwrap breaks differently (it keeps no trailing break, folds runs of
spaces, never turns spaces into tabs), so this is a direct port of the
algorithm for byte strings: one character is one column.
"""

from __future__ import annotations

import re

__all__ = ["expand", "unexpand", "wrap", "wrap_bytes"]

TABSTOP = 8
# Text::Wrap's break pattern holds \p{...}, so Perl matches it by Unicode rules even on
# a byte string: \s then takes the bytes 0x85 and 0xA0 too (never Python's 0x1C-0x1F).
_SPACE = r"[\t\n\x0b\x0c\r \x85\xa0]"
_BREAK = rf"(?:(?={_SPACE})(?:\r\n|.))"


def expand(text: str) -> str:
    """Text::Tabs::expand: tabs to spaces, line by line."""
    out = []
    for line in text.split("\n"):
        pieces = line.split("\t")
        result = pieces[0]
        for piece in pieces[1:]:
            result += " " * (TABSTOP - len(result) % TABSTOP) + piece
        out.append(result)
    return "\n".join(out)


def unexpand(text: str) -> str:
    """Text::Tabs::unexpand: in each full 8-column chunk, two or more trailing spaces become a tab."""
    lines = []
    for line in text.split("\n"):
        line = expand(line)
        full = len(line) - len(line) % TABSTOP
        chunks = [re.sub(r"  +$", "\t", line[i : i + TABSTOP]) for i in range(0, full, TABSTOP)]
        last = line[full:]
        lines.append("".join(chunks) + ("\t" if last == " " * TABSTOP else last))
    return "\n".join(lines)


def wrap(first_indent: str, indent: str, text: str, columns: int = 76) -> str:
    """Text::Wrap::wrap(first_indent, indent, text) with $columns = COLUMNS (huge = wrap)."""
    t = expand(text)
    lead = first_indent
    nll = max(columns - len(expand(indent)) - 1, 1)
    ll = max(columns - len(expand(first_indent)) - 1, 0)
    nl = ""
    remainder = ""
    result = ""
    pos = 0
    done = re.compile(rf"{_BREAK}*\Z", re.DOTALL | re.ASCII)
    while not done.match(t, pos):
        m = re.compile(rf"([^\n]{{0,{ll}}})({_BREAK}|\n+|\Z)", re.DOTALL | re.ASCII).match(t, pos)
        if m is None:
            m = re.compile(rf"([^\n]{{{ll}}})", re.DOTALL).match(t, pos)
            if m is None:  # cannot happen: ll >= 1 and a non-newline character is next
                break
            result += unexpand(nl + lead + m.group(1))
            remainder = "\n"
        else:
            result += unexpand(nl + lead + m.group(1))
            remainder = m.group(2)
        pos = m.end()
        lead, ll, nl = indent, nll, "\n"
    result += remainder
    return result


def wrap_bytes(first_indent: str, indent: str, text: str, columns: int = 76) -> str:
    """wrap() on the UTF-8 bytes of TEXT, one byte a column, as Perl wraps a byte string."""
    raw = text.encode("utf-8", "surrogateescape").decode("latin-1")
    wrapped = wrap(first_indent, indent, raw, columns)
    return wrapped.encode("latin-1").decode("utf-8", "surrogateescape")
