"""Who may send traps: the trap section of auth.cf (AUTH-11) and mon's check of each trap (TRAP-04).

The section holds lines `HOST USER PASSWORD`. HOST is `*`, a dotted quad or a
host name (resolved once, when the file is read); USER `*` lets that host send
without a user name; PASSWORD is a crypt(3) hash of the password the trap
carries in plain text (`pas`).

The command section belongs to `pymon.server.auth`; this module reads the same
file for the trap section only.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import re
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from pymon.engine.records import Level

__all__ = ["TrapAuth", "crypt", "load_trap_auth"]

Logger = Callable[[Level, str], None]

_DOTTED_QUAD = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}", re.ASCII)
# mon's pattern for a host name, stray brackets and all.
_HOST_NAME = re.compile(r"[A-Z\d][\[A-Z.\d\-]*[\[A-Z\d]+", re.ASCII | re.IGNORECASE)
_ENTRY = re.compile(r"(\S+)\s+(\S+)\s+(\S+)", re.ASCII)


@dataclass(frozen=True)
class TrapAuth:
    """{host: {user: crypt hash}}; host `*` and user `*` are wildcards."""

    hosts: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: MappingProxyType({}))

    def check(self, tags: Mapping[str, str], from_ip: str) -> str | None:
        """TRAP-04: None when the trap may pass, else mon's syslog message for dropping it.

        mon looks up `{host}{"*"}` before it asks whether the host is listed at
        all, and Perl's autovivification creates the host on that lookup: so
        mon never says "unauthorized host", an unlisted host always gets
        "unknown user". pymon logs what mon logs.
        """
        host = "*" if "*" in self.hosts else from_ip
        users = self.hosts.get(host, {})
        if "*" in users:
            return None
        user, password = tags.get("usr", ""), tags.get("pas", "")
        stored = users.get(user)
        if stored is None:
            return f"received trap from unknown user {user}, host {host}"
        if crypt(password, stored) != stored:
            return f"received trap with bad password from user {user}, host {host}"
        return None


def load_trap_auth(path: str, log: Logger) -> TrapAuth:
    """AUTH-11: the trap section of `path`, with mon's syslog lines; unreadable: no one may send."""
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as file:
            lines = file.read().split("\n")
    except OSError as error:
        # AUTH-12: mon clears its tables first, so every trap is refused until the file is fixed.
        log("err", f"could not open {path}: {error.strerror}")
        return TrapAuth()
    hosts: dict[str, dict[str, str]] = {}
    section = "command"
    for number, raw in enumerate(lines, 1):
        line = raw.strip(" \t\r\f\v\n")
        if not line or line.startswith("#"):
            continue
        if re.match(r"command\s+section", line, re.ASCII):
            section = "command"
        elif re.match(r"trap\s+section", line, re.ASCII):
            section = "trap"
        elif section == "trap":
            entry = _ENTRY.fullmatch(line)
            if entry is None:
                log("err", f"invalid entry in trap sect of {path}, line {number}")
                continue
            host, user, password = entry.groups()
            address = _address(host)
            if address is None:
                log("err", f"invalid host in {path}, line {number}")
                continue
            log("notice", f"Adding trap auth of: {address} {user} {password}")
            hosts.setdefault(address, {})[user] = password
    return TrapAuth(MappingProxyType({h: MappingProxyType(u) for h, u in hosts.items()}))


def _address(host: str) -> str | None:
    """`*`, or the dotted quad of a host (resolved now, as mon does at load time)."""
    if host == "*":
        return host
    if not (_DOTTED_QUAD.fullmatch(host) or _HOST_NAME.fullmatch(host)):
        return None
    try:
        return socket.gethostbyname(host)
    except (OSError, UnicodeError):
        return None


# --- crypt(3) ----------------------------------------------------------------------------


def _load_crypt() -> Callable[[bytes, bytes], bytes | None] | None:
    name = ctypes.util.find_library("crypt")
    if name is None:
        return None
    try:
        library = ctypes.CDLL(name)
    except OSError:
        return None
    function = library.crypt
    function.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    function.restype = ctypes.c_char_p

    def call(key: bytes, salt: bytes) -> bytes | None:
        result: bytes | None = function(key, salt)
        return result

    return call


_CRYPT = _load_crypt()


def crypt(password: str, salt: str) -> str | None:
    """The system's crypt(3), as Perl's `crypt` calls it; None when it refuses the salt.

    The event loop is single-threaded, so crypt's static buffer is safe here.
    """
    if _CRYPT is None or "\0" in password or "\0" in salt:
        return None
    key = password.encode("utf-8", "surrogateescape")
    result = _CRYPT(key, salt.encode("utf-8", "surrogateescape"))
    return None if result is None else result.decode("utf-8", "surrogateescape")
