"""What the engine writes down: the alert and failure histories, historicfile, the downtime log.

The decisions return records (`pymon.engine.records`); the journal keeps the
in-memory histories behind `list alerthist` / `list failurehist` (LOG-04/05,
MAX_KEEP+1 entries, Q24), appends alert lines to historicfile and reads them
back at startup (LOG-06), and appends downtime lines to the downtime log
(LOG-08). A file that cannot be written is reported through `log` and never
stops the daemon.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import TypeVar

from pymon.config.perl import perl_num
from pymon.engine.records import (
    AlertHistoryEntry,
    DowntimeEntry,
    FailureHistoryEntry,
    HistoricLine,
    Level,
)

__all__ = ["Journal", "dtlog_header"]

Logger = Callable[[Level, str], None]
_Entry = TypeVar("_Entry")


def dtlog_header(now: int) -> str:
    """LOG-08: appended at startup (and every reset)."""
    return (
        f"#\n# downtime log start {now}\n"
        "# time back up, group, service, first failure, downtime, interval, summary\n#\n"
    )


class Journal:
    def __init__(
        self,
        log: Logger,
        *,
        maxkeep: int,
        historicfile: str = "",
        dtlogfile: str = "",
        dtlogging: bool = False,
    ) -> None:
        self._log = log
        self.maxkeep = maxkeep
        self.historicfile = historicfile
        self.dtlogfile = dtlogfile
        self.dtlogging = dtlogging
        # deques: mon's push and shift, so an entry costs the same however long the history (Q24)
        self._alerts: deque[AlertHistoryEntry | HistoricLine] = deque()
        self._failures: deque[FailureHistoryEntry] = deque()

    @property
    def alert_history(self) -> tuple[AlertHistoryEntry | HistoricLine, ...]:
        return tuple(self._alerts)

    @alert_history.setter
    def alert_history(self, entries: Iterable[AlertHistoryEntry | HistoricLine]) -> None:
        self._alerts = deque(entries)

    @property
    def failure_history(self) -> tuple[FailureHistoryEntry, ...]:
        return tuple(self._failures)

    @failure_history.setter
    def failure_history(self, entries: Iterable[FailureHistoryEntry]) -> None:
        self._failures = deque(entries)

    def _keep(self, history: deque[_Entry], entry: _Entry) -> None:
        """`keep_recent` in place: drop the oldest first if there are more than maxkeep (Q24)."""
        if len(history) > self.maxkeep:
            history.popleft()
        history.append(entry)

    def start_dtlog(self, now: int | None = None) -> None:
        if self.dtlogging:
            self._append_dtlog(dtlog_header(int(time.time()) if now is None else now))

    def load_history(self, now: int, historictime: float) -> None:
        """LOG-06/07: the alert history is what historicfile holds, newer than historictime (0: all)."""
        if not self.historicfile:
            return
        try:
            with open(self.historicfile, encoding="utf-8", errors="surrogateescape") as file:
                lines = file.read().splitlines()
        except FileNotFoundError:
            return
        except OSError as error:
            self._log("err", f"could not read history from {self.historicfile}: {error.strerror}")
            return
        kept = []
        for line in lines:
            fields = line.split()
            if not fields or fields[0].startswith("#"):
                continue
            if historictime and (len(fields) < 4 or perl_num(fields[3]) < now - historictime):
                continue
            kept.append(HistoricLine(line))
        self.alert_history = tuple(kept[-self.maxkeep :] if self.maxkeep else ())

    def alert(self, entry: AlertHistoryEntry) -> None:
        self._keep(self._alerts, entry)
        if self.historicfile:
            try:
                with open(self.historicfile, "a", encoding="utf-8", errors="surrogateescape") as file:
                    file.write(entry.line() + "\n")
            except OSError as error:
                self._log("err", f"could not append to {self.historicfile}: {error.strerror}")

    def failure(self, entry: FailureHistoryEntry) -> None:
        self._keep(self._failures, entry)

    def downtime(self, entry: DowntimeEntry) -> None:
        if self.dtlogging:
            self._append_dtlog(entry.line() + "\n")

    def dtlog_text(self) -> str | None:
        """The downtime log's content, None when it cannot be read."""
        try:
            with open(self.dtlogfile, encoding="utf-8", errors="surrogateescape", newline="") as file:
                return file.read()
        except OSError:
            return None

    def _append_dtlog(self, text: str) -> None:
        try:
            with open(self.dtlogfile, "a", encoding="utf-8", errors="surrogateescape") as file:
                file.write(text)
        except OSError as error:
            self._log("err", f"could not append to {self.dtlogfile}: {error.strerror}")
            self.dtlogging = False  # LOG-08: no more dtlog lines until a reset
