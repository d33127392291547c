"""pyparsing grammars for the structured values of mon.cf keywords.

The record structure of mon.cf (which line starts or ends a block) is decided
line by line in parser.py, because it depends on the parser's state exactly as
mon's read_cf does. The values inside a line are grammars of their own, here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pyparsing as pp

from pymon.config.model import ExitRange

_FLAGS = re.ASCII | re.IGNORECASE

# PER-15/16: `N` or `N-M`.
EXIT_RANGE = pp.Regex(r"(?P<low>\d+)(?:-(?P<high>\d+))?", re.ASCII)
# PER-16: an alert line's optional `exit=R` prefix, matched as do_alert matches it.
ALERT_EXIT_PREFIX = pp.Regex(r"exit\s*=\s*(?P<range>\d+|\d+-\d+)\s", _FLAGS)
# PER-01: `period LABEL: spec`
PERIOD_HEAD = pp.Regex(r"(?P<label>[a-z_]\w*)\s*:\s*(?P<spec>.*)$", _FLAGS)

# PER-07: the modifiers of `alertevery`, tried in mon's order; none is anchored at the start.
ALERTEVERY_MODIFIERS: tuple[tuple[str, pp.Regex], ...] = (
    ("observe_detail", pp.Regex(r"(?P<value>\S+)\s+observe_detail\s*$", _FLAGS)),
    ("ignore_summary", pp.Regex(r"(?P<value>\S+)\s+ignore_summary\s*$", _FLAGS)),
    ("summary", pp.Regex(r"(?P<value>\S+)\s+summary", _FLAGS)),  # pre-0.38.21 spelling
    ("strict", pp.Regex(r"(?P<value>\S+)\s+strict\s*$", _FLAGS)),
)

# PER-08..10: the three forms of `alertafter`; the third is not anchored at the start.
ALERTAFTER_COUNT = pp.Regex(r"(?P<count>\d+)$", re.ASCII)
ALERTAFTER_TIME = pp.Regex(r"(?P<ival>\d+[hms])$", re.ASCII)
ALERTAFTER_BOTH = pp.Regex(r"(?P<count>\d+)\s+(?P<ival>\d+[hms])$", re.ASCII)


for _element in (
    EXIT_RANGE, ALERT_EXIT_PREFIX, PERIOD_HEAD, ALERTAFTER_COUNT, ALERTAFTER_TIME, ALERTAFTER_BOTH,
    *(pattern for _name, pattern in ALERTEVERY_MODIFIERS),
):
    _element.parse_with_tabs()  # values keep their tabs, as mon keeps them


# Configs repeat the same values (`alertevery 1h`, `period wd {Mon-Fri}`) many
# times; the results are only read, so they can be shared.
@lru_cache(maxsize=8192)
def full_match(element: pp.ParserElement, text: str) -> pp.ParseResults | None:
    """Parse TEXT with ELEMENT from its start, or None."""
    try:
        return element.parse_string(text)
    except pp.ParseException:
        return None


@lru_cache(maxsize=8192)
def search(element: pp.ParserElement, text: str) -> pp.ParseResults | None:
    """Like Perl's unanchored =~: the first match anywhere in TEXT, or None."""
    for tokens, _start, _end in element.scan_string(text, max_matches=1):
        return tokens
    return None


_EXIT_RANGE_ALONE = (pp.Opt(pp.White()).suppress() + EXIT_RANGE + pp.StringEnd()).parse_with_tabs()


def exit_range(text: str) -> ExitRange | None:
    """`N` or `N-M` with optional surrounding whitespace (alertexitrange)."""
    tokens = full_match(_EXIT_RANGE_ALONE, text)
    if tokens is None:
        return None
    found = tokens.as_dict()
    low = int(found["low"])
    high = int(found["high"]) if found.get("high") else low
    return ExitRange(low, high)


@dataclass(frozen=True)
class AlertParts:
    exit_range: ExitRange | None
    program: str
    args: str
    lookup_name: str


_LOOKUP = re.compile(r"^(\S+=\S+ )*(\S+).*$", re.ASCII)


@lru_cache(maxsize=4096)
def alert_parts(text: str) -> AlertParts:
    """Split an alert line as mon does: do_alert for running it, INIT-04 for finding it."""
    exit_match = full_match(ALERT_EXIT_PREFIX, text) if text[:4].lower() == "exit" else None
    if exit_match is not None:
        # do_alert: split(/\s+/, $line, 3) and take fields 1 and 2.
        fields = re.split(r"\s+", text, maxsplit=2, flags=re.ASCII)
        program = fields[1] if len(fields) > 1 else ""
        args = fields[2] if len(fields) > 2 else ""
        found = exit_range(exit_match["range"])
    else:
        fields = re.split(r"\s+", text, maxsplit=1, flags=re.ASCII)
        program, args = fields[0], (fields[1] if len(fields) > 1 else "")
        found = None
    lookup = _LOOKUP.match(text)
    return AlertParts(found, program, args, lookup.group(2) if lookup else text)
