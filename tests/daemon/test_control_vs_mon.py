"""set, get, dump, reload and reset replies: pymon against the real mon 1.3.6, same config, side by side.

Both daemons run with the scheduler stopped (-S), so nothing but the commands
changes their state. Replies are compared line by line after the server's pid
is replaced by `PID`, Perl's hash address by `0x...` and an opstatus line's
timers by `X`; data lines are compared sorted.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from .harness import Client, daemon_argv, free_port, start_daemon, stop_daemon

MON = "/usr/sbin/mon"
if not os.access(MON, os.X_OK):
    pytest.skip("the real mon is not installed", allow_module_level=True)

COMMANDS = ("list", "get", "set", "reset", "reload", "dump", "disable", "enable", "test", "clear", "quit")
AUTH = "".join(f"{command}: all\n" for command in COMMANDS)

CONFIG = """\
hostgroup g h1 h2

watch g
    service s
        interval 1h
        monitor rec.monitor s
        period wd {Sun-Sat}
            alert rec.alert down
    service t
        interval 1h
        monitor rec.monitor t
        T_COLOUR=blue
"""

STATE_KEYS = (
    "_op_status", "_last_op_status", "_exitval", "_ack", "_ack_comment", "_consec_failures",
    "_failure_count", "_alert_count", "_first_failure", "_last_failure", "_last_success",
    "_last_summary", "_last_detail", "_failure_output", "_last_check", "_last_trap", "_last_traphost",
    "disable", "interval",
)  # fmt: skip

SCRIPT = (
    "set g s colour blue",
    "get g s colour",
    "set g s note 'two\\20words' and more",
    "get g s note",
    "get g s nothing",
    "get g s disable",
    "disable service g s",
    "get g s disable",
    "enable service g s",
    "get g s disable",
    "set g s disable 1",
    "list disabled",
    "set g s disable 0",
    "get g s ENV",
    "get g t ENV",
    "set g s opstatus ok",
    "get g s _op_status",
    "get g s _last_op_status",
    "set g s opstatus bogus",
    "set g s opstatus",
    "set g nosuch x 1",
    "set nosuch s x 1",
    "set g s _ack_comment a\\0ab",
    "get g s _ack_comment",
    "set g s description 'now\\20described'",
    "list descriptions",
    "set g s monitor 'other.monitor -x'",
    "get g s monitor",
    "list opstatus g,s",
    "set g s interval 5m",
    "get g s interval",
    "set g s _consec_failures 3x",
    "get g s _consec_failures",
    "dump",
    "dump extra words",
    "set maxkeep 50",
    "get maxkeep",
    "set maxkeep",
    "set maxkeep x",
    "clear timers g s",
    "clear timers g nosuch",
    "clear bogus",
    "test monitor g nosuch",
    "disable host h9 h1",
    "disable host h1",
    "list group g",
    "enable host h1 h9",
    "list group g",
    "test config",
    "reload",
    "reload bogus",
    "disable service g t",
    "set g s _ack 5",
    "set g s _consec_failures 2",
    "set g s _last_summary went\\20down",
    "reset keepstate",
    "get g s _op_status",
    "get g s colour",
    "list disabled",
    *(f"get g s {key}" for key in STATE_KEYS),
    "disable watch g",
    "reset",
    "get g s _op_status",
    "list disabled",
    *(f"get g s {key}" for key in STATE_KEYS),
    "reset stopped",
    "list state",
)


def _normalise(line: str, pid: int) -> str:
    line = line.replace(f"PID {pid}@", "PID PID@")
    line = re.sub(r"HASH\(0x[0-9a-f]+\)", "HASH(0x...)", line)
    if line.startswith("group="):  # an opstatus line: the timers differ
        line = re.sub(r"\b(timer|last_check|interval|monitor_duration)=\S*", r"\1=X", line)
    return re.sub(r"stopped since \d+", "stopped since T", line)


def _run(client: Client, pid: int) -> list[list[str]]:
    """Each reply, normalised; data lines sorted, as mon lists services in hash order (Q18)."""
    replies = []
    for command in SCRIPT:
        *data, status = (_normalise(line, pid) for line in client.cmd(command))
        replies.append([*sorted(data), status])
    return replies


@pytest.fixture
def real_mon(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int, Path]]:
    base = tmp_path / "mon"
    for name in ("mon.d", "alert.d", "log.d", "state.d"):
        (base / name).mkdir(parents=True)
    port, trapport = free_port(), free_port(socket.SOCK_DGRAM)
    cf = base / "mon.cf"
    cf.write_text("serverbind = 127.0.0.1\ntrapbind = 127.0.0.1\n\n" + CONFIG)
    (base / "auth.cf").write_text("command section\n" + AUTH)
    argv = daemon_argv([MON], base, port, trapport, etc=base, flags=["-S"])
    proc = start_daemon(argv, base, base / "stderr", port)
    yield proc, port, cf
    stop_daemon(proc)


def test_set_get_dump_reload_reset_replies_equal_mons(daemon, tmp_path, real_mon):
    mon, mon_port, _ = real_mon
    auth = tmp_path / "pymon-auth.cf"
    auth.write_text(AUTH)
    d = daemon(CONFIG, "-S", "-A", str(auth))
    theirs = _run(Client(mon_port), mon.pid)
    ours = _run(Client(d.port), d.proc.pid)
    for command, want, got in zip(SCRIPT, theirs, ours, strict=True):
        assert got == want, command


def test_test_config_and_reset_with_a_broken_config_reply_as_mon(daemon, tmp_path, real_mon):
    mon, mon_port, mon_cf = real_mon
    auth = tmp_path / "pymon-auth.cf"
    auth.write_text(AUTH)
    d = daemon(CONFIG, "-S", "-A", str(auth))
    ours_cf = Path(d.base) / "etc" / "mon.cf"
    for cf in (mon_cf, ours_cf):
        cf.write_text(cf.read_text() + "    bogus_keyword 1\n")
    for command in ("test config", "reset"):
        theirs = [_normalise(line, mon.pid) for line in Client(mon_port).cmd(command)]
        ours = [_normalise(line, d.proc.pid) for line in Client(d.port).cmd(command)]
        assert ours == theirs, command
    assert ours[0].endswith("failed, error in config file")
