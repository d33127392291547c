"""process.monitor against a real net-snmp agent (snmpd) on 127.0.0.1, started in tmp_path."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pymon.monitors import BUILTIN, Check
from pymon.monitors._snmp import Agent, SnmpError, agent_address, get_next

REPO = Path(__file__).resolve().parents[2]
OURS = REPO / "monitors" / "process.monitor"
SNMPD = shutil.which("snmpd") or "/usr/sbin/snmpd"


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def answers(port: int) -> bool:
    """Whether the agent answers a GETNEXT yet."""
    try:
        asyncio.run(get_next(Agent("127.0.0.1", port, "public", timeout=0.2, retries=0), (1, 3)))
    except SnmpError:
        return False
    return True


@pytest.fixture
def agent(tmp_path: Path) -> Iterator[str]:
    """`127.0.0.1:PORT` of an snmpd whose process table has one good and one failing entry."""
    if not os.access(SNMPD, os.X_OK):
        pytest.skip("snmpd (Debian package snmpd) is not installed")
    port = free_udp_port()
    conf = tmp_path / "snmpd.conf"
    conf.write_text(
        f"agentaddress udp:127.0.0.1:{port}\nrocommunity public 127.0.0.1\n"
        "proc snmpd\nproc nosuchprocess-pymon\n"
    )  # fmt: skip
    argv = [SNMPD, "-f", "-C", "-c", str(conf), "-p", str(tmp_path / "snmpd.pid"),
            "-Lf", str(tmp_path / "log"), "-M", str(tmp_path), "-m", ""]  # fmt: skip
    env = {**os.environ, "SNMP_PERSISTENT_DIR": str(tmp_path), "MIBS": ""}
    quiet = subprocess.DEVNULL
    proc = subprocess.Popen(argv, stdin=quiet, stdout=quiet, stderr=quiet, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while not answers(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"snmpd did not answer: {(tmp_path / 'log').read_text(errors='replace')[-2000:]}")
        yield f"127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)


def run(*args: str) -> tuple[str, int]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([str(OURS), *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=60, env=env)  # fmt: skip
    return done.stdout, done.returncode


def test_a_failing_process_entry_fails_its_host(agent: str) -> None:
    expected = f"{agent}\n\n{agent}: count=0 min=1 max=0 err=No nosuchprocess-pymon process running\n"
    assert run(agent) == (expected, 1)
    check = asyncio.run(BUILTIN["process.monitor"]([agent], {}))
    assert check == Check(1, agent, "\n" + expected.split("\n")[2] + "\n")


def test_wrong_community_is_a_timeout_and_no_hosts_is_ok(agent: str) -> None:
    output, status = run("-c", "not-the-community", agent)
    assert (output, status) == (f"{agent}\n\n{agent} returned an SNMP error: Timeout\n", 1)
    assert run() == ("", 0)


def test_agent_addresses() -> None:
    assert agent_address("h") == ("h", 161)
    assert agent_address("udp:h:1161") == ("h", 1161)
    assert agent_address("10.0.0.1:99") == ("10.0.0.1", 99)
    assert agent_address("h:x") == ("h:x", 161)
