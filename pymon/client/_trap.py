"""Mon traps: the UDP datagram Mon::Client->send_trap sends (TRAP-02, TRAP-12).

The packet is built field for field as the Perl client builds it, so a trap
from pymon's client and one from Mon::Client differ only in the `tsp` time.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Mapping
from typing import Final

from pymon.server.escape import esc_str, to_bytes

__all__ = ["OPSTATUS", "TRAP_PROTOCOL_VERSION", "build_trap", "send_trap"]

# Mon::Client's %OPSTAT: the opstatus names a trap may carry, and their numbers (TRAP-12).
OPSTATUS: Final[Mapping[str, int]] = {
    "fail": 0, "ok": 1, "coldstart": 2, "warmstart": 3, "linkdown": 4,
    "unknown": 5, "timeout": 6, "untested": 7, "dependency": 8,
}  # fmt: skip
# The oldest trap protocol the server accepts (TRAP-05), and what Mon::Client sends.
TRAP_PROTOCOL_VERSION: Final = "0.3807"


def build_trap(
    group: str,
    service: str,
    retval: int,
    opstatus: str = "fail",
    summary: str = "",
    detail: str = "",
    username: str | None = None,
    password: str | None = None,
    timestamp: int | None = None,
) -> bytes:
    """The datagram for one trap: `tag='escaped value'` lines in Mon::Client's order.

    Every value is escaped with esc_str(value, inquotes=True), so a backslash
    goes out doubled (the server does not undo that, TRAP-03). The `pas` line
    is only sent with a user name. `spc` appears twice, as in Mon::Client.
    """
    if isinstance(retval, bool) or not isinstance(retval, int) or retval < 0:
        raise ValueError(f"retval must be a non-negative integer, not {retval!r}")
    if opstatus not in OPSTATUS:
        raise ValueError(f"unknown opstatus {opstatus!r}; one of {', '.join(OPSTATUS)}")
    spc = str(OPSTATUS[opstatus])
    when = str(int(time.time()) if timestamp is None else timestamp)
    fields: list[tuple[str, str | None]] = [("pro", TRAP_PROTOCOL_VERSION), ("usr", username)]
    if username:
        fields.append(("pas", password))
    fields += [
        ("spc", spc), ("seq", "0"), ("typ", "trap"), ("grp", group), ("svc", service),
        ("sta", str(retval)), ("spc", spc), ("tsp", when), ("sum", summary), ("dtl", detail),
    ]  # fmt: skip
    return b"".join(to_bytes(f"{tag}='{esc_str(value, True)}'\n") for tag, value in fields)


def send_trap(host: str, port: int, packet: bytes) -> None:
    """Send one trap datagram; traps are never answered (TRAP-01)."""
    address = socket.getaddrinfo(host, port, socket.AF_INET, socket.SOCK_DGRAM)[0][4]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(packet, address)
