"""A tiny driver for the pure decision functions: one service, a clock, and what came out.

Tests write the service's config lines, then feed results and read back the alert
runs, log lines and histories, without processes.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from pymon.config import Service, parse_config
from pymon.config.model import AlertKind
from pymon.engine import (
    AlertHistoryEntry,
    AlertRun,
    Context,
    Event,
    EventKind,
    FailureHistoryEntry,
    LogLine,
    Outcome,
    Peer,
    ServiceState,
    acknowledge,
    disable_service,
    initial_state,
    process_result,
    send_test_alert,
    startup_alert,
)

T0 = 1_800_000_000  # 2027-01-15 08:00 UTC
ALERT_DIR = "/usr/lib/mon/alert.d"


def find_alert(name: str) -> str | None:
    """Every alert exists, except those named `missing...` (and mon's `exit=R` quirk names)."""
    if name.startswith("missing") or "=" in name:
        return None
    return f"{ALERT_DIR}/{name}"


def config_text(body: str, *, group: str = "g", service: str = "s", hosts: str = "h1 h2") -> str:
    """A config with one watch and one service whose lines are `body` (indented as a service)."""
    lines = textwrap.indent(textwrap.dedent(body).strip("\n"), " " * 8)
    return f"hostgroup {group} {hosts}\n\nwatch {group}\n    service {service}\n{lines}\n"


def load_service(body: str, *, group: str = "g", service: str = "s") -> Service:
    config = parse_config(config_text(body, group=group, service=service), now=T0)
    found = config.service(group, service)
    assert found is not None
    return found


@dataclass
class Sim:
    """One service driven through the decision functions, keeping everything they return."""

    service: Service
    now: int = T0
    hosts: tuple[str, ...] = ("h1", "h2")
    stopped: bool = False
    watch_disabled: bool = False
    peers: dict[tuple[str, str], Peer] = field(default_factory=dict)
    find: Callable[[str], str | None] = find_alert
    state: ServiceState = field(init=False)
    runs: list[AlertRun] = field(default_factory=list)
    log: list[LogLine] = field(default_factory=list)
    alert_history: list[AlertHistoryEntry] = field(default_factory=list)
    failure_history: list[FailureHistoryEntry] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.state = initial_state(self.service)

    @classmethod
    def of(cls, body: str, **options: Any) -> Sim:
        return cls(load_service(body), **options)

    def ctx(self, **changes: Any) -> Context:
        context = Context(
            now=self.now,
            find_alert=self.find,
            hosts=self.hosts,
            peers=lambda group, name: self.peers.get((group, name)),
            stopped=self.stopped,
            watch_disabled=self.watch_disabled,
        )
        return replace(context, **changes)

    def apply(self, outcome: Outcome) -> Outcome:
        self.state = outcome.state
        self.runs.extend(outcome.alerts)
        self.log.extend(outcome.log)
        self.alert_history.extend(outcome.alert_history)
        self.failure_history.extend(outcome.failure_history)
        self.outcomes.append(outcome)
        return outcome

    def tick(self, seconds: int) -> Sim:
        self.now += seconds
        return self

    # --- events ---------------------------------------------------------------------

    def result(
        self, exit_value: int | str, output: str = "", kind: EventKind = "monitor", **ctx: Any
    ) -> Outcome:
        event = Event(kind, exit_value, output)
        return self.apply(process_result(self.service, self.state, event, self.ctx(**ctx)))

    def fail(self, output: str = "down\n", exit_value: int = 1, **ctx: Any) -> Outcome:
        return self.result(exit_value, output, **ctx)

    def ok(self, output: str = "up\n", **ctx: Any) -> Outcome:
        return self.result(0, output, **ctx)

    def startup(self) -> Outcome:
        return self.apply(startup_alert(self.service, self.state, self.ctx()))

    def ack(self, comment: str = "alice: on it") -> Outcome:
        return self.apply(acknowledge(self.service, self.state, comment, self.ctx()))

    def disable(self, user: str | None = "alice") -> Outcome:
        return self.apply(disable_service(self.service, self.state, user, self.ctx()))

    def test(self, kind: AlertKind, retval: str, label: str) -> Outcome:
        period = next(p for p in self.service.periods if p.label == label)
        return self.apply(send_test_alert(self.service, self.state, period, kind, retval, self.ctx()))

    # --- what came out --------------------------------------------------------------

    def programs(self, outcome: Outcome | None = None) -> list[str]:
        runs = self.runs if outcome is None else outcome.alerts
        return [run.program for run in runs]

    def levels(self, level: str) -> list[str]:
        return [line.text for line in self.log if line.level == level]


def peer(body: str, state: ServiceState | None = None, *, group: str = "p", service: str = "s") -> Peer:
    """Another service, for dependencies; untested unless `state` says otherwise."""
    found = load_service(body, group=group, service=service)
    return Peer(found, state if state is not None else initial_state(found))
