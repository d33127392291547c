"""The few fields of an X.509 certificate sslcert.monitor reads, from its DER bytes.

Python's ssl module hands out the peer's certificate only as DER when it is not verified
(and sslcert.monitor must look at expired and self-signed ones too), so the validity
dates and the DNS names of subjectAltName are read here with a small DER walker.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass

_SEQUENCE, _OID, _OCTETS, _UTC_TIME, _GENERALIZED_TIME = 0x30, 0x06, 0x04, 0x17, 0x18
_SUBJECT_ALT_NAME = bytes.fromhex("551d11")  # 2.5.29.17
_DNS_NAME = 0x82  # [2] IA5String


class CertificateError(ValueError):
    pass


@dataclass(frozen=True)
class Certificate:
    not_before: int  # seconds since the epoch, UTC
    not_after: int
    dns_names: tuple[str, ...]


def parse(der: bytes) -> Certificate:
    try:
        return _parse(der)
    except (IndexError, ValueError, UnicodeError) as error:
        raise CertificateError(f"unreadable certificate: {error}") from None


def _parse(der: bytes) -> Certificate:
    certificate = _children(_element(der, 0, _SEQUENCE)[0])
    tbs = _children(certificate[0][1])
    fields = [body for tag, body in tbs if tag != 0xA0]  # skip the optional [0] version
    validity = _children(fields[3])
    not_before, not_after = (_time(tag, body) for tag, body in validity[:2])
    names: list[str] = []
    for tag, body in tbs:
        if tag == 0xA3:  # [3] extensions
            for extension in _children(_element(body, 0, _SEQUENCE)[0]):
                parts = _children(extension[1])
                if parts[0] == (_OID, _SUBJECT_ALT_NAME):
                    value = next(body for tag, body in parts[1:] if tag == _OCTETS)
                    general_names = _children(_element(value, 0, _SEQUENCE)[0])
                    names += [name.decode("ascii") for tag, name in general_names if tag == _DNS_NAME]
    return Certificate(not_before, not_after, tuple(names))


def _element(data: bytes, offset: int, expected: int | None = None) -> tuple[bytes, int, int]:
    """(contents, tag, offset after) of the DER element at offset."""
    tag = data[offset]
    if expected is not None and tag != expected:
        raise ValueError(f"expected tag {expected:#x}, found {tag:#x}")
    length = data[offset + 1]
    offset += 2
    if length & 0x80:
        count = length & 0x7F
        if not 0 < count <= 4:
            raise ValueError("bad length")
        length = int.from_bytes(data[offset : offset + count], "big")
        offset += count
    if offset + length > len(data):
        raise ValueError("element runs past the end")
    return data[offset : offset + length], tag, offset + length


def _children(data: bytes) -> list[tuple[int, bytes]]:
    items, offset = [], 0
    while offset < len(data):
        body, tag, offset = _element(data, offset)
        items.append((tag, body))
    return items


def _time(tag: int, body: bytes) -> int:
    text = body.decode("ascii").rstrip("Z")
    if tag == _UTC_TIME:
        year = int(text[:2])
        text = str(2000 + year if year < 50 else 1900 + year) + text[2:]
    elif tag != _GENERALIZED_TIME:
        raise ValueError(f"expected a time, found tag {tag:#x}")
    year, rest = int(text[:4]), [int(text[i : i + 2]) for i in range(4, 14, 2)]
    return calendar.timegm((year, *rest, 0, 0, 0))
