"""Traps end to end (TRAP-01..12): Perl's Mon::Client, `pymon-trap` and `alerts/trap.alert` sending to a
real pymon and to the real mon 1.3.6."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import syslog
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pymon.server.trapauth import crypt

from .harness import ALERT, Client, daemon_argv, free_port, start_daemon, stop_daemon, wait_for

ROOT = Path(__file__).resolve().parents[2]
TRAP_ALERT = ROOT / "alerts" / "trap.alert"
MON = "/usr/sbin/mon"

CONFIG = """\
watch trapgrp
    service tsvc
        description trap service
        period wd {Sun-Sat}
            alert rec.alert fail
            upalert rec.alert up

watch hb
    service beat
        traptimeout 2s
        period wd {Sun-Sat}
            alert rec.alert hbfail
            upalert rec.alert hbup

watch dur
    service d
        trapduration 2s
        period wd {Sun-Sat}
            alert rec.alert durfail
            upalert rec.alert durup

watch default
    service default
        period wd {Sun-Sat}
            alert rec.alert caught
"""

SEND = """
use Mon::Client;
my ($port, $user, $pass, $grp, $svc, $ret, $sum, $dtl) = @ARGV;
my $c = Mon::Client->new(host => "127.0.0.1", port => $port);
$c->username($user) if $user ne "";
$c->password($pass) if $pass ne "";
$c->send_trap(group => $grp, service => $svc, retval => $ret, opstatus => ($ret ? "fail" : "ok"),
              summary => $sum, detail => $dtl) or die $c->error;
"""


def _auth(path: Path) -> Path:
    hashed = crypt("secret", "ab")
    path.write_text(f"list: all\nstart: all\n\ntrap section\n127.0.0.1 trapuser {hashed}\n")
    return path


def perl_trap(port: int, group: str, service: str, retval: int, summary: str, detail: str = "",
              user: str = "trapuser", password: str = "secret") -> None:  # fmt: skip
    args = [str(port), user, password, group, service, str(retval), summary, detail]
    subprocess.run(["perl", "-e", SEND, *args], check=True, timeout=30)


@pytest.fixture
def pymon(daemon, tmp_path):
    return daemon(CONFIG, "-A", str(_auth(tmp_path / "trapauth.cf")))


def _alerts(d, last: str, n: int = 1, timeout: float = 10.0) -> list[dict]:
    return wait_for(f"{n} alerts {last}", lambda: (a := [x for x in d.alerts() if x["argv"][-1] == last])
                    and len(a) >= n and a, timeout)  # fmt: skip


def test_a_perl_trap_fires_the_trap_alert_and_an_ok_trap_the_upalert(pymon):
    d = pymon
    perl_trap(d.trapport, "trapgrp", "tsvc", 1, "disk full", "det 1\ndet2 \\ back")
    alert = _alerts(d, "fail")[0]
    assert alert["argv"][:6] == ["-s", "tsvc", "-g", "trapgrp", "-h", "trapgrp"] and "-T" in alert["argv"]
    assert alert["env"]["MON_ALERTTYPE"] == "trap" and alert["env"]["MON_RETVAL"] == "1"
    assert "MON_TRAP_INTENDED" not in alert["env"]
    assert alert["stdin"] == "disk full\n\ndet 1\ndet2 \\\\ back"  # TRAP-09, TRAP-03
    status = d.opstatus()["trapgrp", "tsvc"]
    assert status["opstatus"] == "0" and status["exitval"] == "1"
    assert int(status["last_trap"]) >= int(d.started)
    assert d.syslogged(syslog.LOG_INFO, "trap trap 0 from 127.0.0.1 grp=trapgrp svc=tsvc, sta=1")

    perl_trap(d.trapport, "trapgrp", "tsvc", 0, "fine", "all good")
    up = _alerts(d, "up")[0]
    assert "-u" in up["argv"] and up["env"]["MON_ALERTTYPE"] == "up"
    assert up["stdin"] == "disk full\n\ndet 1\ndet2 \\\\ back"  # the failing output (ALRT-27)
    assert d.opstatus()["trapgrp", "tsvc"]["opstatus"] == "1"


def test_wrong_password_unknown_user_and_garbage_are_dropped_and_logged(pymon):
    d = pymon
    perl_trap(d.trapport, "trapgrp", "tsvc", 1, "bad pw", password="wrong")
    perl_trap(d.trapport, "trapgrp", "tsvc", 1, "no user", user="")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for junk in (b"", b"\xff\xfe\x00garbage", b"x" * 65000, b"usr=trapuser\npas=secret\nsta=1\n",
                     b"pro=1\nsta=1\nusr=trapuser\npas=secret\n"):  # fmt: skip
            sock.sendto(junk, ("127.0.0.1", d.trapport))
    perl_trap(d.trapport, "dur", "d", 1, "a good one")  # traps are handled in order: wait for this one
    _alerts(d, "durfail")
    err = syslog.LOG_ERR
    assert d.syslogged(err, "received trap with bad password from user trapuser, host 127.0.0.1")
    assert d.syslogged(err, "received trap from unknown user , host 127.0.0.1")
    assert d.syslogged(err, "unspecified tag in trap: x")
    assert d.syslogged(err, "cannot handle traps from version less than 0.3807")
    # no grp: caught by default/default
    assert [a["env"]["MON_TRAP_INTENDED"] for a in d.alerts() if a["argv"][-1] == "caught"] == [":"]
    assert not [a for a in d.alerts() if a["argv"][-1] == "fail"]
    assert d.opstatus()["trapgrp", "tsvc"]["opstatus"] == "7"
    assert d.proc.poll() is None


def test_unknown_groups_go_to_default_default_with_mon_trap_intended(pymon):
    d = pymon
    perl_trap(d.trapport, "nogrp", "nosvc", 1, "lost", "where")
    caught = _alerts(d, "caught")[0]
    assert caught["env"]["MON_TRAP_INTENDED"] == "nogrp:nosvc" and caught["env"]["MON_GROUP"] == "default"
    perl_trap(d.trapport, "trapgrp", "nosvc", 1, "known group")  # TRAP-07: not re-routed
    d.wait_log("trap received for undefined service type trapgrp/nosvc")
    assert len([a for a in d.alerts() if a["argv"][-1] == "caught"]) == 1


def test_traptimeout_fires_until_a_trap_arrives(pymon):
    d = pymon
    first, second = _alerts(d, "hbfail", 2, timeout=15)
    assert "-O" in first["argv"] and first["env"]["MON_ALERTTYPE"] == "traptimeout"
    assert first["env"]["MON_RETVAL"] == "1"
    assert first["stdin"].startswith("trap timeout\ntrap timeout after 2s at ")
    assert 1.5 <= first["time"] - d.started <= 5.0 and 1.5 <= second["time"] - first["time"] <= 4.5
    perl_trap(d.trapport, "hb", "beat", 0, "alive")
    up = _alerts(d, "hbup")[0]
    assert up["stdin"].startswith("trap timeout\n")
    # the heartbeat starts over from the trap
    third = wait_for("a timeout after the trap", lambda: [
        a for a in d.alerts() if a["argv"][-1] == "hbfail" and a["time"] > up["time"]], 15)[0]  # fmt: skip
    assert third["time"] - up["time"] >= 1.5


def test_trapduration_sets_ok_without_an_upalert(pymon):
    d = pymon
    perl_trap(d.trapport, "dur", "d", 1, "short failure")
    _alerts(d, "durfail")
    assert d.opstatus()["dur", "d"]["opstatus"] == "0"
    status = wait_for("trapduration to end", lambda: (s := d.opstatus()["dur", "d"])["opstatus"] == "1" and s)
    assert status["last_opstatus"] == "0" and status["alerts_sent"] == "1"  # TRAP-11: nothing reset
    assert not [a for a in d.alerts() if a["argv"][-1] == "durup"]


def test_traps_while_stopped_change_the_state_but_send_no_alert(daemon, tmp_path):
    d = daemon(CONFIG, "-S", "-A", str(_auth(tmp_path / "trapauth.cf")))
    perl_trap(d.trapport, "trapgrp", "tsvc", 1, "while stopped")
    wait_for("the trap", lambda: d.opstatus()["trapgrp", "tsvc"]["opstatus"] == "0")
    stopped = "ignoring alert for trapgrp,tsvc because the mon scheduler is stopped"
    assert d.syslogged(syslog.LOG_NOTICE, stopped)
    assert not d.alerts()


def test_traptimeout_is_frozen_while_stopped(daemon, tmp_path):
    d = daemon(CONFIG, "-S", "-A", str(_auth(tmp_path / "trapauth.cf")))
    time.sleep(max(0.0, d.started + 3.5 - time.time()))  # that nothing happens takes this long to see
    assert not d.alerts() and d.opstatus()["hb", "beat"]["opstatus"] == "7"
    assert d.cmd("start")[-1].startswith("220")
    timeout = _alerts(d, "hbfail")[0]
    assert timeout["time"] - d.started > 3.5


def _normal(alerts: list[dict], groups: tuple[str, ...] = ("trapgrp", "default")) -> list[tuple]:
    """The alerts for `groups` as both daemons must make them: no times, no paths."""
    varying = ("MON_FIRST_FAILURE", "MON_LAST_FAILURE", "MON_LAST_SUCCESS", "MON_LOGDIR", "MON_STATEDIR",
               "MON_CFBASEDIR")  # fmt: skip
    found = []
    for alert in alerts:
        if alert["env"]["MON_GROUP"] not in groups:
            continue  # the heartbeat's timeouts come at their own times
        argv = [("TIME" if i and alert["argv"][i - 1] == "-t" else a) for i, a in enumerate(alert["argv"])]
        env = {k: v for k, v in alert["env"].items() if k not in varying}
        found.append((tuple(argv), tuple(sorted(env.items())), alert["stdin"]))
    return sorted(found)


def _pymon_trap(port: int, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "pymon.trap_send", "-s", "127.0.0.1", "-p", str(port), *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=30)


def _trap_alert(port: int, summary: str, *, retval: str = "1", opstatus: str = "0", user: str = "trapuser",
                extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("MON_")}
    env.update(MON_GROUP="trapgrp", MON_SERVICE="tsvc", MON_RETVAL=retval, MON_OPSTATUS=opstatus,
               MON_TRAP_PASS="secret")  # fmt: skip
    argv = [sys.executable, str(TRAP_ALERT), "-s", "tsvc", "-g", "trapgrp", "-h", "h1", "-t", "1", "-u",
            "-U", user, *extra, f"127.0.0.1:{port}"]  # fmt: skip
    return subprocess.run(argv, input=f"{summary}\ndetail one\ndetail two\n", env=env, capture_output=True,
                          text=True, timeout=30)  # fmt: skip


def test_pymon_trap_and_trap_alert_send_to_pymon(pymon):
    d = pymon
    sent = _pymon_trap(d.trapport, "-u", "trapuser", "-P", "secret", "trapgrp", "tsvc", "from pymon-trap",
                       "detail 'q' \\ x")  # fmt: skip
    assert sent.returncode == 0, sent.stderr
    assert _alerts(d, "fail")[0]["stdin"] == "from pymon-trap\n\ndetail 'q' \\\\ x"
    # the same as the real mon shows it (test_the_real_mon_accepts_pymon_trap_and_trap_alert)
    assert d.opstatus()["trapgrp", "tsvc"]["last_detail"] == "\\0adetail\\20\\27q\\27\\20\\\\\\\\\\20x"
    sent = _trap_alert(d.trapport, "from trap.alert", retval="0", opstatus="1")
    assert sent.returncode == 0 and sent.stderr == ""
    assert _alerts(d, "up")[0]["argv"][-2] == "-u"
    assert d.opstatus()["trapgrp", "tsvc"]["last_summary"] == "from\\20trap.alert"
    bad = _pymon_trap(d.trapport, "-o", "warn", "trapgrp", "tsvc", "x")
    assert bad.returncode != 0 and "invalid choice" in bad.stderr
    no_retval = _trap_alert(d.trapport, "x", retval="")
    assert "Error is: invalid value for retval" in no_retval.stderr


# --- the real mon ------------------------------------------------------------------------------------


class RealMon:
    def __init__(self, base: Path) -> None:
        self.base = base
        for name in ("mon.d", "alert.d", "log.d", "state.d"):
            (base / name).mkdir(parents=True)
        alert = base / "alert.d" / "rec.alert"
        alert.write_text(ALERT.format(python=sys.executable, base=str(base)))
        alert.chmod(0o755)
        (base / "mon.cf").write_text("serverbind = 127.0.0.1\ntrapbind = 127.0.0.1\n\n" + CONFIG)
        _auth(base / "auth.cf")
        self.port, self.trapport = free_port(), free_port(socket.SOCK_DGRAM)
        argv = daemon_argv([MON], base, self.port, self.trapport, etc=base)
        self.proc = start_daemon(argv, base, base / "mon.out", self.port)
        self.client = Client(self.port)

    def opstatus(self, group: str, service: str) -> dict[str, str]:
        line = self.client.cmd(f"list opstatus {group},{service}")[0]
        return dict(f.split("=", 1) for f in line.split(" "))

    def opstatus_is(self, group: str, service: str, status: str) -> dict[str, str] | None:
        found = self.opstatus(group, service)
        return found if found["opstatus"] == status else None

    def stop(self) -> None:
        self.client.close()
        stop_daemon(self.proc)


@pytest.fixture
def real_mon(tmp_path) -> Iterator[RealMon]:
    if not os.access(MON, os.X_OK):
        pytest.skip("the real mon is not installed")
    mon = RealMon(tmp_path / "mon")
    yield mon
    mon.stop()


def _alerts_in(base: Path) -> list[dict]:
    path = base / "alerts.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_pymon_and_the_real_mon_send_the_same_alerts_for_the_same_traps(pymon, real_mon):
    for port in (pymon.trapport, real_mon.trapport):
        perl_trap(port, "trapgrp", "tsvc", 1, "disk full", "det 1\ndet2 'q' \\ back")
        perl_trap(port, "nogrp", "nosvc", 3, "lost", "where")
        perl_trap(port, "trapgrp", "tsvc", 0, "fine", "all good")
    _alerts(pymon, "up")
    theirs = wait_for("mon's three alerts", lambda: len(a := _alerts_in(real_mon.base)) >= 3 and a, 20)
    ours = _normal(pymon.alerts())
    assert len(ours) == 3 and ours == _normal(theirs)


def test_pymon_and_the_real_mon_send_the_same_traptimeout_alert(pymon, real_mon):
    ours = _alerts(pymon, "hbfail")
    theirs = wait_for("mon's timeout", lambda: [a for a in _alerts_in(real_mon.base) if "-O" in a["argv"]])
    at = re.compile(r" at \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\n$")
    for alert in (ours[0], theirs[0]):
        assert at.search(alert["stdin"]), alert["stdin"]
        alert["stdin"] = at.sub(" at TIME\n", alert["stdin"])
    assert _normal(ours[:1], ("hb",)) == _normal(theirs[:1], ("hb",))


def test_the_real_mon_accepts_pymon_trap_and_trap_alert(real_mon):
    mon = real_mon
    sent = _pymon_trap(mon.trapport, "-u", "trapuser", "-P", "secret", "trapgrp", "tsvc", "from pymon-trap",
                       "detail 'q' \\ x")  # fmt: skip
    assert sent.returncode == 0, sent.stderr
    status = wait_for("mon to take the trap", lambda: mon.opstatus_is("trapgrp", "tsvc", "0"), 20)
    assert status["last_summary"] == "from\\20pymon-trap" and status["exitval"] == "1"
    # TRAP-03: the backslash arrives doubled, and `list opstatus` doubles each again
    assert status["last_detail"] == "\\0adetail\\20\\27q\\27\\20\\\\\\\\\\20x"

    assert _trap_alert(mon.trapport, "from trap.alert", retval="0", opstatus="1").returncode == 0
    status = wait_for("the OK trap", lambda: mon.opstatus_is("trapgrp", "tsvc", "1"), 20)
    assert status["last_summary"] == "from\\20trap.alert"
    assert status["last_detail"] == "\\0adetail\\20one\\0adetail\\20two"
    # a wrong password is dropped by mon too
    assert _trap_alert(mon.trapport, "bad", extra=("-P", "x"), user="nobody").returncode == 0
    _pymon_trap(mon.trapport, "-u", "trapuser", "-P", "wrong", "trapgrp", "tsvc", "wrong password")
    _pymon_trap(mon.trapport, "-u", "trapuser", "-P", "secret", "dur", "d", "marker")
    wait_for("the marker trap", lambda: mon.opstatus("dur", "d")["opstatus"] == "0", 20)
    assert mon.opstatus("trapgrp", "tsvc")["last_summary"] == "from\\20trap.alert"


def test_traps_follow_a_reset_and_reload_auth_rereads_the_trap_section(daemon, tmp_path):
    auth = tmp_path / "trapauth.cf"
    rules = "list: all\nreset: all\nreload: all\n\ntrap section\n127.0.0.1 trapuser {}\n"
    auth.write_text(rules.format(crypt("secret", "ab")))
    d = daemon(CONFIG, "-A", str(auth))
    assert d.cmd("reset")[-1].startswith("220 ")
    perl_trap(d.trapport, "trapgrp", "tsvc", 1, "after reset")
    _alerts(d, "fail")  # handled by the engine the reset built
    assert d.opstatus()["trapgrp", "tsvc"]["opstatus"] == "0"

    auth.write_text(rules.format(crypt("newer", "cd")))
    assert d.cmd("reload auth")[-1].startswith("220 ")
    perl_trap(d.trapport, "dur", "d", 1, "old password")
    perl_trap(d.trapport, "trapgrp", "tsvc", 0, "new password", password="newer")
    _alerts(d, "up")  # traps are handled in order: the first one has been dropped by now
    assert not [a for a in d.alerts() if a["argv"][-1] == "durfail"]
    assert d.syslogged(syslog.LOG_ERR, "received trap with bad password from user trapuser, host 127.0.0.1")
