"""What a monitor run yields, and the shape of a monitor function."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["Check", "MonitorFunc"]


@dataclass(frozen=True)
class Check:
    """A monitor's result as mon's monitor interface carries it (MONI-05, MONI-09).

    `exit_status` is mon's `$? >> 8`: 0 ok, anything else a failure. `summary`
    is the first output line (no newline), `detail` the rest ("" for none).
    """

    exit_status: int
    summary: str
    detail: str = ""

    @property
    def output(self) -> str:
        """The text the executable prints: summary, then detail, each line ended."""
        if not self.summary and not self.detail:
            return ""
        text = self.summary + "\n"
        if self.detail:
            text += self.detail if self.detail.endswith("\n") else self.detail + "\n"
        return text

    def after_warnings(self, warnings: Sequence[str]) -> Check:
        """This result with option warnings first, as Perl prints them to stderr before stdout."""
        if not warnings:
            return self
        lines = [*warnings, *self.output.splitlines()]
        return Check(self.exit_status, lines[0], "\n".join(lines[1:]))


# argv: the arguments exactly as the exec'd script gets them (options, then
# hosts; no argv[0]); env: the MON_* environment mon gives it.
MonitorFunc = Callable[[Sequence[str], Mapping[str, str]], Awaitable[Check]]
