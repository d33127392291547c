"""Where the daemon's messages go: syslog as `mon` (LOG-01), and stderr in the foreground.

mon strips every `%` from a syslog message and ignores syslog errors (LOG-01);
there may be no /dev/log at all, so nothing here may raise. Lines of level
"stderr" are what mon prints on its standard error instead (LOG-03).
"""

from __future__ import annotations

import contextlib
import os
import sys
import syslog
import time
from typing import Final, TextIO

from pymon.engine.records import Level

__all__ = ["Log"]

_PRIORITY: Final[dict[str, int]] = {
    "debug": syslog.LOG_DEBUG,
    "info": syslog.LOG_INFO,
    "notice": syslog.LOG_NOTICE,
    "warning": syslog.LOG_WARNING,
    "err": syslog.LOG_ERR,
    "crit": syslog.LOG_CRIT,
    "alert": syslog.LOG_ALERT,
}


def facility_number(name: str) -> int:
    """syslog_facility (`daemon`, `local0`, ...) as syslog's number; daemon when unknown."""
    value = getattr(syslog, "LOG_" + name.upper(), None)
    return value if isinstance(value, int) else syslog.LOG_DAEMON


class Log:
    """`log(level, text)`: syslog, plus a timestamped copy on `stream` when in the foreground."""

    def __init__(
        self, facility: str = "daemon", *, stream: TextIO | None = sys.stderr, debug: int = 0
    ) -> None:
        self.stream = stream
        self.debug = debug
        self.open(facility)

    def open(self, facility: str) -> None:
        with contextlib.suppress(OSError, ValueError):
            syslog.openlog("mon", syslog.LOG_PID, facility_number(facility))

    def __call__(self, level: Level, text: str) -> None:
        if level == "stderr":
            self._write(text)
            return
        with contextlib.suppress(OSError, ValueError):
            syslog.syslog(_PRIORITY[level], text.replace("%", ""))
        if level != "debug" or self.debug:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S")
            self._write(f"{stamp} mon[{os.getpid()}] {level}: {text}")

    def _write(self, text: str) -> None:
        if self.stream is None:
            return
        try:
            self.stream.write(text if text.endswith("\n") else text + "\n")
            self.stream.flush()
        except (OSError, ValueError):
            pass
