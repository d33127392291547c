"""Sending a trap: the datagram Perl's `Mon::Client->send_trap` sends (TRAP-02, TRAP-12), and `pymon-trap`.

`build_trap` gives the exact bytes, tag for tag and in Mon::Client's order
(`spc` twice, every value escaped with mon's in-quotes escaping, so a
backslash goes out doubled, TRAP-03); `send_trap` checks the values as
Mon::Client does and sends one UDP datagram. No reply ever comes back, so a
trap nobody accepted is not an error here. The client library
(`pymon.client`, `MonClient.send_trap`) uses the same two functions.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import sys
import time
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from pymon.escape import esc_str, to_bytes

__all__ = ["OPSTAT", "TRAP_PRO_VERSION", "TrapError", "build_trap", "main", "send_packet", "send_trap"]

TRAP_PRO_VERSION = "0.3807"
DEFAULT_PORT = 2583
# Mon::Client's %OPSTAT: the names `opstatus` accepts and the number sent as `spc`.
OPSTAT: Mapping[str, int] = MappingProxyType(
    {
        "fail": 0,
        "ok": 1,
        "coldstart": 2,
        "warmstart": 3,
        "linkdown": 4,
        "unknown": 5,
        "timeout": 6,
        "untested": 7,
        "dependency": 8,
    }
)
_RETVAL = re.compile(r"\d+\n?", re.ASCII)  # Perl's /^\d+$/


class TrapError(ValueError):
    """A trap that could not be sent; the message is Mon::Client's error text.

    A ValueError, so that callers of the client library's `build_trap` catch a
    bad retval or opstatus as the bad argument it is.
    """


def build_trap(
    group: str,
    service: str,
    retval: int | str,
    opstatus: str = "fail",
    summary: str = "",
    detail: str = "",
    username: str | None = None,
    password: str | None = None,
    timestamp: int | None = None,
) -> bytes:
    """The datagram, byte for byte as Mon::Client 1.2 builds it; `pas` only goes with a user."""
    retval = str(retval)
    if not _RETVAL.fullmatch(retval):
        raise TrapError("invalid value for retval")
    if opstatus not in OPSTAT:
        raise TrapError("Undefined opstatus type")

    def esc(value: str | None) -> str:
        return esc_str(value, True)

    spc = esc(str(OPSTAT[opstatus]))
    lines = [f"pro='{esc(TRAP_PRO_VERSION)}'", f"usr='{esc(username)}'"]
    if username is not None and username != "":  # Perl's `ne ""`: a user "0" counts
        lines.append(f"pas='{esc(password)}'")
    lines += [
        f"spc='{spc}'",
        "seq='0'",
        "typ='trap'",
        f"grp='{esc(group)}'",
        f"svc='{esc(service)}'",
        f"sta='{esc(retval)}'",
        f"spc='{spc}'",
        f"tsp='{int(time.time()) if timestamp is None else timestamp}'",
        f"sum='{esc(summary)}'",
        f"dtl='{esc(detail)}'",
    ]
    return to_bytes("".join(line + "\n" for line in lines))


def send_packet(host: str, port: int, packet: bytes) -> None:
    """Send one trap datagram to HOST:PORT; OSError (UnicodeError for a bad host name) when it cannot."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(packet, (host, port))


def send_trap(
    host: str,
    port: int,
    group: str,
    service: str,
    retval: int | str,
    opstatus: str = "fail",
    summary: str = "",
    detail: str = "",
    *,
    username: str | None = None,
    password: str | None = None,
) -> None:
    """TRAP-12: send one trap to HOST:PORT over UDP; TrapError when it cannot go out."""
    packet = build_trap(
        group, service, retval, opstatus, summary, detail, username=username, password=password
    )
    try:
        send_packet(host, port, packet)
    except (OSError, UnicodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise TrapError(f"could not send trap to {host}: {reason}") from error


def main(argv: Sequence[str] | None = None) -> int:
    """`pymon-trap`: send one trap from the command line."""
    parser = argparse.ArgumentParser(
        prog="pymon-trap",
        description="Send a mon trap (UDP), as Perl's Mon::Client send_trap does.",
        epilog="The password may also come from $MON_TRAP_PASS, the user from $MON_TRAP_USER.",
    )
    parser.add_argument("-s", "--server", default=os.environ.get("MONHOST") or "127.0.0.1",
                        help="mon server (default $MONHOST or 127.0.0.1)")  # fmt: skip
    parser.add_argument("-p", "--port", type=int, default=DEFAULT_PORT, help="trap port (default 2583)")
    parser.add_argument("-u", "--user", default=os.environ.get("MON_TRAP_USER") or None)
    parser.add_argument("-P", "--password", default=os.environ.get("MON_TRAP_PASS") or None)
    parser.add_argument("-o", "--opstatus", default="fail", choices=list(OPSTAT))
    parser.add_argument("-r", "--retval", default="1", help="exit value to report (0 = OK)")
    parser.add_argument("group")
    parser.add_argument("service")
    parser.add_argument("summary")
    parser.add_argument("detail", nargs="?", default="", help="detail text; '-' reads it from stdin")
    args = parser.parse_args(argv)
    detail = sys.stdin.read() if args.detail == "-" else args.detail
    try:
        send_trap(
            args.server, args.port, args.group, args.service, args.retval, args.opstatus, args.summary,
            detail, username=args.user, password=args.password,
        )  # fmt: skip
    except TrapError as error:
        print(f"pymon-trap: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
