"""fping.monitor: ICMP echo to each host, with retries; unreachable (and, with -s, slow) hosts fail.

Options as Debian's fping.monitor: -a (fail only if every host is unreachable), -r retries
(3), -s msecs (a slower reply counts as a failure), -t msecs (2000, the first wait; each
retry waits 1.5 times longer, as fping does), -h usage. The output layout is the
original's; the pings are icmplib's, sent from this process instead of an fping child.

ICMP needs a raw socket (root, or CAP_NET_RAW) or an unprivileged ICMP socket, which the
kernel allows only to the groups in net.ipv4.ping_group_range; without either the run
fails with a message that says so.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import icmplib

from pymon.monitors import Check
from pymon.monitors._network import each_host
from pymon.monitors._options import getopts

RULE = "-" * 78
BACKOFF = 1.5  # fping's default -B
USAGE = """usage: fping.monitor [-a] [-r num] [-s num] [-t num] [-T] host [host...]

    -a        fail only when no host at all answers
    -r num    send up to "num" more echo requests to a host that has not answered (3)
    -s num    a host whose reply takes more than "num" ms fails as slow
    -t num    ms to wait for the first reply (2000); each retry waits 1.5 times longer
    -T        accepted; the built-in monitor runs no traceroute

"""
NO_PERMISSION = (
    "fping.monitor: no permission to open an ICMP socket: run as root (or with CAP_NET_RAW), "
    "or allow this group in sysctl net.ipv4.ping_group_range"
)


@dataclass(frozen=True)
class Reply:
    """One host's outcome: the round trip in ms, or why there is none."""

    rtt: float | None = None
    not_found: bool = False


def socket_mode() -> bool | None:
    """True for raw ICMP sockets, False for unprivileged ones, None when neither may be opened.

    Root tries raw first; anyone else tries the unprivileged kind first, and then the other
    (a root without CAP_NET_RAW may still be in ping_group_range, and a user may hold the
    capability)."""
    for privileged in (True, False) if os.geteuid() == 0 else (False, True):
        try:
            icmplib.ICMPv4Socket(privileged=privileged).close()
        except icmplib.ICMPLibError:
            continue
        return privileged
    return None


async def check(argv: Sequence[str], env: Mapping[str, str]) -> Check:
    options = getopts("ahr:s:t:T", argv)
    if options.flag("h"):
        first, _, rest = USAGE.partition("\n")
        return Check(0, first, rest)
    timeout_text, retries_text = options.text("t", "2000"), options.text("r", "3")
    hosts = options.args
    if not hosts:
        return Check(0, "")
    if not (timeout_text.isdigit() and retries_text.isdigit()):
        return Check(1, f"fping: invalid cmdline arguments [-r {retries_text} -t {timeout_text}]")
    slow_text = options.text("s", "")
    try:
        slow_ms = float(slow_text) if slow_text else None
    except ValueError:  # Perl would compare it as 0 and call every reply slow
        return Check(1, f"fping.monitor: -s wants milliseconds, not {slow_text!r}")
    privileged = socket_mode()
    if privileged is None:
        return Check(1, NO_PERMISSION)
    started = time.time()
    replies = await each_host(
        hosts, lambda host: ping(host, int(retries_text), int(timeout_text) / 1000, privileged)
    )
    ended = time.time()
    return _report(hosts, replies, slow_ms, slow_text, options.flag("a"), started, ended)


async def ping(host: str, retries: int, timeout: float, privileged: bool) -> Reply:
    """Echo requests until one is answered: the first waits `timeout` seconds, each retry longer."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, None, family=socket.AF_INET, type=socket.SOCK_RAW)
    except (OSError, UnicodeError):
        return Reply(not_found=True)
    address = str(infos[0][4][0])
    for _ in range(retries + 1):
        try:
            result = await icmplib.async_ping(address, count=1, timeout=timeout, privileged=privileged)
        except icmplib.ICMPLibError:
            return Reply()
        if result.is_alive:
            return Reply(rtt=result.avg_rtt)
        timeout *= BACKOFF
    return Reply()


def _report(
    hosts: Sequence[str],
    replies: Mapping[str, Reply],
    slow_ms: float | None,
    slow_text: str,
    all_must_fail: bool,
    started: float,
    ended: float,
) -> Check:
    not_found = [host for host in hosts if replies[host].not_found]
    unreachable = [host for host in hosts if replies[host].rtt is None]
    answered = [(host, replies[host].rtt or 0.0) for host in hosts if replies[host].rtt is not None]
    slow = [(host, rtt) for host, rtt in answered if slow_ms and rtt > slow_ms]
    alive = [(host, rtt) for host, rtt in answered if not (slow_ms and rtt > slow_ms)]
    fping_status = 2 if not_found else 1 if unreachable else 0  # what fping itself would exit with

    lines: list[str] = []
    if fping_status or slow:
        summary = " ".join(sorted(unreachable + [host for host, _ in slow]))
        lines.append("\n")
    else:
        summary = ""
    lines.append(f"start time: {time.ctime(started)}\nend time  : {time.ctime(ended)}\n")
    lines.append(f"duration  : {int(ended) - int(started)} seconds\n\n")
    if unreachable:
        lines.append(f"{RULE}\nunreachable hosts\n{RULE}\n" + "\n".join(unreachable) + "\n\n")
        if not_found:
            lines.append(f"address not found for {' '.join(not_found)}\n")
        lines.append("\n")
    if slow:
        lines.append(f"{RULE}\nslow hosts (response time which exceeds {slow_text}ms)\n{RULE}\n")
        lines += [f"{host:<40} {rtt:.2f} ms\n" for host, rtt in slow]
    if alive:
        lines.append(f"{RULE}\n{'reachable hosts':<40} rtt\n{RULE}\n")
        lines += [f"{host:<40} {rtt:.2f} ms\n" for host, rtt in alive]

    if all_must_fail:
        return Check(1 if len(unreachable) == len(hosts) else 0, summary, "".join(lines))
    return Check(1 if slow else fping_status, summary, "".join(lines))
