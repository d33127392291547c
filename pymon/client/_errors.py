"""The exceptions of pymon's client library: one base, three precise kinds."""

from __future__ import annotations

__all__ = ["MonCommandError", "MonConnectionError", "MonError", "MonResponseError"]


class MonError(Exception):
    """Anything that went wrong talking to a mon server."""


class MonConnectionError(MonError):
    """The server could not be reached, or the connection broke or timed out mid-reply."""


class MonCommandError(MonError):
    """The server refused a command: a 5xx reply (or an error line inside a 2xx reply).

    `status` is the server's line (e.g. `520 unknown service`), `command` the
    request that was sent, `lines` any data lines that came before it.
    """

    def __init__(self, command: str, status: str, lines: tuple[str, ...] = ()) -> None:
        super().__init__(f"{command!r}: {status}")
        self.command = command
        self.status = status
        self.lines = lines

    @property
    def code(self) -> int:
        """The three-digit code of the status line (0 if it has none)."""
        head = self.status[:3]
        return int(head) if head.isdigit() else 0


class MonResponseError(MonError):
    """The server answered, but not in a form this client understands."""
