"""A real pymon daemon in tmp_path: free ports, recording monitor and alert scripts, a client.

The monitor `rec.monitor KEY [args]` appends its argv, MON_* environment and
what its stdin is to `calls/KEY.jsonl`, then behaves as `ctl/KEY.json` says:
output (and `stderr`), exit value, sleep, or kill itself with a signal.
`rec.alert` appends argv, environment and stdin to `alerts.jsonl`. The daemon
runs with Python's syslog module replaced by a recorder, so what it sends to
syslog (LOG-01/02) is in `syslog.jsonl`. Everything is polled with a deadline.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pytest

T = TypeVar("T")

MONITOR = """#!{python} -S
import json, os, sys, time
base = {base!r}
key = sys.argv[1]
with open(os.path.join(base, "calls", key + ".jsonl"), "a") as f:
    env = {{k: v for k, v in os.environ.items() if k.startswith(("MON_", "T_"))}}
    stdin = os.readlink("/proc/self/fd/0")
    f.write(json.dumps({{"argv": sys.argv[1:], "env": env, "pid": os.getpid(), "time": time.time(),
                        "stdin": stdin}}) + "\\n")
try:
    with open(os.path.join(base, "ctl", key + ".json")) as f:
        ctl = json.load(f)
except OSError:
    ctl = {{}}
sys.stdout.write(ctl.get("output", key + " ok\\n"))
sys.stdout.flush()
sys.stderr.write(ctl.get("stderr", ""))
sys.stderr.flush()
sys.stdout.write(ctl.get("after", ""))
sys.stdout.write("x" * ctl.get("spew", 0))
sys.stdout.flush()
if ctl.get("sleep"):
    time.sleep(ctl["sleep"])
if ctl.get("signal"):
    os.kill(os.getpid(), ctl["signal"])
sys.exit(ctl.get("exit", 0))
"""

ALERT = """#!{python} -S
import json, os, sys, time
base = {base!r}
stdin = sys.stdin.read()
env = {{k: v for k, v in os.environ.items() if k.startswith(("MON_", "T_"))}}
with open(os.path.join(base, "alerts.jsonl"), "a") as f:
    f.write(json.dumps({{"argv": sys.argv[1:], "env": env, "stdin": stdin, "time": time.time()}}) + "\\n")
"""

# Runs pymon as `python -m pymon` does, with syslog's calls recorded (argv follows -c).
SYSLOG = """\
import json, runpy, sys, syslog
out = open({path!r}, "a", buffering=1)
def openlog(ident="", logoption=0, facility=syslog.LOG_USER):
    out.write(json.dumps({{"openlog": [ident, logoption, facility]}}) + "\\n")
def record(priority, message=None):
    if message is None:
        priority, message = syslog.LOG_INFO, priority
    out.write(json.dumps({{"priority": priority, "message": message}}) + "\\n")
syslog.openlog, syslog.syslog = openlog, record
sys.argv[0] = "pymon"
runpy.run_module("pymon", run_name="__main__", alter_sys=True)
"""


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 10.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Client:
    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.file = self.sock.makefile("rb")

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def line(self) -> str:
        raw = self.file.readline()
        if not raw:
            raise EOFError("connection closed")
        return raw.decode().rstrip("\n")

    def cmd(self, line: str) -> list[str]:
        """The reply lines, the status line last."""
        self.send(line.encode() + b"\n")
        lines = [self.line()]
        while not (lines[-1][:3].isdigit() and lines[-1][3:4] == " " and lines[-1][0] in "25"):
            lines.append(self.line())
        return lines

    def close(self) -> None:
        self.file.close()
        self.sock.close()


# auth.cf letting every client run every command (what the tests did before auth was enforced).
AUTH_ALL = "command section\n" + "".join(
    f"{command}:\tall\n"
    for command in (
        "ack", "checkauth", "clear", "disable", "dump", "enable", "get", "list", "loadstate", "protid",
        "quit", "reload", "reset", "savestate", "servertime", "set", "start", "stop", "term", "test",
        "version",
    )
)  # fmt: skip


class Daemon:
    def __init__(
        self, base: Path, config: str, flags: tuple[str, ...], alerts: dict[str, str], auth: str = AUTH_ALL
    ) -> None:
        self.base = base
        for name in ("mon.d", "alert.d", "log.d", "state.d", "etc", "calls", "ctl"):
            (base / name).mkdir(parents=True)
        self._script(base / "mon.d" / "rec.monitor", MONITOR)
        self._script(base / "alert.d" / "rec.alert", ALERT)
        for name, body in alerts.items():  # extra shell alerts: name -> script body
            self._script(base / "alert.d" / name, "#!/bin/sh\n" + body + "\n")
        self.port, self.trapport = free_port(), free_port(socket.SOCK_DGRAM)
        (base / "etc" / "mon.cf").write_text("serverbind = 127.0.0.1\ntrapbind = 127.0.0.1\n\n" + config)
        (base / "etc" / "auth.cf").write_text(auth)
        self.pidfile = base / "mon.pid"
        prelude = SYSLOG.format(path=str(base / "syslog.jsonl"))
        self.argv = daemon_argv([sys.executable, "-c", prelude], base, self.port, self.trapport, flags=flags)
        self.proc = start_daemon(self.argv, base, base / "daemon.stderr", self.port)
        self.started = time.time()
        self._client: Client | None = None

    def _script(self, path: Path, template: str) -> None:
        path.write_text(template.format(python=sys.executable, base=str(self.base)))
        path.chmod(0o755)

    def log(self) -> str:
        return (self.base / "daemon.stderr").read_text(errors="replace")

    def syslog(self) -> list[dict[str, Any]]:
        """What the daemon sent to syslog: {"openlog": [...]} and {"priority": N, "message": text}."""
        path = self.base / "syslog.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def syslogged(self, priority: int, text: str) -> list[str]:
        """The syslog messages of `priority` that contain `text`."""
        return [e["message"] for e in self.syslog() if e.get("priority") == priority and text in e["message"]]

    def cmd(self, line: str) -> list[str]:
        if self._client is None:
            self._client = Client(self.port)
        return self._client.cmd(line)

    def set_monitor(self, key: str, **ctl: Any) -> None:
        tmp = self.base / "ctl" / f"{key}.tmp"
        tmp.write_text(json.dumps(ctl))
        tmp.replace(self.base / "ctl" / f"{key}.json")

    def calls(self, key: str) -> list[dict[str, Any]]:
        path = self.base / "calls" / f"{key}.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def wait_calls(self, key: str, n: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        return wait_for(f"{n} runs of {key}", lambda: (c := self.calls(key)) and len(c) >= n and c, timeout)

    def alerts(self) -> list[dict[str, Any]]:
        path = self.base / "alerts.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def opstatus(self) -> dict[tuple[str, str], dict[str, str]]:
        found = {}
        for line in self.cmd("list opstatus")[:-1]:
            fields = dict(f.split("=", 1) for f in line.split(" "))
            found[fields["group"], fields["service"]] = fields
        return found

    def wait_log(self, text: str, timeout: float = 10.0) -> str:
        return wait_for(f"{text!r} in the daemon's log", lambda: text in self.log() and self.log(), timeout)

    def stop(self) -> int | None:
        if self._client is not None:
            self._client.close()
        return stop_daemon(self.proc)


# --- starting and stopping a daemon: pymon here, the real mon in mon_daemon.py and the other suites ---


def daemon_argv(
    program: Sequence[str],
    base: Path,
    port: int,
    trapport: int,
    *,
    etc: Path | None = None,
    statedir: Path | None = None,
    flags: Sequence[str] = (),
) -> list[str]:
    """mon's (and pymon's) command line with every path under BASE.

    mon.cf and auth.cf are in ETC (default BASE/etc), state files in STATEDIR
    (default BASE/state.d); logs, monitors and alerts in log.d, mon.d, alert.d.
    """
    etc = base / "etc" if etc is None else etc
    statedir = base / "state.d" if statedir is None else statedir
    return [
        *program, "-c", str(etc / "mon.cf"), "-p", str(port), "-t", str(trapport),
        "-L", str(base / "log.d"), "-D", str(statedir), "-P", str(base / "mon.pid"),
        "-s", str(base / "mon.d"), "-a", str(base / "alert.d"), "-b", str(base), "-B", str(etc),
        "-A", str(etc / "auth.cf"), *flags,
    ]  # fmt: skip


def start_daemon(
    argv: Sequence[str],
    base: Path,
    output: Path,
    port: int,
    env: Mapping[str, str] | None = None,
    timeout: float = 20.0,
) -> subprocess.Popen[bytes]:
    """Run ARGV in BASE in a session of its own, stdout and stderr to OUTPUT, until it listens on PORT.

    The environment is ours without MON_* unless ENV is given. A daemon that
    exits first fails the test with what it wrote; one that never listens is
    stopped and fails it too.
    """
    if env is None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MON_")}
    with open(output, "wb") as out:
        proc = subprocess.Popen(
            argv, cwd=base, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True
        )

    def listening() -> bool:
        if proc.poll() is not None:
            log = output.read_text(errors="replace")
            raise AssertionError(f"{argv[0]} exited with {proc.returncode}:\n{log}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        except OSError:
            return False
        return True

    try:
        wait_for(f"{argv[0]} to listen on {port}", listening, timeout)
    except AssertionError:
        stop_daemon(proc)
        raise
    return proc


def stop_daemon(proc: subprocess.Popen[bytes]) -> int | None:
    """SIGTERM, SIGKILL after 10s, then SIGKILL for any monitor or alert left in its session."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    with_group_gone(proc.pid)
    return proc.returncode


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0); its state tells (and it may be reaped meanwhile)
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"
    except (FileNotFoundError, ProcessLookupError):  # reaped before the open, or between open and read
        return False


def with_group_gone(pgid: int) -> None:
    with contextlib.suppress(OSError):
        os.killpg(pgid, signal.SIGKILL)


MONCMD = shutil.which("moncmd") or "/usr/bin/moncmd"
MONSHOW = shutil.which("monshow") or "/usr/bin/monshow"


def moncmd(port: int, *words: str) -> subprocess.CompletedProcess[str]:
    if not os.access(MONCMD, os.X_OK):
        pytest.skip("moncmd (Debian package mon) is not installed")
    return subprocess.run(
        [MONCMD, "-s", "127.0.0.1", "-p", str(port), *words], capture_output=True, text=True, timeout=30
    )
