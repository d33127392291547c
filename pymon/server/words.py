"""How mon cuts a request into words: Perl's `split`, and the first word of `parse_line`.

mon splits most arguments with `split(/\\s+/, ARGS, LIMIT)`, and takes the value
of `set` and the comment of `ack` as the first word of
`parse_line('\\s+', 0, TEXT)` (Text::ParseWords, the same splitting mon uses for
monitor command lines: `pymon.engine.words`). Perl's undef is None.

Perl's `\\s` on the byte strings mon reads is ASCII whitespace only.
"""

from __future__ import annotations

import re

from pymon.engine.words import parse_line

__all__ = ["first_word", "perl_split", "split_words"]

_SPACE = re.compile(r"\s+", re.ASCII)


def perl_split(separator: re.Pattern[str], text: str | None, limit: int = 0) -> list[str]:
    """Perl's `split(/SEPARATOR/, TEXT, LIMIT)` for a separator that never matches empty.

    An empty or undefined TEXT gives no fields; a match at the start gives a
    leading "" field; a positive LIMIT caps the number of fields and keeps
    trailing empty ones, while no LIMIT drops them.
    """
    if not text:
        return []
    if limit == 1:
        return [text]
    fields = separator.split(text, maxsplit=max(limit - 1, 0))
    if limit <= 0:
        while fields and fields[-1] == "":
            fields.pop()
    return fields


def split_words(text: str | None, limit: int = 0) -> list[str]:
    """`split(/\\s+/, TEXT, LIMIT)`."""
    return perl_split(_SPACE, text, limit)


def first_word(text: str | None) -> str | None:
    """`(parse_line('\\s+', 0, TEXT))[0]`: what `set` stores and `ack` keeps (Q16)."""
    pieces = parse_line(text or "")
    return pieces[0] if pieces else None
