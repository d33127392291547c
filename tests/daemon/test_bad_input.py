"""Monitors and alerts that misbehave: the daemon keeps every other service going and says what happened."""

from __future__ import annotations

import signal

from .harness import wait_for

CONFIG = """\
hostgroup g h1

watch g
    service good
        interval 0.2s
        monitor rec.monitor good
    service hang
        interval 0.2s
        monitor_timeout 0.5s
        monitor rec.monitor hang
    service killed
        interval 0.2s
        monitor rec.monitor killed
    service chatty
        interval 0.2s
        monitor rec.monitor chatty
    service missing
        interval 0.2s
        monitor no.such.monitor
    service alerts
        interval 0.2s
        monitor rec.monitor alerts
        period wd {Sun-Sat}
            alert bad.alert
            alert slow.alert
            alert rec.alert ok
"""


def test_misbehaving_monitors_and_alerts(daemon):
    d = daemon(CONFIG, alerts={"bad.alert": "exit 3", "slow.alert": "sleep 60"})
    d.set_monitor("hang", sleep=60)
    d.set_monitor("killed", signal=int(signal.SIGKILL), output="about to die\n")
    d.set_monitor("chatty", spew=5 << 20)
    d.set_monitor("alerts", exit=1, output="alerts down\n")
    # the good service keeps its pace while the others misbehave
    d.wait_calls("good", 10, timeout=15)
    hang = wait_for("hang to time out", lambda: (s := d.opstatus()[("g", "hang")])["opstatus"] == "0" and s)
    assert hang["last_summary"].startswith(r"monitor\20timed\20out\20after\200.5s")
    assert len(d.calls("hang")) >= 1
    d.wait_log("monitor for g/hang monitor timed out after 0.5s")
    # killed by a signal: exit value 0, i.e. a success, as in mon (MONI-08)
    killed = wait_for("killed's result", lambda: (s := d.opstatus()[("g", "killed")])["exitval"] == "0" and s)
    assert killed["opstatus"] == "1"
    d.wait_log("monitor for g/killed was killed by signal 9")
    chatty = wait_for("chatty's result", lambda: (s := d.opstatus()[("g", "chatty")])["exitval"] == "0" and s)
    assert chatty["last_summary"].startswith("chatty\\20ok")
    d.wait_log("monitor output for g/chatty truncated")
    d.wait_log("no monitor found while trying to run [no.such.monitor]")
    # the recording alert of the same period still runs; the failing one is reported
    wait_for("the good alert", lambda: [a for a in d.alerts() if a["argv"][-1] == "ok"])
    d.wait_log("bad.alert for g/alerts exited with status 3")
    assert d.cmd("list state") == ["scheduler running", "220 list state completed"]
