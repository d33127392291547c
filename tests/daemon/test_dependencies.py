"""Dependencies between real services (DEP-*): alerts held back, monitors not run, hosts left out."""

from __future__ import annotations

import syslog

from .harness import wait_for

CONFIG = """\
hostgroup g p1 p2 p10

hostgroup c h1

watch g
    service parent
        interval 0.2s
        monitor rec.monitor parent
    service hchild
        interval 0.2s
        hostdepend SELF:parent
        monitor rec.monitor hchild

watch c
    service child
        interval 0.2s
        depend g:parent
        monitor rec.monitor child
        period p: wd {Sun-Sat}
            alert rec.alert child
    service mchild
        interval 0.2s
        monitordepend g:parent
        monitor rec.monitor mchild
    service alertonly
        interval 0.2s
        alertdepend g:parent
        monitor rec.monitor alertonly
        period p: wd {Sun-Sat}
            alert rec.alert alertonly
    service broken
        interval 0.2s
        depend g:parent g:parent
        monitor rec.monitor broken
        period p: wd {Sun-Sat}
            alert rec.alert broken
"""


def test_dependencies_on_a_failing_parent(daemon):
    d = daemon(CONFIG)
    for key in ("child", "alertonly", "broken"):
        d.set_monitor(key, exit=1, output=f"{key} down\n")
    # DEP-02: an untested parent counts as up, so the child alerts on its first failure
    wait_for("the child's alert", lambda: [a for a in d.alerts() if a["argv"][-1] == "child"])
    assert d.wait_calls("hchild", 1)[0]["argv"] == ["hchild", "p1", "p2", "p10"]
    d.set_monitor("parent", exit=1, output="p1 is down\n")
    wait_for("the parent to fail", lambda: d.opstatus()[("g", "parent")]["opstatus"] == "0")
    # DEP-05: hosts named in a failing parent's summary are left out (substring match: not p10)
    wait_for("p1 left out", lambda: [c for c in d.calls("hchild") if c["argv"] == ["hchild", "p2", "p10"]])
    # DEP-03/09: the child's next result sees the failed parent and stops alerting
    status = wait_for(
        "child's depstatus 0", lambda: (s := d.opstatus()[("c", "child")])["depstatus"] == "0" and s
    )
    assert status["depend"] == "g:parent"
    alerts_of = lambda key: len([a for a in d.alerts() if a["argv"][-1] == key])  # noqa: E731
    child_alerts = alerts_of("child")
    wait_for("child's MON_DEPEND_STATUS=0",
             lambda: [c for c in d.calls("child") if c["env"].get("MON_DEPEND_STATUS") == "0"])  # fmt: skip
    # DEP-04: the monitordepend child no longer runs while the parent fails
    mchild = len(d.calls("mchild"))
    d.wait_calls("child", len(d.calls("child")) + 3)
    assert len(d.calls("mchild")) <= mchild + 1  # one may have started before the parent's result
    assert alerts_of("child") == child_alerts
    d.set_monitor("parent", output="parent fine\n")
    wait_for("mchild to run again", lambda: len(d.calls("mchild")) > mchild + 1)
    wait_for("the child's alerts again", lambda: alerts_of("child") > child_alerts)
    # DEP-06: alertdepend alone never computes a status, so never alerts; DEP-01: `1 1` is an eval error
    assert not [a for a in d.alerts() if a["argv"][-1] in ("alertonly", "broken")]
    assert d.syslogged(syslog.LOG_NOTICE, "eval error for dependency starting at g:parent g:parent")
    deps = d.cmd("list deps")  # PROTO-21, DEP-10: SELF: is the watch's name
    assert "exp c child 'g:parent'" in deps and "cmp c child g:parent" in deps
    assert "cmp g hchild NONE" in deps
    assert d.opstatus()[("g", "hchild")]["hostdepend"] == "g:parent"
