"""The real mon and pymon side by side: the same mon.cf, scripts and auth.cf in two temp dirs.

`start(kind, base, config)` runs `/usr/sbin/mon` (kind "mon") or pymon
(kind "pymon", as `python -m pymon` so PYTHONPATH applies) in the foreground
with every path under BASE, on free 127.0.0.1 ports (tests/daemon/harness.py starts and stops it). The monitor
`say.monitor EXIT SUMMARY` prints SUMMARY (`_` as spaces) and `detail line`, and exits with EXIT; `note.alert`
appends its argv to alerts.log. Nothing is started at module import.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from daemon.harness import daemon_argv, free_port, start_daemon, stop_daemon

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
        stop_daemon(self.proc)


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
    argv = daemon_argv(program, base, port, trapport, flags=flags)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MON")}
    # the daemon runs in BASE: a relative PYTHONPATH entry would point there
    paths = env.get("PYTHONPATH", "").split(os.pathsep)
    env["PYTHONPATH"] = os.pathsep.join(os.path.abspath(p) for p in paths if p)
    return Server(kind, base, port, trapport, start_daemon(argv, base, base / "stderr", port, env))
