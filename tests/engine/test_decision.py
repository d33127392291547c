"""The alert decision, one test per feature of mon-spec.md sections 10-12 (STAT, ALRT, DEP).

Each test drives one service through sequences of events with the pure functions
and checks the alerts, state and records that come out. Scenarios marked [EXP] in
the spec (observed on the real daemon) are reproduced with their numbers.
"""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from engine_sim import ALERT_DIR, T0, Sim, load_service, peer

from pymon.config.model import ExitRange
from pymon.engine import (
    FAILURE,
    SUCCESS,
    WARNING,
    AlertHistoryEntry,
    Flag,
    ServiceState,
    Status,
    can_acknowledge,
    clear_timers,
    do_alert,
    initial_state,
    keep_recent,
)
from pymon.engine.states import OPSTAT, is_success

ALWAYS = "period p:"

# --- STAT -----------------------------------------------------------------------------


def test_stat_01_status_codes() -> None:
    assert [s.value for s in Status] == list(range(10))
    assert [Status.FAIL.value, Status.OK.value, Status.UNTESTED.value, Status.WARN.value] == [0, 1, 7, 9]
    names = {"fail", "ok", "coldstart", "warmstart", "linkdown", "unknown", "timeout", "untested"}
    assert set(OPSTAT) == names
    assert initial_state(load_service("interval 1m")).op_status == Status.UNTESTED


def test_stat_02_status_classes() -> None:
    assert {int(s) for s in FAILURE} == {0, 4, 6}
    assert {int(s) for s in SUCCESS} == {1, 2, 3, 5, 7}
    assert {int(s) for s in WARNING} == {2, 3, 5, 9}
    assert is_success(Status.UNTESTED) and is_success("1") and not is_success(None)
    assert not is_success("ok")  # Q20: `set opstatus ok` stores the name, which is no success


def test_stat_03_failure_result() -> None:
    sim = Sim.of(f"""
        interval 2s
        {ALWAYS}
            alert fail.alert
    """)
    sim.ok("fine\n")
    sim.tick(2).fail("sum line\ndetail1\ndetail2\n", exit_value=3)
    state = sim.state
    assert (state.op_status, state.last_op_status, state.exitval) == (Status.FAIL, Status.OK, 3)
    assert (state.failure_count, state.consec_failures) == (1, 1)
    assert state.first_failure == state.last_failure == T0 + 2
    assert (state.last_summary, state.last_detail) == ("sum line", "detail1\ndetail2\n")
    assert state.failure_output == state.last_output == "sum line\ndetail1\ndetail2\n"
    assert sim.levels("crit") == [f"failure for g s {T0 + 2} sum line"]
    # The alert sees the current summary but the previous output.
    env = dict(sim.runs[0].mon_environment)
    assert env["MON_LAST_SUMMARY"] == "sum line" and env["MON_LAST_OUTPUT"] == "fine\n"
    assert env["MON_OPSTATUS"] == "0"

    sim.tick(2).fail("   \nonly detail")
    state = sim.state
    assert (state.failure_count, state.consec_failures, state.first_failure) == (2, 2, T0 + 2)
    assert (state.last_failure, state.last_op_status) == (T0 + 4, Status.FAIL)
    assert (state.last_summary, state.last_detail) == ("(NO SUMMARY)", "only detail")


def test_stat_03_failure_episode_starts_only_from_ok_unknown_untested() -> None:
    sim = Sim.of("interval 1m")
    sim.state = replace(sim.state, op_status=Status.COLDSTART)
    sim.fail()
    assert sim.state.first_failure is None
    sim.state = replace(sim.state, op_status=Status.UNKNOWN)
    sim.tick(1).fail()
    assert sim.state.first_failure == T0 + 1


def test_stat_04_success_result_and_upalert() -> None:
    sim = Sim.of(f"""
        interval 2s
        {ALWAYS}
            alertevery 1h
            alertafter 5m
            alert fail.alert
            upalert up.alert
    """)
    sim.ok("was fine\n")
    sim.tick(2).fail("sum line\ndetail\n")
    sim.tick(400).fail("sum line\ndetail\n")
    sim.state = replace(sim.state, ack=T0 + 401, ack_comment="bob: mine")
    assert sim.programs() == ["fail.alert"]
    before = sim.state

    outcome = sim.tick(2).ok("good\nall fine")
    up = outcome.alerts[0]
    assert (up.program, up.output, up.retval, up.argv_flag) == ("up.alert", "sum line\ndetail\n", "0", "-u")
    env = dict(up.mon_environment)
    # Issued before the success is stored: the failure's summary, the previous success.
    assert env["MON_LAST_SUMMARY"] == "sum line" and env["MON_LAST_SUCCESS"] == str(T0)
    assert env["MON_FIRST_FAILURE"] == str(T0 + 2) and env["MON_LAST_FAILURE"] == str(before.last_failure)
    assert env["MON_OPSTATUS"] == "1" and env["MON_ALERTTYPE"] == "up"

    state = sim.state
    assert (state.op_status, state.last_op_status, state.exitval) == (Status.OK, Status.FAIL, 0)
    assert (state.ack, state.ack_comment, state.first_failure, state.last_failure) == (0, "", 0, 0)
    assert (state.consec_failures, state.failure_output, state.last_success) == (0, "", T0 + 404)
    assert (state.last_summary, state.last_detail) == ("good", "all fine")
    assert state.last_output == "good\nall fine"
    assert state.periods[0].alert_sent == 0
    assert state.periods[0].last_alert == 0 and state.periods[0].first_fail_time == 0


def test_stat_04_success_keeps_perl_undefs() -> None:
    sim = Sim.of("interval 1m")
    sim.ok("")
    assert (sim.state.last_summary, sim.state.last_detail, sim.state.last_output) == (None, None, "")


def test_stat_05_only_fail_to_ok_sends_upalert() -> None:
    sim = Sim.of(f"""
        {ALWAYS}
            alert fail.alert
            upalert up.alert
    """)
    sim.ok()  # untested -> ok
    sim.ok()  # ok -> ok
    assert sim.runs == []
    sim.fail()
    sim.ok()
    assert sim.programs() == ["fail.alert", "up.alert"]
    sim.state = replace(sim.state, op_status=Status.LINKDOWN)  # a failure class, but not FAIL
    sim.ok()
    assert sim.programs() == ["fail.alert", "up.alert"]


# --- ALRT: do_alert in order -------------------------------------------------------------


def test_alrt_01_flags_and_callers() -> None:
    assert [f.value for f in Flag] == [1, 2, 4, 8, 16, 32, 64, 128, 256]
    sim = Sim.of(f"""
        {ALWAYS}
            alert fail.alert
            startupalert start.alert
            ackalert ack.alert
    """)
    sim.startup()
    sim.fail()
    sim.result(1, "trap\n\ndetail", kind="trap")
    sim.result(1, "trap timeout\n", kind="traptimeout")
    sim.ack()
    flags = [run.flags for run in sim.runs]
    assert flags == [Flag.STARTUPALERT, Flag.MONITOR, Flag.TRAP, Flag.TRAPTIMEOUT, Flag.ACKALERT]


def test_alrt_02_stopped_scheduler_suppresses_everything() -> None:
    sim = Sim.of(f"""
        redistribute redist.alert
        {ALWAYS}
            alert fail.alert
    """, stopped=True)
    sim.startup()
    sim.fail()
    assert sim.runs == [] and sim.state.alert_count == 0
    assert sim.levels("notice") == ["ignoring alert for g,s because the mon scheduler is stopped"] * 2
    assert sim.state.op_status == Status.FAIL  # results are still processed (SCHED-10)


def test_alrt_03_redistribute_bypasses_all_but_stopped() -> None:
    sim = Sim.of(f"""
        redistribute redist.alert to "the boss"
        depend p:s
        {ALWAYS}
            numalerts 1
            alert fail.alert
    """)
    sim.state = replace(sim.state, disabled=True)
    sim.fail()
    sim.state = replace(sim.state, disabled=False, ack=T0, ack_comment="x")
    sim.fail()
    sim.state = replace(sim.state, ack=0)
    sim.fail()  # p:s is unknown: the dependency fails
    runs = sim.runs
    assert [run.program for run in runs] == ["redist.alert"] * 3
    assert {run.args for run in runs} == {'to "the boss"'}
    assert all(run.period is None and run.flags == Flag.MONITOR | Flag.REDISTRIBUTE for run in runs)
    assert sim.state.alert_count == 0 and sim.alert_history == [] and sim.levels("alert") == []


def test_alrt_04_disabled_watch_or_service() -> None:
    sim = Sim.of(f"""
        redistribute redist.alert
        {ALWAYS}
            alert fail.alert
    """, watch_disabled=True)
    sim.fail()
    sim.watch_disabled = False
    sim.state = replace(sim.state, disabled=True)
    sim.fail()
    assert sim.programs() == ["redist.alert", "redist.alert"]
    assert sim.levels("notice") == ["ignoring alert for g,s"] * 2
    sim.state = replace(sim.state, disabled=False)
    sim.fail()
    assert sim.programs()[-1] == "fail.alert"


def test_alrt_05_dependency_holds_back_failure_trap_and_ack_alerts() -> None:
    # ALRT-05a: not startup and up alerts.
    sim = Sim.of(f"""
        depend p:s
        {ALWAYS}
            alert fail.alert
            upalert up.alert
            startupalert start.alert
            ackalert ack.alert
    """)
    parent_down = replace(initial_state(load_service("interval 1m", group="p")), op_status=Status.FAIL)
    sim.peers[("p", "s")] = peer("interval 1m", parent_down)
    sim.startup()
    sim.fail()
    sim.result(1, "t\n", kind="trap")
    sim.ack()
    assert sim.programs() == ["start.alert"]
    assert sim.state.depend_status is False
    sim.ok()  # the startup alert made this period's round count: the upalert goes (ALRT-09a)
    assert sim.programs() == ["start.alert", "up.alert"]


def test_alrt_06_unack_summary_unacks_on_a_new_summary() -> None:
    sim = Sim.of(f"""
        unack_summary 1
        {ALWAYS}
            alertafter 2
            alert fail.alert
    """)
    sim.fail("disk  full\n")
    sim.tick(1).fail("disk  full\n")
    sim.ack()
    sim.tick(1).fail(" disk full \nother detail")  # the same once whitespace is removed
    assert sim.state.ack == T0 + 1 and sim.programs() == ["fail.alert"]

    sim.tick(1).fail("disk gone\n")
    state = sim.state
    assert (state.ack, state.ack_comment, state.consec_failures) == (0, "", 1)
    assert state.periods[0].last_alert == 0 and state.periods[0].fail_count == 0
    assert sim.levels("stderr") == ["Unacking g/s:\nSummary: XdiskgoneX\nPrevious: XdiskfullX"]
    # consec_failures was set back to 1, so alertafter 2 holds this failure back.
    assert sim.programs() == ["fail.alert"]


def test_alrt_07_acked_failures_send_no_alerts_but_upalerts_pass() -> None:
    sim = Sim.of(f"""
        {ALWAYS}
            alert fail.alert
            upalert up.alert
    """)
    sim.fail()
    sim.ack()
    sim.fail()
    assert sim.programs() == ["fail.alert"]
    assert sim.levels("debug")[-1] == "no alert for g.s because of ack'd failure"
    sim.ok()
    assert sim.programs() == ["fail.alert", "up.alert"]


def test_alrt_08_only_periods_in_time() -> None:
    today = time.localtime(T0).tm_wday  # Monday is 0
    names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    sim = Sim.of(f"""
        period other: wd {{{names[(today + 1) % 7]}}}
            alert other.alert
        period today: wd {{{names[today]}}}
            alert today.alert
    """)
    sim.fail()
    assert sim.programs() == ["today.alert"]


def test_alrt_08_malformed_period_counts_as_in_period() -> None:
    # Q33: inPeriod's -1 is true for mon.
    service = load_service(f"""
        {ALWAYS}
            alert fail.alert
    """)
    broken = replace(service, periods=(replace(service.periods[0], spec="wd {Mon-Bogus}"),))
    sim = Sim(broken)
    sim.fail()
    assert sim.programs() == ["fail.alert"]


def test_alrt_09_upalerts_and_ackalerts_pair_with_down_alerts() -> None:
    # ALRT-09a [EXP upnocomp]: period a never alerted, so no upalert; b has no_comp_alerts.
    sim = Sim.of("""
        period a:
            alertafter 50
            alert a.alert
            upalert a-up.alert
            ackalert a-ack.alert
        period b:
            alertafter 50
            no_comp_alerts
            alert b.alert
            upalert b-up.alert
            ackalert b-ack.alert
    """)
    sim.fail()
    sim.ack()
    sim.ok()
    assert sim.programs() == ["b-ack.alert", "b-up.alert"]
    assert "g/s/a: Suppressing upalert since no down alert was sent." in sim.levels("debug")
    assert "g/s/a: Suppressing ackalert since no down alert was sent." in sim.levels("debug")


def test_alrt_09_no_comp_alerts_sends_one_upalert_per_down_alert() -> None:
    sim = Sim.of(f"""
        redistribute redist.alert
        {ALWAYS}
            no_comp_alerts
            alertafter 50
            alert fail.alert
            upalert up.alert
    """)

    def ups() -> int:
        return sim.programs().count("up.alert")

    sim.ok()  # redistribute makes every success an upalert event: the first one passes
    assert ups() == 1
    sim.fail()
    sim.ok()
    assert ups() == 1  # no failure alert was sent in between
    sim.state = replace(sim.state, consec_failures=60)
    sim.fail()
    sim.ok()
    assert ups() == 2


def test_alrt_09a_startup_alert_enables_the_upalert() -> None:
    sim = Sim.of(f"""
        {ALWAYS}
            alertafter 3
            alert fail.alert
            upalert up.alert
            startupalert start.alert
    """)
    sim.startup()
    sim.fail()
    sim.ok()
    assert sim.programs() == ["start.alert", "up.alert"]


def test_alrt_10_alertexitrange() -> None:
    sim = Sim.of("""
        period low:
            alertexitrange 1-2
            alert low.alert
        period high:
            alertexitrange 5
            alert high.alert
    """)
    for exit_value in (1, 2, 3, 5, 6):
        sim.fail(exit_value=exit_value)
    assert sim.programs() == ["low.alert", "low.alert", "high.alert"]


def test_alrt_11_numalerts_counts_rounds() -> None:
    # ALRT-11a [EXP exitr, numal]: two matching lines, numalerts 1: both sent once.
    sim = Sim.of(f"""
        {ALWAYS}
            numalerts 1
            alert one.alert
            alert two.alert
    """)
    for _ in range(4):
        sim.tick(2).fail()
    assert sim.programs() == ["one.alert", "two.alert"]
    assert sim.state.periods[0].alert_sent == 1
    assert sim.levels("debug").count("g/s/p: Suppressing alert since numalerts is met.") == 3
    sim.ok()
    sim.fail()
    assert sim.programs()[-2:] == ["one.alert", "two.alert"]  # a success starts a new count


def test_alrt_11a_numalerts_2() -> None:
    sim = Sim.of(f"""
        {ALWAYS}
            numalerts 2
            alert fail.alert
    """)
    for _ in range(12):
        sim.tick(2).fail()
    assert len(sim.runs) == 2


def test_alrt_11a_startup_and_ack_alerts_count() -> None:
    # Q12 [EXP]: alerts_sent=2 after a startup alert and one failure alert.
    sim = Sim.of(f"""
        {ALWAYS}
            numalerts 2
            alert fail.alert
            startupalert start.alert
            ackalert ack.alert
    """)
    sim.startup()
    sim.fail()
    assert sim.state.periods[0].alert_sent == 2
    sim.fail()
    assert sim.programs() == ["start.alert", "fail.alert"]
    sim.ack()
    assert sim.state.periods[0].alert_sent == 3


@pytest.mark.parametrize(
    ("mode", "outputs", "expected"),
    [
        # ALRT-12a [EXP aev]: A -> alert, A -> held, B -> alert, B -> held.
        ("", ["A\n1", "A\n2", "B\n1", "B\n1"], [0, 2]),
        # [EXP aevdetail]: the whole output is compared.
        (" observe_detail", ["A\nd1", "A\nd1", "A\nd2", "A\nd2"], [0, 2]),
        (" strict", ["A\n", "B\n", "C\n", "D\n"], [0]),
        (" ignore_summary", ["A\n", "B\n", "C\n", "D\n"], [0]),
        (" summary", ["A\n", "A\n", "B\n"], [0, 2]),  # the legacy spelling of the default
    ],
)
def test_alrt_12_alertevery(mode: str, outputs: list[str], expected: list[int]) -> None:
    sim = Sim.of(f"""
        {ALWAYS}
            alertevery 1h{mode}
            alert fail.alert
    """)
    alerted = [i for i, output in enumerate(outputs) if sim.tick(2).fail(output).alerts]
    assert alerted == expected
    sim.tick(3600).fail(outputs[-1])
    assert len(sim.runs) == len(expected) + 1  # the hour is over


def test_alrt_12a_success_resets_alertevery_but_strict() -> None:
    sim = Sim.of("""
        period plain:
            alertevery 1h ignore_summary
            alert plain.alert
        period strict:
            alertevery 1h strict
            alert strict.alert
    """)
    sim.fail()
    sim.tick(10).ok()
    sim.tick(10).fail()
    assert sim.programs() == ["plain.alert", "strict.alert", "plain.alert"]


def test_alrt_12a_upalert_resets_strict_alertevery() -> None:
    # Q13 [EXP aevstrict]: alert at t0, upalert t0+15, alert again at t0+19.
    sim = Sim.of(f"""
        {ALWAYS}
            alertevery 1h strict
            alert fail.alert
            upalert up.alert
    """)
    sim.fail("A\n")
    sim.tick(4).fail("B\n")
    sim.tick(11).ok()
    sim.tick(4).fail("A\n")
    assert sim.programs() == ["fail.alert", "up.alert", "fail.alert"]


def test_alrt_12a_strict_startup_alert_delays_the_first_failure_alert() -> None:
    sim = Sim.of(f"""
        {ALWAYS}
            alertevery 1h strict
            alert fail.alert
            startupalert start.alert
    """)
    sim.startup()
    sim.tick(60).fail()
    assert sim.programs() == ["start.alert"]


def test_alrt_13_alertafter_consecutive_failures() -> None:
    # ALRT-13a [EXP svc2]: the 1st failure is held back, the 2nd and later alert.
    sim = Sim.of(f"""
        interval 2s
        {ALWAYS}
            alertafter 2
            alert fail.alert
    """)
    alerted = [bool(sim.tick(2).fail().alerts) for _ in range(4)]
    assert alerted == [False, True, True, True]
    assert sim.levels("debug") == ["g/s/p: Suppressing alert for now due to alertafter consecutive failures."]
    sim.ok()
    assert not sim.fail().alerts


def test_alrt_14_alertafter_time() -> None:
    # ALRT-14a [EXP aaival]: failures at t, t+3, t+5 held back (<=), t+7 alerts, then every one.
    sim = Sim.of(f"""
        interval 2s
        {ALWAYS}
            alertafter 5s
            alert fail.alert
    """)
    times = [0, 3, 5, 7, 9, 11]
    alerted = [bool(sim.tick(t - (sim.now - T0)).fail().alerts) for t in times]
    assert alerted == [False, False, False, True, True, True]
    assert sim.state.periods[0].first_fail_time == T0
    sim.tick(2).ok()
    sim.tick(2).fail()
    assert sim.state.periods[0].first_fail_time == sim.now  # a success restarts the wait


def test_alrt_15_alertafter_count_within_time() -> None:
    # ALRT-15a [EXP aaNival]: 9 alerts out of 11 failures, from the 3rd on.
    sim = Sim.of(f"""
        interval 2s
        {ALWAYS}
            alertafter 3 1m
            alert fail.alert
    """)
    alerted = [bool(sim.tick(2).fail().alerts) for _ in range(11)]
    assert alerted == [False, False] + [True] * 9


def test_alrt_15_alertafter_window_restarts() -> None:
    sim = Sim.of(f"""
        interval 10s
        {ALWAYS}
            alertafter 3 1m
            alert fail.alert
    """)
    # Two failures inside the window, then one after it: the count starts over at 1.
    sim.fail()
    sim.tick(30).fail()
    sim.tick(40).fail()
    period = sim.state.periods[0]
    assert (period.fail_count, period.first_fail_time) == (1, T0 + 70)
    sim.tick(10).fail()
    assert sim.runs == []
    sim.tick(10).fail()
    assert sim.programs() == ["fail.alert"]
    # A success leaves the count (mon never resets _failcount) but ends the window.
    sim.ok()
    sim.tick(5).fail()
    assert sim.state.periods[0].fail_count == 1


def test_alrt_16_alert_lines_and_exit_ranges() -> None:
    # [EXP exitr]: exit 6 runs the exit=5-9 line and the plain one, not exit=3.
    sim = Sim.of(f"""
        {ALWAYS}
            alert exit=3 e3.alert
            alert exit=5-9 e59.alert
            alert eall.alert first "second arg"
            upalert up.alert
    """)
    sim.fail(exit_value=6)
    assert sim.programs() == ["e59.alert", "eall.alert"]
    assert sim.runs[1].args == 'first "second arg"'
    sim.fail(exit_value=3)
    assert sim.programs()[2:] == ["e3.alert", "eall.alert"]
    sim.ok()
    assert sim.programs()[4:] == ["up.alert"]


def test_alrt_16_exit_range_applies_to_every_kind() -> None:
    # PER-16: upalerts have retval 0, ack alerts undef (0 numerically).
    sim = Sim.of(f"""
        {ALWAYS}
            alert fail.alert
            upalert exit=1 up1.alert
            upalert exit=0 up0.alert
            ackalert exit=0 ack0.alert
    """)
    sim.fail()
    sim.ack()
    sim.ok()
    assert sim.programs() == ["fail.alert", "ack0.alert", "up0.alert"]


def test_alrt_17_round_accounting() -> None:
    sim = Sim.of("""
        period found:
            alert fail.alert
            upalert up.alert
        period lost:
            alert missing.alert
            upalert up.alert
    """)
    sim.fail()
    found, lost = sim.state.periods
    assert (found.alert_sent, found.last_alert) == (1, T0)
    assert (lost.alert_sent, lost.last_alert) == (0, None)  # nothing was called there
    assert sim.levels("err") == ["no alert found while trying to run missing.alert"]
    sim.tick(5).ok()
    assert sim.programs() == ["fail.alert", "up.alert"]
    assert sim.state.periods[0].last_alert == 0  # the upalert clears it


def test_alrt_17_no_comp_counters() -> None:
    sim = Sim.of(f"""
        {ALWAYS}
            no_comp_alerts
            alert fail.alert
            upalert up.alert
    """)
    sim.fail()
    assert sim.state.periods[0].no_comp_upalert_sent == 0
    sim.ok()
    assert sim.state.periods[0].no_comp_upalert_sent == 1
    sim.fail()
    assert sim.state.periods[0].no_comp_upalert_sent == 0


def test_alrt_18_startup_alerts() -> None:
    sim = Sim.of(f"""
        {ALWAYS}
            startupalert start.alert
    """)
    sim.startup()
    run = sim.runs[0]
    assert (run.output, run.retval, run.argv_flag) == ("", "0", None)
    assert (run.alert_type, run.type) == ("startup", "startupalert")
    assert dict(run.mon_environment)["MON_OPSTATUS"] == "7"
    assert sim.alert_history[0].line() == f"startupalert g s {T0} {ALERT_DIR}/start.alert () (NO SUMMARY)"
    assert sim.state.periods[0].alert_sent == 1  # Q12


def test_alrt_18_no_startup_alerts_while_stopped_or_acked() -> None:
    sim = Sim.of(f"""
        {ALWAYS}
            startupalert start.alert
    """, stopped=True)
    sim.startup()
    sim.stopped = False
    sim.state = replace(sim.state, ack=T0, ack_comment="restored")
    sim.startup()
    assert sim.runs == []


def test_alrt_19_ack_sets_the_ack_and_sends_ackalerts() -> None:
    # [EXP A.4]: argv `-a`, MON_ALERTTYPE=ack, MON_ACK and stdin the comment.
    sim = Sim.of(f"""
        {ALWAYS}
            alert fail.alert
            ackalert http-ack
    """)
    assert not can_acknowledge(sim.state)
    sim.fail()
    assert can_acknowledge(sim.state)
    sim.tick(5).ack(": I am on it")
    assert (sim.state.ack, sim.state.ack_comment) == (T0 + 5, ": I am on it")
    run = sim.runs[-1]
    env = dict(run.mon_environment)
    assert (run.program, run.argv_flag, run.output, run.retval) == ("http-ack", "-a", ": I am on it", None)
    assert env["MON_ALERTTYPE"] == "ack" and env["MON_ACK"] == ": I am on it" and "MON_RETVAL" not in env
    sim.tick(5).ack("again")  # re-acking sends the ackalerts again
    assert sim.programs() == ["fail.alert", "http-ack", "http-ack"]


def test_alrt_20_disablealerts_never_fire() -> None:
    # Q11: the flag is set first, so ALRT-04 stops the disablealert; redistribute still goes, with -D.
    sim = Sim.of(f"""
        redistribute redist.alert
        {ALWAYS}
            disablealert off.alert
    """)
    sim.disable(None)
    assert sim.state.disabled
    assert [(r.program, r.argv_flag, r.output) for r in sim.runs] == [("redist.alert", "-D", "")]
    assert sim.levels("notice") == ["ignoring alert for g,s"]


def test_alrt_21_redistribute_on_every_event() -> None:
    # [EXP redist]: 11 `-u REDIST` calls for 11 successes, one plain call for the startup; upalert held back.
    sim = Sim.of(f"""
        redistribute rec.alert REDIST
        {ALWAYS}
            upalert up.alert
    """)
    sim.startup()
    for _ in range(11):
        sim.tick(2).ok()
    redist = [r for r in sim.runs if r.program == "rec.alert"]
    assert [r.argv_flag for r in redist] == [None] + ["-u"] * 11
    assert {r.args for r in redist} == {"REDIST"}
    assert len(sim.runs) == 12 and sim.state.alert_count == 0
    sim.fail()
    assert dict(sim.runs[-1].mon_environment)["MON_ALERTTYPE"] == "failure"


def test_alrt_22_23_lookup_and_syslog() -> None:
    sim = Sim.of(f"""
        {ALWAYS}
            alert missing.alert
            alert fail.alert a b
    """)
    sim.fail("sum\n")
    path = f"{ALERT_DIR}/fail.alert"
    assert sim.levels("err") == ["no alert found while trying to run missing.alert"]
    assert sim.levels("alert") == [f"calling alert fail.alert for g/s ({path},a b) sum"]
    assert sim.state.alert_count == 1


def test_alrt_25_argv() -> None:
    sim = Sim.of(f"""
        {ALWAYS}
            alert rec.alert arg1 "arg 2"
            upalert rec.alert up1
    """, hosts=("h1", "h2"))
    sim.fail()
    sim.tick(26).ok()
    sim.result(1, "t\n", kind="trap")
    sim.result(1, "t\n", kind="traptimeout")
    path = f"{ALERT_DIR}/rec.alert"
    heads = [run.argv_head() for run in sim.runs]
    assert heads[0] == [path, "-s", "s", "-g", "g", "-h", "h1 h2", "-t", str(T0)]
    assert heads[1] == [path, "-s", "s", "-g", "g", "-h", "h1 h2", "-t", str(T0 + 26), "-u"]
    assert [h[-1] for h in heads[2:]] == ["-T", "-O"]
    assert sim.runs[0].args == 'arg1 "arg 2"'
    both = replace(sim.runs[0], flags=Flag.UPALERT | Flag.TRAP)
    assert both.argv_flag == "-T"  # the later assignment wins


def test_alrt_26_environment() -> None:
    # [EXP A.10]
    sim = Sim.of(f"""
        description the desc
        MYVAR=myval
        {ALWAYS}
            alert rec.alert
    """)
    sim.fail("sum line\ndetail1\ndetail2\n", exit_value=3)
    run = sim.runs[0]
    assert dict(run.mon_environment) == {
        "MON_LAST_SUMMARY": "sum line",
        "MON_LAST_FAILURE": str(T0),
        "MON_FIRST_FAILURE": str(T0),
        "MON_FIRST_SUCCESS": "",
        "MON_LAST_SUCCESS": "0",
        "MON_DESCRIPTION": "the desc",
        "MON_GROUP": "g",
        "MON_SERVICE": "s",
        "MON_RETVAL": "3",
        "MON_OPSTATUS": "0",
        "MON_ALERTTYPE": "failure",
    }
    env = run.environment(statedir="/st", logdir="/lg", cfbasedir="/cf", service_env=sim.service.env)
    assert env["MYVAR"] == "myval" and env["MON_STATEDIR"] == "/st" and env["MON_CFBASEDIR"] == "/cf"
    assert next(iter(env)) == "MYVAR"


def test_alrt_26_mon_ack_only_while_acked_with_a_comment() -> None:
    sim = Sim.of(f"""
        {ALWAYS}
            alert rec.alert
            ackalert rec.alert
    """)
    sim.fail()
    sim.ack("")
    sim.ack("bob: mine")
    assert ["MON_ACK" in dict(run.mon_environment) for run in sim.runs] == [False, False, True]


def test_alrt_26_trap_intended_and_alert_types() -> None:
    sim = Sim.of(f"""
        {ALWAYS}
            alert rec.alert
            upalert rec.alert
    """)
    event_outcome = sim.result("1", "s\n\nd", kind="trap")
    assert "MON_TRAP_INTENDED" not in dict(event_outcome.alerts[0].mon_environment)
    from pymon.engine import Event, process_result

    outcome = process_result(sim.service, sim.state, Event("trap", "0", "", "x:y"), sim.ctx())
    env = dict(outcome.alerts[0].mon_environment)
    assert env["MON_TRAP_INTENDED"] == "x:y" and env["MON_ALERTTYPE"] == "up"
    assert outcome.alerts[0].argv_flag == "-u"  # a trap's recovery is a plain upalert


def test_alrt_27_stdin_by_kind() -> None:
    sim = Sim.of(f"""
        {ALWAYS}
            alert rec.alert
            upalert rec.alert
            startupalert rec.alert
            ackalert rec.alert
    """)
    sim.startup()
    sim.fail("sum line\ndetail1\n")
    sim.ack("alice: mine")
    sim.ok("fine\n")
    sim.result(1, "disk full on h1\n\ndetail line 1", kind="trap")
    assert [run.output for run in sim.runs] == [
        "",
        "sum line\ndetail1\n",
        "alice: mine",
        "sum line\ndetail1\n",  # the upalert gets the failing output
        "disk full on h1\n\ndetail line 1",
    ]


def test_alrt_28_accounting() -> None:
    sim = Sim.of(f"""
        redistribute redist.alert
        {ALWAYS}
            alert a.alert
            alert b.alert
    """)
    sim.fail("boom\n")
    assert sim.state.alert_count == 2
    assert sim.state.periods[0].last_alert == T0
    assert [e.line() for e in sim.alert_history] == [
        f"alert g s {T0} {ALERT_DIR}/a.alert () boom",
        f"alert g s {T0} {ALERT_DIR}/b.alert () boom",
    ]
    sim.test("alert", "7", "p")
    assert sim.state.alert_count == 2 and len(sim.alert_history) == 2


def test_alrt_29_upalertafter_is_a_no_op() -> None:
    # [EXP upafter]: upalertafter 1h, and an upalert after a 12 s outage.
    sim = Sim.of(f"""
        {ALWAYS}
            upalertafter 1h
            alert fail.alert
            upalert up.alert
    """)
    sim.fail()
    sim.tick(12).ok()
    assert sim.programs() == ["fail.alert", "up.alert"]


def test_alrt_30_test_alerts() -> None:
    # [EXP A.5]
    sim = Sim.of("""
        period wd {Sun-Sat}
            alert http
            alert exit=5 e5.alert
            upalert http-up
            upalert up2 exit=3 keep
    """)
    sim.test("alert", "7", "wd {Sun-Sat}")
    run = sim.runs[0]
    env = dict(run.mon_environment)
    assert (run.program, run.output, run.argv_flag, run.period) == ("http", "test\ntest detail\n", None, None)
    assert env["MON_ALERTTYPE"] == "test" and env["MON_RETVAL"] == "7"
    # ALRT-30 quirk: the alert name of an `exit=` line is `exit=5`, which is never found.
    assert sim.levels("err") == ["no alert found while trying to run exit=5"]
    assert sim.levels("alert") == [f"calling testalert http for g/s ({ALERT_DIR}/http,) test"]

    sim.test("upalert", "0", "wd {Sun-Sat}")
    assert [(r.program, r.args, r.argv_flag, r.alert_type) for r in sim.runs[1:]] == [
        ("http-up", "", "-u", "up"),
        ("up2", "keep", "-u", "up"),  # an `exit=` at the start of the arguments is dropped
    ]
    assert sim.state == initial_state(sim.service) and sim.alert_history == []


# --- DEP ------------------------------------------------------------------------------


def _parent(status: Status, **changes: object) -> ServiceState:
    state = replace(initial_state(load_service("interval 1m", group="p")), op_status=status)
    return replace(state, **changes)  # type: ignore[arg-type]


def test_dep_02_node_value() -> None:
    sim = Sim.of(f"""
        depend p:s
        {ALWAYS}
            alert fail.alert
    """)
    # DEP-02 [EXP deptest]: an untested parent counts as OK: the child alerts.
    sim.peers[("p", "s")] = peer("interval 1m")
    sim.fail()
    assert sim.state.depend_status is True and len(sim.runs) == 1
    # A failing parent holds the alert back.
    sim.peers[("p", "s")] = peer("interval 1m", _parent(Status.FAIL))
    sim.fail()
    assert sim.state.depend_status is False and len(sim.runs) == 1
    # Unknown services fail.
    del sim.peers[("p", "s")]
    sim.fail()
    assert sim.state.depend_status is False
    # A parent OK but remembered failing within its dep_memory (only from a state file).
    sim.peers[("p", "s")] = peer("dep_memory 1h\ninterval 1m", _parent(Status.OK, last_failure_time=T0 - 60))
    sim.fail()
    assert sim.state.depend_status is False
    sim.peers[("p", "s")] = peer("interval 1m", _parent(Status.OK))
    sim.fail()
    assert sim.state.depend_status is True


def test_dep_02_recursion_ands_the_parents_own_dependency() -> None:
    sim = Sim.of(f"""
        depend p:s
        {ALWAYS}
            alert fail.alert
    """)
    sim.peers[("p", "s")] = peer("depend q:s\ninterval 1m", _parent(Status.OK))
    sim.peers[("q", "s")] = peer("interval 1m", _parent(Status.FAIL), group="q")
    sim.fail()
    assert sim.state.depend_status is False
    sim.peers[("q", "s")] = peer("interval 1m", _parent(Status.OK), group="q")
    sim.fail()
    assert sim.state.depend_status is True


def test_dep_03_status_is_evaluated_on_every_result() -> None:
    sim = Sim.of(f"""
        depend p:s
        {ALWAYS}
            alert fail.alert
    """)
    sim.peers[("p", "s")] = peer("interval 1m", _parent(Status.FAIL))
    sim.ok()
    assert sim.state.depend_status is False
    sim.peers[("p", "s")] = peer("interval 1m", _parent(Status.OK))
    sim.ok()
    assert sim.state.depend_status is True


def test_dep_03_eval_error_suppresses_alerts_forever() -> None:
    # Q9 [EXP cfg5]: `depend a:ping b:ping` is a Perl syntax error.
    sim = Sim.of(f"""
        depend p:s q:s
        {ALWAYS}
            alert fail.alert
    """)
    sim.peers[("p", "s")] = peer("interval 1m", _parent(Status.OK))
    sim.fail()
    assert sim.state.depend_status is None and sim.runs == []
    notice = sim.levels("notice")[0]
    assert notice.startswith("eval error for dependency starting at p:s q:s: ")


def test_dep_03_other_behaviours_are_not_evaluated_on_results() -> None:
    sim = Sim.of(f"""
        dep_behavior m
        depend p:s
        {ALWAYS}
            alert fail.alert
    """)
    sim.fail()
    assert sim.state.depend_status is None and sim.programs() == ["fail.alert"]


def test_dep_05_hostdepend_drops_hosts_named_by_failing_parents() -> None:
    from pymon.engine import hostdepend_hosts

    service = load_service("hostdepend p:s\ninterval 1m")
    hosts = ("p1", "p2", "p3", "p10")
    failing = peer("interval 1m", _parent(Status.FAIL, last_summary="p1 is down"))
    peers = {("p", "s"): failing}
    # [EXP cfg10]: the parent's summary `p1 is down` drops p1.
    assert hostdepend_hosts(service, hosts, lambda g, s: peers.get((g, s)), T0) == ("p2", "p3", "p10")
    # Q34: a substring match, so a summary naming p10 drops p1 too.
    peers[("p", "s")] = peer("interval 1m", _parent(Status.FAIL, last_summary="p10 is down"))
    assert hostdepend_hosts(service, hosts, lambda g, s: peers.get((g, s)), T0) == ("p2", "p3")
    peers[("p", "s")] = peer("interval 1m", _parent(Status.OK, last_summary="p1 is down"))
    assert hostdepend_hosts(service, hosts, lambda g, s: peers.get((g, s)), T0) == hosts
    # An unknown parent: nothing is dropped.
    assert hostdepend_hosts(service, hosts, lambda g, s: None, T0) == hosts
    # Not evaluated: alerts are unaffected.
    sim = Sim(load_service(f"hostdepend p:s\n{ALWAYS}\n    alert fail.alert"))
    sim.fail()
    assert sim.programs() == ["fail.alert"]


def test_dep_05_depend_with_behaviour_hm() -> None:
    from pymon.engine import hostdepend_hosts

    service = load_service("dep_behavior hm\ndepend p:s\ninterval 1m")
    failing = {("p", "s"): peer("interval 1m", _parent(Status.FAIL, last_summary="h2 unreachable"))}
    assert hostdepend_hosts(service, ("h1", "h2"), lambda g, s: failing.get((g, s)), T0) == ("h1",)


def test_dep_06_alertdepend_alone_suppresses_alerts_forever() -> None:
    # Q8 [EXP cfg4 alertdep]: parent OK, 0 alerts out of 11 failures.
    sim = Sim.of(f"""
        alertdepend p:s
        {ALWAYS}
            alert fail.alert
    """)
    sim.peers[("p", "s")] = peer("interval 1m", _parent(Status.OK))
    for _ in range(11):
        sim.tick(2).fail()
    assert sim.runs == [] and sim.state.depend_status is None


def test_dep_07_recursion_limit_leaves_the_status() -> None:
    sim = Sim.of(f"""
        depend p:s
        {ALWAYS}
            alert fail.alert
    """)
    # p:s and q:s depend on each other: the recursion goes past dep_recur_limit.
    sim.peers[("p", "s")] = peer("depend q:s\ninterval 1m", _parent(Status.OK))
    sim.peers[("q", "s")] = peer("depend p:s\ninterval 1m", _parent(Status.OK), group="q")
    sim.state = replace(sim.state, depend_status=True)
    sim.fail()
    assert sim.state.depend_status is True and sim.programs() == ["fail.alert"]
    assert sim.levels("notice") == []  # debug only


def test_dep_07_limit_is_configurable() -> None:
    from pymon.engine import check_dependency

    chain = {
        ("p", "s"): peer("depend q:s\ninterval 1m", _parent(Status.OK)),
        ("q", "s"): peer("interval 1m", _parent(Status.OK), group="q"),
    }
    service = load_service("depend p:s")
    state = initial_state(service)
    lookup = lambda g, s: chain.get((g, s))  # noqa: E731
    assert check_dependency(service, state, "a", lookup, T0, 1).ok is True
    assert check_dependency(service, state, "a", lookup, T0, 0).ok is None


# --- SCHED-11, LOG-04, LOG-05, LOG-08 ---------------------------------------------------


def test_sched_11_failure_interval() -> None:
    sim = Sim.of(f"""
        interval 4s
        failure_interval 1s
        {ALWAYS}
            alert fail.alert
    """)
    assert sim.fail().restart_schedule
    assert (sim.state.interval, sim.state.old_interval) == (1.0, 4.0)
    assert not sim.fail().restart_schedule  # already swapped
    assert sim.ok().restart_schedule
    assert (sim.state.interval, sim.state.old_interval) == (4.0, None)
    assert not sim.ok().restart_schedule
    # Trap failures do not swap; a trap success restores.
    assert not sim.result(1, "t\n", kind="trap").restart_schedule
    assert sim.state.interval == 4.0


def test_sched_11_a_saved_zero_is_never_restored() -> None:
    sim = Sim.of("interval 4s\nfailure_interval 1s")
    sim.state = replace(sim.state, interval=0.0)
    sim.fail()
    assert (sim.state.interval, sim.state.old_interval) == (1.0, 0.0)
    sim.ok()
    assert (sim.state.interval, sim.state.old_interval) == (1.0, 0.0)


def test_sched_14_clear_timers() -> None:
    sim = Sim.of("""
        period a:
            alertevery 1h
            alertafter 3 1m
            alert a.alert
        period b:
            alert b.alert
    """)
    for _ in range(3):
        sim.tick(1).fail()
    state = clear_timers(sim.service, sim.state)
    assert state.consec_failures == 0
    assert [(p.last_alert, p.first_fail_time, p.fail_count) for p in state.periods] == [
        (0, 0, 3),
        (T0 + 3, None, None),
    ]


def test_log_04_alert_history_lines_and_length() -> None:
    entry = AlertHistoryEntry("alert", "hg", "svc", 1795611521, "/a/rec.alert", 'arg1 "arg 2"', "sum line")
    assert entry.line() == 'alert hg svc 1795611521 /a/rec.alert (arg1 "arg 2") sum line'
    history: tuple[int, ...] = ()
    for i in range(5):
        history = keep_recent(history, i, 2)
    assert history == (2, 3, 4)  # Q24: MAX_KEEP + 1 entries


def test_log_05_failure_history_uses_the_pass_time() -> None:
    sim = Sim.of("interval 1m")
    sim.fail("sum line\nx", pass_time=T0 - 1)
    sim.fail("")
    assert [e.line() for e in sim.failure_history] == [f"g s {T0 - 1} sum line", f"g s {T0} (NO SUMMARY)"]
    sim.ok()
    assert len(sim.failure_history) == 2


def test_log_08_downtime_entry() -> None:
    # [EXP A.10]: `1795611547 hg svc 1795611521 26 5 sum line`.
    sim = Sim.of("interval 5s")
    sim.fail("sum line\n", dtlogging=True)
    outcome = sim.tick(26).ok(dtlogging=True)
    assert outcome.downtime is not None
    assert outcome.downtime.line() == f"{T0 + 26} g s {T0} 26 5 sum line"
    assert sim.tick(5).ok(dtlogging=True).downtime is None


def test_log_08_unknown_first_failure_counts_from_server_start() -> None:
    sim = Sim.of("interval 5s")
    sim.state = replace(sim.state, op_status=Status.FAIL)
    outcome = sim.ok(dtlogging=True, server_start=T0 - 100)
    assert outcome.downtime is not None and outcome.downtime.line() == f"{T0} g s {T0 - 100} 100 5 "


# --- the gate order -------------------------------------------------------------------


def test_exit_range_gate_comes_before_numalerts() -> None:
    sim = Sim.of(f"""
        {ALWAYS}
            alertexitrange 2
            alertafter 2
            alert fail.alert
    """)
    sim.fail(exit_value=1)
    sim.fail(exit_value=2)
    assert sim.programs() == ["fail.alert"]


def test_trap_sta_is_perl_text() -> None:
    sim = Sim.of(f"""
        {ALWAYS}
            alert exit=0 zero.alert
            alert any.alert
    """)
    sim.result("0.0", "x\n", kind="trap")  # true in Perl: a failure, numerically 0
    assert sim.state.op_status == Status.FAIL and sim.state.exitval == "0.0"
    assert sim.programs() == ["zero.alert", "any.alert"]
    assert sim.runs[0].retval == "0.0"


def test_do_alert_is_pure() -> None:
    service = load_service(f"{ALWAYS}\n    alert fail.alert")
    sim = Sim(service)
    state = initial_state(service)
    first = do_alert(service, state, "x", 1, Flag.MONITOR, sim.ctx())
    second = do_alert(service, state, "x", 1, Flag.MONITOR, sim.ctx())
    assert first == second and state == initial_state(service)


def test_exit_range_model() -> None:
    assert 5 in ExitRange(5, 9) and 10 not in ExitRange(5, 9)
