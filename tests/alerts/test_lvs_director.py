"""The classic LVS director end to end (docs/lvs-director.md): three real HTTP
servers on 127.0.0.1, pymon running etc/examples/lvs-director.cf (addresses,
ports and interval adapted; Debian's http.monitor; alerts/lvs.alert found
through the example's alertdir), and a recording ipvsadm on PATH; the same
with the real mon 1.3.6 running pymon's lvs.alert.
A stopped server is deleted from the table, and only it; started again it is
added back with exactly one `ipvsadm -a ... -w 1 -g`."""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from daemon.harness import Client

from .support import (
    REPO,
    FakeIpvsadm,
    Process,
    WebServer,
    daemon_argv,
    daemon_dirs,
    daemon_env,
    free_port,
    real,
    wait_until,
)

EXAMPLE = REPO / "etc" / "examples" / "lvs-director.cf"
HTTP_MONITOR = Path("/usr/lib/mon/mon.d/http.monitor")
REAL_MON = Path(os.environ.get("MON_PERL_BIN", "/usr/sbin/mon"))
INTERVAL = 2  # seconds; the example says 5s
VIP = "192.0.2.100:80"


def adapt(text: str, ports: list[int]) -> str:
    """The example with the real servers on 127.0.0.1:PORT and Debian's monitors."""
    assert "alertdir = /usr/lib/mon/alert.d:alerts\n" in text  # lvs.alert: the checkout's alerts/
    text = re.sub(r"(?m)^mondir = .*$", "mondir = /usr/lib/mon/mon.d", text)
    text = text.replace("interval 5s", f"interval {INTERVAL}s")
    for n, port in enumerate(ports, start=1):
        rip = f"192.0.2.1{n}"
        text = text.replace(f"hostgroup realserver{n} {rip}\n", f"hostgroup realserver{n} 127.0.0.1\n")
        text = text.replace(f"-R {rip} ", f"-R 127.0.0.1:{port} ")
        block = re.search(rf"(?ms)^watch realserver{n}\n.*?(?=^watch |\Z)", text)
        assert block is not None
        text = text.replace(block.group(0), block.group(0).replace(
            "monitor http.monitor\n", f"monitor http.monitor -p {port} -t 5\n"))
    return text


@pytest.fixture
def servers() -> Iterator[list[WebServer]]:
    started = [WebServer() for _ in range(3)]
    yield started
    for server in started:
        server.stop()


@pytest.mark.skipif(not HTTP_MONITOR.exists(), reason="Debian's mon monitors are not installed")
@pytest.mark.parametrize("daemon", ["pymon", "mon"])
def test_lvs_director_end_to_end(tmp_path: Path, servers: list[WebServer], daemon: str) -> None:
    if daemon == "mon" and not os.access(REAL_MON, os.X_OK):
        pytest.skip("the real mon is not installed")
    # the real mon runs its scheduler in one-second passes (SCHED-01): it may be a pass late
    bound = 2 * INTERVAL + (1 if daemon == "mon" else 0)
    ports = [s.port for s in servers]
    reals = [f"127.0.0.1:{p}" for p in ports]
    config = adapt(EXAMPLE.read_text(), ports)
    assert len(re.findall(r"(?m)^\s+(?:up)?alert lvs\.alert ", config)) == 6
    assert "192.0.2.1" not in re.sub(r"(?m)^#.*$", "", config).replace("192.0.2.100", "")
    fake = FakeIpvsadm(tmp_path, {f"-t {VIP}": {r: real() for r in reals}})
    dirs = daemon_dirs(tmp_path, config)
    port = free_port()
    program = [sys.executable, "-m", "pymon"] if daemon == "pymon" else [str(REAL_MON)]
    argv = daemon_argv(program, tmp_path, dirs, port, basedir=REPO)
    pymon = Process(argv, tmp_path, daemon_env(fake.env()), port)
    try:
        client = Client(port)
        groups = [f"group=realserver{n}" for n in (1, 2, 3)]
        wait_until("every real server checked and up", lambda: all(
            any(g in line and "opstatus=1" in line for line in client.cmd("list opstatus")) for g in groups))
        client.close()
        stopped = servers[1]
        stopped.stop()
        t0 = time.monotonic()
        deleted = wait_until("ipvsadm -d", lambda: [c for c in fake.calls() if c[0] == "-d"], 4 * INTERVAL)
        took = time.monotonic() - t0
        assert deleted[0] == ["-d", "-t", VIP, "-r", reals[1]]
        assert took <= bound, f"the delete came {took:.1f}s after the stop"
        assert sorted(fake.table()[f"-t {VIP}"]) == sorted([reals[0], reals[2]])

        stopped.start()
        t1 = time.monotonic()
        wait_until("ipvsadm -a", lambda: [c for c in fake.calls() if c[0] == "-a"], 4 * INTERVAL)
        assert time.monotonic() - t1 <= bound
        wait_until("two more rounds", lambda: time.monotonic() - t1 > 3 * INTERVAL, 4 * INTERVAL)
        calls = fake.calls()
        assert [c for c in calls if c[0] == "-a"] == [["-a", "-t", VIP, "-r", reals[1], "-w", "1", "-g"]]
        # while it was down, mon re-alerted every interval: only ever for the stopped server
        assert {tuple(c) for c in calls if c[0] == "-d"} == {("-d", "-t", VIP, "-r", reals[1])}
        assert sorted(fake.table()[f"-t {VIP}"]) == sorted(reals)
    finally:
        pymon.stop()
    log = (tmp_path / "daemon.log").read_text()
    assert "Traceback" not in log
    assert f"deleted real server {reals[1]} of TCP {VIP}" in log
    assert f"added real server {reals[1]} of TCP {VIP} with weight 1" in log
