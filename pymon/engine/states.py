"""A service's operational state: status codes and the per-service, per-period records.

mon keeps a service's state as underscore keys of the service hash (`_op_status`,
`_consec_failures`, ...) and a period's state as underscore keys of the period hash
(`_alert_sent`, `_last_alert`, ...). pymon keeps the same values in two frozen
dataclasses; `pymon.engine.decision` computes every transition, each a
`dataclasses.replace`.

Where mon distinguishes an undefined value from 0 (the state file writes `` for
one and `0` for the other, an environment variable is absent or present), the
field is `X | None`; arithmetic treats None as 0, like Perl.

Times are whole epoch seconds, like Perl's `time()`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from types import MappingProxyType
from typing import Final, TypeVar

from pymon.config.model import Period, Service
from pymon.config.perl import perl_num

__all__ = [
    "FAILURE",
    "OPSTAT",
    "SUCCESS",
    "WARNING",
    "OpStatus",
    "PeriodState",
    "ServiceState",
    "Status",
    "alerts_sent",
    "evolve",
    "initial_state",
    "is_success",
    "last_alert",
    "status_number",
]


class Status(IntEnum):
    """STAT-01: the operational status codes."""

    FAIL = 0
    OK = 1
    COLDSTART = 2
    WARMSTART = 3
    LINKDOWN = 4
    UNKNOWN = 5
    TIMEOUT = 6
    UNTESTED = 7
    DEPEND = 8
    WARN = 9


# STAT-02: the classes `list failures|successes|warnings` and dependencies use.
FAILURE: Final = frozenset({Status.FAIL, Status.LINKDOWN, Status.TIMEOUT})
SUCCESS: Final = frozenset({Status.OK, Status.COLDSTART, Status.WARMSTART, Status.UNKNOWN, Status.UNTESTED})
WARNING: Final = frozenset({Status.COLDSTART, Status.WARMSTART, Status.UNKNOWN, Status.WARN})

# The names `set G S opstatus NAME` accepts (mon's %OPSTAT): all but DEPEND and WARN.
OPSTAT: Final[Mapping[str, Status]] = MappingProxyType(
    {status.name.lower(): status for status in Status if status <= Status.UNTESTED}
)

# An int, except where `set G S opstatus NAME` stored the name itself (Q20).
OpStatus = int | str


def status_number(status: OpStatus) -> float:
    """The status as Perl's `==` sees it: a stored name like `ok` is 0, i.e. FAIL (Q20)."""
    return perl_num(status) if isinstance(status, str) else status


def is_success(status: OpStatus | None) -> bool:
    """mon's `$SUCCESS{status}`: a hash lookup by the status' text, so `ok` is not a success."""
    if isinstance(status, str):
        return status.isdecimal() and status == str(int(status)) and int(status) in SUCCESS
    return status in SUCCESS


_Record = TypeVar("_Record", "ServiceState", "PeriodState")


def evolve(record: _Record, /, **changes: object) -> _Record:
    """`dataclasses.replace` for the two state records, without re-running `__init__`.

    Every check makes several new states; `replace` passes all 29 fields of a
    ServiceState through `__init__` and costs ten times as much. The records
    have no `__post_init__`, so copying the fields is the same thing.
    """
    assert changes.keys() <= record.__dataclass_fields__.keys(), f"not a field: {set(changes)}"
    new = object.__new__(type(record))
    new.__dict__.update(record.__dict__)
    new.__dict__.update(changes)
    return new


@dataclass(frozen=True)
class PeriodState:
    """The alert bookkeeping of one period of one service."""

    label: str
    alert_sent: int = 0  # alert rounds this failure episode (ALRT-11, ALRT-17)
    last_alert: int | None = None  # when an alert of this period was last called (ALRT-12, ALRT-28)
    first_fail_time: int | None = None  # mon's _1stfailtime (ALRT-14, ALRT-15)
    fail_count: int | None = None  # mon's _failcount (ALRT-15)
    no_comp_upalert_sent: int = 0  # mon's _no_comp_alerts_upalert_sent (PER-13)


@dataclass(frozen=True)
class ServiceState:
    """Everything mon keeps per service that a decision reads or `list opstatus` shows.

    The scheduler's timers (`_timer`, `_next_check`, `_trap_timer`, ...) and the
    monitor process bookkeeping are not here: they belong to the scheduler.
    """

    op_status: OpStatus = Status.UNTESTED
    last_op_status: OpStatus = Status.UNTESTED
    exitval: int | str = "undef"  # SVC-01: the string "undef" until the first result
    ack: int = 0  # 0, or the time of the acknowledgement
    ack_comment: str = ""
    consec_failures: int = 0
    failure_count: int = 0
    alert_count: int = 0
    first_failure: int | None = None  # start of the failure episode; 0 after a success
    last_failure: int = 0
    last_success: int = 0
    last_summary: str | None = None
    last_detail: str | None = None
    last_output: str | None = None
    failure_output: str | None = None  # output of the latest failure; "" after a success
    depend_status: bool | None = None  # DEP-03
    disabled: bool | None = None  # `disable service`; None until the first disable or enable (`get` shows '')
    interval: float | None = None  # the polling interval now: failure_interval while failing (SCHED-11)
    old_interval: float | None = None  # the interval failure_interval replaced
    last_check: int | None = None  # set by the monitor runner when a monitor starts (MONI-05)
    last_trap: int = 0  # set by the trap handler (TRAP-08)
    last_traphost: str = ""  # never written by mon
    last_uptrap: int | None = None  # time of the latest successful trap
    # Only ever set by loading a state file (DEP-08): mon never writes them.
    last_failure_time: int | None = None
    last_failure_summary: str | None = None
    last_failure_detail: str | None = None
    periods: tuple[PeriodState, ...] = ()  # in the order of Service.periods

    def period(self, label: str) -> PeriodState | None:
        return next((p for p in self.periods if p.label == label), None)

    def with_period(self, index: int, period: PeriodState) -> ServiceState:
        """This state with period `index` replaced."""
        return evolve(self, periods=(*self.periods[:index], period, *self.periods[index + 1 :]))

    def with_all_periods(
        self, service: Service, change: Callable[[Period, PeriodState], PeriodState]
    ) -> ServiceState:
        """This state with `change(period config, period state)` applied to every period."""
        periods = tuple(change(p, s) for p, s in zip(service.periods, self.periods, strict=True))
        return evolve(self, periods=periods)


def initial_state(service: Service) -> ServiceState:
    """SVC-01 and PER-01: the state of a service just read from the config.

    (mon also stamps `_start_of_monitor`, which nothing reads.)
    """
    return ServiceState(
        interval=service.interval,
        periods=tuple(_initial_period(period) for period in service.periods),
    )


def _initial_period(period: Period) -> PeriodState:
    # `alertafter TIME` and `alertafter N TIME` set their counters to 0 at parse time.
    return PeriodState(
        label=period.label,
        first_fail_time=0 if period.alertafterival is not None else None,
        fail_count=0 if period.alertafter is not None else None,
    )


def alerts_sent(service: Service, state: ServiceState) -> int:
    """`alerts_sent=` of `list opstatus`: periods with alerts_dont_count are left out (PER-14)."""
    return sum(
        s.alert_sent for p, s in zip(service.periods, state.periods, strict=True) if not p.alerts_dont_count
    )


def last_alert(state: ServiceState) -> int:
    """`last_alert=` of `list opstatus`: the latest alert of any period, 0 if none."""
    return max((p.last_alert or 0 for p in state.periods), default=0)
