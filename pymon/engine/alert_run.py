"""One alert program to start, with everything mon hands it (ALRT-23..27).

mon's call_alert builds the command line, the environment and the standard
input of an alert from the service's state at the moment of the call. An
`AlertRun` holds those values, computed purely; the process runner only adds
what it knows (the state/log/config directories, the service's `VAR=value`
lines), splits the configured argument text shell-like, and starts the process.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntFlag

from pymon.engine.output import summary_of
from pymon.engine.states import ServiceState

__all__ = ["AlertRun", "Flag", "alert_environment", "type_words"]


class Flag(IntFlag):
    """ALRT-01: why do_alert was called (mon's FL_* flags)."""

    MONITOR = 1
    UPALERT = 2
    TRAP = 4
    TRAPTIMEOUT = 8
    STARTUPALERT = 16
    TEST = 32
    REDISTRIBUTE = 64
    ACKALERT = 128
    DISABLEALERT = 256


# ALRT-23 and ALRT-26: the first flag that matches names the alert, in this order:
# (flag, word for syslog and history, MON_ALERTTYPE).
_TYPES: tuple[tuple[Flag, str, str], ...] = (
    (Flag.UPALERT, "upalert", "up"),
    (Flag.STARTUPALERT, "startupalert", "startup"),
    (Flag.ACKALERT, "ackalert", "ack"),
    (Flag.DISABLEALERT, "disablealert", "disable"),
    (Flag.TRAPTIMEOUT, "traptimeoutalert", "traptimeout"),
    (Flag.TRAP, "trapalert", "trap"),
    (Flag.TEST, "testalert", "test"),
)

# ALRT-25: the argv flag; when several flags are set, the last match wins.
_ARGV_FLAGS: tuple[tuple[Flag, str], ...] = (
    (Flag.UPALERT, "-u"),
    (Flag.ACKALERT, "-a"),
    (Flag.DISABLEALERT, "-D"),
    (Flag.TRAP, "-T"),
    (Flag.TRAPTIMEOUT, "-O"),
)

def type_words(flags: Flag) -> tuple[str, str]:
    """(word for syslog and history, MON_ALERTTYPE) for an alert called with `flags`."""
    return next(((word, kind) for flag, word, kind in _TYPES if flag in flags), ("alert", "failure"))


_BASENAME = re.compile(r"^.*/([^/]+)$")


@dataclass(frozen=True)
class AlertRun:
    """An alert call, as mon's call_alert makes it."""

    group: str
    service: str
    program: str  # the alert's name as configured
    path: str  # the full path the alert directories resolved it to
    args: str  # the configured argument text, split shell-like into argv by the runner
    period: str | None  # the label of the period, None for redistribute and test alerts
    flags: Flag
    hosts: tuple[str, ...]  # the hostgroup's enabled hosts, for `-h`
    time: int  # `-t`: when the alert was called
    output: str  # what is written to the alert's standard input (ALRT-27)
    retval: str | None  # MON_RETVAL; None leaves it unset (ack and disable alerts)
    mon_environment: tuple[tuple[str, str], ...]  # the MON_* values of ALRT-26, in mon's order

    @property
    def type(self) -> str:
        """The word for syslog and history: alert, upalert, ..., testalert (ALRT-23)."""
        return type_words(self.flags)[0]

    @property
    def alert_type(self) -> str:
        """MON_ALERTTYPE: failure, up, startup, ack, disable, traptimeout, trap, test."""
        return type_words(self.flags)[1]

    @property
    def argv_flag(self) -> str | None:
        """`-u`, `-a`, `-D`, `-T`, `-O` or none (ALRT-25)."""
        found = [letter for flag, letter in _ARGV_FLAGS if flag in self.flags]
        return found[-1] if found else None

    @property
    def counted(self) -> bool:
        """Test and redistribute alerts are neither counted nor kept in the history (ALRT-28)."""
        return not self.flags & (Flag.TEST | Flag.REDISTRIBUTE)

    @property
    def summary(self) -> str:
        return summary_of(self.output)

    def argv_head(self) -> list[str]:
        """ALRT-25: `PATH -s S -g G -h "HOSTS" -t TIME [FLAG]`; the split `args` follow."""
        hosts = " ".join(self.hosts)
        head = [self.path, "-s", self.service, "-g", self.group, "-h", hosts, "-t", str(self.time)]
        return head if self.argv_flag is None else [*head, self.argv_flag]

    def environment(
        self, *, statedir: str, logdir: str, cfbasedir: str, service_env: Mapping[str, str]
    ) -> dict[str, str]:
        """ALRT-26: what the alert's environment adds to mon's own, in mon's order.

        When `mon_environment` has no MON_TRAP_INTENDED, mon blanks an inherited one.
        """
        env = dict(service_env)
        env.update(self.mon_environment)
        env.update(MON_STATEDIR=statedir, MON_LOGDIR=logdir, MON_CFBASEDIR=cfbasedir)
        return env

    def syslog_text(self) -> str:
        """ALRT-23: `calling TYPE NAME for G/S (PATH,ARGS) SUMMARY`."""
        name = _BASENAME.sub(r"\1", self.path)
        where = f"{self.group}/{self.service}"
        return f"calling {self.type} {name} for {where} ({self.path},{self.args}) {self.summary}"


def alert_environment(
    state: ServiceState,
    group: str,
    service: str,
    description: str | None,
    retval: str | None,
    alert_type: str,
    intended: str | None,
) -> tuple[tuple[str, str], ...]:
    """ALRT-26: the MON_* variables computed from the service's state at the call."""
    env: list[tuple[str, str]] = []

    def put(name: str, value: object | None) -> None:
        if value is not None:
            env.append((name, str(value)))

    put("MON_LAST_SUMMARY", state.last_summary)
    put("MON_LAST_OUTPUT", state.last_output)
    put("MON_LAST_FAILURE", state.last_failure)
    put("MON_FIRST_FAILURE", state.first_failure)
    put("MON_FIRST_SUCCESS", "")  # Q27: mon exports the never-set _first_success as ""
    put("MON_LAST_SUCCESS", state.last_success)
    put("MON_DESCRIPTION", description)
    put("MON_GROUP", group)
    put("MON_SERVICE", service)
    put("MON_RETVAL", retval)
    put("MON_OPSTATUS", int(state.op_status) if not isinstance(state.op_status, str) else state.op_status)
    if state.ack and state.ack_comment != "":
        put("MON_ACK", state.ack_comment)
    put("MON_ALERTTYPE", alert_type)
    put("MON_TRAP_INTENDED", intended)
    return tuple(env)
