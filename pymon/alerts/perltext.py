"""The Perl built-ins whose output the shipped alerts put in their messages:
scalar `localtime`, numeric conversion of a string, and Text::Wrap's `wrap`
with Text::Tabs' `expand`/`unexpand` (perl 5.36, Text::Wrap 2021.0814).
pymon's alerts use these so that their text is byte-for-byte mon's."""

from __future__ import annotations

import re
import time

TABSTOP = 8
COLUMNS = 76  # $Text::Wrap::columns
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_NUMBER = re.compile(r"\s*([+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))")


def numify(text: str | None) -> float:
    """Perl's string-to-number: the leading number, 0 if there is none (undef is 0)."""
    if text is None:
        return 0.0
    match = _NUMBER.match(text)
    return float(match.group(1)) if match else 0.0


def localtime(seconds: str | None) -> str:
    """Perl's scalar localtime($seconds): `Thu Sep  9 01:46:40 2001`, English names
    whatever the locale, the day of the month padded to two places."""
    t = time.localtime(int(numify(seconds)))
    return (f"{DAYS[t.tm_wday]} {MONTHS[t.tm_mon - 1]} {t.tm_mday:2d} "
            f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} {t.tm_year}")


def expand(text: str) -> str:
    """Text::Tabs::expand: tabs to spaces, line by line."""
    return "".join(line.expandtabs(TABSTOP) for line in text.splitlines(keepends=True))


def unexpand(text: str) -> str:
    """Text::Tabs::unexpand: in every full 8-column chunk of a line, a run of two
    or more trailing spaces becomes a tab (so inner alignment spaces turn into tabs)."""
    lines = []
    for line in text.split("\n"):
        line = expand(line)
        full = len(line) // TABSTOP * TABSTOP
        chunks = [re.sub(r"  +\Z", "\t", line[i:i + TABSTOP]) for i in range(0, full, TABSTOP)]
        lines.append("".join(chunks) + line[full:])
    return "\n".join(lines)


_BREAK = r"(?:\r\n|\s)"


def wrap(initial: str, subsequent: str, *texts: str, columns: int = COLUMNS) -> str:
    """Text::Wrap::wrap with its defaults ($huge = 'wrap', $unexpand = 1)."""
    if not texts:
        texts = ("",)
    joined = "".join(t if re.search(r"\s+\Z", t) else t + " " for t in texts[:-1]) + texts[-1]
    t = expand(joined)
    nll = columns - len(expand(subsequent)) - 1
    if nll <= 0 and subsequent != "":
        columns = len(expand(subsequent)) + 2
        nll = 1
    ll = max(columns - len(expand(initial)) - 1, 0)
    out, lead, newline, remainder, pos = "", initial, "", "", 0
    end = re.compile(_BREAK + r"*(?=\n?\Z)")
    while True:
        done = end.match(t, pos)
        if done:
            pos = done.end()
            break
        line = re.compile(rf"((?:(?!\n).){{0,{ll}}})({_BREAK}|\n+|\Z)", re.S).match(t, pos)
        if line:
            out += unexpand(newline + lead + line.group(1))
            remainder = line.group(2)
            pos = line.end()
        else:  # a word longer than the line: cut it ($huge = 'wrap')
            cut = re.compile(rf"(?:(?!\n).){{{ll}}}", re.S).match(t, pos)
            if cut is None:  # pragma: no cover - the first pattern matches whenever ll == 0
                raise ValueError(f"cannot wrap {t!r}")
            out += unexpand(newline + lead + cut.group(0))
            remainder = "\n"
            pos = cut.end()
        lead, ll, newline = subsequent, nll, "\n"
    out += remainder
    if pos != len(t):
        out += lead + t[pos:]
    return out


def split_input(data: str) -> tuple[str | None, str]:
    """`$summary = <STDIN>; chomp $summary;` and the rest: the summary is None
    (Perl's undef) on empty input."""
    if data == "":
        return None, ""
    first, _newline, rest = data.partition("\n")
    return first, rest
