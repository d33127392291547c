"""Properties of the alert decision over random configs and random event sequences.

Each example builds a service with two periods of random alert settings, then
feeds it a random sequence of results, acks and startups, and checks invariants
that follow from mon's rules after every step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine_sim import T0, Sim, load_service
from hypothesis import given, settings
from hypothesis import strategies as st

from pymon.engine import Flag, Outcome, Status, can_acknowledge

MODES = ["", " observe_detail", " ignore_summary", " strict"]
ALERTAFTERS = ["", "alertafter 1", "alertafter 3", "alertafter 10s", "alertafter 2 1m"]


@st.composite
def period_text(draw: st.DrawFn, label: str) -> str:
    lines = [f"period {label}:", f"    alert {label}.alert", f"    startupalert {label}-start.alert"]
    lines.append(f"    ackalert {label}-ack.alert")
    if draw(st.booleans()):
        lines.append(f"    upalert {label}-up.alert")
    if draw(st.booleans()):
        lines.append(f"    alertevery {draw(st.sampled_from(['5s', '30s']))}{draw(st.sampled_from(MODES))}")
    if numalerts := draw(st.integers(0, 3)):
        lines.append(f"    numalerts {numalerts}")
    if alertafter := draw(st.sampled_from(ALERTAFTERS)):
        lines.append(f"    {alertafter}")
    if draw(st.booleans()):
        lines.append("    no_comp_alerts")
    if draw(st.booleans()):
        lines.append("    alertexitrange 1-2")
    return "\n".join(lines)


@st.composite
def service_text(draw: st.DrawFn) -> str:
    head = ["redistribute redist.alert"] if draw(st.booleans()) else []
    return "\n".join([*head, draw(period_text("a")), draw(period_text("b"))])


Step = tuple[str, int, int, str]  # (what, seconds later, exit value, summary)

steps = st.lists(
    st.tuples(
        st.sampled_from(["fail", "fail", "fail", "ok", "trap", "trapok", "ack", "startup"]),
        st.integers(0, 20),
        st.integers(1, 3),
        st.sampled_from(["A", "B", "A  ", ""]),
    ),
    max_size=30,
)


@dataclass
class Model:
    """What the test remembers between steps to judge the next one."""

    sent_since_success: dict[str, bool] = field(default_factory=lambda: {"a": False, "b": False})
    up_allowed: dict[str, bool] = field(default_factory=lambda: {"a": True, "b": True})
    failure_rounds: dict[str, int] = field(default_factory=lambda: {"a": 0, "b": 0})
    failures: int = 0
    first_failure: int | None = None
    counted: int = 0


def run_step(sim: Sim, step: Step) -> Outcome | None:
    what, seconds, exit_value, summary = step
    sim.tick(seconds)
    output = f"{summary}\ndetail {exit_value}\n"
    if what == "fail":
        return sim.fail(output, exit_value)
    if what == "trap":
        return sim.result(str(exit_value), output, kind="trap")
    if what in ("ok", "trapok"):
        return sim.result(0, "fine\n", kind="monitor" if what == "ok" else "trap")
    if what == "ack":
        return sim.ack() if can_acknowledge(sim.state) else None
    return sim.startup()


def check_upalerts(sim: Sim, model: Model, outcome: Outcome) -> None:
    """ALRT-09: an upalert follows a round of that period since the last success, unless no_comp_alerts."""
    for run in outcome.alerts:
        label = run.period
        if label is None:
            continue
        no_comp = next(p for p in sim.service.periods if p.label == label).no_comp_alerts
        if run.flags & Flag.UPALERT:
            assert no_comp or model.sent_since_success[label]
            assert not no_comp or model.up_allowed[label]
            model.up_allowed[label] = False
        else:
            model.sent_since_success[label] = True
            model.up_allowed[label] = True


def check_numalerts(sim: Sim, model: Model, outcome: Outcome) -> None:
    """ALRT-11: at most numalerts failure rounds per period and episode."""
    for period in sim.service.periods:
        failure = Flag.MONITOR | Flag.TRAP
        model.failure_rounds[period.label] += any(
            r.period == period.label and r.flags & failure for r in outcome.alerts
        )
        if period.numalerts:
            assert model.failure_rounds[period.label] <= period.numalerts


def check_accounting(sim: Sim, model: Model, outcome: Outcome) -> None:
    """ALRT-28: every counted run is one history entry, one `calling` line, one alert_count."""
    counted = [run for run in outcome.alerts if run.counted]
    model.counted += len(counted)
    assert sim.state.alert_count == model.counted
    assert [e.line() for e in outcome.alert_history] == [
        f"{r.type} g s {r.time} {r.path} ({r.args}) {r.summary}" for r in counted
    ]
    calling = [line.text for line in outcome.log if line.level == "alert"]
    assert calling == [run.syslog_text() for run in counted]


def check_status(sim: Sim, model: Model, step: Step, outcome: Outcome) -> None:
    """STAT-03/04: counters and the failure episode."""
    state = sim.state
    if step[0] in ("fail", "trap"):
        model.failures += 1
        model.first_failure = model.first_failure or sim.now
        assert state.op_status == Status.FAIL
        assert state.consec_failures == model.failures
        assert state.first_failure == model.first_failure
        assert all(dict(r.mon_environment)["MON_OPSTATUS"] == "0" for r in outcome.alerts)
    elif step[0] in ("ok", "trapok"):
        model.failures, model.first_failure = 0, None
        model.sent_since_success = {"a": False, "b": False}
        model.failure_rounds = {"a": 0, "b": 0}
        assert (state.op_status, state.consec_failures, state.first_failure) == (Status.OK, 0, 0)
        assert all(p.alert_sent == 0 for p in state.periods)
        assert all(r.flags & Flag.UPALERT for r in outcome.alerts)


def check_alertafter(sim: Sim, outcome: Outcome) -> None:
    """ALRT-13: no failure alert while the consecutive failures are fewer than `alertafter N`."""
    for period in sim.service.periods:
        needed = period.alertafter_consec
        runs = [r for r in outcome.alerts if r.period == period.label and r.flags & Flag.MONITOR]
        if needed is not None and runs:
            assert sim.state.consec_failures >= needed


@settings(max_examples=300, deadline=None)
@given(service_text(), steps)
def test_invariants_over_event_sequences(text: str, sequence: list[Step]) -> None:
    sim = Sim(load_service(text))
    model = Model()
    for step in sequence:
        outcome = run_step(sim, step)
        if outcome is None:
            continue
        check_upalerts(sim, model, outcome)
        check_status(sim, model, step, outcome)
        check_numalerts(sim, model, outcome)
        check_accounting(sim, model, outcome)
        check_alertafter(sim, outcome)


@settings(max_examples=100, deadline=None)
@given(service_text(), steps)
def test_acked_service_sends_no_failure_alerts(text: str, sequence: list[Step]) -> None:
    sim = Sim(load_service(text))
    for step in sequence:
        acked = bool(sim.state.ack)
        outcome = run_step(sim, step)
        if outcome is not None and acked and step[0] in ("fail", "trap"):
            assert [r for r in outcome.alerts if r.counted] == []


@settings(max_examples=100, deadline=None)
@given(service_text(), steps)
def test_stopped_scheduler_sends_nothing_but_keeps_status(text: str, sequence: list[Step]) -> None:
    running, stopped = Sim(load_service(text)), Sim(load_service(text), stopped=True)
    for step in sequence:
        run_step(running, step)
        run_step(stopped, step)
        assert stopped.runs == []
        assert stopped.state.op_status == running.state.op_status
        assert stopped.state.consec_failures == running.state.consec_failures
        assert stopped.state.last_summary == running.state.last_summary


@settings(max_examples=100, deadline=None)
@given(service_text(), steps)
def test_decisions_are_deterministic(text: str, sequence: list[Step]) -> None:
    first, second = Sim(load_service(text)), Sim(load_service(text))
    for step in sequence:
        assert run_step(first, step) == run_step(second, step)
    assert first.now == second.now == T0 + sum(step[1] for step in sequence)
