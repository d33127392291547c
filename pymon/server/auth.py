"""auth.cf (AUTH-01/02), minimal for now: read and checked at startup; every command is allowed.

Full authorisation (users, `AUTH_ANY`, `!user`, the trap section) comes later.
"""

from __future__ import annotations

import re

__all__ = ["AuthError", "load_auth"]


class AuthError(Exception):
    pass


def load_auth(path: str) -> dict[str, tuple[str, ...]]:
    """The command section as {command: users}; AuthError with mon's message when unusable."""
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as file:
            lines = file.read().splitlines()
    except OSError as error:
        raise AuthError(f"could not open {path}: {error.strerror}") from error
    commands: dict[str, tuple[str, ...]] = {}
    section = "command"
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if re.match(r"^command\s+section", line):
            section = "command"
        elif re.match(r"^trap\s+section", line):
            section = "trap"
        elif section == "command":
            command, colon, users = line.partition(":")
            if not colon:
                raise AuthError(f"could not parse line {number} of auth file")
            commands[command.strip().lower()] = tuple(u for u in re.split(r"\s*,\s*", users.strip()) if u)
    return commands
