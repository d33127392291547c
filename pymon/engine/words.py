"""Perl's `Text::ParseWords::quotewords('\\s+', 0, TEXT)`: how mon splits command lines.

mon splits a monitor's command line (MONI-02) and an alert's configured
arguments (ALRT-25) with it before `exec`, so pymon must split them the same
way, including where it differs from a POSIX shell:

* `"..."` and `'...'` group and are removed; a quoted part glues onto the text
  around it (`a"b c"d` is one word `ab cd`);
* a backslash escapes any character outside quotes and inside double quotes;
  inside single quotes it is kept, yet `\\'` does not end the quote
  (`'a\\'b'` is the word `a\\'b`);
* an unbalanced quote or a trailing lone backslash anywhere makes the whole
  result empty, not just the bad word;
* leading whitespace gives a first word "", trailing whitespace a last word
  that Perl leaves undefined (`exec` passes it as "");
* `\\s` is ASCII whitespace only: mon handles bytes, so U+00A0 and U+0085 are
  ordinary characters.

This follows Text::ParseWords 3.31 (Perl 5.36); tests/engine/test_words.py
checks it against the real module.
"""

from __future__ import annotations

import re

__all__ = ["parse_line", "quotewords"]

# parse_line's pattern, one piece per match: a double-quoted string, a
# single-quoted string, or unquoted text up to the end, a delimiter or a quote.
# (Perl's `(?!^)` before the quote look-ahead is left out: it only rejects an
# empty unquoted piece, which parse_line's guard below rejects the same way.)
_PIECE = re.compile(
    r"""
    (?:
        (")((?>[^\\"]*(?:\\.[^\\"]*)*))"
    |
        (')((?>[^\\']*(?:\\.[^\\']*)*))'
    |
        ((?:\\.|[^\\"'])*?)
        (\Z|\s+|(?=["']))
    )
    """,
    re.ASCII | re.DOTALL | re.VERBOSE,
)
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


def parse_line(text: str) -> list[str | None]:
    """`parse_line('\\s+', 0, TEXT)`, Perl's undefined words as None; [] when it fails."""
    pieces: list[str | None] = []
    word: str | None = None
    pos, end = 0, len(text)
    while pos < end:
        match = _PIECE.match(text, pos)
        if match is None:
            return []  # an unbalanced quote or a lone backslash: Perl's bare `return`
        double, double_text, single, single_text, unquoted, delimiter = match.groups()
        if double is None and single is None and not unquoted and not delimiter:
            return []
        if double is not None:
            part = _ESCAPE.sub(r"\1", double_text)
        elif single is not None:
            part = single_text  # $PERL_SINGLE_QUOTE is off: backslashes stay
        else:
            part = _ESCAPE.sub(r"\1", unquoted)
        word = part if word is None else word + part
        pos = match.end()
        if delimiter:
            pieces.append(word)
            word = None
        if pos == end:
            pieces.append(word)  # None after a trailing delimiter
    return pieces


def quotewords(text: str) -> list[str]:
    """The words Perl's `exec` receives from `quotewords('\\s+', 0, TEXT)`: undef becomes ""."""
    return ["" if word is None else word for word in parse_line(text)]
