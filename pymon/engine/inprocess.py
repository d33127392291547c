"""Monitors and alerts that run inside the daemon instead of in a child process.

A service's monitor runs in-process when the file the search path found
(MONI-01) is one of pymon's own executables (`monitors/NAME.monitor`, whose
whole body is `pymon.monitors.main("NAME.monitor")`), or when no file was
found and a `pymon.monitors` plugin has the name. The coroutine gets the argv
the executable would get and the same environment, and its Check becomes the
MonitorResult a child process would have produced. `monitor_timeout`
cancels it with the same timed-out failure; an exception is a failure whose
summary names it, never a crash of the daemon.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Final

from pymon.config.perl import format_number
from pymon.engine.runner import MonitorResult
from pymon.monitors import BUILTIN, Check, MonitorFunc
from pymon.plugins import AlertCall, AlertFunc

__all__ = ["alert_call", "builtin_monitor", "run_alert", "run_inprocess"]

# The executable's shape: a `#!` line, optional comment lines, then the two lines of
# code in either spelling (`import pymon.monitors` or `from pymon.monitors import main`).
_EXECUTABLE: Final = re.compile(
    rb"#![^\n]*\n(?:#[^\n]*\n)*"
    rb"(?:import pymon\.monitors\npymon\.monitors\.main|from pymon\.monitors import main\nmain)"
    rb"\([\"']([\w.+-]+)[\"']\)\n?"
)
_HEAD: Final = 1024
_cache: dict[tuple[str, int, int], MonitorFunc | None] = {}


def builtin_monitor(path: str, stat: os.stat_result | None = None) -> MonitorFunc | None:
    """The built-in monitor `path` runs, if it is one of pymon's monitor executables.

    `stat` is the file's, if the caller has it already.
    """
    try:
        stat = stat or os.stat(path)
        key = (path, stat.st_mtime_ns, stat.st_size)
        if key not in _cache:
            if stat.st_size > _HEAD:
                _cache[key] = None
            else:
                with open(path, "rb") as file:
                    match = _EXECUTABLE.fullmatch(file.read(_HEAD))
                name = match.group(1).decode() if match else None
                _cache[key] = BUILTIN[name] if name is not None and name in BUILTIN else None
        return _cache[key]
    except (OSError, ImportError, AttributeError):
        return None


async def run_inprocess(
    monitor: MonitorFunc,
    argv: Sequence[str],
    env: Mapping[str, str],
    *,
    timeout: float | None = None,
    output_limit: int = 1 << 20,
    on_error: Callable[[str], None] = lambda _: None,
) -> MonitorResult:
    """Await `monitor(argv[1:], env)` as run_monitor would run the executable `argv`.

    `on_error` is told of an exception or a wrong return value (for syslog).
    """
    name = os.path.basename(argv[0]) if argv else "monitor"
    started = time.time()
    timed_out = False
    try:
        async with asyncio.timeout(timeout) as deadline:
            check = await monitor(list(argv[1:]), dict(env))
        if not isinstance(check, Check):
            raise TypeError(f"returned {type(check).__name__}, not a Check")
        exit_value, output = check.exit_status, check.output
    except TimeoutError as error:
        if deadline.expired():
            assert timeout is not None
            timed_out, exit_value = True, 1
            output = f"monitor timed out after {format_number(timeout)}s\n"
        else:
            exit_value, output = 1, _raised(name, error, on_error)
    except Exception as error:  # a monitor's bug is its service's failure
        exit_value, output = 1, _raised(name, error, on_error)
    data = output.encode("utf-8", "surrogateescape")
    truncated = len(data) > output_limit
    if truncated:
        output = data[:output_limit].decode("utf-8", "surrogateescape")
    return MonitorResult(
        exit_value=exit_value & 0xFF,  # as an exit status reaches mon
        timed_out=timed_out,
        output=output,
        truncated=truncated,
        started=started,
        finished=time.time(),
    )


def _raised(name: str, error: Exception, on_error: Callable[[str], None]) -> str:
    text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    on_error(f"built-in monitor {name} raised {text}")
    return f"monitor {name} raised {text}\n"


def alert_call(head: Sequence[str], args: Sequence[str], env: Mapping[str, str], stdin: str) -> AlertCall:
    """The AlertCall of an alert's argv: `head` is ALRT-25's `PATH -s S -g G -h HOSTS -t TIME [FLAG]`."""
    fields = dict(zip(head[1:9:2], head[2:9:2], strict=False))
    return AlertCall(
        service=fields.get("-s", ""),
        group=fields.get("-g", ""),
        hosts=tuple(fields.get("-h", "").split()),
        time=int(fields.get("-t", "0")),
        flag=head[9] if len(head) > 9 else None,
        args=tuple(args),
        argv=(*head[1:], *args),
        env=dict(env),
        stdin=stdin,
    )


async def run_alert(alert: AlertFunc, call: AlertCall, *, timeout: float | None = 300.0) -> None:
    """Await a plugin alert with the alert timeout; its exceptions are the caller's to report."""
    async with asyncio.timeout(timeout):
        await alert(call)
