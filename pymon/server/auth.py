"""auth.cf's command section and mon's authorisation check (AUTH-01..04, AUTH-12).

`load_auth(path)` reads the file as mon's `load_auth` does and returns the
rules as `AuthRules`; `check(rules, command, user)` is mon's `check_auth`:
whether the user may run the command, and the syslog line mon writes about it.
The trap section is only skipped here: `pymon.server.trapauth` reads it.

Where pymon differs: a `reload auth` of a broken or unreadable file keeps the
rules in force (mon empties them first and then denies everything, Q31), see
`pymon.server.commands`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from pymon.config.errors import Location
from pymon.config.perl import PERL_SPACE
from pymon.server.words import perl_split

__all__ = [
    "ALL", "AUTH_ANY", "AuthDecision", "AuthError", "AuthRules",
    "allowed", "check", "load_auth", "parse_auth",
]  # fmt: skip

ALL = "all"  # anyone, logged in or not (AUTH-02)
AUTH_ANY = "AUTH_ANY"  # anyone who logged in

_COMMAND_SECTION = re.compile(r"command\s+section", re.ASCII)
_TRAP_SECTION = re.compile(r"trap\s+section", re.ASCII)
_COLON = re.compile(r"\s*:\s*", re.ASCII)
_COMMA = re.compile(r"\s*,\s*", re.ASCII)
_NO_RULES: Mapping[str, frozenset[str]] = MappingProxyType({})


class AuthError(Exception):
    """An auth file mon refuses. `mon_message` is mon's wording; `str()` adds where it is."""

    def __init__(self, mon_message: str, location: Location | None = None, status: int = 1) -> None:
        super().__init__(mon_message)
        self.mon_message = mon_message
        self.location = location
        self.status = status  # the daemon's exit status at start-up, as mon's `die` gives it

    def __str__(self) -> str:
        if self.location is None:
            return self.mon_message
        return f"{self.mon_message}\n{self.location.render()}\n    a command line is `COMMAND: USER, USER...`"


@dataclass(frozen=True)
class AuthRules:
    """The command section: per lower-cased command word, who is listed and who is `!`-denied."""

    allow: Mapping[str, frozenset[str]] = field(default_factory=lambda: _NO_RULES)
    deny: Mapping[str, frozenset[str]] = field(default_factory=lambda: _NO_RULES)


@dataclass(frozen=True)
class AuthDecision:
    allowed: bool
    log: str | None  # what mon syslogs at level err, if anything


def parse_auth(text: str, path: str) -> AuthRules:
    """The command section of auth.cf TEXT; AuthError at the first line mon cannot parse."""
    allow: dict[str, set[str]] = {}
    deny: dict[str, set[str]] = {}
    section = "command"  # AUTH-01: lines before any header are commands
    # Perl reads "\n"-ended lines: no other character ends one.
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.strip(PERL_SPACE)
        if not line or line.startswith("#"):
            continue
        if _COMMAND_SECTION.match(line):
            section = "command"
        elif _TRAP_SECTION.match(line):
            section = "trap"
        elif section == "command":
            fields = perl_split(_COLON, line, 2)
            if len(fields) < 2:
                location = Location(path, number, 1, raw)
                # AUTH-02; at start-up mon dies with a stale errno, 25 (CLI-26)
                raise AuthError(f"could not parse line {number} of auth file", location, status=25)
            command = fields[0].lower()
            for user in perl_split(_COMMA, fields[1]):
                if user.startswith("!"):
                    deny.setdefault(command, set()).add(user[1:])
                else:
                    allow.setdefault(command, set()).add(user)
    return AuthRules(
        MappingProxyType({c: frozenset(u) for c, u in allow.items()}),
        MappingProxyType({c: frozenset(u) for c, u in deny.items()}),
    )


def load_auth(path: str) -> AuthRules:
    """AUTH-01/02: the rules in PATH; AuthError with mon's message when it cannot be used."""
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as error:
        raise AuthError(f"could not open {path}: {error.strerror}", status=error.errno or 1) from error
    return parse_auth(data.decode("utf-8", "surrogateescape"), path)


def check(rules: AuthRules, command: str | None, user: str | None, *, quiet: bool = False) -> AuthDecision:
    """AUTH-03, mon's check_auth in its order. `quiet` (for `checkauth`) drops only the last log line.

    COMMAND is used as given: mon lower-cases the protocol's command word but
    not the argument of `checkauth` (PROTO-06). USER None is a client that has
    not logged in. A command auth.cf does not name is denied to everyone.
    """
    key = command or ""
    denied = rules.deny.get(key, frozenset())
    listed = rules.allow.get(key, frozenset())
    if user is not None and (user in denied or AUTH_ANY in denied):
        return AuthDecision(False, f"user '{user}' tried '{key}', denied")
    if ALL in listed:
        return AuthDecision(True, None)
    if user is not None and (AUTH_ANY in listed or user in listed):
        return AuthDecision(True, None)
    return AuthDecision(False, None if quiet else f"user '{user or ''}' tried '{key}', not authenticated")


def allowed(rules: AuthRules, command: str | None, user: str | None) -> bool:
    """Whether USER (None: not logged in) may run COMMAND under RULES (AUTH-03)."""
    return check(rules, command, user).allowed
