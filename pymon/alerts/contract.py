"""What mon passes to every alert (ALRT-25, ALRT-26, ALRT-27), read back by
an alert program:

    ALERT -s SERVICE -g GROUP -h "HOST HOST" -t TIME [-u|-a|-D|-T|-O] [ARGS...]

with the monitor output on stdin (line 1 = summary) and MON_* variables in the
environment. The shipped alerts read this with Getopt::Std; pymon's alerts
use the same parser (pymon.alerts.getopt_std) so that any argv means the same.
"""

from __future__ import annotations

import sys
import syslog
import time
from collections.abc import Sequence
from dataclasses import dataclass

from pymon.alerts.getopt_std import Parsed, getopts
from pymon.alerts.perltext import DAYS, MONTHS

# The value options every alert gets from mon, plus -l which the man page
# documents (ALRT-25: mon never passes it, but old configs may).
COMMON_VALUES = "s:g:h:t:l:"
# ALRT-25 flags: upalert, ackalert, disablealert, trap, traptimeout.
EVENT_FLAGS = {"u": "up", "a": "ack", "D": "disable", "T": "trap", "O": "traptimeout"}


@dataclass(frozen=True)
class AlertCall:
    """One invocation as mon made it; None where an option was not given."""

    service: str | None
    group: str | None
    hosts: str | None
    time: str | None
    event: str  # failure, up, ack, disable, trap, traptimeout
    options: Parsed

    @property
    def args(self) -> tuple[str, ...]:
        return self.options.args


def parse(argv: Sequence[str], spec: str, *, event_flags: str = "uaDTO") -> AlertCall:
    """Parse argv (without the program name) with Getopt::Std and `spec`, the
    alert's own letters added to the common ones. Getopt's warnings go to
    stderr, as in the Perl alerts."""
    parsed = getopts(COMMON_VALUES + spec + event_flags, list(argv))
    for warning in parsed.warnings:
        print(warning, file=sys.stderr)
    event = "failure"
    for letter, name in EVENT_FLAGS.items():
        if letter in event_flags and parsed.flag(letter):
            event = name
    return AlertCall(parsed.get("s"), parsed.get("g"), parsed.get("h"), parsed.get("t"), event, parsed)


def read_stdin() -> str:
    """All of stdin (mon writes the output and closes the pipe); bytes that are
    not UTF-8 pass through unchanged."""
    data = sys.stdin.buffer.read()
    return data.decode("utf-8", "surrogateescape")


def report(program: str, lines: Sequence[str], *, problem: bool = False) -> None:
    """Log what an alert did: to syslog (facility daemon) and to stderr, which
    mon sends to its own stderr or monerrfile (ALRT-24)."""
    priority = syslog.LOG_ERR if problem else syslog.LOG_NOTICE
    syslog.openlog(program, syslog.LOG_PID, syslog.LOG_DAEMON)
    for line in lines:
        syslog.syslog(priority, line)
        print(f"{program}: {line}", file=sys.stderr)
    syslog.closelog()


def when() -> str:
    """The output of date(1) in the C locale: `Wed Nov 25 17:46:17 UTC 2026`."""
    t = time.localtime()
    return time.strftime(f"{DAYS[t.tm_wday]} {MONTHS[t.tm_mon - 1]} {t.tm_mday:2d} %H:%M:%S %Z %Y", t)
