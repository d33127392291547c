"""Just enough SNMPv2c for the monitors: GET and GETNEXT over UDP, BER by hand.

The agent address is net-snmp's transport syntax `[udp:]HOST[:PORT]` (port
161 by default); a request is sent again after `timeout` seconds, `retries`
times, and then fails with `Timeout`, as net-snmp's defaults (1 s, 5 retries).
"""

from __future__ import annotations

import asyncio
import itertools
import random
import socket
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Agent", "SnmpError", "Value", "agent_address", "get", "get_next"]

Oid = tuple[int, ...]

_INTEGER, _OCTETS, _NULL, _OID, _SEQUENCE = 0x02, 0x04, 0x05, 0x06, 0x30
_GET, _GETNEXT, _RESPONSE = 0xA0, 0xA1, 0xA2
_UNSIGNED = {0x41, 0x42, 0x43, 0x46}  # Counter32, Gauge32, TimeTicks, Counter64
# the v2 exceptions, named as Perl's SNMP module shows them
_EXCEPTIONS = {0x80: "NOSUCHOBJECT", 0x81: "NOSUCHINSTANCE", 0x82: "ENDOFMIBVIEW"}
_ERRORS = {
    1: "(tooBig) Response message would have been too large.",
    2: "(noSuchName) There is no such variable name in this MIB.",
    3: "(badValue) The value given has the wrong type or length.",
    4: "(readOnly) The two parties used do not have access to use the specified SNMP PDU.",
    5: "(genError) A general failure occured",
}
_request_ids = itertools.count(random.randrange(1, 1 << 30))


class SnmpError(Exception):
    """The request failed: the text is net-snmp's ErrorStr (`Timeout`, `(noSuchName) ...`)."""


@dataclass(frozen=True)
class Value:
    oid: Oid
    text: str  # the value as Perl's SNMP module returns it
    end: bool = False  # an exception (noSuchObject, noSuchInstance, endOfMibView)


@dataclass(frozen=True)
class Agent:
    host: str
    port: int
    community: str
    timeout: float = 1.0
    retries: int = 5


def agent_address(spec: str) -> tuple[str, int]:
    """(host, port) of `[udp:]HOST[:PORT]`."""
    text = spec[4:] if spec.lower().startswith("udp:") else spec
    host, colon, port = text.rpartition(":")
    if colon and host and port.isdigit() and ":" not in host:
        return host, int(port)
    return text, 161


async def get(agent: Agent, oids: Sequence[Oid]) -> list[Value]:
    return await _request(agent, _GET, oids)


async def get_next(agent: Agent, oid: Oid) -> Value:
    return (await _request(agent, _GETNEXT, [oid]))[0]


# --- BER -----------------------------------------------------------------------------


def _tlv(tag: int, body: bytes) -> bytes:
    size = len(body)
    if size < 0x80:
        return bytes([tag, size]) + body
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + body


def _integer(value: int) -> bytes:
    return _tlv(_INTEGER, value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True))


def _oid(oid: Oid) -> bytes:
    body = bytearray([40 * oid[0] + oid[1]])
    for arc in oid[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body += bytes(reversed(chunk))
    return _tlv(_OID, bytes(body))


def _message(community: str, pdu: int, request_id: int, oids: Sequence[Oid]) -> bytes:
    bindings = b"".join(_tlv(_SEQUENCE, _oid(oid) + _tlv(_NULL, b"")) for oid in oids)
    body = _integer(request_id) + _integer(0) + _integer(0) + _tlv(_SEQUENCE, bindings)
    return _tlv(_SEQUENCE, _integer(1) + _tlv(_OCTETS, community.encode()) + _tlv(pdu, body))


def _read(data: bytes, at: int) -> tuple[int, bytes, int]:
    """(tag, body, the offset after it) of the TLV at `at`."""
    tag, size = data[at], data[at + 1]
    at += 2
    if size & 0x80:
        count = size & 0x7F
        size = int.from_bytes(data[at : at + count], "big")
        at += count
    if at + size > len(data):
        raise ValueError("truncated")
    return tag, data[at : at + size], at + size


def _parse_oid(body: bytes) -> Oid:
    arcs = [body[0] // 40, body[0] % 40]
    arc = 0
    for byte in body[1:]:
        arc = (arc << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(arc)
            arc = 0
    return tuple(arcs)


def _value(oid: Oid, tag: int, body: bytes) -> Value:
    if tag in _EXCEPTIONS:
        return Value(oid, _EXCEPTIONS[tag], end=True)
    if tag == _INTEGER:
        return Value(oid, str(int.from_bytes(body, "big", signed=True)))
    if tag in _UNSIGNED:
        return Value(oid, str(int.from_bytes(body, "big")))
    if tag == _OID:
        return Value(oid, "." + ".".join(map(str, _parse_oid(body))))
    if tag == 0x40 and len(body) == 4:  # IpAddress
        return Value(oid, socket.inet_ntoa(body))
    return Value(oid, body.decode("utf-8", "surrogateescape"))


def _response(data: bytes, request_id: int) -> list[Value] | None:
    """The values of a response to `request_id`, None for anything else; SnmpError for an error-status."""
    try:
        _, message, _ = _read(data, 0)
        _, _, at = _read(message, 0)  # version
        _, _, at = _read(message, at)  # community
        tag, pdu, _ = _read(message, at)
        if tag != _RESPONSE:
            return None
        _, rid, at = _read(pdu, 0)
        if int.from_bytes(rid, "big", signed=True) != request_id:
            return None
        _, status, at = _read(pdu, at)
        _, _, at = _read(pdu, at)  # error-index
        _, bindings, _ = _read(pdu, at)
        error = int.from_bytes(status, "big")
        values, at = [], 0
        while at < len(bindings):
            _, binding, at = _read(bindings, at)
            _, oid, rest = _read(binding, 0)
            tag, body, _ = _read(binding, rest)
            values.append(_value(_parse_oid(oid), tag, body))
    except (IndexError, ValueError):
        return None
    if error:
        raise SnmpError(_ERRORS.get(error, f"Unknown Error ({error})"))
    return values


class _Client(asyncio.DatagramProtocol):
    def __init__(self, request_id: int) -> None:
        self.request_id = request_id
        self.answer: asyncio.Future[list[Value]] = asyncio.get_running_loop().create_future()

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        if self.answer.done():
            return
        try:
            values = _response(data, self.request_id)
        except SnmpError as error:
            self.answer.set_exception(error)
            return
        if values is not None:
            self.answer.set_result(values)


async def _request(agent: Agent, pdu: int, oids: Sequence[Oid]) -> list[Value]:
    request_id = next(_request_ids) & 0x7FFFFFFF
    loop = asyncio.get_running_loop()
    try:
        transport, client = await loop.create_datagram_endpoint(
            lambda: _Client(request_id), remote_addr=(agent.host, agent.port), family=socket.AF_INET
        )
    except OSError as error:
        raise SnmpError(f"Unknown host ({agent.host})") from error
    message = _message(agent.community, pdu, request_id, oids)
    try:
        for _ in range(agent.retries + 1):
            transport.sendto(message)
            done, _ = await asyncio.wait([client.answer], timeout=agent.timeout)
            if done:
                return client.answer.result()
        raise SnmpError("Timeout")
    finally:
        transport.close()
