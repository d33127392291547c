"""Real alert processes: their argv, environment and stdin, and the decisions that start them (ALRT-*)."""

from __future__ import annotations

import syslog
import time

from pymon.escape import un_esc_str

from .harness import wait_for

KINDS = """\
hostgroup g h1 h2 h3

watch g
    service s
        description the s service
        interval 1h
        T_X=1
        exclude_hosts h2
        monitor rec.monitor s
        redistribute rec.alert redist
        period p: wd {Sun-Sat}
            alert rec.alert arg1 "arg 2"
            alert no.such.alert
            upalert rec.alert up1
            startupalert rec.alert st1
            ackalert rec.alert ack1
"""


def _alert(d, last: str, n: int = 1) -> list[dict]:
    """The first `n` alerts whose last argument is `last`."""
    return wait_for(f"{n} alerts {last}", lambda: (a := [x for x in d.alerts() if x["argv"][-1] == last])
                    and len(a) >= n and a)  # fmt: skip


def test_every_kind_of_alert_gets_mons_argv_environment_and_stdin(daemon):
    d = daemon(KINDS)
    path = str(d.base / "alert.d" / "rec.alert")
    startup = _alert(d, "st1")[0]  # ALRT-18
    assert startup["argv"][:7] == ["-s", "s", "-g", "g", "-h", "h1 h2 h3", "-t"]
    assert startup["argv"][8:] == ["st1"] and startup["stdin"] == ""
    assert startup["env"]["MON_ALERTTYPE"] == "startup" and startup["env"]["MON_RETVAL"] == "0"
    assert startup["env"]["MON_OPSTATUS"] == "7"
    assert _alert(d, "redist")[0]["argv"][7:] != []  # ALRT-21: the startup event too

    assert d.cmd("disable host h3") == ["220 disable host completed"]
    d.set_monitor("s", exit=2, output="sum line\ndetail1\ndetail2\n")
    before = int(time.time())
    d.cmd("test monitor g s")
    assert d.wait_calls("s", 1)[0]["argv"] == ["s", "h1"]  # exclude_hosts and the disabled host
    failure = _alert(d, "arg 2")[0]
    argv = failure["argv"]
    # ALRT-25: the hostgroup minus disabled hosts, as one word; exclude_hosts is not applied
    assert argv[:7] == ["-s", "s", "-g", "g", "-h", "h1 h2", "-t"] and argv[8:] == ["arg1", "arg 2"]
    assert before <= int(argv[7]) <= time.time()
    env = failure["env"]  # ALRT-26
    assert env["MON_ALERTTYPE"] == "failure" and env["MON_RETVAL"] == "2" and env["MON_OPSTATUS"] == "0"
    assert env["MON_LAST_SUMMARY"] == "sum line" and "MON_LAST_OUTPUT" not in env
    assert env["MON_FIRST_FAILURE"] == env["MON_LAST_FAILURE"] == argv[7] and env["MON_LAST_SUCCESS"] == "0"
    assert env["MON_FIRST_SUCCESS"] == "" and env["MON_DESCRIPTION"] == "the s service" and env["T_X"] == "1"
    assert env["MON_CFBASEDIR"] == str(d.base / "etc") and "MON_ACK" not in env
    assert failure["stdin"] == "sum line\ndetail1\ndetail2\n"  # ALRT-27
    wait_for("the calling line", lambda: d.syslogged(
        syslog.LOG_ALERT, f'calling alert rec.alert for g/s ({path},arg1 "arg 2") sum line'))  # ALRT-23
    wait_for("the missing alert", lambda: d.syslogged(
        syslog.LOG_ERR, "no alert found while trying to run no.such.alert"))  # ALRT-22

    assert d.cmd("ack g s 'I am on it'") == ["220 ack completed"]  # ALRT-19
    ack = _alert(d, "ack1")[0]
    assert ack["argv"][-2:] == ["-a", "ack1"] and ack["stdin"] == ": I am on it"
    assert ack["env"]["MON_ALERTTYPE"] == "ack" and ack["env"]["MON_ACK"] == ": I am on it"
    assert "MON_RETVAL" not in ack["env"]
    d.cmd("test monitor g s")  # still failing, but acknowledged: no alert (ALRT-07)
    wait_for("the ack'd failure", lambda: d.syslogged(syslog.LOG_DEBUG, "no alert for g.s because of ack'd"))
    assert len(_alert(d, "arg 2")) == 1

    d.set_monitor("s", output="all well\n")
    d.cmd("test monitor g s")
    up = _alert(d, "up1")[0]  # STAT-04
    assert up["argv"][-2:] == ["-u", "up1"] and up["stdin"] == "sum line\ndetail1\ndetail2\n"
    assert up["env"]["MON_ALERTTYPE"] == "up" and up["env"]["MON_RETVAL"] == "0"
    assert up["env"]["MON_LAST_SUMMARY"] == "sum line" and up["env"]["MON_LAST_SUCCESS"] == "0"
    assert up["env"]["MON_LAST_OUTPUT"] == "sum line\ndetail1\ndetail2\n"
    # ALRT-21: redistribute sees every event, with the flag of the event, before ack and periods
    redist = _alert(d, "redist", 5)
    assert [a["argv"][8] for a in redist] == ["redist", "redist", "-a", "redist", "-u"]
    assert [a["env"]["MON_ALERTTYPE"] for a in redist] == ["startup", "failure", "ack", "failure", "up"]

    assert d.cmd("test alert g s 5 p") == ["220 test alert completed"]  # ALRT-30
    test = _alert(d, "arg 2", 2)[1]
    assert test["stdin"] == "test\ntest detail\n" and test["env"]["MON_ALERTTYPE"] == "test"
    assert test["env"]["MON_RETVAL"] == "5" and test["argv"][8:] == ["arg1", "arg 2"]
    assert d.cmd("test upalert g s 0 p") == ["220 test alert completed"]
    assert _alert(d, "up1", 2)[1]["argv"][-2:] == ["-u", "up1"]
    # LOG-04 / ALRT-28: counted alerts only, no test and no redistribute
    history = [un_esc_str(line) for line in d.cmd("list alerthist")[:-1]]
    assert [line.split()[:3] for line in history] == [
        ["startupalert", "g", "s"], ["alert", "g", "s"], ["ackalert", "g", "s"], ["upalert", "g", "s"],
    ]  # fmt: skip
    assert history[1] == f'alert g s {argv[7]} {path} (arg1 "arg 2") sum line'
    assert history[0].endswith(f"{path} (st1) (NO SUMMARY)")


GATES = """\
hostgroup g h1

watch g
    service every
        interval 0.2s
        monitor rec.monitor every
        period p: wd {Sun-Sat}
            alertevery 1h
            alert rec.alert every
    service after
        interval 0.2s
        monitor rec.monitor after
        period p: wd {Sun-Sat}
            alertafter 3
            alert rec.alert after
    service num
        interval 0.2s
        monitor rec.monitor num
        period p: wd {Sun-Sat}
            numalerts 2
            alert rec.alert num
    service exits
        interval 0.2s
        monitor rec.monitor exits
        period p: wd {Sun-Sat}
            alert exit=2 rec.alert exit2
            alert exit=3-9 rec.alert exit3
    service range
        interval 0.2s
        monitor rec.monitor range
        period p: wd {Sun-Sat}
            alertexitrange 5
            alert rec.alert range
    service never
        interval 0.2s
        monitor rec.monitor never
        period p: yr {1999}
            alert rec.alert never
"""


def test_the_alert_gates_on_real_failures(daemon):
    """ALRT-08, 10, 11, 12, 13 and 16 with real monitors failing every 0.2 s."""
    d = daemon(GATES, "-d")
    for key in ("every", "after", "num", "range", "never"):
        d.set_monitor(key, exit=1, output=f"{key} down\n")
    d.set_monitor("exits", exit=2, output="exits down\n")
    for key in ("every", "after", "num", "exits", "range", "never"):
        d.wait_calls(key, 6)
    alerts = [a["argv"][-1] for a in d.alerts()]
    assert alerts.count("every") == 1  # ALRT-12: same summary within alertevery
    first_after = next(i for i, a in enumerate(d.syslog()) if "calling alert rec.alert for g/after" in
                       a.get("message", ""))  # fmt: skip
    failures_before = [e for e in d.syslog()[:first_after] if "failure for g after " in e.get("message", "")]
    assert len(failures_before) == 3  # ALRT-13: the third consecutive failure is the first to alert
    assert alerts.count("num") == 2  # ALRT-11
    assert d.syslogged(syslog.LOG_DEBUG, "g/num/p: Suppressing alert since numalerts is met.")
    assert "exit2" in alerts and "exit3" not in alerts  # ALRT-16: exit= lines
    assert "range" not in alerts and "never" not in alerts  # ALRT-10, ALRT-08
    d.set_monitor("every", exit=1, output="every changed\n")
    _alert(d, "every", 2)  # ALRT-12a: a new summary alerts at once
    d.set_monitor("range", exit=5, output="range five\n")
    _alert(d, "range")
    assert "Suppressing alert for now due to alertevery." in d.log()  # -d: debug lines on stderr too
