"""Time periods: a re-implementation of Perl's Time::Period 1.25 (``inPeriod``).

A period is ``sub-period[, sub-period...]`` (or blank, or ``none``); a
sub-period is one or more ``scale {range [range ...]}`` items, where the
scales are ``yr mo wk yd md wd hr min sec`` (or ``year month week yday mday
wday hour minute second``).  See mon-spec.md section 7, PERIOD-01..13.

The spec is parsed once into a small immutable structure (:class:`ParsedPeriod`)
which is then evaluated against the local time.  Perl checks a sub-period only
when it gets to it, so a broken sub-period is kept in the structure as a
:class:`Malformed` entry and reported only when evaluation reaches it.

Everything here is pure: no I/O, only ``time.localtime``.
"""

from __future__ import annotations

import calendar
import datetime
import functools
import math
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Final, Literal, NamedTuple

__all__ = [
    "PeriodError",
    "check_period",
    "in_period",
    "period_never_matches",
    "perl_in_period",
]


class PeriodError(ValueError):
    """A malformed period specification."""


Scale = Literal["yr", "mo", "wk", "yd", "md", "wd", "hr", "min", "sec"]

_SCALES: Final[dict[str, Scale]] = {
    "year": "yr",
    "month": "mo",
    "week": "wk",
    "yday": "yd",
    "mday": "md",
    "wday": "wd",
    "hour": "hr",
    "minute": "min",
    "second": "sec",
    "yr": "yr",
    "mo": "mo",
    "wk": "wk",
    "yd": "yd",
    "md": "md",
    "wd": "wd",
    "hr": "hr",
    "min": "min",
    "sec": "sec",
}
_DATE_SCALES: Final = ("mo", "wk", "yd", "md", "wd")
_MONTHS: Final = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAYS: Final = ("su", "mo", "tu", "we", "th", "fr", "sa")

# Perl's regular expressions here work on bytes: \s, \w and \d are ASCII only.
_A = re.ASCII
_SUBPERIOD_SEP: Final = re.compile(r"\s*,\s*", _A)
_ITEM_SEP: Final = re.compile(r"\}\s*", _A)
_ITEM: Final = re.compile(r"([a-z]*)\s*\{\s*(.*)", _A)
_DASH_SPACES: Final = re.compile(r"(\w+)\s*-\s*(\w+)", _A)
_SPACES: Final = re.compile(r"\s+", _A)
_WORD: Final = re.compile(r"\w", _A)
_DIGITS: Final = re.compile(r"[0-9]+")
_HOUR_SUFFIX: Final = re.compile(r"([0-9]+)(am|pm|noon)")
_STRTOD: Final = re.compile(r"[+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?")
_INFNAN: Final = re.compile(r"[+]?(?:1\.?#(?:inf|ind)|1\.?#[sq]?nan|inf|[sq]?nan)")
_WHITESPACE: Final = " \t\n\r\f\v"
_UPPER_TO_LOWER: Final = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

# Perl's localtime gives up (returns an empty list) above this time.
_PERL_TIME_UPPER_BOUND: Final = 67767976233316800.0
# period_never_matches looks at calendar days up to the end of this year.
_LAST_YEAR: Final = 9999


# --------------------------------------------------------------------------
# The parsed structure


@dataclass(frozen=True)
class Range:
    """Inclusive range of values of one scale; ``first > last`` wraps around.

    Values use the natural numbering: month 1-12, week 1-6, yday 1-366,
    mday 1-31, wday 1-7 with 1 = Sunday, hour 0-23, minute and second 0-59.
    Year values are kept as written (0-99 are resolved per century later).
    """

    first: int
    last: int

    def contains(self, value: int) -> bool:
        if self.first <= self.last:
            return self.first <= value <= self.last
        # PERIOD-04: v1 > v2 wraps around (never used for years).
        return value >= self.first or value <= self.last


@dataclass(frozen=True)
class ScaleTest:
    """All the ranges given for one scale in a sub-period (ORed)."""

    scale: Scale
    ranges: tuple[Range, ...]


@dataclass(frozen=True)
class SubPeriod:
    """One scale test per scale used (ANDed)."""

    tests: tuple[ScaleTest, ...]


@dataclass(frozen=True)
class Malformed:
    """A sub-period Perl rejects (with -1) when evaluation reaches it."""

    reason: str


@dataclass(frozen=True)
class ParsedPeriod:
    always: bool  # blank spec: every time is in the period
    parts: tuple[SubPeriod | Malformed, ...]  # ORed; empty for "none"


class _TimeFields(NamedTuple):
    year: int
    month: int
    week: int
    yday: int
    mday: int
    wday: int
    hour: int
    minute: int
    second: int


# --------------------------------------------------------------------------
# Parsing


class _Bad(Exception):
    """Internal: why a sub-period is malformed."""


def _perl_split(pattern: re.Pattern[str], text: str) -> list[str]:
    """Perl's split: like re.split, but trailing empty fields are dropped."""
    fields = pattern.split(text)
    while fields and fields[-1] == "":
        fields.pop()
    return fields


@functools.lru_cache(maxsize=1024)
def _parse(spec: str) -> ParsedPeriod:
    # PERIOD-01: surrounding whitespace is ignored and case does not matter
    # (Perl's lc and \s only know ASCII).
    text = spec.strip(_WHITESPACE).translate(_UPPER_TO_LOWER)
    if text == "":
        return ParsedPeriod(always=True, parts=())
    if text == "none":
        return ParsedPeriod(always=False, parts=())
    # PERIOD-02: comma means OR.  As with Perl's split, trailing empty
    # sub-periods vanish ("wd {mo}," is fine, "," alone never matches) while
    # leading or inner ones are malformed.
    parts: list[SubPeriod | Malformed] = []
    for text_part in _perl_split(_SUBPERIOD_SEP, text):
        try:
            parts.append(_parse_subperiod(text_part))
        except _Bad as bad:
            parts.append(Malformed(str(bad)))
    return ParsedPeriod(always=False, parts=tuple(parts))


def _parse_subperiod(text: str) -> SubPeriod:
    if text == "":
        raise _Bad("empty sub-period (stray comma)")
    opening, closing = text.count("{"), text.count("}")
    if opening == 0:
        raise _Bad(f"no '{{...}}' in {text!r}")
    if opening != closing:
        raise _Bad(f"unbalanced braces in {text!r}")
    items = _perl_split(_ITEM_SEP, text)
    if len(items) != opening:
        raise _Bad(f"stray text around the braces in {text!r}")
    ranges: dict[Scale, list[Range]] = {}
    for item in items:
        # PERIOD-02: only the text up to the end of the line after '{' counts
        # (Perl's '.' stops at a newline; the rest is silently ignored).
        match = _ITEM.match(item)
        if match is None:
            raise _Bad(f"expected 'scale {{ranges}}', got {item!r}" if item else "stray '}'")
        name, range_text = match.groups()
        # PERIOD-03: long names or codes; 0-1 letter names are never valid.
        scale = _SCALES.get(name)
        if scale is None:
            raise _Bad(f"unknown scale {name!r}" if name else f"missing scale name in {item!r}")
        # PERIOD-03: the same scale repeated in a sub-period extends its ranges.
        scale_ranges = ranges.setdefault(scale, [])
        for token in _perl_split(_SPACES, _DASH_SPACES.sub(r"\1-\2", range_text)):
            found = _parse_token(scale, token)
            if found is not None:
                scale_ranges.append(found)
    return SubPeriod(tuple(ScaleTest(scale, tuple(found)) for scale, found in ranges.items()))


def _parse_token(scale: Scale, token: str) -> Range | None:
    """One ``v`` or ``v-v`` (PERIOD-04); None for a valid value that never matches."""
    if "-" in token:
        # Perl splits at the last '-'.
        first, _, last = token.rpartition("-")
        if not (_WORD.search(first) and _WORD.search(last)):
            raise _Bad(f"incomplete range {token!r}")
        return Range(_VALUE_PARSERS[scale](first), _VALUE_PARSERS[scale](last))
    if not _WORD.search(token):
        raise _Bad(f"bad value {token!r}")
    if scale == "yd":
        return _parse_single_yday(token)
    value = _VALUE_PARSERS[scale](token)
    return Range(value, value)


def _number(token: str, what: str, low: int, high: int) -> int:
    # PERIOD-11: non-numeric garbage is malformed.
    if not _DIGITS.fullmatch(token):
        raise _Bad(f"bad {what} {token!r}")
    value = int(token)
    if not low <= value <= high:
        raise _Bad(f"{what} {token!r} not in {low}-{high}")
    return value


def _named(token: str, names: tuple[str, ...], what: str) -> int:
    if re.search("[a-z]", token):
        # PERIOD-06/07: only the first 2 (weekday) or 3 (month) letters count.
        key = token[: len(names[0])]
        if key not in names:
            raise _Bad(f"unknown {what} {token!r}")
        return names.index(key) + 1
    return _number(token, what, 1, len(names))


def _parse_year(token: str) -> int:
    if not _DIGITS.fullmatch(token):
        raise _Bad(f"bad year {token!r}")
    value = int(token)
    # PERIOD-10: 0-99 (current century) or 1970 and later.
    if 99 < value < 1970:
        raise _Bad(f"year {token!r} is neither 0-99 nor 1970 or later")
    return value


def _parse_hour(token: str) -> int:
    match = _HOUR_SUFFIX.fullmatch(token)
    if match is not None:
        number, suffix = int(match.group(1)), match.group(2)
        if suffix == "am":
            # PERIOD-05: 12am is 0; 13am..23am are accepted as 13..23.
            token = "0" if number == 12 else str(number)
        elif suffix == "pm":
            token = "12" if number == 12 else str(number + 12)
        elif number != 12:
            raise _Bad(f"bad hour {token!r} (only 12noon is allowed)")
        else:
            token = "12"
    return _number(token, "hour", 0, 23)


def _parse_single_yday(token: str) -> Range | None:
    """A lone yd value is turned into a Perl number before it is checked.

    A quirk of Time::Period's yd() not covered by PERIOD-08/11: trailing
    garbage is ignored (``329abc`` is 329, ``3.29e2`` is 329) and a
    number that is not integral but prints as one (``329.0000000000001``) is
    accepted and matches no day.
    """
    value = _perl_numify(token) - 1.0
    printed = f"{value:.15g}"  # how Perl prints a number
    if not _DIGITS.fullmatch(printed) or not 0 <= value <= 365:
        raise _Bad(f"bad year day {token!r} (1-366)")
    if not value.is_integer():
        return None
    return Range(int(value) + 1, int(value) + 1)


def _perl_numify(text: str) -> float:
    """The number Perl makes of a string with trailing garbage (Perl_my_atof3)."""
    if _INFNAN.match(text):
        return math.inf  # also for NaNs: both fail the digits-only test
    unsigned = text.removeprefix("+")
    if unsigned[:2] in ("0x", "0b"):
        return 0.0
    match = _STRTOD.match(text)
    return float(match.group()) if match else 0.0


_VALUE_PARSERS: Final[dict[Scale, Callable[[str], int]]] = {
    "yr": _parse_year,
    "mo": lambda token: _named(token, _MONTHS, "month"),
    "wk": lambda token: _number(token, "week", 1, 6),
    "yd": lambda token: _number(token, "year day", 1, 366),
    "md": lambda token: _number(token, "month day", 1, 31),
    "wd": lambda token: _named(token, _WEEKDAYS, "weekday"),
    "hr": _parse_hour,
    "min": lambda token: _number(token, "minute", 0, 59),
    "sec": lambda token: _number(token, "second", 0, 59),
}


# --------------------------------------------------------------------------
# Evaluation


def _century(year: int) -> int:
    # PERIOD-10: Perl takes the first two digits of the year being tested.
    return int(str(year)[:2])


def _full_year(value: int, century: int) -> int:
    return century * 100 + value if value <= 99 else value


def _year_matches(found: Range, year: int) -> bool:
    # PERIOD-10: years never wrap; the range is put in order instead.
    century = _century(year)
    low, high = sorted((_full_year(found.first, century), _full_year(found.last, century)))
    return low <= year <= high


def _week_of_month(mday: int, first_wday0: int) -> int:
    """PERIOD-09: week 1 runs to the first Saturday; each later Sunday starts a week.

    ``first_wday0`` is the weekday of the 1st of the month, 0 = Sunday.
    """
    return 1 + (first_wday0 + mday - 1) // 7


def _fields(tm: time.struct_time) -> _TimeFields:
    wday0 = (tm.tm_wday + 1) % 7  # 0 = Sunday
    first_wday0 = (wday0 - (tm.tm_mday - 1)) % 7
    return _TimeFields(
        year=tm.tm_year,
        month=tm.tm_mon,
        week=_week_of_month(tm.tm_mday, first_wday0),
        yday=tm.tm_yday,
        mday=tm.tm_mday,
        wday=wday0 + 1,  # PERIOD-06: 1 = Sunday
        hour=tm.tm_hour,
        minute=tm.tm_min,
        second=tm.tm_sec,
    )


# What Perl's inPeriod sees when localtime returns nothing (huge times): all
# undefined, so year 1900, January, week 1, yday 1, mday 0, Sunday, 00:00:00.
_UNDEFINED_TIME: Final = _TimeFields(1900, 1, 1, 1, 0, 1, 0, 0, 0)

_FIELD_OF: Final[dict[Scale, Callable[[_TimeFields], int]]] = {
    "mo": lambda fields: fields.month,
    "wk": lambda fields: fields.week,
    "yd": lambda fields: fields.yday,
    "md": lambda fields: fields.mday,
    "wd": lambda fields: fields.wday,
    "hr": lambda fields: fields.hour,
    "min": lambda fields: fields.minute,
    "sec": lambda fields: fields.second,
}


def _test_matches(test: ScaleTest, fields: _TimeFields) -> bool:
    if test.scale == "yr":
        return any(_year_matches(found, fields.year) for found in test.ranges)
    value = _FIELD_OF[test.scale](fields)
    return any(found.contains(value) for found in test.ranges)


def _evaluate(period: ParsedPeriod, fields: _TimeFields) -> int:
    if period.always:
        return 1
    for part in period.parts:
        # PERIOD-13: the first matching sub-period wins; later ones are not
        # even looked at, malformed or not.
        if isinstance(part, Malformed):
            return -1
        if all(_test_matches(test, fields) for test in part.tests):
            return 1
    return 0


def _localtime(seconds: int) -> _TimeFields:
    # PERIOD-12: local time.  Perl converts the time to a double first.
    try:
        when = float(seconds)
    except OverflowError:
        return _UNDEFINED_TIME
    if when > _PERL_TIME_UPPER_BOUND:
        return _UNDEFINED_TIME
    return _fields(time.localtime(int(when)))


# --------------------------------------------------------------------------
# Public API


def perl_in_period(spec: str, when: float) -> int:
    """Exactly Perl's ``inPeriod(int(when), spec)``: 1 in period, 0 not, -1 malformed.

    The time is handed over as the decimal digits of ``int(when)``, so a
    negative (or non-finite) time is malformed (-1).
    """
    try:
        seconds = int(when)
    except (OverflowError, ValueError):  # inf, nan
        return -1
    if seconds < 0:
        return -1  # PERIOD-01: the time must be all digits
    period = _parse(spec)
    # PERIOD-01: for a blank spec or "none" the time is not even converted.
    if period.always:
        return 1
    if not period.parts:
        return 0
    return _evaluate(period, _localtime(seconds))


def check_period(spec: str) -> None:
    """Raise PeriodError unless every sub-period of SPEC is well-formed.

    Stricter than Perl, which stops looking at the first matching sub-period
    (PERIOD-13).
    """
    for part in _parse(spec).parts:
        if isinstance(part, Malformed):
            raise PeriodError(f"malformed period {spec!r}: {part.reason}")


def in_period(spec: str, when: float) -> bool:
    """True if WHEN (epoch seconds) is in the period; PeriodError if malformed."""
    check_period(spec)
    return perl_in_period(spec, when) == 1


def period_never_matches(spec: str, *, now: float | None = None) -> bool:
    """True when a well-formed SPEC is never in period from today onwards.

    The date scales (yr mo wk yd md wd) are checked against every real
    calendar day from today (local time, the whole of today counts) to the
    end of year 9999; the time-of-day scales (hr min sec) can always match
    unless one was given no values at all.  Raises PeriodError if malformed.
    """
    check_period(spec)
    period = _parse(spec)
    if period.always:
        return False
    today = datetime.date(*time.localtime(now)[:3])
    return not any(_can_match(part, today) for part in period.parts if isinstance(part, SubPeriod))


# --------------------------------------------------------------------------
# period_never_matches helpers


class _Day(NamedTuple):
    month: int
    week: int
    yday: int
    mday: int
    wday: int


_DAY_INDEX: Final = {scale: index for index, scale in enumerate(_DATE_SCALES)}
_DOMAINS: Final[dict[Scale, range]] = {
    "mo": range(1, 13),
    "wk": range(1, 7),
    "yd": range(1, 367),
    "md": range(1, 32),
    "wd": range(1, 8),
}
# A kind of year: (leap year?, weekday of January 1 with 0 = Monday).
_YearKind = tuple[bool, int]
_YEAR_KINDS: Final = tuple((leap, weekday) for leap in (False, True) for weekday in range(7))
# Day tests: (index in _Day, accepted values) pairs, all of which must hold.
_DayFilter = tuple[tuple[int, frozenset[int]], ...]


def _kind_of(year: int) -> _YearKind:
    return calendar.isleap(year), datetime.date(year, 1, 1).weekday()


@functools.lru_cache(maxsize=len(_YEAR_KINDS))
def _days_of_kind(kind: _YearKind) -> tuple[_Day, ...]:
    """Every day of a year of that kind (all years of a kind look the same)."""
    year = next(year for year in range(2000, 2028) if _kind_of(year) == kind)
    days: list[_Day] = []
    day = datetime.date(year, 1, 1)
    while day.year == year:
        first_wday0 = (day.replace(day=1).weekday() + 1) % 7
        days.append(
            _Day(
                month=day.month,
                week=_week_of_month(day.day, first_wday0),
                yday=day.timetuple().tm_yday,
                mday=day.day,
                wday=(day.weekday() + 1) % 7 + 1,
            )
        )
        day += datetime.timedelta(days=1)
    return tuple(days)


def _any_day(days: Iterable[_Day], day_filter: _DayFilter) -> bool:
    return any(all(day[index] in values for index, values in day_filter) for day in days)


def _allowed_years(year_test: ScaleTest | None, start: int) -> Iterator[int]:
    """The years from START to 9999 that the yr test accepts, in order."""
    if year_test is None:
        yield from range(start, _LAST_YEAR + 1)
        return
    for base in range(start - start % 100, _LAST_YEAR + 1, 100):
        century = _century(base)
        years: set[int] = set()
        for found in year_test.ranges:
            low, high = sorted((_full_year(found.first, century), _full_year(found.last, century)))
            years.update(range(max(low, base, start), min(high, base + 99) + 1))
        yield from sorted(years)


def _can_match(part: SubPeriod, today: datetime.date) -> bool:
    if any(not test.ranges for test in part.tests):
        return False  # e.g. "wd {}": the scale must match but has no values
    day_filter: _DayFilter = tuple(
        (
            _DAY_INDEX[test.scale],
            frozenset(v for v in _DOMAINS[test.scale] if any(r.contains(v) for r in test.ranges)),
        )
        for test in part.tests
        if test.scale in _DOMAINS
    )
    good_kinds = {kind for kind in _YEAR_KINDS if _any_day(_days_of_kind(kind), day_filter)}
    if not good_kinds:
        return False
    year_test = next((test for test in part.tests if test.scale == "yr"), None)
    for year in _allowed_years(year_test, today.year):
        kind = _kind_of(year)
        if year == today.year:
            rest_of_year = _days_of_kind(kind)[today.timetuple().tm_yday - 1 :]
            if _any_day(rest_of_year, day_filter):
                return True
        elif kind in good_kinds:
            return True
    return False
