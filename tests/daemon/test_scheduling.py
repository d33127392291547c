"""The scheduler on a real daemon: host lists, no overlap, maxprocs, failure_interval, test monitor."""

from __future__ import annotations

import time
from itertools import pairwise

from .harness import wait_for

HOSTS = """\
hostgroup g h1 h2 h3

hostgroup empty

watch g
    service plain
        interval 0.3s
        monitor rec.monitor plain -x "two words"
    service nohosts
        interval 0.3s
        monitor rec.monitor nohosts ;;
    service excl
        interval 0.3s
        exclude_hosts h2
        monitor rec.monitor excl
    service manual
        interval 1h
        monitor rec.monitor manual

watch empty
    service allowed
        interval 0.3s
        allow_empty_group
        monitor rec.monitor allowed
    service refused
        interval 0.3s
        monitor rec.monitor refused
"""


def test_monitor_arguments(daemon):
    d = daemon(HOSTS)
    assert d.wait_calls("plain", 1)[0]["argv"] == ["plain", "-x", "two words", "h1", "h2", "h3"]
    assert d.wait_calls("nohosts", 1)[0]["argv"] == ["nohosts"]  # MONI-02: `;;`
    assert d.wait_calls("excl", 1)[0]["argv"] == ["excl", "h1", "h3"]  # MONI-03
    assert d.wait_calls("allowed", 1)[0]["argv"] == ["allowed"]  # MONI-04
    env = d.calls("plain")[0]["env"]
    assert env["MON_GROUP"] == "g" and env["MON_SERVICE"] == "plain"
    assert env["MON_LAST_SUCCESS"] == "0" and env["MON_STATEDIR"].endswith("state.d")
    d.wait_log("monitor for empty/refused not called because of no host arguments")
    assert d.calls("refused") == []


def test_disabled_host_left_out_and_test_monitor(daemon):
    d = daemon(HOSTS)
    assert d.cmd("disable host h3") == ["220 disable host completed"]
    assert d.cmd("list group g") == ["hostgroup g h1 h2 *h3", "220 list group completed"]
    assert d.cmd("test monitor g manual") == ["220 test monitor completed"]
    assert d.wait_calls("manual", 1)[0]["argv"] == ["manual", "h1", "h2"]
    assert d.cmd("test monitor g nosuch") == ["g nosuch not defined", "220 test monitor completed"]


SLOW = """\
hostgroup g h1

watch g
    service slow
        interval 0.1s
        monitor rec.monitor slow
    service a
        interval 0.1s
        monitor rec.monitor a
    service b
        interval 0.1s
        monitor rec.monitor b
"""


def test_never_two_runs_of_one_service(daemon):
    d = daemon(SLOW)
    d.set_monitor("slow", sleep=0.5)
    calls = d.wait_calls("slow", 3)
    starts = [c["time"] for c in calls]
    assert all(b - a >= 0.5 for a, b in pairwise(starts)), starts


def test_maxprocs_throttles(daemon):
    d = daemon(SLOW, "-m", "1")
    for key in ("slow", "a", "b"):
        d.set_monitor(key, sleep=0.2)
    d.wait_log("throttled at 1 processes")
    for key in ("slow", "a", "b"):
        d.wait_calls(key, 2)
    spans = sorted(
        (c["time"], c["time"] + 0.2) for key in ("slow", "a", "b") for c in d.calls(key)
    )
    # one at a time: each run starts after the previous one finished (small slack)
    assert all(b[0] >= a[1] - 0.1 for a, b in pairwise(spans)), spans


FAILING = """\
hostgroup g h1

watch g
    service f
        interval 1h
        failure_interval 0.2s
        monitor rec.monitor f
        period wd {Sun-Sat}
            alert rec.alert down
            upalert rec.alert up
"""


def test_failure_interval_alert_and_upalert(daemon):
    d = daemon(FAILING)
    d.set_monitor("f", exit=1, output="f broke\nthe detail\n")
    d.cmd("test monitor g f")
    d.wait_calls("f", 3)  # failure_interval takes over from the 1h interval
    alert = wait_for("the failure alert", lambda: [a for a in d.alerts() if a["argv"][-1] == "down"])[0]
    assert alert["stdin"] == "f broke\nthe detail\n" and alert["env"]["MON_RETVAL"] == "1"
    d.set_monitor("f", output="f fine\n")
    up = wait_for("the upalert", lambda: [a for a in d.alerts() if a["argv"][-1] == "up"])[0]
    assert up["argv"][-2:] == ["-u", "up"]
    status = wait_for("f ok", lambda: (s := d.opstatus()[("g", "f")])["opstatus"] == "1" and s)
    assert status["interval"] == "3600"  # restored after the success


TIMING = """\
hostgroup g h1

watch g
    service skewed
        interval 0.2s
        randskew 1s
        monitor rec.monitor skewed
    service excluded
        interval 0.2s
        exclude_period wd {Sun-Sat}
        monitor rec.monitor excluded
    service cleared
        interval 1h
        monitor rec.monitor cleared
        period p: wd {Sun-Sat}
            alertafter 2
            alert rec.alert cleared
"""


def test_randskew_exclude_period_and_clear_timers(daemon):
    d = daemon(TIMING)
    d.set_monitor("cleared", exit=1, output="cleared down\n")
    # the `calling` line is written with the failure line, so counting it needs no wait
    alerts = lambda: len(d.syslogged(1, "calling alert rec.alert for g/cleared"))  # noqa: E731
    for n in (1, 2):
        d.cmd("test monitor g cleared")
        d.wait_calls("cleared", n)
        wait_for(f"failure {n}", lambda n=n: len(d.syslogged(2, "failure for g cleared ")) == n)
    assert alerts() == 1  # ALRT-13: the second consecutive failure alerts
    # SCHED-14: the consecutive failures and the timer start again
    assert d.cmd("clear timers g cleared") == ["220 clear timers completed"]
    assert int(d.opstatus()[("g", "cleared")]["timer"]) >= 3599
    d.cmd("test monitor g cleared")
    wait_for("failure 3", lambda: len(d.syslogged(2, "failure for g cleared ")) == 3)
    assert alerts() == 1
    d.cmd("test monitor g cleared")
    wait_for("failure 4", lambda: len(d.syslogged(2, "failure for g cleared ")) == 4)
    assert alerts() == 2
    # SCHED-05: interval +- (int(rand(1)) + 1): the next run is at once or 1.2 s on, never 0.2 s on
    calls = d.wait_calls("skewed", 4, timeout=15)
    gaps = [b["time"] - a["time"] for a, b in pairwise(calls)]
    assert all(gap < 0.6 or gap > 1.1 for gap in gaps), gaps
    # SCHED-08: never run inside the service's exclude_period, and re-checked on every pass
    not_running = "not running g/excluded because of exclude period"
    wait_for("two checks", lambda: len(d.syslogged(7, not_running)) >= 2)
    assert d.calls("excluded") == []


def test_global_exclude_period_holds_every_monitor_until_it_ends(daemon):
    """SCHED-09 and SCHED-02: a start skipped for the exclude_period happens as soon as it ends."""
    now = time.localtime()
    if now.tm_sec >= 57:  # the window must not wrap around the minute
        time.sleep(60 - now.tm_sec + 0.1)
        now = time.localtime()
    window = {now.tm_sec, now.tm_sec + 1}
    d = daemon(f"exclude_period = sec {{{now.tm_sec}-{now.tm_sec + 1}}}\n\n" + SLOW.replace("slow", "held"))
    assert d.cmd("test monitor g held") == ["220 test monitor completed"]
    first = d.wait_calls("held", 1, timeout=5)[0]["time"]
    assert time.localtime(first).tm_sec not in window
    assert all(time.localtime(c["time"]).tm_sec not in window for key in "ab" for c in d.calls(key))
