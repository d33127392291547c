"""The engine: service state and the decisions made on it (and, later, the processes).

The pure heart is `decision`: (service config, state, event, context) -> outcome
(new state, alerts to start, records to write). `states` holds the state,
`dependency` evaluates dependencies, `alert_run` describes an alert to start,
`records` the syslog lines and history entries the runner writes.
"""

from pymon.engine.alert_run import AlertRun, Flag
from pymon.engine.decision import (
    Context,
    Event,
    EventKind,
    Outcome,
    acknowledge,
    can_acknowledge,
    clear_timers,
    disable_service,
    do_alert,
    process_result,
    send_test_alert,
    startup_alert,
)
from pymon.engine.dependency import DependCheck, Peer, check_dependency, hostdepend_hosts
from pymon.engine.records import (
    AlertHistoryEntry,
    DowntimeEntry,
    FailureHistoryEntry,
    LogLine,
    keep_recent,
)
from pymon.engine.states import (
    FAILURE,
    SUCCESS,
    WARNING,
    PeriodState,
    ServiceState,
    Status,
    alerts_sent,
    initial_state,
    last_alert,
)

__all__ = [
    "FAILURE",
    "SUCCESS",
    "WARNING",
    "AlertHistoryEntry",
    "AlertRun",
    "Context",
    "DependCheck",
    "DowntimeEntry",
    "Event",
    "EventKind",
    "FailureHistoryEntry",
    "Flag",
    "LogLine",
    "Outcome",
    "Peer",
    "PeriodState",
    "ServiceState",
    "Status",
    "acknowledge",
    "alerts_sent",
    "can_acknowledge",
    "check_dependency",
    "clear_timers",
    "disable_service",
    "do_alert",
    "hostdepend_hosts",
    "initial_state",
    "keep_recent",
    "last_alert",
    "process_result",
    "send_test_alert",
    "startup_alert",
]
