"""fping.monitor (icmplib) against Debian's Perl original (which runs fping): ICMP to 127.0.0.1,
and to a host that never answers inside a network namespace of the test's own."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from pymon.monitors.fping import NO_PERMISSION

from .servers import (
    NETNS_SETUP,
    SILENT_HOST,
    Output,
    await_check,
    env,
    netns_available,
    run_inprocess_netns,
    run_perl,
    run_script,
)

NAME = "fping.monitor"
needs_netns = pytest.mark.skipif(not netns_available(), reason="unshare -rn is not permitted here")


def timeless(output: Output) -> Output:
    """The output without what differs from run to run: clock times, durations, round trips."""
    detail = re.sub(r"(start time|end time  ): .*", r"\1: T", output.detail)
    detail = re.sub(r"duration  : \d+ seconds", "duration  : N seconds", detail)
    detail = re.sub(r" \d+\.\d\d ms\n", " R ms\n", detail)
    return Output(output.status, output.summary, detail)


def all_three(argv: list[str]) -> tuple[Output, Output, Output]:
    return (
        timeless(run_perl(NAME, argv)),
        timeless(run_script(NAME, argv)),
        timeless(await_check(NAME, argv)),
    )


@pytest.mark.parametrize(
    ("argv", "status", "summary"),
    [
        (["127.0.0.1", "localhost"], 0, ""),
        (["-s", "0.0001", "127.0.0.1"], 1, "127.0.0.1"),  # every reply is slower than 0.1 µs
        (["-s", "60000", "-r", "1", "-t", "500", "127.0.0.1"], 0, ""),
        ([], 0, ""),
    ],
)
def test_same_as_perl(argv: list[str], status: int, summary: str) -> None:
    perl, script, awaited = all_three(argv)
    assert (perl.status, perl.summary) == (status, summary)
    assert script == perl
    assert awaited == perl


def test_reply_layout() -> None:
    script = timeless(run_script(NAME, ["127.0.0.1"]))
    rule = "-" * 78
    assert script == Output(
        0,
        "",
        "start time: T\nend time  : T\nduration  : N seconds\n\n"
        f"{rule}\nreachable hosts                          rtt\n{rule}\n127.0.0.1{' ' * 32}R ms\n",
    )


@needs_netns
def test_unknown_name_is_unreachable() -> None:
    """In the namespace, so that the lookup reaches no resolver outside 127.0.0.0/8."""
    argv = ["-r", "1", "-t", "200", "no-such-host.invalid", "127.0.0.1"]
    perl = timeless(run_perl(NAME, argv, netns=True))
    script = timeless(run_script(NAME, argv, netns=True))
    # fping 5.1 words the lookup failure in a way the Perl no longer recognises:
    # exit 2 with an empty summary. pymon names the host (docs/compatibility.md).
    assert (perl.status, perl.summary) == (2, "")
    assert (script.status, script.summary) == (2, "no-such-host.invalid")
    assert "address not found for no-such-host.invalid\n" in script.detail
    assert timeless(run_inprocess_netns(NAME, argv)) == script


def test_usage_and_bad_numbers() -> None:
    usage = await_check(NAME, ["-h", "127.0.0.1"])
    assert usage.status == 0 and usage.summary.startswith("usage: fping.monitor [-a]")
    assert await_check(NAME, ["-t", "soon", "127.0.0.1"]).status == 1
    assert run_perl(NAME, ["-t", "soon", "127.0.0.1"]).status == 1


@needs_netns
@pytest.mark.parametrize(
    ("options", "status"),
    [([], 1), (["-a"], 0)],
)
def test_silent_host_in_namespace(options: list[str], status: int) -> None:
    argv = [*options, "-r", "1", "-t", "300", SILENT_HOST, "127.0.0.1"]
    perl = timeless(run_perl(NAME, argv, netns=True))
    assert (perl.status, perl.summary) == (status, SILENT_HOST)
    assert timeless(run_script(NAME, argv, netns=True)) == perl
    assert timeless(run_inprocess_netns(NAME, argv)) == perl


@needs_netns
def test_all_silent_with_a_fails() -> None:
    argv = ["-a", "-r", "0", "-t", "300", SILENT_HOST]
    assert timeless(run_script(NAME, argv, netns=True)).status == 1
    assert timeless(run_perl(NAME, argv, netns=True)).status == 1


def test_no_icmp_permission_is_a_clear_failure() -> None:
    """In a user namespace without its own network, neither raw nor unprivileged ICMP is allowed here."""
    if Path("/proc/sys/net/ipv4/ping_group_range").read_text().split() != ["1", "0"]:
        pytest.skip("unprivileged ICMP is allowed on this machine")
    done = subprocess.run(
        ["unshare", "-r", sys.executable, "monitors/fping.monitor", "127.0.0.1"],
        capture_output=True, env=env(), cwd=str(NETNS_SETUP.parents[2]), timeout=30, check=False,
    )  # fmt: skip
    if done.returncode != 0 and not done.stdout:
        pytest.skip(f"unshare -r is not permitted here: {done.stderr.decode()}")
    assert (done.returncode, done.stdout.decode()) == (1, NO_PERMISSION + "\n")
    assert done.stderr == b""


@needs_netns
def test_unprivileged_icmp_socket() -> None:
    """Where ping_group_range lets the group in, unprivileged ICMP sockets are used and work."""
    code = (
        "import asyncio\n"
        "from pymon.monitors.fping import ping\n"
        "print(asyncio.run(ping('127.0.0.1', 0, 1.0, privileged=False)).rtt is not None)\n"
    )
    script = f"echo '0 0' > /proc/sys/net/ipv4/ping_group_range && exec {sys.executable} -c \"$0\""
    done = subprocess.run(
        ["unshare", "-rn", "sh", str(NETNS_SETUP), "sh", "-c", script, code],
        capture_output=True, env=env(), timeout=30, check=False,
    )  # fmt: skip
    assert done.stdout == b"True\n", done.stderr.decode()
