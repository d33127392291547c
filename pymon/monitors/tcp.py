"""tcp.monitor: can a TCP connection be made to PORT on each host?

`tcp.monitor [-p port] [-t timeout] host...`, as Debian's mon tcp.monitor:
port 23 and a 10 s connect timeout by default (a false value, `0` or empty,
means the default; the timeout is whole seconds, Perl's `alarm`). A host
fails when its name does not resolve to an IPv4 address, the connect fails
or does not complete in time. On failure the summary is the failed hosts,
sorted, space-separated, the detail a blank line then one line per failure,
and the exit status 1. The hosts are tried at once instead of one by one;
the result is the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import Mapping, Sequence

from pymon.config.perl import perl_num
from pymon.monitors._check import Check
from pymon.monitors._options import getopts

__all__ = ["check"]


async def check(argv: Sequence[str], env: Mapping[str, str]) -> Check:
    parsed = getopts("p:t:", argv)
    port = int(perl_num(parsed.text("p", "23")))
    seconds = int(perl_num(parsed.text("t", "10")))  # alarm() takes whole seconds
    problems = await asyncio.gather(*(_try(host, port, seconds) for host in parsed.args))
    failures = [(host, problem) for host, problem in zip(parsed.args, problems, strict=True) if problem]
    if not failures:
        return Check(0, "").after_warnings(parsed.warnings)
    summary = " ".join(sorted(host for host, _ in failures))
    detail = "\n" + "".join(problem + "\n" for _, problem in failures)
    return Check(1, summary, detail).after_warnings(parsed.warnings)


async def _try(host: str, port: int, seconds: int) -> str | None:
    """Why `host` failed (the detail line), None when it connected."""
    address = await _inet_aton(host)
    if address is None:
        return f"{host} could not inet_aton"
    if not 0 <= port <= 0xFFFF:
        return f"{host} could not sockaddr_in"
    loop = asyncio.get_running_loop()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setblocking(False)
        try:
            # alarm(0) sets no alarm: the connect then waits as long as the kernel lets it.
            async with asyncio.timeout(seconds or None):
                await loop.sock_connect(sock, (address, port))
        except TimeoutError:
            return f"{host} timeout"
        except OSError as error:
            reason = os.strerror(error.errno) if error.errno else str(error)  # asyncio rewords strerror
            return f"{host} could not connect: {reason}"
    return None


async def _inet_aton(host: str) -> str | None:
    """Perl's inet_aton: a dotted address as C reads it, else the name's first IPv4 address."""
    with contextlib.suppress(OSError, UnicodeError, ValueError):
        return socket.inet_ntoa(socket.inet_aton(host))
    loop = asyncio.get_running_loop()
    try:
        found = await loop.getaddrinfo(host, None, family=socket.AF_INET, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        return None
    return str(found[0][4][0]) if found else None
