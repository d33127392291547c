"""What the engine writes down, as data: syslog lines, histories, the downtime log.

Decisions return these records; the process runner writes them (syslog, the
in-memory histories behind `list alerthist` / `list failurehist`, historicfile,
the downtime log).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeVar

from pymon.config.perl import format_number

__all__ = [
    "AlertHistoryEntry",
    "DowntimeEntry",
    "FailureHistoryEntry",
    "HistoricLine",
    "Level",
    "LogLine",
    "keep_recent",
]

# Syslog priorities mon uses, plus "stderr" for what mon prints on its standard
# error instead (LOG-03).
Level = Literal["debug", "info", "notice", "warning", "err", "crit", "alert", "stderr"]


@dataclass(frozen=True)
class LogLine:
    level: Level
    text: str


@dataclass(frozen=True)
class AlertHistoryEntry:
    """LOG-04: one alert call, as `list alerthist` and historicfile show it."""

    type: str  # alert, upalert, startupalert, ackalert, disablealert, trapalert, traptimeoutalert
    group: str
    service: str
    time: int
    path: str  # the alert program's full path
    args: str  # the configured argument text
    summary: str

    def line(self) -> str:
        return f"{self.type} {self.group} {self.service} {self.time} {self.path} ({self.args}) {self.summary}"


@dataclass(frozen=True)
class HistoricLine:
    """LOG-06: an alert history line read back from historicfile, kept as it was written."""

    text: str

    def line(self) -> str:
        return self.text


@dataclass(frozen=True)
class FailureHistoryEntry:
    """LOG-05: one failure result, as `list failurehist` shows it."""

    group: str
    service: str
    time: int  # the start of the scheduler pass, not the time of the result
    summary: str

    def line(self) -> str:
        return f"{self.group} {self.service} {self.time} {self.summary}"


@dataclass(frozen=True)
class DowntimeEntry:
    """LOG-08: one FAIL -> OK transition, for the downtime log."""

    time_up: int
    group: str
    service: str
    first_failure: int
    interval: float  # the interval in force at recovery (failure_interval if swapped)
    summary: str | None  # the failure's summary

    @property
    def downtime(self) -> int:
        return self.time_up - self.first_failure

    def line(self) -> str:
        summary = self.summary or ""
        return (
            f"{self.time_up} {self.group} {self.service} {self.first_failure} {self.downtime} "
            f"{format_number(self.interval)} {summary}"
        )


_Entry = TypeVar("_Entry")


def keep_recent(history: tuple[_Entry, ...], entry: _Entry, max_keep: int) -> tuple[_Entry, ...]:
    """Append `entry`, first dropping the oldest one if there are more than `max_keep` (Q24)."""
    if len(history) > max_keep:
        history = history[1:]
    return (*history, entry)
