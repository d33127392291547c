"""Third-party monitors and alerts, found through entry points (as pluggy's load_setuptools_entrypoints).

A distribution registers

    [pymon.monitors]
    foo.monitor = mypackage.foo:check      # async def check(argv, env) -> pymon.monitors.Check
    [pymon.alerts]
    foo.alert = mypackage.foo:alert        # async def alert(call: pymon.plugins.AlertCall) -> None

under the entry point's name, which is the name a mon.cf uses (`monitor
foo.monitor`, `alert foo.alert`). A file of that name on the monitor or alert
search path wins over the plugin (MONI-01, INIT-04 first); see docs/writing-plugins.md.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from types import MappingProxyType
from typing import Any

from pymon.monitors import MonitorFunc

__all__ = ["ALERT_GROUP", "MONITOR_GROUP", "AlertCall", "AlertFunc", "Plugins", "load_plugins"]

MONITOR_GROUP = "pymon.monitors"
ALERT_GROUP = "pymon.alerts"


@dataclass(frozen=True)
class AlertCall:
    """Everything an alert program gets from mon (ALRT-25..27), its argv already parsed."""

    service: str  # -s
    group: str  # -g
    hosts: tuple[str, ...]  # -h, split at spaces
    time: int  # -t
    flag: str | None  # -u (up), -a (ack), -D (disable), -T (trap), -O (trap timeout), or None
    args: tuple[str, ...]  # the arguments configured after the alert's name
    argv: tuple[str, ...]  # the whole argv an alert program would get, without argv[0]
    env: Mapping[str, str]  # the environment: MON_ALERTTYPE, MON_RETVAL, MON_SUMMARY ... (ALRT-26)
    stdin: str  # what the program would read on its standard input (ALRT-27)


AlertFunc = Callable[[AlertCall], Awaitable[None]]


@dataclass(frozen=True)
class Plugins:
    monitors: Mapping[str, MonitorFunc] = field(default_factory=lambda: MappingProxyType({}))
    alerts: Mapping[str, AlertFunc] = field(default_factory=lambda: MappingProxyType({}))
    problems: tuple[str, ...] = ()  # plugins that failed to load, for syslog


def load_plugins() -> Plugins:
    """Every installed `pymon.monitors` and `pymon.alerts` entry point; one that fails is reported."""
    problems: list[str] = []
    monitors = _load(MONITOR_GROUP, problems)
    alerts = _load(ALERT_GROUP, problems)
    return Plugins(MappingProxyType(monitors), MappingProxyType(alerts), tuple(problems))


def _load(group: str, problems: list[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for entry in entry_points(group=group):
        if entry.name in found:
            continue  # the first on sys.path wins, as with files on a search path
        try:
            plugin = entry.load()
        except Exception as error:  # a broken plugin must not stop the daemon
            problems.append(f"could not load {group} plugin {entry.name} ({entry.value}): {error!r}")
            continue
        if not callable(plugin):
            problems.append(f"{group} plugin {entry.name} ({entry.value}) is not callable")
            continue
        found[entry.name] = plugin
    return found
