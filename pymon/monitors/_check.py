"""What a monitor run yields, and the shape of a monitor function."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["Check", "MonitorFunc"]


@dataclass(frozen=True)
class Check:
    """A monitor's result as mon's monitor interface carries it (MONI-05, MONI-09).

    `exit_status` is mon's `$? >> 8`: 0 ok, anything else a failure. `summary`
    is the first output line (no newline), `detail` the rest of the output
    exactly, its newlines included ("" for none).
    """

    exit_status: int
    summary: str
    detail: str = ""

    @property
    def output(self) -> str:
        """The text the executable prints: the summary line, then the detail as it is (newlines included).

        Nothing at all for a silent success.
        """
        if not (self.summary or self.detail or self.exit_status):
            return ""
        return self.summary + "\n" + self.detail

    def after_warnings(self, warnings: Sequence[str]) -> Check:
        """This result with option warnings first, as Perl prints them on stderr before its stdout."""
        if not warnings:
            return self
        text = "".join(line + "\n" for line in warnings) + self.output
        summary, _, detail = text.partition("\n")
        return Check(self.exit_status, summary, detail)


# argv: the arguments exactly as the exec'd script gets them (options, then
# hosts; no argv[0]); env: the MON_* environment mon gives it.
MonitorFunc = Callable[[Sequence[str], Mapping[str, str]], Awaitable[Check]]
