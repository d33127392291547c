"""DNS messages on the wire (RFC 1035): one question out, the header and answer records back.

Only what dns.monitor needs: a query for one name and type, and from a reply its id,
flags, response code and answer records, each with its type and its data as text
(written the way Net::DNS's rdatastr does for the common types, so answers compare).
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass

TYPES = {
    "A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "HINFO": 13, "MX": 15, "TXT": 16,
    "AAAA": 28, "SRV": 33, "NAPTR": 35, "DS": 43, "DNSKEY": 48, "CAA": 257, "ANY": 255,
}  # fmt: skip
TYPE_NAMES = {number: name for name, number in TYPES.items()}
RCODES = ("NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET",
          "NOTAUTH", "NOTZONE")  # fmt: skip
_HEADER = struct.Struct("!HHHHHH")


class WireError(ValueError):
    """A name that cannot be sent, or a reply that cannot be read; str() says which."""


@dataclass(frozen=True)
class Record:
    name: str
    type: str  # "SOA", "A", ... or "TYPE123"
    data: str  # the record data as text
    serial: int | None = None  # SOA only


@dataclass(frozen=True)
class Reply:
    id: int
    qr: bool
    aa: bool
    tc: bool
    rcode: str
    answers: tuple[Record, ...]


def type_number(name: str) -> int:
    upper = name.upper()
    if upper in TYPES:
        return TYPES[upper]
    if upper.startswith("TYPE") and upper[4:].isdigit() and int(upper[4:]) < 65536:
        return int(upper[4:])
    raise WireError(f"unknown query type {name}")


def encode_query(ident: int, name: str, qtype: int, recurse: bool) -> bytes:
    flags = 0x0100 if recurse else 0
    return _HEADER.pack(ident, flags, 1, 0, 0, 0) + _encode_name(name) + struct.pack("!HH", qtype, 1)


def _encode_name(name: str) -> bytes:
    out = bytearray()
    for label in name.rstrip(".").split(".") if name not in (".", "") else []:
        raw = label.encode("utf-8", "surrogateescape")
        if not 0 < len(raw) < 64:
            raise WireError(f"bad name {name!r}: a label must be 1 to 63 bytes")
        out += bytes((len(raw),)) + raw
    if len(out) > 254:
        raise WireError(f"bad name {name!r}: longer than 255 bytes")
    return bytes(out) + b"\0"


def decode(message: bytes) -> Reply:
    try:
        return _decode(message)
    except (struct.error, IndexError, UnicodeError, ValueError) as error:
        raise WireError(f"corrupt wire-format data ({len(message)} bytes: {error})") from None


def _decode(message: bytes) -> Reply:
    ident, flags, qdcount, ancount, _, _ = _HEADER.unpack_from(message, 0)
    offset = _HEADER.size
    for _ in range(qdcount):
        _, offset = _read_name(message, offset)
        offset += 4
    answers = []
    for _ in range(ancount):
        name, offset = _read_name(message, offset)
        rtype, _, _, length = struct.unpack_from("!HHIH", message, offset)
        offset += 10
        if offset + length > len(message):
            raise ValueError("record data runs past the end")
        answers.append(_record(message, name, rtype, offset, length))
        offset += length
    rcode = flags & 0xF
    return Reply(
        id=ident,
        qr=bool(flags & 0x8000),
        aa=bool(flags & 0x0400),
        tc=bool(flags & 0x0200),
        rcode=RCODES[rcode] if rcode < len(RCODES) else f"RCODE{rcode}",
        answers=tuple(answers),
    )


def _record(message: bytes, name: str, rtype: int, start: int, length: int) -> Record:
    kind = TYPE_NAMES.get(rtype, f"TYPE{rtype}")
    data = message[start : start + length]
    if kind == "A" and length == 4:
        return Record(name, kind, str(ipaddress.IPv4Address(data)))
    if kind == "AAAA" and length == 16:
        return Record(name, kind, str(ipaddress.IPv6Address(data)))
    if kind in ("NS", "CNAME", "PTR"):
        return Record(name, kind, _read_name(message, start)[0])
    if kind == "MX":
        exchange = _read_name(message, start + 2)[0]
        return Record(name, kind, f"{struct.unpack_from('!H', message, start)[0]} {exchange}")
    if kind == "SOA":
        mname, offset = _read_name(message, start)
        rname, offset = _read_name(message, offset)
        numbers = struct.unpack_from("!IIIII", message, offset)
        return Record(name, kind, " ".join([mname, rname, *map(str, numbers)]), serial=numbers[0])
    if kind == "TXT":
        strings, offset = [], start
        while offset < start + length:
            size = message[offset]
            strings.append('"' + message[offset + 1 : offset + 1 + size].decode("utf-8", "replace") + '"')
            offset += 1 + size
        return Record(name, kind, " ".join(strings))
    return Record(name, kind, f"\\# {length} {data.hex().upper()}".rstrip())


def _read_name(message: bytes, offset: int) -> tuple[str, int]:
    """A possibly compressed name at offset: (name with a final dot, offset after it)."""
    labels: list[str] = []
    end = -1
    for _ in range(128):  # compression pointers must not loop
        size = message[offset]
        if size >= 0xC0:
            if end < 0:
                end = offset + 2
            offset = ((size & 0x3F) << 8) | message[offset + 1]
        elif size == 0:
            return ".".join(labels) + ".", end if end >= 0 else offset + 1
        elif size < 64:
            labels.append(message[offset + 1 : offset + 1 + size].decode("ascii", "backslashreplace"))
            offset += 1 + size
        else:
            raise ValueError(f"bad label length {size}")
    raise ValueError("name compression loops")
