"""Histories, historicfile, the downtime log and syslog on a real daemon (LOG-*, CLI-11, CLI-12, CLI-16)."""

from __future__ import annotations

import syslog
import time

from pymon.escape import un_esc_str

from .harness import wait_for

CONFIG = """\
histlength = 5
historicfile = {hist}
historictime = 1h
dtlogging = yes
dtlogfile = dt.log
syslog_facility = local3

hostgroup g h1

watch g
    service f
        interval 0.2s
        monitor rec.monitor f
        period p: wd {{Sun-Sat}}
            alert rec.alert down
"""


def test_histories_dtlog_and_syslog(daemon, tmp_path):
    now = int(time.time())
    hist = tmp_path / "hist.log"
    old = f"alert g f {now - 7200} /x/old.alert () too old"
    kept = [f"alert g f {now - 60 + i} /x/a.alert (a b) line {i}" for i in range(3)]
    hist.write_text("\n".join(["# comment", old, "", *kept]) + "\n")
    d = daemon(CONFIG.format(hist=hist), "-k", "2", "-O", "local5", "-l")
    # LOG-06/07: read back at startup, the old line dropped, then the last MAX_KEEP kept (-k beats histlength)
    assert [un_esc_str(line) for line in d.cmd("list alerthist")[:-1]] == kept[1:]
    assert d.cmd("get maxkeep") == ["maxkeep = 2", "220 set completed"]
    d.set_monitor("f", exit=1, output="f down 100%\n")
    d.wait_calls("f", 5)
    wait_for("5 alerts", lambda: len(d.alerts()) >= 5)
    # LOG-04/05: MAX_KEEP+1 entries each
    alerthist = [un_esc_str(line) for line in d.cmd("list alerthist")[:-1]]
    assert len(alerthist) == 3 and all(line.startswith("alert g f ") for line in alerthist)
    path = d.base / "alert.d" / "rec.alert"
    assert alerthist[-1].endswith(f" {path} (down) f down 100%")
    failurehist = [un_esc_str(line) for line in d.cmd("list failurehist")[:-1]]
    assert len(failurehist) == 3 and all(line.startswith("g f ") and line.endswith(" f down 100%")
                                         for line in failurehist)  # fmt: skip
    appended = hist.read_text().splitlines()[len(kept) + 3 :]
    assert appended[-3:] == alerthist  # LOG-06: the same lines, unescaped
    # LOG-08: the header at startup, a line per recovery; `list dtlog` shows the lines
    d.set_monitor("f", output="f fine\n")
    dtlog = wait_for("the dtlog line", lambda: (r := d.cmd("list dtlog"))[:-1] and r)
    up, group, service, first, downtime, interval, summary = dtlog[0].split(" ", 6)
    assert (group, service, interval, summary) == ("g", "f", "0.2", "f down 100%")
    assert int(up) - int(first) == int(downtime) >= 0 and dtlog[-1] == "220 list dtlog completed"
    text = (d.base / "log.d" / "dt.log").read_text()
    header = "# time back up, group, service, first failure, downtime, interval, summary\n#\n"
    assert text.startswith("#\n# downtime log start ") and text.index(header) < text.index(dtlog[0])
    assert text.endswith(dtlog[0] + "\n")
    # LOG-01: syslog as "mon" with the pid, the config's facility winning over -O (CLI-16); no "%"
    assert [e["openlog"] for e in d.syslog() if "openlog" in e][-1] == [
        "mon", syslog.LOG_PID, syslog.LOG_LOCAL3,
    ]  # fmt: skip
    assert d.syslogged(syslog.LOG_CRIT, "failure for g f ")[0].endswith(" f down 100")
    assert d.syslogged(syslog.LOG_INFO, "mon server started")
    # CLI-12, STATE-03: -l with no saved state
    assert d.syslogged(syslog.LOG_ERR, "could not read state file: No such file or directory")
    # and in the foreground the same lines go to stderr, "%" and all
    assert "crit: failure for g f " in d.log() and " f down 100%" in d.log()
