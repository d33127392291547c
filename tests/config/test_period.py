"""pymon.config.period against Perl's Time::Period 1.25 (mon-spec.md section 7, PERIOD-01..13)."""

from __future__ import annotations

import calendar
import datetime
import os
import random
import re
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pymon
from pymon.config.period import (
    PeriodError,
    check_period,
    in_period,
    period_never_matches,
    perl_in_period,
)

PERL_MODULE = Path("/usr/share/perl5/Time/Period.pm")
# US Eastern rules as a POSIX TZ string (works without tzdata), so DST is exercised.
TZ = "EST5EDT,M3.2.0,M11.1.0"


@pytest.fixture(scope="module", autouse=True)
def local_tz() -> Iterator[None]:
    saved = os.environ.get("TZ")
    os.environ["TZ"] = TZ
    time.tzset()
    yield
    if saved is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = saved
    time.tzset()


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> int:
    """Epoch seconds of a local time."""
    return int(time.mktime((year, month, day, hour, minute, second, 0, 0, -1)))


def probe() -> int:
    """The spec's probe time: Wednesday 2026-11-25 17:30:00 local."""
    return at(2026, 11, 25, 17, 30)


# --------------------------------------------------------------------------
# The real Perl module, as a long-lived coprocess

PERL_SCRIPT = r"""
use strict;
use Time::Period;
$| = 1;
while (my $line = <STDIN>) {
    chomp $line;
    my ($time, $hex) = split /\t/, $line, 2;
    print inPeriod($time, pack("H*", $hex // "")), "\n";
}
"""


class PerlOracle:
    """Evaluates (time, spec) cases with Time::Period's inPeriod, in batches."""

    BATCH = 2000

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            ["perl", "-e", PERL_SCRIPT],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "TZ": TZ},
            text=True,
        )
        self.compared = 0

    def __call__(self, cases: Sequence[tuple[int, str]]) -> list[int]:
        assert self.process.stdin is not None and self.process.stdout is not None
        results: list[int] = []
        for start in range(0, len(cases), self.BATCH):
            batch = cases[start : start + self.BATCH]
            # Specs are sent hex-encoded: they may hold tabs and newlines.
            self.process.stdin.write("".join(f"{when}\t{spec.encode().hex()}\n" for when, spec in batch))
            self.process.stdin.flush()
            results.extend(int(self.process.stdout.readline()) for _ in batch)
        self.compared += len(cases)
        return results

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def perl(local_tz: None) -> Iterator[PerlOracle]:
    if not PERL_MODULE.exists():
        pytest.skip(f"{PERL_MODULE} is not installed (apt-get install libtime-period-perl)")
    oracle = PerlOracle()
    yield oracle
    oracle.close()


def assert_same_as_perl(perl: PerlOracle, cases: Sequence[tuple[int, str]]) -> None:
    expected = perl(cases)
    wrong = [
        (when, spec, want, got)
        for (when, spec), want in zip(cases, expected, strict=True)
        if (got := perl_in_period(spec, when)) != want
    ]
    assert not wrong, "\n".join(
        f"{time.ctime(when) if when < 2**40 else when} {spec!r}: perl {want}, python {got}"
        for when, spec, want, got in wrong[:20]
    )


# --------------------------------------------------------------------------
# 1. Each feature at fixed times (all checked against Perl too)

# Specs and their result at the probe time, Wed 2026-11-25 17:30:00.
PROBE_CASES: list[tuple[str, int]] = [
    # PERIOD-01 normalisation
    ("", 1),
    ("   ", 1),
    ("\t\n", 1),
    ("none", 0),
    ("NONE", 0),
    ("  None  ", 0),
    ("  WD {WED}  ", 1),
    ("Wd {Wednesday}", 1),
    # PERIOD-02 grammar
    ("wd Mon-Fri", -1),
    ("wd {Mon-Fri", -1),
    ("wd Mon-Fri}", -1),
    ("wd {Mon-Fri}}", -1),
    ("{Mon-Fri}", -1),
    ("minute{30}", 1),
    ("minute\n{30}", 1),
    ("wd {mon} x", -1),
    ("wd {mon}{tue}", -1),
    ("wd {mon}}hr {{5}", -1),
    ("wd {mon, wed}", -1),
    ("wd {mon}, wd {wed}", 1),
    ("wd {mon} ,wd {wed}", 1),
    ("wd {wed},", 1),  # trailing empty sub-periods vanish (Perl's split)
    ("wd {wed},,", 1),
    (",", 0),
    (", ,", 0),
    (", wd {wed}", -1),
    ("wd {mon},, wd {wed}", -1),
    ("wd {wed},, wd {mon}", 1),
    ("wd {wed\nxx yy}", 1),  # the rest of the line after '{' only
    ("wd {mon\nwed}", 0),
    ("wd {}", 0),
    ("wd {} hr {17}", 0),
    ("wd { }, hr {17}", 1),
    # PERIOD-03 scales
    ("weekday {1}", -1),
    ("w {1}", -1),
    ("hours {17}", -1),
    ("year {2026} month {nov} week {4} yday {329} mday {25} wday {wed} hour {17} minute {30} second {0}", 1),
    ("yr {2026} mo {nov} wk {4} yd {329} md {25} wd {wed} hr {17} min {30} sec {0}", 1),
    ("wd {Mon} wd {Wed}", 1),
    ("wd {Mon} hr {17}", 0),
    ("wd {Mon} , hr {17}", 1),
    ("wd {Wed} hr {16}", 0),
    ("wd {Wed} wday {Mon} hour {17}", 1),
    # PERIOD-04 ranges
    ("wd {Mon - Fri}", 1),
    ("wd {Mon -Fri}", 1),
    ("wd {Mon-  Fri}", 1),
    ("wd {Mon Tue - Wed}", 1),
    ("wd {1 - 2 - 3}", -1),
    ("wd {-Fri}", -1),
    ("wd {Mon-}", -1),
    ("wd {-}", -1),
    ("wd {Fri-Mon}", 0),
    ("wd {Fri-Wed}", 1),
    ("min {20-10}", 1),
    ("min {35-25}", 0),
    ("mo {Sep-Feb}", 1),
    ("mo {Dec-Feb}", 0),
    ("hr {9am-5pm}", 1),
    ("hr {9am-4pm}", 0),
    ("hr {20-18}", 1),
    ("hr {18-16}", 0),
    ("sec {0-4 10-14}", 1),
    # PERIOD-05 hours
    ("hr {17}", 1),
    ("hr {5pm}", 1),
    ("hr {05PM}", 1),
    ("hr {17am}", 1),  # Nam is taken as N for any N
    ("hr {13am}", 0),
    ("hr {12am}", 0),
    ("hr {12pm}", 0),
    ("hr {12noon}", 0),
    ("hr {012noon}", 0),
    ("hr {noon}", -1),
    ("hr {11noon}", -1),
    ("hr {24}", -1),
    ("hr {12pm-6pm}", 1),
    ("hr {13pm}", -1),
    ("hr {20-25}", -1),
    ("hr {5 pm}", -1),
    ("hr {x}", -1),
    # PERIOD-06 weekdays (1 = Sunday, two letters count)
    ("wd {4}", 1),
    ("wd {we}", 1),
    ("wd {wed}", 1),
    ("wd {wednesday}", 1),
    ("wd {weird}", 1),
    ("wd {w}", -1),
    ("wd {8}", -1),
    ("wd {0}", -1),
    ("wd {1-7}", 1),
    ("wd {7-1}", 0),
    ("wd {Sat-Sun}", 0),
    ("wd {4x}", -1),
    ("wd {x4}", -1),
    # PERIOD-07 months (three letters count)
    ("mo {nov}", 1),
    ("mo {November}", 1),
    ("mo {novXYZ}", 1),
    ("mo {no}", -1),
    ("mo {11}", 1),
    ("mo {13}", -1),
    ("mo {0}", -1),
    ("mo {jan-dec}", 1),
    ("mo {11-1}", 1),
    ("mo {1-10}", 0),
    # PERIOD-08 mday, yday, minute, second
    ("md {25}", 1),
    ("md {32}", -1),
    ("md {0}", -1),
    ("md {20-5}", 1),
    ("md {26-24}", 0),
    ("yd {329}", 1),
    ("yd {0329}", 1),
    ("yd {367}", -1),
    ("yd {366}", 0),
    ("yd {0}", -1),
    ("yd {300-330}", 1),
    ("yd {330-328}", 0),
    ("yd {330-367}", -1),
    ("min {30}", 1),
    ("min {60}", -1),
    ("sec {0}", 1),
    ("sec {59}", 0),
    ("sec {60}", -1),
    # PERIOD-09 weeks of the month (Nov 2026 starts on a Sunday)
    ("wk {4}", 1),
    ("wk {5}", 0),
    ("wk {1-3}", 0),
    ("wk {6-4}", 1),
    ("wk {7}", -1),
    ("wk {0}", -1),
    # PERIOD-10 years
    ("yr {2026}", 1),
    ("yr {26}", 1),
    ("yr {026}", 1),
    ("yr {2025}", 0),
    ("yr {120}", -1),
    ("yr {1969}", -1),
    ("yr {1970}", 0),
    ("yr {99-1972}", 1),
    ("yr {2030-2020}", 1),
    ("yr {30-20}", 1),
    ("yr {99-27}", 0),
    ("yr {0-25}", 0),
    ("yr {3000}", 0),
    # PERIOD-11 garbage in numeric scales
    ("min {3O}", -1),
    ("md {2_5}", -1),
    ("sec {+1}", -1),
    ("wk {4.0}", -1),
    ("yr {2026.0}", -1),
    ("hr {17.0}", -1),
    # PERIOD-13 later sub-periods are not validated once one matches
    ("wd {Sun-Sat}, xx {1}", 1),
    ("xx {1}, wd {Sun-Sat}", -1),
    ("wd {Mon}, xx {1}", -1),
    ("wd {Wed}, wd {Xyz}", 1),
    ("wd {Xyz}, wd {Wed}", -1),
    # Not in the spec: a lone yd value is read as a Perl number first, so
    # trailing garbage is ignored (the other scales reject it).
    ("yd {329abc}", 1),
    ("yd {329.}", 1),
    ("yd {3.29e2}", 1),
    ("yd {+329}", 1),
    ("yd {329.0}", 1),
    ("yd {329.5}", -1),
    ("yd {329.0000000000001}", 0),  # valid, prints as 328 but is not 328
    ("yd {1.#inf}", -1),
    ("yd {1.#}", 0),
    ("yd {nan}", -1),
    ("yd {0x149}", -1),
    ("yd {329abc-330}", -1),
]


@pytest.mark.parametrize(("spec", "expected"), PROBE_CASES)
def test_probe_time(spec: str, expected: int) -> None:
    assert perl_in_period(spec, probe()) == expected


# (spec, local time, expected)
TIMED_CASES: list[tuple[str, tuple[int, ...], int]] = [
    # PERIOD-09: week 1 is day 1 up to the first Saturday; Sundays start weeks.
    ("wk {1}", (2026, 11, 1), 1),  # a Sunday 1st stays in week 1
    ("wk {1}", (2026, 11, 7), 1),
    ("wk {2}", (2026, 11, 8), 1),
    ("wk {5}", (2026, 11, 29), 1),
    ("wk {1}", (2026, 8, 1), 1),  # Saturday 1st: week 1 is one day long
    ("wk {2}", (2026, 8, 2), 1),
    ("wk {6}", (2026, 8, 30), 1),
    ("wk {6}", (2026, 8, 31), 1),
    ("wk {5}", (2026, 8, 29), 1),
    ("wk {6}", (2026, 2, 28), 0),
    ("wk {4}", (2026, 2, 28), 1),  # Feb 2026 starts on a Sunday
    # leap years and month ends
    ("yd {366}", (2024, 12, 31), 1),
    ("yd {366}", (2026, 12, 31), 0),
    ("yd {365}", (2026, 12, 31), 1),
    ("yd {60} md {29} mo {feb}", (2024, 2, 29, 23, 59, 59), 1),
    ("md {29} mo {feb}", (2100, 2, 28), 0),
    ("yd {60} md {1} mo {mar}", (2100, 3, 1), 1),
    ("md {31}", (2026, 12, 31, 23, 59, 59), 1),
    ("md {1} hr {0} min {0} sec {0}", (2027, 1, 1), 1),
    # PERIOD-10: two-digit years take the century of the time tested.
    ("yr {26}", (2126, 6, 1), 1),
    ("yr {2026}", (2126, 6, 1), 0),
    ("yr {99-1972}", (2150, 1, 1), 1),  # 1972-2199 in the 22nd century
    ("yr {50-1972}", (2075, 1, 1), 0),  # 1972-2050 in the 21st century
    ("yr {50-1972}", (2150, 1, 1), 1),  # 1972-2150 in the 22nd century
    ("yr {0}", (2000, 6, 1), 1),
    ("yr {70-79}", (1975, 6, 1), 1),
    ("yr {70-79}", (2075, 6, 1), 1),
    # PERIOD-05 around midnight and noon
    ("hr {12am}", (2026, 1, 1, 0, 0, 0), 1),
    ("hr {11pm}", (2026, 1, 1, 23, 59, 59), 1),
    ("hr {12noon}", (2026, 1, 1, 12, 30), 1),
    ("hr {12pm}", (2026, 1, 1, 12, 0), 1),
    ("hr {11am-1pm}", (2026, 1, 1, 13, 59, 59), 1),
    ("hr {11am-1pm}", (2026, 1, 1, 14, 0, 0), 0),
    # PERIOD-12: local time, DST included (EDT is UTC-4 in July).
    ("hr {0}", (2026, 7, 4, 0, 30), 1),
    ("hr {4}", (2026, 7, 4, 0, 30), 0),
]


@pytest.mark.parametrize(("spec", "when", "expected"), TIMED_CASES)
def test_timed(spec: str, when: tuple[int, ...], expected: int) -> None:
    assert perl_in_period(spec, at(*when)) == expected


def test_local_time_is_used() -> None:
    # PERIOD-12: 2026-07-04 04:30 UTC is 00:30 EDT.
    when = calendar.timegm((2026, 7, 4, 4, 30, 0))
    assert perl_in_period("hr {0}", when) == 1
    assert perl_in_period("hr {4}", when) == 0


@pytest.mark.parametrize(
    ("when", "expected"),
    [(-1, -1), (-0.5, 1), (0, 1), (1.9, 1), (float("nan"), -1), (float("inf"), -1), (float("-inf"), -1)],
)
def test_time_must_be_digits(when: float, expected: int) -> None:
    # PERIOD-01: the time is int(when) as text; a sign makes it malformed.
    assert perl_in_period("wd {1-7}", when) == expected


def test_blank_and_none_ignore_the_time() -> None:
    assert perl_in_period("", 0) == 1
    assert perl_in_period("none", 0) == 0
    assert perl_in_period("", -5) == -1
    assert perl_in_period("none", -5) == -1


def test_huge_times_like_perl() -> None:
    # Beyond what Perl's localtime handles it returns nothing; inPeriod then
    # sees year 1900, day 0 of January, a Sunday, 00:00:00.
    for when in (67768036191676800, 10**20, 10**400):
        assert perl_in_period("md {31-1}", when) == 1
        assert perl_in_period("mo {jan} wd {su} hr {0} wk {1} yd {1}", when) == 1
        assert perl_in_period("md {1}", when) == 0
        assert perl_in_period("yr {0}", when) == 1
    assert perl_in_period("yr {2147483647}", 67767976233316799) == 1


def test_fixed_cases_agree_with_perl(perl: PerlOracle) -> None:
    cases = [(probe(), spec) for spec, _ in PROBE_CASES]
    cases += [(at(*when), spec) for spec, when, _ in TIMED_CASES]
    cases += [(when, "md {31-1}") for when in (-1, 67767976233316799, 67767976233316801, 10**20)]
    assert_same_as_perl(perl, cases)


def test_every_fixed_spec_over_a_year_agrees_with_perl(perl: PerlOracle) -> None:
    specs = sorted({spec for spec, _ in PROBE_CASES} | {spec for spec, _, _ in TIMED_CASES})
    # Every 61 hours and 7 minutes and 13 seconds over a leap year and a bit.
    times = range(at(2027, 12, 20), at(2029, 1, 10), 61 * 3600 + 7 * 60 + 13)
    assert_same_as_perl(perl, [(when, spec) for when in times for spec in specs])


# --------------------------------------------------------------------------
# 2. Differential testing against Perl with random specs and times
#
# The cases come from a plain random.Random (hypothesis supplies it): drawing
# thousands of strings through hypothesis strategies one by one is slow.

LONG_NAMES = {
    "yr": "year",
    "mo": "month",
    "wk": "week",
    "yd": "yday",
    "md": "mday",
    "wd": "wday",
    "hr": "hour",
    "min": "minute",
    "sec": "second",
}
BAD_SCALES = ["weekday", "w", "", "hours", "days", "m", "mins", "y", "yrs"]
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december"]  # fmt: skip
WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
BOUNDS = {"yr": (0, 2200), "mo": (1, 12), "wk": (1, 6), "yd": (1, 366), "md": (1, 31), "wd": (1, 7),
          "hr": (0, 23), "min": (0, 59), "sec": (0, 59)}  # fmt: skip
GARBAGE = ["x", "_", "5abc", "abc5", "1.5", "2.0", "+5", "3.29e2", "1e", "1e+2", "1.#inf", "1.#", "1#ind",
           "0x1", "0b1", "nan", "infinity", "12noon", "noon", "5am", "\u00e9", "\ufb00", "\u212a", "5\u00a0",
           "1.0000000000000002", "00", "007", "99999999999999999999", "mon", "jan", "wedn", "se", "13am",
           "0pm", "12nOOn", "{", "}", ",", "(", "#"]  # fmt: skip
YEARS = [0, 5, 25, 26, 27, 70, 99, 100, 150, 1969, 1970, 1999, 2000, 2025, 2026, 2027, 2030,
         2099, 2100, 2101, 2200, 10000]  # fmt: skip
EDGE_CLOCKS = [(0, 0, 0), (23, 59, 59), (12, 0, 0), (1, 59, 59), (2, 30, 0), (3, 0, 0)]
EDGE_YEARS = [1970, 1999, 2000, 2024, 2026, 2027, 2028, 2037, 2038, 2099, 2100, 2199, 2200]
HUGE_TIMES = [0, 1, 2**31 - 1, 2**31, 67767976233316799, 67768036191676800, 10**20]


def vary_case(r: random.Random, word: str) -> str:
    return r.choice([word, word, word.upper(), word.capitalize()])


def random_value(r: random.Random, scale: str) -> str:
    low, high = BOUNDS[scale]
    roll = r.random()
    if roll < 0.02:
        return r.choice(GARBAGE)
    if roll < 0.04:
        return str(r.choice([low - 1, high + 1, high + 2, 100 * high]))
    if roll < 0.12:
        return "0" * r.randint(1, 3) + str(r.randint(low, high))
    if roll < 0.5 and scale in ("mo", "wd"):
        name = r.choice(MONTHS if scale == "mo" else WEEKDAYS)
        return vary_case(r, name[: r.choice([2, 3, 3, 4, 9])])
    if roll < 0.4 and scale == "hr":
        suffix = r.choice(["am", "pm", "am", "pm", "noon"])
        return vary_case(r, f"{r.choice([12, 12, r.randint(0, 13)])}{suffix}")
    if scale == "yr":
        return str(
            r.choice([r.choice(YEARS), r.randint(0, 99), r.randint(1970, 2210), r.randint(2020, 2030)])
        )
    return str(r.randint(low, high))


def random_range(r: random.Random, scale: str) -> str:
    first = random_value(r, scale)
    if r.random() < 0.5:
        return first
    dash = (
        r.choice(["-", "-", "-", " - ", "- ", " -", "\t-\t"])
        if r.random() < 0.98
        else r.choice(["--", " -- "])
    )
    last = "" if r.random() < 0.01 else random_value(r, scale)
    first = "" if r.random() < 0.01 else first
    return f"{first}{dash}{last}"


def random_space(r: random.Random, empty: bool = True) -> str:
    choices = [" ", " ", " ", "  ", "\t", " \n ", "\r\n", "\x0b", "\x0c"]
    return r.choice(["", "", "", *choices] if empty else choices)


def random_item(r: random.Random) -> str:
    """One ``scale {range ...}`` item."""
    scale = r.choice(list(LONG_NAMES))
    name = r.choice([scale, LONG_NAMES[scale]]) if r.random() < 0.98 else r.choice(BAD_SCALES)
    ranges = [random_range(r, scale) for _ in range(r.choice([0, 1, 1, 1, 1, 2, 2, 3, 4]))]
    inner = "".join(f"{range_}{random_space(r, empty=False)}" for range_ in ranges)
    inner = inner if r.random() < 0.2 else inner.rstrip(" \t")
    return f"{vary_case(r, name)}{random_space(r)}{{{random_space(r)}{inner}}}"


def random_period(r: random.Random) -> str:
    if r.random() < 0.03:
        return r.choice(["", " ", "none", "NONE", " None ", ",", ", ,", "\n", "none,", "nonE x"])
    subperiods = [
        "".join(f"{random_item(r)}{random_space(r)}" for _ in range(r.choice([1, 1, 1, 2, 2, 3])))
        for _ in range(r.choice([1, 1, 2, 2, 3, 4]))
    ]
    text = ""
    for subperiod in subperiods:
        text += subperiod + (r.choice([",", ", ", " , ", ",\t", " ,\n"]) if r.random() < 0.98 else ",,")
    text = text[: -r.choice([1, 1, 1, 1, 1, 1, 2, 0])].rstrip() or text
    for _ in range(r.choice([0] * 12 + [1, 2])):
        # Damage it: drop or insert one character.
        where = r.randint(0, len(text))
        if r.random() < 0.5:
            text = text[:where] + text[where + 1 :]
        else:
            text = text[:where] + r.choice("{},x -\n") + text[where:]
    return f"{random_space(r)}{text}{random_space(r)}"


def random_time(r: random.Random) -> int:
    kind = r.randrange(10)
    if kind < 3:
        return r.randint(0, 7_500_000_000)  # up to 2207
    if kind == 3:
        return r.choice(HUGE_TIMES)
    year = r.choice(EDGE_YEARS) if kind == 4 else r.randint(1970, 2210)
    month = r.randint(1, 12)
    last = calendar.monthrange(year, month)[1]
    first_sunday = 1 + (6 - datetime.date(year, month, 1).weekday()) % 7
    day = r.choice([1, 1, last, last, min(29, last), first_sunday, first_sunday + 1, r.randint(1, last)])
    clock = r.choice([*EDGE_CLOCKS, (r.randint(0, 23), r.randint(0, 59), r.randint(0, 59))])
    return max(0, at(year, month, day, *clock))


def random_cases(r: random.Random, count: int) -> list[tuple[int, str]]:
    """COUNT cases, a few specs each tried at several times."""
    cases: list[tuple[int, str]] = []
    while len(cases) < count:
        spec = random_period(r)
        cases += [(random_time(r), spec) for _ in range(r.choice([1, 2, 5]))]
    return cases[:count]


@settings(max_examples=50, deadline=None, database=None)
@given(r=st.randoms(use_true_random=True))
def test_random_specs_agree_with_perl(perl: PerlOracle, r: random.Random) -> None:
    assert_same_as_perl(perl, random_cases(r, 300))


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(r=st.randoms(use_true_random=False))
def test_random_specs_agree_with_perl_shrinking(perl: PerlOracle, r: random.Random) -> None:
    # Same generator, every choice made by hypothesis so that failures shrink.
    assert_same_as_perl(perl, random_cases(r, 10))


# --------------------------------------------------------------------------
# 3. check_period, in_period, period_never_matches


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("wd {Xyz}", "malformed period 'wd {Xyz}': unknown weekday 'xyz'"),
        ("wd {Sun-Sat}, xx {1}", "unknown scale 'xx'"),
        ("wd Mon-Fri", "no '{...}'"),
        ("wd {Mon-Fri", "unbalanced braces"),
        ("wd {mon} x", "stray text"),
        ("hr {24}", "hour '24' not in 0-23"),
        ("hr {5noon}", "only 12noon"),
        ("yr {120}", "year '120'"),
        ("mo {Foo}", "unknown month 'foo'"),
        ("md {32}", "month day '32' not in 1-31"),
        ("yd {0}", "bad year day '0'"),
        ("wk {7}", "week '7' not in 1-6"),
        ("min {5-}", "incomplete range '5-'"),
        ("sec {x}", "bad second 'x'"),
        (", wd {mon}", "empty sub-period"),
        ("wd {mon}{tue}", "missing scale name"),
    ],
)
def test_check_period_rejects(spec: str, message: str) -> None:
    with pytest.raises(PeriodError, match=re.escape(message)) as error:
        check_period(spec)
    assert isinstance(error.value, ValueError)
    with pytest.raises(PeriodError):
        in_period(spec, probe())
    with pytest.raises(PeriodError):
        period_never_matches(spec)


@pytest.mark.parametrize(
    "spec",
    ["", "none", ",", "wd {mon},", "wd {}", "yd {329abc}", "hr {13am}", "wd {wed\nxx}",
     "wd {Mon-Fri} hr {9am-4pm}, wd{Tue Thu} hr {9am-2pm}", "yr {99-1972} wk {1 3 5}"],
)  # fmt: skip
def test_check_period_accepts(spec: str) -> None:
    check_period(spec)


def test_check_period_looks_at_every_sub_period() -> None:
    spec = "wd {Sun-Sat}, xx {1}"
    assert perl_in_period(spec, probe()) == 1  # PERIOD-13
    with pytest.raises(PeriodError):
        check_period(spec)


def test_in_period() -> None:
    assert pymon.in_period is in_period
    assert pymon.PeriodError is PeriodError
    assert in_period("wd {Wed} hr {5pm}", probe()) is True
    assert in_period("wd {Mon-Tue}", probe()) is False
    assert in_period("", probe()) is True
    assert in_period("none", probe()) is False
    assert in_period("wd {}", probe()) is False


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("none", True),
        ("NONE", True),
        (",", True),
        ("", False),
        ("wd {Mon-Fri} hr {9am-4pm}", False),
        ("wd {Mon} md {31} mo {Feb}", True),
        ("md {31} mo {apr}", True),
        ("md {30} mo {feb}", True),
        ("md {29} mo {feb}", False),  # 2028
        ("md {29} mo {feb} yr {2027}", True),
        ("md {29} mo {feb} yr {2028}", False),
        ("yd {366}", False),
        ("yd {366} yr {2027}", True),
        ("yd {366} yr {2028}", False),
        ("yd {366} yr {2100}", True),
        ("yd {60} md {1} mo {mar} yr {2100}", False),  # 2100 is not a leap year
        ("yd {60} md {29}", False),
        ("yr {1999}", True),
        ("yr {1970-2025}", True),
        ("yr {2026}", False),
        ("yr {99}", False),  # 2099
        ("yr {25}", False),  # 2125: two-digit years take the century of the time tested
        ("yr {10000}", True),  # beyond what is checked
        ("yr {2026} mo {jan}", True),  # already over
        ("yr {2026} mo {nov} md {25}", False),  # today
        ("yr {2026} mo {nov} md {24}", True),  # yesterday
        ("yr {2026} mo {nov} md {25} hr {3}", False),  # the time of day is not considered
        ("wk {6}", False),
        ("wk {6} mo {feb}", True),
        ("wk {5} mo {feb} md {29}", False),
        ("wk {1} wd {mon} md {8-31}", True),
        ("wk {6} wd {mo}", False),
        ("wk {6} wd {tu}", True),  # week 6 is at most a Sunday and a Monday
        ("wk {2} md {1}", True),
        ("wd {sun} md {1} mo {feb} yr {2026}", True),
        ("wd {sun} md {1} mo {feb} yr {2026-2027}", True),
        ("wd {mon} md {1} mo {feb} yr {2027}", False),
        ("wd {sat} md {1} mo {feb} yr {2027-2030}", True),
        ("wd {sat} md {1} mo {feb} yr {2027-2031}", False),
        ("wd {}", True),
        ("hr {}", True),
        ("wd {mon} hr {}", True),
        ("wd {mon}, hr {}", False),
        ("yd {329.0000000000001}", True),
        ("hr {13am} min {59} sec {59}", False),
        ("mo {feb} md {30}, yr {1999}, wd {}", True),
        ("mo {feb} md {30}, yr {1999}, wd {sa}", False),
    ],
)
def test_period_never_matches(spec: str, expected: bool) -> None:
    assert period_never_matches(spec, now=probe()) is expected


def test_period_never_matches_defaults_to_now() -> None:
    assert period_never_matches("yr {1999}") is True
    assert period_never_matches(f"yr {{{time.localtime().tm_year}}}") is False


def test_period_never_matches_is_fast() -> None:
    specs = [
        "yr {0-99} md {31} mo {apr} wd {mo}, yr {1999} wd {mo}, yr {2026} mo {jan}",
        "yr {1970-9999} md {30} mo {feb}",
        "wd {Mon} md {31} mo {Feb}",
    ]
    start = time.perf_counter()
    for spec in specs:
        assert period_never_matches(spec) is True
    assert (time.perf_counter() - start) / len(specs) < 0.1


# Brute force: every day (at noon) from the probe day to the end of 2054.
# Without a yr scale, those 28 years hold every kind of year (leap or not,
# starting on each weekday); with yr limited to 2026-2031 they cover it all.


def days_from_probe() -> list[int]:
    first = datetime.date(2026, 11, 25)
    count = (datetime.date(2054, 12, 31) - first).days + 1
    days = (first + datetime.timedelta(days=n) for n in range(count))
    return [at(day.year, day.month, day.day, 12) for day in days]


@st.composite
def date_specs(draw: st.DrawFn) -> str:
    subperiods = []
    for _ in range(draw(st.integers(1, 2))):
        scale_names = st.sampled_from(["mo", "wk", "yd", "md", "wd", "yr"])
        scales = draw(st.lists(scale_names, min_size=1, max_size=4, unique=True))
        parts = []
        for scale in scales:
            low, high = (2026, 2031) if scale == "yr" else BOUNDS[scale]
            count = draw(st.integers(1, 2))
            ranges = []
            for _ in range(count):
                first = draw(st.integers(low, high))
                if scale == "yr" or draw(st.booleans()):
                    last = draw(st.integers(low, high))
                    ranges.append(f"{first}-{last}")
                else:
                    ranges.append(str(first))
            parts.append(f"{scale} {{{' '.join(ranges)}}}")
        subperiods.append(" ".join(parts))
    return ", ".join(subperiods)


@pytest.fixture(scope="module")
def noons(local_tz: None) -> list[int]:
    return days_from_probe()


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=date_specs())
def test_period_never_matches_by_brute_force(noons: list[int], spec: str) -> None:
    matches = any(perl_in_period(spec, when) == 1 for when in noons)
    assert period_never_matches(spec, now=probe()) is (not matches)


@pytest.mark.parametrize(
    "spec",
    ["wk {6} mo {feb}", "md {31} wd {mon} mo {apr-jun}", "yd {366} wd {fr}", "wk {6} wd {mo} mo {feb-mar}",
     "md {29} mo {feb} wd {sa}", "yd {1-59} wk {6}", "yd {60} mo {mar}", "wk {1} md {7} wd {sa}"],
)  # fmt: skip
def test_period_never_matches_by_brute_force_fixed(noons: list[int], spec: str) -> None:
    matches = any(perl_in_period(spec, when) == 1 for when in noons)
    assert period_never_matches(spec, now=probe()) is (not matches)
