"""The real mon 1.3.6 (/usr/sbin/mon) in a temp dir laid out as harness.Daemon lays out pymon's.

For differential tests: start both on the same mon.cf and auth.cf, send both
the same lines, compare the replies. mon's syslog goes nowhere here (there is
no /dev/log), so only replies and exit status can be compared.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from .harness import Client, daemon_argv, free_port, start_daemon, stop_daemon

MON = "/usr/sbin/mon"
HEADER = "serverbind = 127.0.0.1\ntrapbind = 127.0.0.1\n\n"
STUB_MONITOR = "#!/bin/sh\necho ok\nexit 0\n"


class RealMon:
    def __init__(self, base: Path, config: str, auth: str, flags: tuple[str, ...] = ("-S",)) -> None:
        if not os.access(MON, os.X_OK):
            pytest.skip("the real mon (Debian package mon) is not installed")
        self.base = base
        for name in ("mon.d", "alert.d", "log.d", "state.d", "etc"):
            (base / name).mkdir(parents=True)
        monitor = base / "mon.d" / "rec.monitor"  # same name as pymon's harness monitor
        monitor.write_text(STUB_MONITOR)
        monitor.chmod(0o755)
        (base / "etc" / "mon.cf").write_text(HEADER + config)
        (base / "etc" / "auth.cf").write_text(auth)
        self.port, self.trapport = free_port(), free_port(socket.SOCK_DGRAM)
        argv = daemon_argv([MON], base, self.port, self.trapport, flags=flags)
        self.proc = start_daemon(argv, base, base / "daemon.stderr", self.port)

    def client(self) -> Client:
        return Client(self.port)

    def stop(self) -> int | None:
        return stop_daemon(self.proc)
