"""The logical line reader (CFG-02).

mon reads its config one logical line at a time: comment lines are skipped even
inside a backslash continuation, a continued line loses its leading whitespace,
text before the backslash is kept as it is, and a continuation still pending at
end of file is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from pymon.config.perl import PERL_SPACE

_PHYSICAL = re.compile(r"[^\n]*\n|[^\n]+\Z")
_CONTINUED = re.compile(r"^(.*)\\\s*$", re.ASCII)

# Where part of a logical line came from: (offset in the raw logical line,
# physical line number, 1-based column of that offset on the physical line).
Segment = tuple[int, int, int]


class LogicalLine(NamedTuple):
    text: str  # stripped of surrounding whitespace, as mon matches it
    number: int  # the physical line mon cites in errors: the last one of the logical line
    segments: tuple[Segment, ...]
    lead: int  # how many leading characters the stripping removed

    def locate(self, column: int) -> tuple[int, int]:
        """Physical (line, column) of the 1-based column `column` of `text`."""
        offset = column - 1 + self.lead
        start, line, col = self.segments[0]
        for segment in self.segments:
            if segment[0] <= offset:
                start, line, col = segment
        return line, col + max(offset - start, 0)


def physical_lines(text: str) -> list[str]:
    """Split like Perl's <FH>: on "\\n" only, keeping it."""
    return _PHYSICAL.findall(text)


def logical_lines(text: str) -> Iterator[LogicalLine]:
    accumulated = ""
    segments: list[Segment] = []
    for number, part in enumerate(physical_lines(text), start=1):
        stripped = part.strip(PERL_SPACE)
        if stripped.startswith("#"):
            continue  # CFG-02: even in the middle of a continuation
        if not segments and "\\" not in part:  # the common case: a whole line on its own
            lead = part.index(stripped) if stripped else 0
            yield LogicalLine(stripped, number, ((0, number, 1),), lead)
            continue
        column = 1
        if segments:  # a continuation is pending: drop this line's leading whitespace
            stripped_part = part.lstrip(PERL_SPACE)
            column += len(part) - len(stripped_part)
            part = stripped_part
        continued = _CONTINUED.match(part)
        if continued:
            segments.append((len(accumulated), number, column))
            accumulated += continued.group(1)
            continue
        segments.append((len(accumulated), number, column))
        raw = accumulated + part
        stripped = raw.strip(PERL_SPACE)
        lead = len(raw) - len(raw.lstrip(PERL_SPACE)) if stripped else 0
        yield LogicalLine(stripped, number, tuple(segments), lead)
        accumulated, segments = "", []
    # CFG-02: a continuation pending at end of file is silently discarded.
