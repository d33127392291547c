"""Bad input and load on the control socket (issue #4): pymon keeps serving and keeps time.

A running pymon gets random and binary lines (hypothesis), 1 MB lines,
half-sent lines, connections reset mid-line and thousands of connections at
once. Throughout, it must answer every complete line with a status line (a
5xx for anything that is no command), never crash, hold no connection after
its client is gone (its sockets in /proc/PID/fd come back to where they
were), and start every monitor on schedule (the recording monitor's call
times).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import resource
import socket
import struct
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pymon.server.protocol import parse_request

from .harness import Client, Daemon, wait_for

INTERVAL = 0.5
# How late a monitor may start while the daemon answers WAVE requests that arrive at once:
# asyncio runs every ready callback before the next timer, so a start waits for the whole wave
# (2,000 at once: 0.6-1.3 s, 500: 0.3-0.8 s, on a shared 2-core machine with a load of 3-5;
# the time also holds the recording monitor's own start-up). A blocked loop is seconds late.
LATE = 1.5
ROUNDS = 4
WAVE = 500
CONFIG = f"""\
randstart = 0s

hostgroup g h1 h2

watch g
    service a
        interval {INTERVAL}s
        monitor rec.monitor a
    service b
        interval {INTERVAL}s
        monitor rec.monitor b
"""
STATUS = re.compile(r"^[25]\d\d ")
# Commands that leave the scheduler and the connection alone, whatever their arguments.
HARMLESS = {
    "list", "get", "version", "protid", "servertime", "setview", "getview", "checkauth", "login",
    "ack", "set", "dump", "reload", "",
}  # fmt: skip


@pytest.fixture(scope="module")
def pymon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:  # the daemon inherits the raised limit
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    d = Daemon(tmp_path_factory.mktemp("stress"), CONFIG, (), {})
    d.wait_calls("a", 2)
    yield d
    d.stop()
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def fds_of(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def sockets_of(pid: int) -> int:
    """How many sockets the process holds open."""
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(OSError):
            count += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
    return count


def reply_to(client: Client, line: bytes) -> list[str]:
    """Every line the daemon answers to `line`: all up to the reply to a marker sent after it.

    (Some replies have two status lines, so the marker, not a status line, ends the reply.)
    """
    marker = f"marker-{uuid.uuid4().hex}"
    client.send(line + f"\nlist aliases {marker}\n".encode())
    lines = []
    while (text := _line(client)) != f"alias {marker}":
        lines.append(text)
    assert [_line(client), _line(client)] == ["", "220 list aliases completed"]
    return lines


def _line(client: Client) -> str:
    raw = client.file.readline()
    assert raw.endswith(b"\n"), "the connection was closed"
    return raw[:-1].decode("utf-8", "surrogateescape")


words = st.sampled_from(sorted(HARMLESS - {""}))
args = st.binary(max_size=300).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))
lines = st.one_of(
    args,
    st.tuples(words, st.sampled_from([b" ", b"\t", b"  "]), args).map(lambda t: t[0].encode() + t[1] + t[2]),
    st.tuples(words, st.sampled_from(["opstatus", "disabled", "group g", "aliases x"])).map(
        lambda t: f"{t[0]} {t[1]}".encode()
    ),
)


@pytest.fixture(scope="module")
def client(pymon: Daemon) -> Iterator[Client]:
    one = Client(pymon.port)
    yield one
    one.close()


@settings(max_examples=1500, deadline=None)
@given(line=lines)
def test_random_lines_get_a_status_line(client: Client, line: bytes) -> None:
    request = parse_request(line.decode("utf-8", "surrogateescape"))
    if request.command not in HARMLESS:
        return  # `term`, `stop`, `disable`, ... would change what the other checks look at
    reply = reply_to(client, line)
    assert reply and STATUS.match(reply[-1]), reply
    if request.command == "":
        assert reply == ["520 invalid command"]


def _crowd(port: int, count: int) -> list[socket.socket]:
    """`count` connections open at once, each asking `servertime` (WAVE at a time) and answered."""
    crowd = [socket.create_connection(("127.0.0.1", port), timeout=20) for _ in range(count)]
    for start in range(0, count, WAVE):
        wave = crowd[start : start + WAVE]
        for sock in wave:
            sock.sendall(b"servertime\n")
        for sock in wave:
            data = b""
            while not data.endswith(b"220 servertime completed\n"):
                chunk = sock.recv(4096)
                assert chunk, "closed before the reply"
                data += chunk
    return crowd


def _send_big(sock: socket.socket, size: int) -> None:
    with contextlib.suppress(OSError):
        sock.sendall(b"l" * size + b"\n")


def test_abuse_and_thousands_of_connections_keep_the_schedule(pymon: Daemon) -> None:
    pid = pymon.proc.pid
    baseline = wait_for("a quiet daemon", lambda: (n := sockets_of(pid)) <= 20 and n)
    all_fds = fds_of(pid)
    started = time.time()

    # 1 MB lines: a 520 line, then the connection is closed
    big = [socket.create_connection(("127.0.0.1", pymon.port), timeout=10) for _ in range(4)]
    senders = [threading.Thread(target=_send_big, args=(s, 1 << 20)) for s in big]
    for thread in senders:
        thread.start()
    for sock in big:
        assert sock.makefile("rb").readline() == b"520 line too long\n"
    for thread in senders:
        thread.join(10)

    # binary garbage, then a real command on the same connection
    garbage = Client(pymon.port)
    assert reply_to(garbage, b"\x00\xff\xfe\x80binary\x1b[2J") == ["520 invalid command"]
    assert reply_to(garbage, b"\xde\xad\xbe\xef" * 100) == ["520 invalid command"]
    assert reply_to(garbage, b"list state") == ["scheduler running", "220 list state completed"]

    # half-sent lines: left hanging, closed, and reset (RST) mid-line
    hanging = []
    for i in range(300):
        sock = socket.create_connection(("127.0.0.1", pymon.port), timeout=10)
        sock.sendall(b"list opst")
        if i % 3 == 0:
            hanging.append(sock)
        elif i % 3 == 1:
            sock.close()
        else:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()

    # thousands of clients at once, each answered; a few rounds, each left half closed, half reset
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    count = min(2000, soft // 2 - 400)
    for _ in range(ROUNDS):
        crowd = _crowd(pymon.port, count)
        assert sockets_of(pid) >= baseline + count
        for n, sock in enumerate(crowd):
            if n % 2:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
    crowd = _crowd(pymon.port, count)

    # while they are all connected, the half-sent lines are still only half lines
    for sock in hanging:
        sock.sendall(b"atus\n")
    for sock in hanging:
        assert sock.makefile("rb").readline().startswith(b"group=g service=a ")

    for sock in [*big, *hanging, *crowd]:
        sock.close()
    garbage.close()
    time.sleep(2 * INTERVAL)
    ended = time.time()

    # no connection is left behind, and the daemon is alive and answering
    wait_for("the daemon to let go of every connection", lambda: sockets_of(pid) <= baseline, timeout=15)
    wait_for("no other descriptor leaked", lambda: fds_of(pid) <= all_fds + 4)  # + a running monitor's
    assert pymon.proc.poll() is None
    assert Client(pymon.port).cmd("list state") == ["scheduler running", "220 list state completed"]
    assert "Traceback" not in pymon.log()
    assert pymon.log().count("request line over 65536 bytes") >= len(big)

    # every monitor kept starting throughout: no start more than LATE behind its due time
    # (a start that is late by more than a slot makes the next one due an interval later, SCHED-04)
    for key in ("a", "b"):
        times = [c["time"] for c in pymon.calls(key) if started - INTERVAL <= c["time"] <= ended + INTERVAL]
        lateness = [later - earlier - INTERVAL for earlier, later in itertools.pairwise(times)]
        print(key, "starts late by up to", f"{max(lateness):.3f}s")
        assert times[0] < started + INTERVAL and times[-1] > ended - INTERVAL - LATE, (key, times)
        assert max(lateness) < LATE, (key, lateness)
