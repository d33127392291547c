"""The service state record: SVC-01 initial values and the `list opstatus` summaries."""

from __future__ import annotations

from dataclasses import replace

from engine_sim import T0, Sim, load_service

from pymon.engine import ServiceState, Status, alerts_sent, initial_state, last_alert
from pymon.engine.states import status_number


def test_svc_01_initial_state() -> None:
    service = load_service("""
        interval 2s
        period a:
            alertafter 5m
            alert a.alert
        period b:
            alertafter 3 1m
            alert b.alert
        period c:
            alert c.alert
    """)
    state = initial_state(service)
    assert state == ServiceState(interval=2.0, periods=state.periods)
    assert (state.op_status, state.last_op_status) == (Status.UNTESTED, Status.UNTESTED)
    assert state.exitval == "undef"
    assert (state.ack, state.ack_comment, state.alert_count, state.last_failure) == (0, "", 0, 0)
    assert (state.first_failure, state.last_check, state.depend_status) == (None, None, None)
    # `alertafter` with a time sets the counters it uses to 0 at parse time; mon leaves the rest undef.
    assert [(p.label, p.first_fail_time, p.fail_count) for p in state.periods] == [
        ("a", 0, None),
        ("b", 0, 0),
        ("c", None, None),
    ]
    assert all(p.alert_sent == 0 and p.last_alert is None for p in state.periods)


def test_opstatus_summaries() -> None:
    # PER-14: alerts_dont_count leaves a period out of alerts_sent=.
    sim = Sim.of("""
        period a:
            alert a.alert
        period b:
            alerts_dont_count
            alert b.alert
    """)
    assert (alerts_sent(sim.service, sim.state), last_alert(sim.state)) == (0, 0)
    sim.fail()
    sim.tick(5).fail()
    assert sim.state.periods[1].alert_sent == 2
    assert (alerts_sent(sim.service, sim.state), last_alert(sim.state)) == (2, T0 + 5)


def test_status_number_follows_perl() -> None:
    # Q20: `set opstatus ok` stores the name; Perl's == reads it as 0, i.e. FAIL.
    assert status_number("ok") == Status.FAIL and status_number("1") == 1 and status_number(Status.OK) == 1
    sim = Sim.of("""
        period a:
            alert a.alert
            upalert up.alert
        """)
    sim.state = replace(sim.state, op_status="ok", periods=(replace(sim.state.periods[0], alert_sent=1),))
    sim.ok()
    assert sim.programs() == ["up.alert"]  # mon takes "ok" for FAIL and sends the upalert
