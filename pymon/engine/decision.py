"""The alert decision: (service state, event, time) -> (new state, alerts to run).

Every function here is pure: it takes the service's config, its state, what
happened and a `Context` of outside facts, and returns an `Outcome`: the new
state, the alerts to start (`AlertRun`), and the records to write (syslog lines,
history entries, a downtime-log line). No I/O, no clock, no randomness.

The events, and the mon code each one follows:

* `process_result` — a monitor exited, a trap arrived, a trap timed out
  (process_event: STAT-03 failure, STAT-04 success and upalert, SCHED-11).
* `do_alert` — the gatekeeper every alert goes through, in mon's exact order
  (ALRT-01..17): stopped, redistribute, disabled, dependency, unack on a new
  summary, ack, then per period: time period, upalert/ackalert pairing, exit
  range, numalerts, alertevery, alertafter, the alert lines, the round count.
* `startup_alert`, `acknowledge`, `disable_service` — the other callers of
  do_alert (ALRT-18..20); `send_test_alert` calls alerts without any decision (ALRT-30).

Periods are visited in config order. (mon visits them in Perl hash order, which is
arbitrary; the order only shows in the order alerts start and log lines appear.)

Accounting (ALRT-28). mon counts an alert — the period's `last_alert`, the
service's `alert_count`, the alert history, and whether the period's round counts
(ALRT-17) — exactly when call_alert found the alert program: the name is in the
alert table and the file is still a regular file. Whether the process then starts
does not matter (mon forks and counts without waiting). So that one fact is the
decision's input, `Context.find_alert(name) -> full path or None`, and the
outcome is complete and exact in one call: the runner starts every run returned
and writes every record, and nothing is reported back.

Where pymon copies a mon quirk on purpose, the comment names its feature ID in
reference/mon-spec.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from pymon.config.model import AlertKind, AlertLine, ExitRange, Period, Service
from pymon.config.period import perl_in_period
from pymon.config.perl import PERL_SPACE, perl_num, perl_true
from pymon.engine.alert_run import AlertRun, Flag, alert_environment, type_words
from pymon.engine.dependency import PeerLookup, check_dependency, no_peers
from pymon.engine.output import split_output, summary_of
from pymon.engine.records import (
    AlertHistoryEntry,
    DowntimeEntry,
    FailureHistoryEntry,
    Level,
    LogLine,
)
from pymon.engine.states import PeriodState, ServiceState, Status, evolve, status_number

__all__ = [
    "Context",
    "Event",
    "EventKind",
    "Outcome",
    "acknowledge",
    "can_acknowledge",
    "clear_timers",
    "disable_service",
    "do_alert",
    "process_result",
    "send_test_alert",
    "startup_alert",
]

EventKind = Literal["monitor", "trap", "traptimeout"]
ExitValue = int | str  # a monitor's exit value, or a trap's `sta` text as sent
Retval = int | str | None

_EVENT_FLAGS: dict[EventKind, Flag] = {
    "monitor": Flag.MONITOR,
    "trap": Flag.TRAP,
    "traptimeout": Flag.TRAPTIMEOUT,
}
# Alerts that answer an earlier failure alert; ack and unack_summary let them through.
_COMPLEMENTARY = Flag.UPALERT | Flag.ACKALERT | Flag.DISABLEALERT
# Alerts that skip the failure gates (exit range, numalerts, alertevery, alertafter).
_NOT_FAILURES = Flag.UPALERT | Flag.STARTUPALERT | Flag.DISABLEALERT | Flag.ACKALERT
_TEST_FLAGS: dict[AlertKind, Flag] = {
    "alert": Flag.TEST,
    "startupalert": Flag.TEST | Flag.STARTUPALERT,
    "upalert": Flag.TEST | Flag.UPALERT,
    "ackalert": Flag.TEST | Flag.ACKALERT,
    "disablealert": Flag.TEST | Flag.DISABLEALERT,
}
# ALRT-16: which lines an alert runs, by flag, in this priority.
_LINES_BY_FLAG: tuple[tuple[Flag, AlertKind], ...] = (
    (Flag.UPALERT, "upalert"),
    (Flag.STARTUPALERT, "startupalert"),
    (Flag.DISABLEALERT, "disablealert"),
    (Flag.ACKALERT, "ackalert"),
)
TEST_OUTPUT = "test\ntest detail\n"


@dataclass(frozen=True)
class Event:
    """A result for a service: a monitor exited, a trap arrived, or a trap timed out."""

    kind: EventKind
    exit_value: ExitValue
    output: str
    intended: str | None = None  # `group:service` of a trap re-routed to default/default (TRAP-07)

    @property
    def failed(self) -> bool:
        """Perl truth of the exit value: a trap's `sta` of "0.0" is a failure."""
        if isinstance(self.exit_value, str):
            return perl_true(self.exit_value)
        return self.exit_value != 0

    @property
    def flag(self) -> Flag:
        return _EVENT_FLAGS[self.kind]


@dataclass(frozen=True)
class Context:
    """The facts from outside the service that a decision needs."""

    now: int
    # The alert table lookup: full path of an alert that exists as a regular file, else None.
    find_alert: Callable[[str], str | None]
    hosts: tuple[str, ...] = ()  # the watch's hostgroup members not disabled, for `-h`
    peers: PeerLookup = no_peers  # other services, for dependencies
    stopped: bool = False  # the scheduler is stopped (ALRT-02)
    watch_disabled: bool = False
    pass_time: int | None = None  # start of the scheduler pass, for the failure history; default now
    dep_recur_limit: int = 10
    dtlogging: bool = False  # downtime logging is on (and its file writable)
    server_start: int = 0  # the downtime log's first failure when none is known


@dataclass(frozen=True)
class Outcome:
    state: ServiceState
    alerts: tuple[AlertRun, ...] = ()
    log: tuple[LogLine, ...] = ()
    alert_history: tuple[AlertHistoryEntry, ...] = ()
    failure_history: tuple[FailureHistoryEntry, ...] = ()
    downtime: DowntimeEntry | None = None
    # The interval changed (failure_interval, SCHED-11): mon's `_next_check = 0`,
    # the fixed-rate schedule restarts from the next run.
    restart_schedule: bool = False


@dataclass
class _Transaction:
    """The state and the effects of one decision while it is being made."""

    service: Service
    state: ServiceState
    ctx: Context
    intended: str | None = None
    runs: list[AlertRun] = field(default_factory=list)
    log: list[LogLine] = field(default_factory=list)
    alert_history: list[AlertHistoryEntry] = field(default_factory=list)
    failure_history: list[FailureHistoryEntry] = field(default_factory=list)
    downtime: DowntimeEntry | None = None
    restart_schedule: bool = False

    @property
    def now(self) -> int:
        return self.ctx.now

    @property
    def name(self) -> str:
        return f"{self.service.group}/{self.service.name}"

    def note(self, level: Level, text: str) -> None:
        self.log.append(LogLine(level, text))

    def period(self, index: int) -> PeriodState:
        return self.state.periods[index]

    def set_period(self, index: int, period: PeriodState) -> None:
        self.state = self.state.with_period(index, period)

    def outcome(self) -> Outcome:
        return Outcome(
            self.state,
            tuple(self.runs),
            tuple(self.log),
            tuple(self.alert_history),
            tuple(self.failure_history),
            self.downtime,
            self.restart_schedule,
        )


# --- results: process_event ------------------------------------------------------------


def process_result(service: Service, state: ServiceState, event: Event, ctx: Context) -> Outcome:
    """STAT-03/04: a monitor, trap or trap-timeout result for `service`."""
    tx = _Transaction(service, evolve(state, exitval=event.exit_value), ctx, event.intended)
    depend = service.depend
    if depend is not None and depend.text != "" and service.dep_behavior == "a":
        _check_alert_dependency(tx)
    if event.failed:
        _failure(tx, event)
    else:
        _success(tx, event)
    return tx.outcome()


def _check_alert_dependency(tx: _Transaction) -> None:
    """DEP-03: on every result, store whether the `depend` parents are OK."""
    check = check_dependency(tx.service, tx.state, "a", tx.ctx.peers, tx.now, tx.ctx.dep_recur_limit)
    tx.state = check.state
    tx.log.extend(check.log)


def _failure(tx: _Transaction, event: Event) -> None:
    state = tx.state
    summary, detail = summary_of(event.output), split_output(event.output)[1]
    episode_starts = status_number(state.op_status) in (Status.OK, Status.UNKNOWN, Status.UNTESTED)
    tx.state = evolve(
        state,
        failure_count=state.failure_count + 1,
        consec_failures=state.consec_failures + 1,
        last_failure=tx.now,
        first_failure=tx.now if episode_starts else state.first_failure,
        last_op_status=state.op_status,
        op_status=Status.FAIL,
        last_summary=summary,
        last_detail=detail,
    )
    pass_time = tx.now if tx.ctx.pass_time is None else tx.ctx.pass_time
    entry = FailureHistoryEntry(tx.service.group, tx.service.name, pass_time, summary)
    tx.failure_history.append(entry)
    tx.note("crit", f"failure for {entry.line()}")
    _alert(tx, event.output, event.exit_value, event.flag)
    if event.kind == "monitor":
        _use_failure_interval(tx)
    output = event.output
    tx.state = evolve(
        tx.state, failure_output=output, last_output=output, last_summary=summary, last_detail=detail
    )


def _success(tx: _Transaction, event: Event) -> None:
    summary, detail = split_output(event.output)
    if tx.ctx.dtlogging and status_number(tx.state.op_status) == Status.FAIL:
        _log_downtime(tx)
    old_status = tx.state.op_status
    tx.state = evolve(tx.state, last_op_status=old_status, op_status=Status.OK)
    if event.kind == "trap":
        tx.state = evolve(tx.state, last_uptrap=tx.now)
    # ALRT-29: upalertafter is never consulted; STAT-05: only FAIL -> OK, or any success with redistribute.
    came_back = status_number(old_status) == Status.FAIL and tx.service.has_upalert
    if tx.service.redistribute != "" or came_back:
        # ALRT-27: the upalert gets the failing output, before the success is stored.
        _alert(tx, tx.state.last_output, 0, Flag.UPALERT)
    tx.state = evolve(
        tx.state, ack=0, ack_comment="", first_failure=0, last_failure=0, consec_failures=0, failure_output=""
    ).with_all_periods(tx.service, _reset_after_success)
    _restore_interval(tx)
    tx.state = evolve(
        tx.state, last_success=tx.now, last_output=event.output, last_summary=summary, last_detail=detail
    )


def _reset_after_success(period: Period, state: PeriodState) -> PeriodState:
    # alertevery strict keeps its timer across a recovery (only an upalert resets it, Q13).
    last_alert = state.last_alert if period.alertevery_mode == "strict" else 0
    return evolve(state, last_alert=last_alert, first_fail_time=0, alert_sent=0)


def _log_downtime(tx: _Transaction) -> None:
    """LOG-08; a failure of unknown start counts from the server's start (and stays so)."""
    state = tx.state
    first_failure = state.first_failure or tx.ctx.server_start
    tx.state = evolve(state, first_failure=first_failure)
    tx.downtime = DowntimeEntry(
        tx.now, tx.service.group, tx.service.name, first_failure, state.interval or 0, state.last_summary
    )


def _use_failure_interval(tx: _Transaction) -> None:
    """SCHED-11: while failing, a monitor runs every failure_interval."""
    state = tx.state
    if tx.service.failure_interval is not None and state.old_interval is None:
        tx.state = evolve(state, old_interval=state.interval, interval=tx.service.failure_interval)
        tx.restart_schedule = True


def _restore_interval(tx: _Transaction) -> None:
    state = tx.state
    # SCHED-11: mon tests `_old_interval != undef` numerically, so a saved 0 is never restored.
    if tx.service.failure_interval is not None and (state.old_interval or 0) != 0:
        tx.state = evolve(state, interval=state.old_interval, old_interval=None)
        tx.restart_schedule = True


# --- other events --------------------------------------------------------------------


def startup_alert(service: Service, state: ServiceState, ctx: Context) -> Outcome:
    """ALRT-18: at server start (and reset with startupalerts_on_reset)."""
    return do_alert(service, state, "", 0, Flag.STARTUPALERT, ctx)


def can_acknowledge(state: ServiceState) -> bool:
    """PROTO-25: `ack` is refused while the service is OK or untested."""
    return status_number(state.op_status) not in (Status.OK, Status.UNTESTED)


def acknowledge(service: Service, state: ServiceState, comment: str, ctx: Context) -> Outcome:
    """ALRT-19: `ack` stores the comment (`USER: text`) and sends the ackalerts."""
    acked = evolve(state, ack=ctx.now, ack_comment=comment)
    return do_alert(service, acked, comment, None, Flag.ACKALERT, ctx)


def disable_service(service: Service, state: ServiceState, user: str | None, ctx: Context) -> Outcome:
    """`disable service`; ALRT-20: the disablealert comes after the flag is set, so never fires."""
    return do_alert(service, evolve(state, disabled=True), user, None, Flag.DISABLEALERT, ctx)


def clear_timers(service: Service, state: ServiceState) -> ServiceState:
    """SCHED-14 `clear timers G S`, the decision's part: the failure counts alertafter and alertevery use.

    (The scheduler resets its own timers.)
    """

    def clear(period: Period, state: PeriodState) -> PeriodState:
        last_alert = 0 if period.alertevery else state.last_alert
        first_fail_time = 0 if period.alertafterival is not None else state.first_fail_time
        return evolve(state, last_alert=last_alert, first_fail_time=first_fail_time)

    return evolve(state, consec_failures=0).with_all_periods(service, clear)


def send_test_alert(
    service: Service, state: ServiceState, period: Period, kind: AlertKind, retval: str, ctx: Context
) -> Outcome:
    """ALRT-30: `test KIND G S RETVAL PERIOD`: every line of that list, no decision, nothing counted."""
    tx = _Transaction(service, state, ctx)
    for line in period.lines_of(kind):
        name, args = _test_alert_words(line)
        _call_alert(tx, name, args, _TEST_FLAGS[kind], TEST_OUTPUT, retval, None)
    return tx.outcome()


def _test_alert_words(line: AlertLine) -> tuple[str, str]:
    # ALRT-30: the first word is the alert, so a line `exit=R NAME` runs the alert "exit=R".
    name, args = _split_word(line.text)
    if args.startswith("exit="):
        args = re.sub(r"^exit=\S+\s+", "", args, flags=re.ASCII)
    return name, args


# --- do_alert --------------------------------------------------------------------------


def do_alert(
    service: Service,
    state: ServiceState,
    output: str | None,
    retval: Retval,
    flags: Flag,
    ctx: Context,
    *,
    intended: str | None = None,
) -> Outcome:
    """ALRT-01: decide which alerts an event sends, and send them."""
    tx = _Transaction(service, state, ctx, intended)
    _alert(tx, output, retval, flags)
    return tx.outcome()


def _alert(tx: _Transaction, output: str | None, retval: Retval, flags: Flag) -> None:
    group, name = tx.service.group, tx.service.name
    if tx.ctx.stopped:  # ALRT-02
        tx.note("notice", f"ignoring alert for {group},{name} because the mon scheduler is stopped")
        return
    if tx.service.redistribute != "":  # ALRT-03, ALRT-21
        program, args = _split_word(tx.service.redistribute)
        _call_alert(tx, program, args, flags | Flag.REDISTRIBUTE, output, retval, None)
    if tx.ctx.watch_disabled or tx.state.disabled:  # ALRT-04
        tx.note("notice", f"ignoring alert for {group},{name}")
        return
    if _dependency_holds_back(tx, flags):  # ALRT-05
        return
    summary = summary_of(output)
    _unack_on_new_summary(tx, summary, flags)  # ALRT-06
    if tx.state.ack and not flags & _COMPLEMENTARY:  # ALRT-07
        tx.note("debug", f"no alert for {group}.{name} because of ack'd failure")
        return
    for index in range(len(tx.service.periods)):
        _alert_period(tx, index, output, retval, flags, summary)


def _dependency_holds_back(tx: _Transaction, flags: Flag) -> bool:
    """ALRT-05: failure, trap, ack and disable alerts wait for the parents."""
    if flags & (Flag.STARTUPALERT | Flag.UPALERT):
        return False
    service = tx.service
    depends = (service.depend is not None and service.dep_behavior == "a") or service.alertdepend is not None
    # DEP-06: nothing computes the status for alertdepend alone, so it stays unset and holds back forever.
    return depends and not tx.state.depend_status


def _unack_on_new_summary(tx: _Transaction, summary: str, flags: Flag) -> None:
    """ALRT-06: with unack_summary, a failure with a new summary cancels the ack."""
    state = tx.state
    if not (state.ack and tx.service.unack_summary == 1) or flags & _COMPLEMENTARY:
        return
    stripped, previous = _without_space(summary), _without_space(summary_of(state.failure_output))
    if stripped == previous:
        return
    tx.note("stderr", f"Unacking {tx.name}:\nSummary: X{stripped}X\nPrevious: X{previous}X")
    tx.state = evolve(state, ack=0, ack_comment="", consec_failures=1).with_all_periods(
        tx.service, lambda _, s: evolve(s, last_alert=0, first_fail_time=0, fail_count=0)
    )


def _alert_period(
    tx: _Transaction, index: int, output: str | None, retval: Retval, flags: Flag, summary: str
) -> None:
    period = tx.service.periods[index]
    # ALRT-08; Q33: a malformed period (-1) counts as in period.
    if perl_in_period(period.spec, tx.now) == 0:
        return
    if not _pairs_with_a_down_alert(tx, index, flags):  # ALRT-09
        return
    if not flags & _NOT_FAILURES and not _failure_gates_pass(tx, index, output, retval, summary):
        return
    called = 0
    for line in _lines_for(period, flags):  # ALRT-16
        if line.exit_range is not None and not _in_range(retval, line.exit_range):
            continue
        if _call_alert(tx, line.program, line.args, flags, output, retval, index):
            called += 1
    if called:
        _count_round(tx, index, flags)


def _pairs_with_a_down_alert(tx: _Transaction, index: int, flags: Flag) -> bool:
    """ALRT-09: up and ack alerts only where a down alert went out, unless no_comp_alerts."""
    period, state = tx.service.periods[index], tx.period(index)
    if not period.no_comp_alerts and flags & (Flag.UPALERT | Flag.ACKALERT) and not state.alert_sent:
        where = f"{tx.name}/{period.label}"
        for flag, word in ((Flag.UPALERT, "upalert"), (Flag.ACKALERT, "ackalert")):
            if flags & flag:
                tx.note("debug", f"{where}: Suppressing {word} since no down alert was sent.")
        return False
    # PER-13: with no_comp_alerts, one upalert per episode.
    return not (period.no_comp_alerts and flags & Flag.UPALERT and state.no_comp_upalert_sent > 0)


def _failure_gates_pass(
    tx: _Transaction, index: int, output: str | None, retval: Retval, summary: str
) -> bool:
    """ALRT-10..15, in mon's order; alertafter's counters change even when a later step stops the alert."""
    period, state = tx.service.periods[index], tx.period(index)
    where = f"{tx.name}/{period.label}"
    if period.alertexitrange is not None and not _in_range(retval, period.alertexitrange):  # ALRT-10
        return False
    if period.numalerts and state.alert_sent >= period.numalerts:  # ALRT-11
        tx.note("debug", f"{where}: Suppressing alert since numalerts is met.")
        return False
    if _alertevery_holds_back(tx, period, state, output, summary):  # ALRT-12
        tx.note("debug", f"{where}: Suppressing alert for now due to alertevery.")
        return False
    return _alertafter_passes(tx, index, where)


def _alertevery_holds_back(
    tx: _Transaction, period: Period, state: PeriodState, output: str | None, summary: str
) -> bool:
    if period.alertevery == 0 or tx.now - (state.last_alert or 0) >= period.alertevery:
        return False
    mode = period.alertevery_mode
    if mode == "observe_detail":
        return (tx.state.failure_output or "") == (output or "")
    if mode == "summary":  # ALRT-12a: only the summary is compared with the previous failure's
        return summary_of(tx.state.failure_output) == summary
    return True  # strict, ignore_summary


def _alertafter_passes(tx: _Transaction, index: int, where: str) -> bool:
    period = tx.service.periods[index]
    if period.alertafter_consec is not None and tx.state.consec_failures < period.alertafter_consec:
        tx.note("debug", f"{where}: Suppressing alert for now due to alertafter consecutive failures.")
        return False  # ALRT-13
    if period.alertafter is None and period.alertafterival is not None:  # ALRT-14
        passes, reason = _alertafter_time_passes(tx, index, period.alertafterival), "numval"
    elif period.alertafter is not None:  # ALRT-15
        window = period.alertafterival or 0.0
        passes, reason = _alertafter_count_passes(tx, index, period.alertafter, window), "num timeval"
    else:
        return True
    if not passes:
        tx.note("debug", f"{where}: Suppressing alert for now due to alertafter {reason}.")
    return passes


def _alertafter_time_passes(tx: _Transaction, index: int, window: float) -> bool:
    """ALRT-14a: `alertafter T`: alert once failing for more than T since this period's first failure."""
    state = tx.period(index)
    first = state.first_fail_time or tx.now
    tx.set_period(index, evolve(state, first_fail_time=first))
    return tx.now - first > window


def _alertafter_count_passes(tx: _Transaction, index: int, needed: int, window: float) -> bool:
    """ALRT-15a: `alertafter N T`: from the Nth failure within T on, every failure alerts."""
    state = tx.period(index)
    count, first = (state.fail_count or 0) + 1, state.first_fail_time or 0
    inside = tx.now - first <= window
    if inside and count < needed:
        tx.set_period(index, evolve(state, fail_count=count))
        return False
    if not inside:  # a new window
        count = 1
    if count == 1:
        first = tx.now
    tx.set_period(index, evolve(state, fail_count=count, first_fail_time=first))
    return count >= needed


def _lines_for(period: Period, flags: Flag) -> tuple[AlertLine, ...]:
    kind: AlertKind = next((kind for flag, kind in _LINES_BY_FLAG if flags & flag), "alert")
    return period.lines_of(kind)


def _count_round(tx: _Transaction, index: int, flags: Flag) -> None:
    """ALRT-17: a period that called at least one alert counts a round."""
    period, state = tx.service.periods[index], tx.period(index)
    if flags & Flag.UPALERT:
        # Q13: the upalert also clears last_alert, which restarts even `alertevery strict`.
        state = evolve(state, alert_sent=0, last_alert=0)
        if period.no_comp_alerts:
            state = evolve(state, no_comp_upalert_sent=state.no_comp_upalert_sent + 1)
    else:
        # Q12: startup and ack alerts count too (numalerts, upalert pairing).
        state = evolve(state, alert_sent=state.alert_sent + 1)
        if period.no_comp_alerts:
            state = evolve(state, no_comp_upalert_sent=0)
    tx.set_period(index, state)


# --- call_alert ------------------------------------------------------------------------


def _call_alert(
    tx: _Transaction,
    program: str,
    args: str,
    flags: Flag,
    output: str | None,
    retval: Retval,
    period_index: int | None,
) -> bool:
    """ALRT-22..28: one alert call; False when the alert program is not found."""
    path = tx.ctx.find_alert(program)
    if path is None:
        tx.note("err", f"no alert found while trying to run {program}")
        return False
    run = _alert_run(tx, program, path, args, flags, output, retval, period_index)
    if not flags & Flag.REDISTRIBUTE:
        tx.note("alert", run.syslog_text())
    tx.runs.append(run)
    if run.counted:
        _account(tx, run, period_index)
    return True


def _alert_run(
    tx: _Transaction,
    program: str,
    path: str,
    args: str,
    flags: Flag,
    output: str | None,
    retval: Retval,
    period_index: int | None,
) -> AlertRun:
    service = tx.service
    retval_text = None if retval is None else str(retval)
    environment = alert_environment(
        tx.state, service.group, service.name, service.description, retval_text, type_words(flags)[1],
        tx.intended,
    )  # fmt: skip
    return AlertRun(
        group=service.group,
        service=service.name,
        program=program,
        path=path,
        args=args,
        period=None if period_index is None else service.periods[period_index].label,
        flags=flags,
        hosts=tx.ctx.hosts,
        time=tx.now,
        output=output or "",
        retval=retval_text,
        mon_environment=environment,
    )


def _account(tx: _Transaction, run: AlertRun, period_index: int | None) -> None:
    """ALRT-28 and LOG-04."""
    if period_index is not None:
        tx.set_period(period_index, evolve(tx.period(period_index), last_alert=tx.now))
    tx.state = evolve(tx.state, alert_count=tx.state.alert_count + 1)
    entry = AlertHistoryEntry(run.type, run.group, run.service, run.time, run.path, run.args, run.summary)
    tx.alert_history.append(entry)


# --- Perl details ----------------------------------------------------------------------


def _in_range(value: Retval, exit_range: ExitRange) -> bool:
    """mon's inRange: Perl's numeric comparison, undef and text counting as numbers."""
    number = perl_num(value) if isinstance(value, str) or value is None else value
    return exit_range.low <= number <= exit_range.high


def _split_word(text: str) -> tuple[str, str]:
    """Perl's `split(/\\s+/, TEXT, 2)`: the first word and the rest ("" for none)."""
    fields = re.split(r"\s+", text, maxsplit=1, flags=re.ASCII)
    return fields[0], (fields[1] if len(fields) > 1 else "")


def _without_space(text: str) -> str:
    return text.translate({ord(c): None for c in PERL_SPACE})
