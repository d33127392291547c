"""The real mon and pymon side by side: the same mon.cf, scripts and auth.cf in two temp dirs.

`start(kind, base, config)` runs `/usr/sbin/mon` (kind "mon") or pymon
(kind "pymon", as `python -m pymon` so PYTHONPATH applies) in the foreground
with every path under BASE, on free 127.0.0.1 ports. The monitor
`say.monitor EXIT SUMMARY` prints SUMMARY (`_` as spaces) and `detail line`, and exits with EXIT; `note.alert`
appends its argv to alerts.log. Nothing is started at module import.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

MON = os.environ.get("MON_PERL_BIN", "/usr/sbin/mon")
HEADER = "serverbind = 127.0.0.1\ntrapbind = 127.0.0.1\nrandstart = 0s\n"
AUTH_ALL = "command section\n" + "".join(
    f"{c}: all\n"
    for c in (
        "ack", "checkauth", "clear", "disable", "enable", "get", "list", "loadstate", "protid", "quit",
        "reload", "reset", "savestate", "servertime", "set", "start", "stop", "term", "test", "version",
    )
)  # fmt: skip
SAY = '#!/bin/sh\necho "$2" | tr _ " "\necho "detail line"\nexit "$1"\n'
# flip.monitor NAME: the exit value and summary are the two lines of ../ctl/NAME (default 0, "fine")
FLIP = """#!/bin/sh
f="$(dirname "$0")/../ctl/$1"
code=0
sum=fine
[ -f "$f" ] && { code=$(sed -n 1p "$f"); sum=$(sed -n 2p "$f"); }
echo "$sum"
exit "$code"
"""
NOTE = '#!/bin/sh\necho "$*" >> "$(dirname "$0")/../alerts.log"\ncat > /dev/null\n'


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    kind: str
    base: Path
    port: int
    trapport: int
    proc: subprocess.Popen[bytes]

    def flip(self, name: str, code: int, summary: str) -> None:
        """What flip.monitor NAME reports from now on."""
        (self.base / "ctl" / name).write_text(f"{code}\n{summary}\n")

    def log(self) -> str:
        return (self.base / "stderr").read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        with contextlib.suppress(OSError):
            os.killpg(self.proc.pid, signal.SIGKILL)


def available(kind: str) -> bool:
    return kind != "mon" or os.access(MON, os.X_OK)


def start(kind: str, base: Path, config: str, auth: str = AUTH_ALL, flags: tuple[str, ...] = ()) -> Server:
    """Start mon or pymon on CONFIG (HEADER is put in front) and wait until it listens."""
    for sub in ("etc", "log.d", "state.d", "mon.d", "alert.d", "ctl"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    scripts = {"mon.d/say.monitor": SAY, "mon.d/flip.monitor": FLIP, "alert.d/note.alert": NOTE}
    for name, body in scripts.items():
        path = base / name
        path.write_text(body)
        path.chmod(0o755)
    (base / "etc" / "mon.cf").write_text(HEADER + config)
    (base / "etc" / "auth.cf").write_text(auth)
    port, trapport = free_port(), free_port(socket.SOCK_DGRAM)
    program = [MON] if kind == "mon" else [sys.executable, "-m", "pymon"]
    argv = [
        *program, "-c", str(base / "etc" / "mon.cf"), "-p", str(port), "-t", str(trapport),
        "-L", str(base / "log.d"), "-D", str(base / "state.d"), "-P", str(base / "mon.pid"),
        "-s", str(base / "mon.d"), "-a", str(base / "alert.d"), "-b", str(base), "-B", str(base / "etc"),
        "-A", str(base / "etc" / "auth.cf"), *flags,
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("MON")}
    # the daemon runs in BASE: a relative PYTHONPATH entry would point there
    paths = env.get("PYTHONPATH", "").split(os.pathsep)
    env["PYTHONPATH"] = os.pathsep.join(os.path.abspath(p) for p in paths if p)
    with open(base / "stderr", "wb") as err:
        proc = subprocess.Popen(
            argv, cwd=base, env=env, stdin=subprocess.DEVNULL, stdout=err, stderr=err, start_new_session=True
        )
    server = Server(kind, base, port, trapport, proc)
    deadline = time.monotonic() + 20
    while True:
        if proc.poll() is not None:
            raise AssertionError(f"{kind} exited with {proc.returncode}:\n{server.log()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return server
        except OSError:
            if time.monotonic() > deadline:
                server.stop()
                raise AssertionError(f"{kind} did not listen on {port}:\n{server.log()}") from None
            time.sleep(0.05)
