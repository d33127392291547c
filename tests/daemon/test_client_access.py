"""Who may connect and for how long: `clientallow` (PROTO-00d) and `cltimeout` (PROTO-00e),
pymon beside the real mon on the same config."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pymon.server.server import client_allowed

from .harness import AUTH_ALL, Client, Daemon
from .mon_daemon import RealMon

CONFIG = "{globals}\nhostgroup g h1\n\nwatch g\n    service s\n        interval 1h\n        monitor rec.monitor s\n"  # noqa: E501


# What Perl answers for `"127.0.0.1" =~ /^PATTERN$/` after mon's `s/([^[\\])\./$1\\./g`.
@pytest.mark.parametrize(
    ("pattern", "allowed"),
    [
        ("127.0.0.1", True), ("10.0.0.1", False), (r"\d+.\d+.\d+.\d+", True), ("127.0.0.[0-9]", True),
        (".*", True),  # a leading `.` has nothing before it, so it stays a wildcard
        ("1.*", False),  # `1\.*`
        ("127|x", True), ("x|127", False), ("127.0.0.1|x", True),  # `^` and `$` bind to the alternatives
        ("127.0..0.1", False), ("127.0.0.1.", False), ("10.0.0.1 127.0.0.1", True), ("(", False),
    ],
)  # fmt: skip
def test_clientallow_pattern_as_mon_reads_it(pattern: str, allowed: bool) -> None:
    assert client_allowed("127.0.0.1", pattern) is allowed


def closed_without_reply(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        try:
            sock.sendall(b"list watch\n")
            return sock.recv(100) == b""
        except ConnectionError:
            return True


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[list[Daemon | RealMon]]:
    started: list[Daemon | RealMon] = []
    yield started
    for daemon in started:
        daemon.stop()


@pytest.mark.parametrize("clientallow", ["10.0.0.1", ".*", "127|x", "1.*"])
def test_clientallow_live_as_mon(tmp_path: Path, pair: list[Daemon | RealMon], clientallow: str) -> None:
    config = CONFIG.format(globals=f"clientallow = {clientallow}")
    pymon = Daemon(tmp_path / "pymon", config, ("-S",), {}, AUTH_ALL)
    pair.append(pymon)
    mon = RealMon(tmp_path / "mon", config, AUTH_ALL)
    pair.append(mon)
    refused = not client_allowed("127.0.0.1", clientallow)
    assert closed_without_reply(pymon.port) is refused
    assert closed_without_reply(mon.port) is refused
    if refused:
        assert pymon.syslogged(5, "closing unwanted client: 127.0.0.1")
    else:
        assert Client(pymon.port).cmd("list watch") == Client(mon.port).cmd("list watch")


def idle_seconds_until_closed(port: int) -> float:
    client = Client(port)
    assert client.cmd("list watch")[-1] == "220 list watch completed"
    start = time.monotonic()
    with pytest.raises((EOFError, ConnectionError)):
        client.line()
    client.close()
    return time.monotonic() - start


def test_cltimeout_closes_an_idle_client_as_mon_does(tmp_path: Path, pair: list[Daemon | RealMon]) -> None:
    config = CONFIG.format(globals="cltimeout = 2s")
    pymon = Daemon(tmp_path / "pymon", config, ("-S",), {}, AUTH_ALL)
    pair.append(pymon)
    mon = RealMon(tmp_path / "mon", config, AUTH_ALL)
    pair.append(mon)
    # mon looks once per pass of its one-second loop: between 2 and 3 s
    assert 1.9 <= idle_seconds_until_closed(mon.port) <= 4.0
    assert 1.9 <= idle_seconds_until_closed(pymon.port) <= 3.0
    assert pymon.syslogged(6, "timeout after 2s")
