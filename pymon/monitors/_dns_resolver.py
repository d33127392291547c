"""One DNS query to one server, asynchronously, with Net::DNS::Resolver's rules.

dns.monitor's messages quote Net::DNS's `errorstring`, and its timing follows Net::DNS's
retries, so both are kept: over UDP the query is sent `retry` times, waiting `retrans`
seconds the first time and twice as long each time after; a reply with a truncated flag
is asked again over TCP; the reply counts only if it has answers (`query` returns undef
otherwise), and the error string is the reply's response code, or "query timed out".
"""

from __future__ import annotations

import asyncio
import random
import socket
import struct
from dataclasses import dataclass

from pymon.monitors._dns_wire import Reply, WireError, decode, encode_query
from pymon.monitors._network import describe

MAX_TCP_REPLY = 65535


@dataclass(frozen=True)
class Settings:
    retry: int = 2
    retrans: float = 5.0
    tcp: bool = False
    tcp_timeout: float = 120.0  # Net::DNS's default; dns.monitor's -timeout sets it
    recurse: bool = True
    port: int = 53


@dataclass(frozen=True)
class Answer:
    reply: Reply | None  # None where Net::DNS's query() returns undef: no reply, or no answers
    error: str  # Net::DNS's errorstring after the query


async def query(server: str, name: str, qtype: int, settings: Settings) -> Answer:
    try:
        address = await _address(server)
        message = encode_query(random.randrange(65536), name, qtype, settings.recurse)
    except WireError as bad:
        return Answer(None, str(bad))
    if settings.tcp:
        reply, error = await _tcp(address, message, settings)
    else:
        reply, error = await _udp(address, message, settings)
        if reply is not None and reply.tc:
            reply, error = await _tcp(address, message, settings)
    if reply is None or not reply.answers:
        return Answer(None, error)
    return Answer(reply, error)


async def _address(server: str) -> str:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(server, 53, family=socket.AF_INET, type=socket.SOCK_DGRAM)
    except (OSError, UnicodeError):
        raise WireError(f"unresolvable name: {server}") from None
    return str(infos[0][4][0])


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.queue: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: object) -> None:
        self.queue.put_nowait(data)

    def error_received(self, exc: Exception) -> None:
        pass  # as Net::DNS: an ICMP error is no answer; the round's wait decides


def _matches(reply: Reply, message: bytes) -> bool:
    return reply.qr and reply.id == struct.unpack_from("!H", message)[0]


async def _udp(address: str, message: bytes, settings: Settings) -> tuple[Reply | None, str]:
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(
        _Datagrams, remote_addr=(address, settings.port), family=socket.AF_INET
    )
    error = ""  # a reply that could not be read, if that is all there was
    try:
        wait = settings.retrans or 1.0
        for _ in range(settings.retry or 1):
            transport.sendto(message)
            try:
                async with asyncio.timeout(wait):
                    while True:
                        try:
                            reply = decode(await protocol.queue.get())
                        except WireError as bad:
                            error = str(bad)
                            continue
                        if not _matches(reply, message):
                            continue
                        # Any response code ends the query: a server that said SERVFAIL or
                        # REFUSED is not asked again, and the code is the error string.
                        return reply, reply.rcode
            except TimeoutError:
                wait += wait
        return None, error or "query timed out"
    finally:
        transport.close()


async def _tcp(address: str, message: bytes, settings: Settings) -> tuple[Reply | None, str]:
    try:
        async with asyncio.timeout(settings.tcp_timeout):
            reader, writer = await asyncio.open_connection(address, settings.port)
            try:
                writer.write(struct.pack("!H", len(message)) + message)
                size = struct.unpack("!H", await reader.readexactly(2))[0]
                reply = decode(await reader.readexactly(size))
            finally:
                writer.close()
    except TimeoutError:
        return None, "query timed out"
    except asyncio.IncompleteReadError:
        return None, "connection closed before the reply"
    except WireError as bad:
        return None, str(bad)
    except OSError as error:
        return None, describe(error)
    if not _matches(reply, message):
        return None, "reply does not match the query"
    return reply, reply.rcode
