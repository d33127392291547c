"""The logical line reader (CFG-02).

mon reads its config one logical line at a time: comment lines are skipped even
inside a backslash continuation, a continued line loses its leading whitespace,
text before the backslash is kept as it is, and a continuation still pending at
end of file is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from pymon.config.perl import strip

_PHYSICAL = re.compile(r"[^\n]*\n|[^\n]+\Z")
_COMMENT = re.compile(r"^\s*#", re.ASCII)
_CONTINUED = re.compile(r"^(.*)\\\s*$", re.ASCII)
_LEADING_SPACE = re.compile(r"^\s*", re.ASCII)


@dataclass(frozen=True)
class Segment:
    """Where part of a logical line came from: text[offset:] starts on physical line `line`."""

    offset: int
    line: int
    column: int  # 1-based column on that physical line of text[offset]


@dataclass(frozen=True)
class LogicalLine:
    text: str  # stripped of surrounding whitespace, as mon matches it
    number: int  # the physical line mon cites in errors: the last one of the logical line
    segments: tuple[Segment, ...]

    def locate(self, column: int) -> tuple[int, int]:
        """Physical (line, column) of the 1-based column `column` of `text`."""
        offset = column - 1
        best = self.segments[0]
        for segment in self.segments:
            if segment.offset <= offset:
                best = segment
        return best.line, best.column + offset - best.offset


def physical_lines(text: str) -> list[str]:
    """Split like Perl's <FH>: on "\\n" only, keeping it."""
    return _PHYSICAL.findall(text)


def logical_lines(text: str) -> Iterator[LogicalLine]:
    accumulated = ""
    segments: list[Segment] = []
    continuing = False
    for number, part in enumerate(physical_lines(text), start=1):
        if _COMMENT.match(part):
            continue  # CFG-02: even in the middle of a continuation
        column = 1
        if continuing:
            leading = _LEADING_SPACE.match(part)
            assert leading is not None
            column += leading.end()
            part = part[leading.end():]
        continued = _CONTINUED.match(part)
        if continued:
            segments.append(Segment(len(accumulated), number, column))
            accumulated += continued.group(1)
            continuing = True
            continue
        segments.append(Segment(len(accumulated), number, column))
        raw = accumulated + part
        accumulated, continuing = "", False
        stripped = strip(raw)
        lead = len(raw) - len(raw.lstrip(" \t\n\r\f\v"))
        yield LogicalLine(stripped, number, _shift(segments, lead))
        segments = []
    # CFG-02: a continuation pending at end of file is silently discarded.


def _shift(segments: list[Segment], lead: int) -> tuple[Segment, ...]:
    """Re-base segment offsets after `lead` leading characters were stripped."""
    shifted = []
    for segment in segments:
        offset = segment.offset - lead
        if offset < 0:
            shifted.append(Segment(0, segment.line, segment.column - offset))
        else:
            shifted.append(Segment(offset, segment.line, segment.column))
    return tuple(shifted)
