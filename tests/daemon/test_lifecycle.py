"""Start-up, pid file, stop/start/term and SIGTERM, on a real daemon."""

from __future__ import annotations

import signal
import time
from itertools import pairwise

from .harness import alive, wait_for

CONFIG = """\
hostgroup g h1 h2

watch g
    service s
        interval 0.3s
        monitor rec.monitor s
        period wd {Sun-Sat}
            alert rec.alert down
            startupalert rec.alert start
    service hang
        interval 0.3s
        monitor rec.monitor hang
"""


def test_start_pidfile_startup_alert_and_sigterm_while_a_monitor_runs(daemon):
    d = daemon(CONFIG)
    d.set_monitor("hang", sleep=60)
    # the port listens before the pid file is written (INIT-03), the log line comes after it
    assert "mon server started" in d.wait_log("mon server started")
    assert d.pidfile.read_text() == f"{d.proc.pid}\n"
    startup = wait_for("the startup alert", d.alerts)
    assert startup[0]["argv"][:4] == ["-s", "s", "-g", "g"] and startup[0]["argv"][-1] == "start"
    assert startup[0]["env"]["MON_ALERTTYPE"] == "startup"
    hanging = d.wait_calls("hang", 1)[0]["pid"]
    d.proc.send_signal(signal.SIGTERM)
    assert d.proc.wait(10) == 0
    assert not d.pidfile.exists()
    wait_for("the hanging monitor to be killed", lambda: not alive(hanging))


def test_first_run_one_interval_after_start_then_fixed_rate(daemon):
    d = daemon(CONFIG)
    calls = d.wait_calls("s", 4)
    times = [c["time"] for c in calls]
    assert times[0] - d.started >= 0.2  # SCHED-03: not at start-up
    gaps = [b - a for a, b in pairwise(times)]
    assert all(0.2 <= gap <= 1.0 for gap in gaps), gaps  # loaded CI machines lag


def test_stopped_with_dash_S_runs_nothing_until_start(daemon):
    d = daemon(CONFIG, "-S")
    assert d.cmd("list state")[0].startswith("scheduler stopped since ")
    d.wait_log("ignoring alert for g,s because the mon scheduler is stopped")  # ALRT-02, CLI-21
    time.sleep(0.8)  # nothing may happen: several intervals pass
    assert d.calls("s") == [] and d.alerts() == []  # no runs, startup alerts suppressed
    assert d.cmd("start") == ["220 start completed"]
    d.wait_calls("s", 1)
    assert d.cmd("stop") == ["220 stop completed"]


def test_term_command(daemon):
    d = daemon(CONFIG)
    assert d.cmd("term") == ["220 terminating server"]
    assert d.proc.wait(10) == 0
    assert not d.pidfile.exists()
    assert "terminating by user command" in d.log()


def test_bad_config_exits_with_mons_message_and_no_pidfile(tmp_path):
    import subprocess
    import sys

    (tmp_path / "mon.cf").write_text("bogus = 1\n")
    done = subprocess.run(
        [sys.executable, "-m", "pymon", "-c", str(tmp_path / "mon.cf"), "-b", str(tmp_path),
         "-P", str(tmp_path / "mon.pid")],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert done.returncode != 0
    assert "cf error: unknown variable 'bogus'" in done.stderr or "cf error" in done.stderr
    assert not (tmp_path / "mon.pid").exists()
