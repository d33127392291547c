"""What a real monitor process gets and what its result does (MONI-*, STAT-*), on a real daemon."""

from __future__ import annotations

import syslog

from .harness import wait_for

CONFIG = """\
hostgroup g h1 h2

watch g
    service env
        description the env service
        interval 0.2s
        T_VAR=from the config "quotes kept"
        MON_GROUP=overridden by mon
        monitor rec.monitor env
    service merged
        interval 0.2s
        monitor rec.monitor merged
    service off
        interval 0.2s
        monitor rec.monitor off
        period p: wd {Sun-Sat}
            alert rec.alert off
    service hung
        interval 0.2s
        monitor rec.monitor hung
    service missing
        interval 0.2s
        monitor no.such.monitor
"""


def _run_after(d, key: str, since: int, **ctl) -> dict:
    """Set what the monitor does, then the first run that started after that."""
    d.set_monitor(key, **ctl)
    return d.wait_calls(key, since + 1)[since]


def test_monitor_environment_through_failure_and_recovery(daemon):
    """MONI-06 on real runs: what the previous results leave in the next run's environment."""
    d = daemon(CONFIG)
    first = d.wait_calls("env", 1)[0]["env"]
    assert first["T_VAR"] == 'from the config "quotes kept"'  # SVC-20: verbatim
    assert first["MON_GROUP"] == "g" and first["MON_SERVICE"] == "env"  # MON_* win over VAR=value
    assert first["MON_DESCRIPTION"] == "the env service"
    assert first["MON_LAST_FAILURE"] == "0" and first["MON_LAST_SUCCESS"] == "0"
    # before any result; after one, MON_FIRST_FAILURE is there, "0" after a success
    for absent in ("MON_LAST_SUMMARY", "MON_LAST_OUTPUT", "MON_FIRST_FAILURE", "MON_DEPEND_STATUS",
                   "MON_FIRST_SUCCESS"):  # fmt: skip
        assert absent not in first, absent
    assert d.wait_calls("env", 2)[1]["env"]["MON_FIRST_FAILURE"] == "0"
    base = d.base
    assert (first["MON_STATEDIR"], first["MON_LOGDIR"], first["MON_CFBASEDIR"]) == (
        str(base / "state.d"), str(base / "log.d"), str(base / "etc"),
    )  # fmt: skip
    n = len(d.calls("env"))
    _run_after(d, "env", n, exit=2, output="env broke\ndetail 1\ndetail 2\n")  # fails
    failing = lambda: [c for c in d.calls("env") if c["env"].get("MON_FIRST_FAILURE", "0") != "0"]  # noqa: E731
    after_failure = wait_for("a run after the failure", failing)[0]["env"]
    assert after_failure["MON_LAST_SUMMARY"] == "env broke"
    assert after_failure["MON_LAST_OUTPUT"] == "env broke\ndetail 1\ndetail 2\n"
    assert after_failure["MON_FIRST_FAILURE"] == after_failure["MON_LAST_FAILURE"] != "0"
    status = d.opstatus()[("g", "env")]  # STAT-03, MONI-09, MONI-10
    assert status["opstatus"] == "0" and status["exitval"] == "2"
    assert status["last_summary"] == r"env\20broke" and status["last_detail"] == r"detail\201\0adetail\202\0a"
    assert status["last_failure"] >= status["first_failure"] == after_failure["MON_FIRST_FAILURE"]
    d.set_monitor("env", output="env fine\n")
    recovered = wait_for(
        "a run after the recovery",
        lambda: [c for c in d.calls("env") if c["env"].get("MON_LAST_SUMMARY") == "env fine"],
    )[0]["env"]
    assert recovered["MON_FIRST_FAILURE"] == "0" and recovered["MON_LAST_FAILURE"] == "0"  # STAT-04
    assert int(recovered["MON_LAST_SUCCESS"]) >= int(after_failure["MON_LAST_FAILURE"])
    status = d.opstatus()[("g", "env")]
    assert status["opstatus"] == "1" and status["exitval"] == "0" and status["last_detail"] == ""


def test_stdin_stderr_blank_summary_and_the_failure_classes(daemon):
    """MONI-05 stdin /dev/null and stderr merged; MONI-07 interleaved; STAT-02/03 on real results."""
    d = daemon(CONFIG)
    d.set_monitor("merged", exit=1, output="", stderr="to stderr\n", after="after\n")
    calls = d.wait_calls("merged", 1)
    assert calls[0]["stdin"] == "/dev/null"
    status = wait_for("merged to fail", lambda: (s := d.opstatus()[("g", "merged")])["opstatus"] == "0" and s)
    assert status["last_summary"] == r"to\20stderr" and status["last_detail"] == r"after\0a"
    d.set_monitor("merged", exit=1, output="")
    status = wait_for("a blank failure", lambda: (s := d.opstatus()[("g", "merged")])["exitval"] == "1"
                      and s["last_detail"] == "" and s)  # fmt: skip
    assert status["last_summary"] == r"(NO\20SUMMARY)"  # STAT-03
    failures = d.cmd("list failures")
    assert any("service=merged " in line for line in failures)
    assert not any("service=env " in line for line in failures)
    wait_for("env to succeed", lambda: d.opstatus()[("g", "env")]["opstatus"] == "1")
    successes = d.cmd("list successes")
    assert any("service=env " in line for line in successes)
    assert not any("service=merged " in line for line in successes)


def test_a_disabled_service_keeps_running_without_alerts(daemon):
    """MONI-12 and ALRT-04: disabling only stops the alerts; ALRT-20: the disablealert never fires."""
    d = daemon(CONFIG)
    assert d.cmd("disable service g off") == ["220 disable service completed"]
    n = len(d.calls("off"))
    d.set_monitor("off", exit=1, output="off is down\n")
    d.wait_calls("off", n + 2)
    wait_for("off to fail", lambda: d.opstatus()[("g", "off")]["opstatus"] == "0")
    assert d.syslogged(syslog.LOG_CRIT, "failure for g off ")
    wait_for("the ignored alert", lambda: d.syslogged(syslog.LOG_NOTICE, "ignoring alert for g,off"))
    assert d.alerts() == []
    assert d.cmd("enable service g off") == ["220 enable completed"]
    wait_for("the alert once enabled", d.alerts)


def test_a_hung_monitor_holds_its_service_and_a_missing_one_is_retried(daemon):
    """MONI-11: no timeout unless configured, so the service stays running;
    MONI-01 and SCHED-02: a missing monitor is logged and retried, not rescheduled an interval on."""
    d = daemon(CONFIG)
    d.set_monitor("hung", sleep=30)
    pid = d.wait_calls("hung", 1)[0]["pid"]
    wait_for("hung in list pids", lambda: f"g hung {pid}" in d.cmd("list pids"))
    assert d.opstatus()[("g", "hung")]["monitor_running"] == "1"
    d.wait_calls("env", len(d.calls("env")) + 3)  # time passes, the others run
    assert len(d.calls("hung")) == 1  # SCHED-06: never a second run
    missing = "no monitor found while trying to run [no.such.monitor]"
    wait_for("the missing monitor tried twice", lambda: len(d.syslogged(syslog.LOG_ERR, missing)) >= 2)
