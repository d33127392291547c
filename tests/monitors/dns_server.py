"""A tiny authoritative DNS server for the dns.monitor tests: UDP and TCP on ADDRESS:53.

Replies are built here by hand (not with pymon's codec) from a table of records; a
`behaviour` makes the server misbehave in one way: stay silent, refuse, answer without
the authoritative flag, send bytes that are not DNS, or truncate UDP replies (so the
client must come back over TCP).
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field

TYPE = {"A": 1, "NS": 2, "SOA": 6, "MX": 15, "TXT": 16}


def name(text: str) -> bytes:
    return (
        b"".join(bytes((len(label),)) + label.encode() for label in text.strip(".").split(".") if label)
        + b"\0"
    )


def soa(serial: int) -> bytes:
    return (
        name("ns.example.test")
        + name("admin.example.test")
        + struct.pack("!IIIII", serial, 3600, 600, 86400, 60)
    )


def a(address: str) -> bytes:
    return socket.inet_aton(address)


@dataclass
class Zone:
    records: Mapping[tuple[str, str], list[bytes]]
    behaviour: str = "ok"  # ok | silent | refused | servfail | not_aa | garbage | truncate | empty
    queries: list[tuple[str, int, bool]] = field(default_factory=list)  # (name, type, over TCP)

    def answer(self, query: bytes, tcp: bool) -> bytes | None:
        ident, flags = struct.unpack_from("!HH", query)
        labels, offset = [], 12
        while query[offset]:
            labels.append(query[offset + 1 : offset + 1 + query[offset]].decode())
            offset += 1 + query[offset]
        qname = ".".join(labels).lower()
        qtype = struct.unpack_from("!H", query, offset + 1)[0]
        question = query[12 : offset + 5]
        self.queries.append((qname, qtype, tcp))
        if self.behaviour == "silent":
            return None
        if self.behaviour == "garbage":
            return b"\xff" * 7
        rcode = {"refused": 5, "servfail": 2}.get(self.behaviour, 0)
        wanted = [key for key in self.records if key[0] == qname]
        rdatas = [] if rcode else [r for key in wanted if TYPE[key[1]] == qtype for r in self.records[key]]
        if not wanted and not rcode:
            rcode = 3  # NXDOMAIN
        aa = 0 if self.behaviour == "not_aa" else 0x0400
        tc = 0x0200 if self.behaviour == "truncate" and not tcp else 0
        if tc or self.behaviour == "empty":
            rdatas = []
        reply = struct.pack(
            "!HHHHHH", ident, 0x8000 | aa | tc | (flags & 0x0100) | rcode, 1, len(rdatas), 0, 0
        )
        reply += question
        for rdata in rdatas:
            reply += b"\xc0\x0c" + struct.pack("!HHIH", qtype, 1, 60, len(rdata)) + rdata
        return reply


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, zone: Zone) -> None:
        self.zone = zone

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        reply = self.zone.answer(data, tcp=False)
        if reply is not None:
            self.transport.sendto(reply, addr)  # type: ignore[attr-defined]


async def serve(zone: Zone, address: str) -> None:
    """Start the UDP and TCP listeners of `zone` on address:53 (they run until the loop stops)."""
    loop = asyncio.get_running_loop()
    await loop.create_datagram_endpoint(lambda: _Udp(zone), local_addr=(address, 53))

    async def tcp(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            size = struct.unpack("!H", await reader.readexactly(2))[0]
            reply = zone.answer(await reader.readexactly(size), tcp=True)
            if reply is not None:
                writer.write(struct.pack("!H", len(reply)) + reply)
                await writer.drain()
            else:
                await asyncio.sleep(60)
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    await asyncio.start_server(tcp, address, 53)


def example(serial: int = 2024010101, behaviour: str = "ok") -> Zone:
    return Zone(
        {
            ("example.test", "SOA"): [soa(serial)],
            ("example.test", "NS"): [name("ns.example.test")],
            ("www.example.test", "A"): [a("192.0.2.10")],
            ("alias.example.test", "A"): [a("192.0.2.10")],
            ("other.example.test", "A"): [a("192.0.2.99")],
            ("example.test", "MX"): [struct.pack("!H", 10) + name("mail.example.test")],
        },
        behaviour,
    )
