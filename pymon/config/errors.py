"""Errors and warnings about a config, with mon's wording and pymon's location."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    file: str
    line: int
    column: int
    text: str  # the physical line, without its newline

    def render(self) -> str:
        caret = " " * (max(self.column, 1) - 1) + "^"
        return f"{self.file}:{self.line}:{self.column}\n    {self.text.expandtabs(1)}\n    {caret}"


class ConfigError(Exception):
    """A config the daemon refuses.

    `mon_message` is exactly what mon prints (`cf error: ... line N`), so that
    scripts which grep mon's output keep working; `str()` adds where it is.
    """

    def __init__(
        self, mon_message: str, location: Location | None = None, hint: str = "", status: int = 25
    ) -> None:
        super().__init__(mon_message)
        self.mon_message = mon_message
        self.location = location
        self.hint = hint
        # The daemon's exit status: mon dies with a stale errno, 25 for config errors (CLI-26).
        self.status = status

    def __str__(self) -> str:
        parts = [self.mon_message]
        if self.location is not None:
            where = self.location.render()
            parts.append(f"{where}" + (f"\n    {self.hint}" if self.hint else ""))
        elif self.hint:
            parts.append(self.hint)
        return "\n".join(parts)


@dataclass(frozen=True)
class Diagnostic:
    """Something that will not work as the user meant, found while parsing or checking."""

    kind: str  # a short stable name, e.g. "swallowed-watch"
    message: str
    location: Location | None = None

    def render(self) -> str:
        if self.location is None:
            return f"warning: {self.message}"
        loc = self.location
        return f"{loc.file}:{loc.line}:{loc.column}: warning: {self.message}"
