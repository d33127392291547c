"""What a reset carries from the old engine into the one built from the re-read config.

mon's `reset` (PROTO-41) rebuilds every service from the config file. What
survives is fixed by what mon leaves alone and, with `keepstate`, by what its
state files hold (it saves all state before the re-read and loads it after):

* always (STATE-05): disabled hosts, disabled watches, the scheduler's
  stopped flag, the server's start time, the in-memory histories (replaced by
  historicfile's content when one is configured, LOG-06), `set maxkeep`;
* with keepstate (STATE-06): for every service that still exists, its disable
  flag and the values of the opstatus state file (STATE-02): status, counters,
  summaries, ack and its comment, and each same-named period's alert counters.

Everything else starts afresh, as in mon: the polling interval (back to the
config's, even while failing), `set` variables, dependency status.
"""

from __future__ import annotations

from dataclasses import replace

from pymon.engine.engine import Engine
from pymon.engine.states import PeriodState, ServiceState

__all__ = ["carry_over", "kept_state"]


def carry_over(old: Engine, new: Engine, *, keepstate: bool) -> None:
    """Move into `new` (not yet begun) what survives a reset of `old`."""
    new.start_time = old.start_time
    new.stopped_since = old.stopped_since
    new.disabled_hosts = old.disabled_hosts & new.all_hosts()
    new.disabled_watches = old.disabled_watches & set(new.config.watches)
    new.journal.alert_history = old.journal.alert_history
    new.journal.failure_history = old.journal.failure_history
    # mon re-reads globals on top of the ones in force: `set maxkeep` lasts while histlength is unchanged
    if new.config.globals.histlength == old.config.globals.histlength:
        new.journal.maxkeep = old.journal.maxkeep
    new.environ = old.environ
    if not keepstate:
        return
    for key, fresh in new.states.items():
        before = old.states.get(key)
        if before is not None:
            new.states[key] = kept_state(before, fresh)


def kept_state(old: ServiceState, fresh: ServiceState) -> ServiceState:
    """`fresh` (a new service's initial state) with what `reset keepstate` restores from `old`."""
    periods = tuple(_kept_period(old.period(p.label), p) for p in fresh.periods)
    return replace(
        fresh,
        op_status=old.op_status,
        last_op_status=old.last_op_status,
        exitval=old.exitval,
        ack=old.ack,
        ack_comment=old.ack_comment,
        consec_failures=old.consec_failures,
        failure_count=old.failure_count,
        alert_count=old.alert_count,
        first_failure=old.first_failure,
        last_failure=old.last_failure,
        last_success=old.last_success,
        last_summary=old.last_summary,
        last_detail=old.last_detail,
        failure_output=old.failure_output,
        disabled=True if old.disabled else None,  # the disabled file lists only disabled services
        last_check=old.last_check,
        last_trap=old.last_trap,
        last_traphost=old.last_traphost,
        last_failure_time=old.last_failure_time,
        last_failure_summary=old.last_failure_summary,
        last_failure_detail=old.last_failure_detail,
        periods=periods,
    )


def _kept_period(old: PeriodState | None, fresh: PeriodState) -> PeriodState:
    if old is None:
        return fresh
    return replace(
        fresh,
        alert_sent=old.alert_sent,
        last_alert=old.last_alert,
        first_fail_time=old.first_fail_time,
        fail_count=old.fail_count,
    )
