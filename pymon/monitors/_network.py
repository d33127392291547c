"""What the network monitors share: a bounded fan-out over hosts and an IPv4 TCP connect.

The Perl monitors check hosts one after another, each with its own timeout; these check
them concurrently (at most LIMIT at once) and never block the event loop: names are
resolved with loop.getaddrinfo, as the daemon awaits the checks in-process.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

T = TypeVar("T")

LIMIT = 256  # hosts checked at once by one monitor run
_DOTTED_QUAD = re.compile(r"(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}")


async def each_host(
    hosts: Iterable[str], check: Callable[[str], Awaitable[T]], limit: int = LIMIT
) -> dict[str, T]:
    """Run `check` on every distinct host, at most `limit` at once; results keyed by host."""
    unique = list(dict.fromkeys(hosts))  # the Perl monitors key their results by host name
    gate = asyncio.Semaphore(limit)

    async def bounded(host: str) -> T:
        async with gate:
            return await check(host)

    results = await asyncio.gather(*(bounded(host) for host in unique))
    return dict(zip(unique, results, strict=True))


class ConnectError(Exception):
    """A connection that could not be made; str() is the message the monitor reports."""


async def resolve_ipv4(host: str, port: str) -> tuple[str, int]:
    """gethostbyname + getservbyname, as the Perl monitors do it (IPv4 only), without blocking."""
    loop = asyncio.get_running_loop()
    if not port.isdigit():
        try:
            infos = await loop.getaddrinfo(None, port, family=socket.AF_INET, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            raise ConnectError(f"could not getservbyname for {port}") from None
        number = int(infos[0][4][1])
    else:
        number = int(port)
    if not 0 < number < 65536:
        raise ConnectError(f"bad port {port}")
    if _DOTTED_QUAD.fullmatch(host):
        return host, number  # no resolver thread for an address (most hosts in a big watch)
    try:
        infos = await loop.getaddrinfo(host, number, family=socket.AF_INET, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise ConnectError("gethostbyname failure") from None
    address, found = infos[0][4][:2]
    return str(address), int(found)


async def open_tcp(
    host: str, port: str, limit: int = 2**16
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Resolve and connect; errors become ConnectError("connect: <strerror>")."""
    address, number = await resolve_ipv4(host, port)
    try:
        return await asyncio.open_connection(address, number, limit=limit)
    except OSError as error:
        raise ConnectError(f"connect: {describe(error)}") from None


def describe(error: OSError) -> str:
    """The C library's words for an error, as Perl's $! gives them."""
    return os.strerror(error.errno) if error.errno else str(error)
