"""UDP traps (TRAP-01..09): the packet, its checks, and the socket that hands each trap to the engine.

A trap is one datagram of `tag=value` lines, as Perl's Mon::Client `send_trap`
writes them (TRAP-02). `parse_trap` reads the lines, `accept_trap` applies
mon's checks in mon's order (authentication, protocol version, status, then
the routing to a watch, TRAP-04..07) and builds the service's output
(TRAP-09); both are pure. `TrapReceiver` is the asyncio protocol: it logs
what mon logs, drops what mon drops, and gives every accepted trap to the
engine. Nothing a sender puts in a datagram can stop it.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Protocol

from pymon.config import Config
from pymon.config.perl import perl_num
from pymon.engine.records import Level
from pymon.escape import un_esc_str
from pymon.server.trapauth import TrapAuth

__all__ = [
    "MAX_DATAGRAM",
    "TRAP_PRO_VERSION",
    "Rejected",
    "Trap",
    "TrapPacket",
    "TrapReceiver",
    "TrapTarget",
    "accept_trap",
    "parse_trap",
]

Logger = Callable[[Level, str], None]

MAX_DATAGRAM = 65536  # TRAP-01: mon reads at most this much of a datagram
TRAP_PRO_VERSION = 0.3807  # TRAP-05: the oldest trap protocol mon accepts

_TAG_LINE = re.compile(r"(\w+)=(.*)", re.ASCII | re.DOTALL)
# A bigger receive buffer than the kernel's default rides out bursts while the loop is busy.
RECEIVE_BUFFER = 4 << 20


@dataclass(frozen=True)
class TrapPacket:
    """The tags of one datagram (the last of duplicates wins) and the lines that were not tags."""

    tags: Mapping[str, str]
    unspecified: tuple[str, ...] = ()


@dataclass(frozen=True)
class Trap:
    """An accepted trap, routed to its service."""

    group: str
    service: str
    status: str  # `sta` as sent: its Perl truth decides failure (TRAP-08)
    output: str  # summary, an empty line, the detail (TRAP-09)
    intended: str | None  # `group:service` as sent, when re-routed to the default watch (TRAP-07)
    log_line: str  # mon's `trap TYP SPC from IP ...` info line


@dataclass(frozen=True)
class Rejected:
    """A dropped trap and mon's syslog message (level err) for it."""

    message: str


def parse_trap(data: bytes) -> TrapPacket:
    """TRAP-02: `tag=value` lines; one level of single quotes off, then mon's hex un-escape."""
    text = data[:MAX_DATAGRAM].decode("utf-8", "surrogateescape")
    lines = text.split("\n")
    while lines and lines[-1] == "":  # Perl's split drops trailing empty fields
        lines.pop()
    tags: dict[str, str] = {}
    unspecified: list[str] = []
    for line in lines:
        match = _TAG_LINE.match(line)
        if match is None:
            unspecified.append(line)
            continue
        name, value = match.groups()
        if len(value) >= 2 and value[0] == "'" and value[-1] == "'":  # Perl's s/^'(.*)'$/$1/
            value = value[1:-1]
        tags[name] = un_esc_str(value) or ""
    return TrapPacket(MappingProxyType(tags), tuple(unspecified))


def accept_trap(packet: TrapPacket, from_ip: str, auth: TrapAuth, config: Config) -> Trap | Rejected:
    """TRAP-04..07, in mon's order: who sent it, the version, the status, where it goes."""
    tags = packet.tags
    refused = auth.check(tags, from_ip)
    if refused is not None:
        return Rejected(refused)
    if perl_num(tags.get("pro")) < TRAP_PRO_VERSION:
        return Rejected(f"cannot handle traps from version less than {TRAP_PRO_VERSION}")
    status = tags.get("sta")
    if status is None:
        return Rejected(f"no trap sta value specified from {from_ip}")
    group, service = tags.get("grp", ""), tags.get("svc", "")
    intended = None
    if group not in config.watches and "default" in config.watches:
        intended, group = f"{group}:{service}", "default"
    if group == "default" and config.service(group, service) is None and config.service(group, "default"):
        service = "default"
    if group not in config.hostgroups and group not in config.watches:
        return Rejected(f"trap received for undefined group {group}")
    if config.service(group, service) is None:
        # A known group with an unknown service is not re-routed (TRAP-07).
        return Rejected(f"trap received for undefined service type {group}/{service}")
    summary = tags.get("sum", "")
    if not summary.endswith("\n"):
        summary += "\n"
    kind = f"{tags.get('typ', '')} {tags.get('spc', '')}"
    log_line = f"trap {kind} from {from_ip} grp={group} svc={service}, sta={status}"
    return Trap(group, service, status, f"{summary}\n{tags.get('dtl', '')}", intended, log_line)


class TrapTarget(Protocol):
    """What the receiver needs of the engine."""

    @property
    def config(self) -> Config: ...

    def trap(self, group: str, service: str, status: str, output: str, intended: str | None) -> None: ...


class TrapReceiver(asyncio.DatagramProtocol):
    """TRAP-01: one datagram, one trap; no reply is ever sent."""

    def __init__(self, target: TrapTarget, auth: TrapAuth, log: Logger) -> None:
        self.target = target
        self.auth = auth  # replaced when auth.cf is read again
        self.log = log

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        from_ip = str(addr[0])
        try:
            self._handle(data, from_ip)
        except Exception as error:  # a bug must not stop the trap port
            self.log("err", f"internal error handling a trap from {from_ip}: {error!r}")

    def _handle(self, data: bytes, from_ip: str) -> None:
        packet = parse_trap(data)
        for line in packet.unspecified:
            self.log("err", f"unspecified tag in trap: {line}")
        result = accept_trap(packet, from_ip, self.auth, self.target.config)
        if isinstance(result, Rejected):
            self.log("err", result.message)
            return
        self.log("info", result.log_line)
        self.target.trap(result.group, result.service, result.status, result.output, result.intended)

    def error_received(self, exc: Exception) -> None:
        self.log("err", f"trap socket error: {exc}")
