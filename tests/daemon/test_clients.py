"""The TCP server under load and abuse, and the real Perl clients against it."""

from __future__ import annotations

import os
import time

from .harness import MONSHOW, Client, moncmd, wait_for

CONFIG = """\
hostgroup g h1 h2

watch g
    service ok
        interval 0.2s
        monitor rec.monitor ok
    service down
        description is down
        interval 0.2s
        monitor rec.monitor down
"""


def test_garbage_long_lines_and_a_client_that_never_reads(daemon):
    d = daemon(CONFIG)
    first = Client(d.port)
    started = time.monotonic()
    assert first.cmd("version") == ["version 9745", "220 version completed"]
    assert time.monotonic() - started < 0.5  # the first command is answered at once
    assert first.cmd("\x01\x02 garbage") == ["520 invalid command"]
    assert first.cmd("list nonsense") == ["520 unknown list command"]
    hog = Client(d.port)
    hog.send(b"list opstatus\n" * 20000)  # and never read the replies
    long = Client(d.port)
    long.send(b"x" * (200 * 1024) + b"\n")
    assert long.line() == "520 line too long"
    silent = Client(d.port)  # connects and says nothing
    calls = len(d.calls("ok"))
    d.wait_calls("ok", calls + 5)  # the scheduler is not held up
    assert first.cmd("list state") == ["scheduler running", "220 list state completed"]
    other = Client(d.port)
    assert other.cmd("servertime")[-1] == "220 servertime completed"
    for client in (first, hog, long, silent, other):
        client.close()
    d.wait_log("closing client 127.0.0.1: request line over 65536 bytes")


def test_moncmd_opstatus_disable_enable(daemon):
    d = daemon(CONFIG)
    d.set_monitor("down", exit=1, output="down hard\n")
    wait_for("down to fail", lambda: d.opstatus()[("g", "down")]["opstatus"] == "0")
    done = moncmd(d.port, "list", "opstatus")
    assert done.returncode == 0 and done.stdout.splitlines()[-1] == "220 list opstatus completed"
    assert sum(line.startswith("group=g service=") for line in done.stdout.splitlines()) == 2
    watch = moncmd(d.port, "list", "watch").stdout.splitlines()
    assert watch == ["g ok", "g down", "220 list watch completed"]
    assert moncmd(d.port, "disable", "service", "g", "down").stdout == "220 disable service completed\n"
    assert "watch g service down" in moncmd(d.port, "list", "disabled").stdout
    assert moncmd(d.port, "enable", "service", "g", "down").stdout == "220 enable completed\n"
    assert moncmd(d.port, "disable", "host", "h2").stdout == "220 disable host completed\n"
    assert "hostgroup g h1 *h2" in moncmd(d.port, "list", "group", "g").stdout
    d.wait_calls("ok", len(d.calls("ok")) + 1)
    assert d.calls("ok")[-1]["argv"] == ["ok", "h1"]
    assert moncmd(d.port, "enable", "host", "h2").stdout == "220 enable completed\n"


def test_monshow(daemon):
    if not os.access(MONSHOW, os.X_OK):
        import pytest

        pytest.skip("monshow (Debian package mon-client) is not installed")
    import subprocess

    d = daemon(CONFIG)
    d.set_monitor("down", exit=1, output="down hard\n")
    wait_for("down to fail", lambda: d.opstatus()[("g", "down")]["opstatus"] == "0")
    done = subprocess.run(
        [MONSHOW, "--server", "127.0.0.1", "--port", str(d.port), "--rcfile", "/dev/null", "--full"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "state: scheduler running" in done.stdout
    lines = done.stdout.splitlines()
    assert any(" down " in line and "FAIL" in line and "down hard" in line for line in lines)


def test_ack_of_an_unknown_service_answers_as_mon_but_invents_nothing(daemon):
    """PROTO-25/Q15: mon answers twice and creates a phantom service; pymon answers
    the same two lines, and the service list stays as configured."""
    d = daemon(CONFIG)
    client = Client(d.port)
    assert client.cmd("ack g nosuch broken") == ["520 unknown service"]
    assert client.line() == "220 ack completed"
    assert client.cmd("list watch") == ["g ok", "g down", "220 list watch completed"]
    client.close()


def test_disable_host_takes_host_names_literally(daemon):
    # Q35 (PROTO-28): mon matches each name as a regex (`^H$`), so `h.` would pass its
    # existence check; pymon takes the names as written.
    d = daemon(CONFIG)
    assert d.cmd("disable host h.") == ["520 disable host failed, host(s) h. do not exist"]
    assert d.cmd("list disabled") == ["220 list disabled completed"]
