"""The alerts under both daemons, through one failure and one recovery:
Debian's file.alert and mail.alert run unchanged under pymon, and pymon's
file.alert, mail.alert and lvs.alert run under the real mon 1.3.6 — each
pymon alert writing what Debian's writes for the same call."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .support import (
    ALERTS,
    DEBIAN_ALERTS,
    FakeIpvsadm,
    Process,
    SmtpSink,
    daemon_argv,
    daemon_dirs,
    daemon_env,
    debian_mail_alert,
    free_port,
    headers_and_body,
    real,
    wait_until,
)

# INIT-04: the real mon splits the alert path on the Perl string "\s*:\s*",
# which is the regex `s*:s*`, so `.../alerts:...` would lose its final "s":
# the checkout's alerts/ goes last (the names do not collide).
ALERTDIRS = "{1}:{0}"
REAL_MON = Path(os.environ.get("MON_PERL_BIN", "/usr/sbin/mon"))
VIP, RIP = "192.0.2.100:80", "127.0.0.1:8080"
MONITOR = "#!/bin/sh\ncat {ctl}/output\nexit $(cat {ctl}/exit)\n"
CONFIG = """\
hostgroup web 127.0.0.1 localhost

watch web
    service http
        description the web farm
        interval 1s
        monitor ctl.monitor
        period wd {{Sun-Sat}}
            alertevery 1h
            alert file.alert -d {base} pymon.log
            alert debfile.alert -d {base} debian.log
            alert mail.alert -m 127.0.0.1:{smtp} -f mon@example.org ops@example.org
            alert debmail.alert -f mon@example.org ops@example.org
            alert lvs.alert -P tcp -V {vip} -R {rip} -W 1 -F dr -X down
            upalert file.alert -d {base} pymon.log
            upalert debfile.alert -d {base} debian.log
            upalert mail.alert -m 127.0.0.1:{smtp} -f mon@example.org ops@example.org
            upalert debmail.alert -f mon@example.org ops@example.org
            upalert lvs.alert -P tcp -V {vip} -R {rip} -W 1 -F dr

"""
STAMP = re.compile(r"\d{9,10} \(\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d\)")
NOTICED = re.compile(r"\(\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d\)$|Time noticed {10}: .*")


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    server = SmtpSink()
    yield server
    server.close()


@pytest.mark.skipif(not (DEBIAN_ALERTS / "file.alert").exists(),
                    reason="Debian's mon alerts are not installed")
@pytest.mark.parametrize("daemon", ["pymon", "mon"])
def test_alerts_through_failure_and_recovery(tmp_path: Path, sink: SmtpSink, daemon: str) -> None:
    if daemon == "mon" and not os.access(REAL_MON, os.X_OK):
        pytest.skip("the real mon is not installed")
    dirs = daemon_dirs(tmp_path, CONFIG.format(base=tmp_path, smtp=sink.port, vip=VIP, rip=RIP))
    ctl = tmp_path / "ctl"
    ctl.mkdir()
    (ctl / "output").write_text("http down\nwww: connection refused\n")
    (ctl / "exit").write_text("1")
    monitor = dirs["mon.d"] / "ctl.monitor"
    monitor.write_text(MONITOR.format(ctl=ctl))
    monitor.chmod(0o755)
    (dirs["alert.d"] / "debfile.alert").symlink_to(DEBIAN_ALERTS / "file.alert")  # unchanged
    debmail = debian_mail_alert(tmp_path, sink.port)  # unchanged but for the sendmail path
    debmail.rename(dirs["alert.d"] / "debmail.alert")
    fake = FakeIpvsadm(tmp_path, {f"-t {VIP}": {RIP: real()}})
    port = free_port()
    program = [sys.executable, "-m", "pymon"] if daemon == "pymon" else [str(REAL_MON)]
    argv = daemon_argv(program, tmp_path, dirs, port, basedir=tmp_path,
                       extra=["-s", str(dirs["mon.d"]), "-a", ALERTDIRS.format(ALERTS, dirs["alert.d"])])
    process = Process(argv, tmp_path, daemon_env(fake.env()), port)
    try:
        ours, theirs = tmp_path / "pymon.log", tmp_path / "debian.log"

        def records(path: Path) -> int:
            return path.read_text().count("\n.\n") if path.exists() else 0

        wait_until("the failure alerts", lambda: records(ours) == records(theirs) == 1
                   and len(sink.messages) == 2 and fake.calls())
        assert fake.calls() == [["-d", "-t", VIP, "-r", RIP]]
        (ctl / "exit").write_text("0")
        wait_until("the upalerts", lambda: records(ours) == records(theirs) == 2
                   and len(sink.messages) == 4 and len(fake.calls()) == 2)
        assert fake.calls()[1] == ["-a", "-t", VIP, "-r", RIP, "-w", "1", "-g"]
    finally:
        process.stop()
    # file.alert: the same records, but for the time each alert was called
    assert STAMP.sub("T", ours.read_text()) == STAMP.sub("T", theirs.read_text())
    assert ours.read_text().startswith("failure web http ")
    assert "\nup web http " in ours.read_text() and "DESCR=the web farm\n" in ours.read_text()
    # mail.alert: the same messages
    mails: dict[str, list[tuple[dict[str, str], str]]] = {"pymon": [], "debian": []}
    for message in sink.messages:
        head, body = headers_and_body(message.data)
        who = "pymon" if head["X-Mailer"] == str(ALERTS / "mail.alert") else "debian"
        mails[who].append(({k: NOTICED.sub("T", head[k]) for k in ("To", "Subject")}, NOTICED.sub("T", body)))
        assert message.recipients == ("ops@example.org",) and message.sender == "mon@example.org"
    assert sorted(map(repr, mails["pymon"])) == sorted(map(repr, mails["debian"]))
    subjects = sorted(head["Subject"] for head, _ in mails["pymon"])
    assert subjects == ["ALERT web/http: http down T", "UPALERT web/http: http down T"]
    log = (tmp_path / "daemon.log").read_text()
    assert "Traceback" not in log
