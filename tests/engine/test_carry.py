"""What `reset keepstate` keeps (STATE-06), and `set G S VAR VALUE` on the typed state (PROTO-35/36, Q20)."""

from __future__ import annotations

from dataclasses import replace

from engine_sim import T0, load_service

from pymon.engine.carry import kept_state
from pymon.engine.states import PeriodState, Status, initial_state
from pymon.engine.variables import set_opstatus, set_service_keyword, set_variable, shows_raw

SERVICE = """
    interval 2s
    failure_interval 1s
    period a:
        alert a.alert
    period b:
        alertafter 3 1m
        alert b.alert
"""


def test_keepstate_keeps_the_state_file_values_and_same_named_periods() -> None:
    old_service = load_service(SERVICE)
    failing = replace(
        initial_state(old_service),
        op_status=Status.FAIL, last_op_status=Status.OK, exitval=2, ack=T0, ack_comment="u: on it",
        consec_failures=3, failure_count=4, alert_count=2, first_failure=T0 - 60, last_failure=T0,
        last_success=T0 - 120, last_summary="down", last_detail="detail", failure_output="down\n",
        disabled=True, last_check=T0, interval=1.0, old_interval=2.0, depend_status=False,
        last_output="down\n",
        periods=(PeriodState("a", alert_sent=2, last_alert=T0), PeriodState("b", 1, T0, T0 - 60, 3)),
    )  # fmt: skip
    # the new config drops period a, keeps b and adds c
    new_service = load_service(SERVICE.replace("period a:", "period c:"))
    fresh = initial_state(new_service)
    kept = kept_state(failing, fresh)
    for name in ("op_status", "last_op_status", "exitval", "ack", "ack_comment", "consec_failures",
                 "failure_count", "alert_count", "first_failure", "last_failure", "last_success",
                 "last_summary", "last_detail", "failure_output", "disabled", "last_check"):  # fmt: skip
        assert getattr(kept, name) == getattr(failing, name), name
    # not in mon's state files: back to what the config says
    assert (kept.interval, kept.old_interval, kept.depend_status, kept.last_output) == (2.0, None, None, None)
    assert kept.periods == (PeriodState("c"), PeriodState("b", 1, T0, T0 - 60, 3))


def test_set_variable_reads_the_string_as_perl_would_there() -> None:
    state = initial_state(load_service(SERVICE))
    assert set_variable(state, "colour", "blue") is None  # not a key the state holds
    assert set_variable(state, "disable", "0") == replace(state, disabled=False)
    assert set_variable(state, "disable", "yes") == replace(state, disabled=True)
    assert set_variable(state, "interval", "5m") == replace(state, interval=5.0)
    assert set_variable(state, "_consec_failures", "3x") == replace(state, consec_failures=3)
    assert set_variable(state, "_op_status", "1") == replace(state, op_status=1)
    assert set_variable(state, "_op_status", "01") == replace(state, op_status="01")  # a string, as Q20
    assert set_variable(state, "_first_failure", "") == replace(state, first_failure=None)
    assert set_variable(state, "_ack_comment", "a b") == replace(state, ack_comment="a b")


def test_get_shows_the_value_as_set_until_the_state_changes() -> None:
    state = set_variable(initial_state(load_service(SERVICE)), "interval", "5m")
    assert state is not None
    assert shows_raw(state, "interval", "5m")
    assert not shows_raw(replace(state, interval=1.0), "interval", "5m")  # failure_interval took over
    assert shows_raw(state, "colour", "blue")


def test_set_opstatus_stores_the_name_q20() -> None:
    state = replace(initial_state(load_service(SERVICE)), op_status=Status.OK)
    changed = set_opstatus(state, "fail")
    assert (changed.op_status, changed.last_op_status) == ("fail", Status.OK)


def test_keepstate_keeps_only_a_disable_not_an_enable() -> None:
    service = load_service(SERVICE)
    fresh = initial_state(service)
    assert kept_state(replace(fresh, disabled=False), fresh).disabled is None  # `get` shows '' as in mon
    assert kept_state(replace(fresh, disabled=True), fresh).disabled is True


def test_set_service_keyword_changes_what_the_engine_reads() -> None:
    service = load_service(SERVICE)
    changed = set_service_keyword(service, "monitor", "other.monitor -x")
    assert changed is not None and changed.monitor == "other.monitor -x"
    assert changed.settings["monitor"] == "other.monitor -x"  # what `get` reads
    assert set_service_keyword(service, "failure_interval", "5m") == replace(
        service, failure_interval=5.0, settings={**service.settings, "failure_interval": "5m"}
    )
    assert set_service_keyword(service, "colour", "blue") is None
