"""The real mon 1.3.6 (/usr/sbin/mon) in a temp dir laid out as harness.Daemon lays out pymon's.

For differential tests: start both on the same mon.cf and auth.cf, send both
the same lines, compare the replies. mon's syslog goes nowhere here (there is
no /dev/log), so only replies and exit status can be compared.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from .harness import Client, free_port, wait_for, with_group_gone

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
        argv = [
            MON, "-c", str(base / "etc" / "mon.cf"), "-p", str(self.port), "-t", str(self.trapport),
            "-L", str(base / "log.d"), "-D", str(base / "state.d"), "-P", str(base / "mon.pid"),
            "-s", str(base / "mon.d"), "-a", str(base / "alert.d"), "-b", str(base), "-B", str(base / "etc"),
            "-A", str(base / "etc" / "auth.cf"), *flags,
        ]  # fmt: skip
        self.stderr = open(base / "daemon.stderr", "wb")  # noqa: SIM115
        env = {k: v for k, v in os.environ.items() if not k.startswith("MON_")}
        self.proc = subprocess.Popen(
            argv, cwd=base, stdin=subprocess.DEVNULL, stdout=self.stderr, stderr=self.stderr,
            env=env, start_new_session=True,
        )  # fmt: skip
        wait_for("mon to listen", self._listening, timeout=20)

    def _listening(self) -> bool:
        if self.proc.poll() is not None:
            log = (self.base / "daemon.stderr").read_text(errors="replace")
            raise AssertionError(f"mon exited with {self.proc.returncode}:\n{log}")
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
        except OSError:
            return False
        return True

    def client(self) -> Client:
        return Client(self.port)

    def stop(self) -> int | None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        with_group_gone(self.proc.pid)
        self.stderr.close()
        return self.proc.returncode
