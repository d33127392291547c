"""The typed, immutable model of a parsed mon.cf, as the engine consumes it.

Field names follow mon's keywords, so `get GROUP SERVICE KEYWORD` and the
documentation map onto them directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from pymon.config.depend import DependExpr
from pymon.config.errors import Diagnostic

AlertKind = Literal["alert", "upalert", "startupalert", "ackalert", "disablealert"]
ALERT_KINDS: tuple[AlertKind, ...] = ("alert", "upalert", "startupalert", "ackalert", "disablealert")
DependBehavior = Literal["a", "m", "hm"]
AlerteveryMode = Literal["summary", "observe_detail", "ignore_summary", "strict"]

EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class ExitRange:
    """`exit=3` or `exit=5-9`: the monitor exit values an alert applies to (PER-15/16)."""

    low: int
    high: int

    def __contains__(self, value: int) -> bool:
        return self.low <= value <= self.high

    def __str__(self) -> str:
        return str(self.low) if self.low == self.high else f"{self.low}-{self.high}"


@dataclass(frozen=True)
class AlertLine:
    kind: AlertKind
    text: str  # everything after the keyword, as mon stores it
    line: int
    exit_range: ExitRange | None  # PER-16, matched the way mon's do_alert matches it
    program: str  # the alert program do_alert runs
    args: str  # the rest of the line, handed to the alert after mon's own arguments
    lookup_name: str  # the name mon looks up in the alert dirs at startup (INIT-04)


@dataclass(frozen=True)
class Period:
    label: str  # the key: the label before ':' or else the whole period text (PER-01)
    spec: str  # the Time::Period spec, "" meaning always
    line: int
    alerts: tuple[AlertLine, ...] = ()
    upalerts: tuple[AlertLine, ...] = ()
    startupalerts: tuple[AlertLine, ...] = ()
    ackalerts: tuple[AlertLine, ...] = ()
    disablealerts: tuple[AlertLine, ...] = ()
    alertevery: float = 0.0  # seconds, 0 = no limit (PER-07)
    alertevery_mode: AlerteveryMode = "summary"
    alertafter_consec: int | None = None  # `alertafter N` (PER-08)
    alertafter: int | None = None  # N of `alertafter N timeval` (PER-10)
    alertafterival: float | None = None  # timeval of PER-09 and PER-10
    upalertafter: float | None = None  # PER-11: parsed, but has no effect in mon
    numalerts: int = 0  # 0 = unlimited (PER-12)
    no_comp_alerts: bool = False
    alerts_dont_count: bool = False
    alertexitrange: ExitRange | None = None

    def lines_of(self, kind: AlertKind) -> tuple[AlertLine, ...]:
        lines: tuple[AlertLine, ...] = getattr(self, kind + "s")
        return lines


@dataclass(frozen=True)
class Dependency:
    """A `depend`-family expression (SVC-14..17), `SELF:` already replaced (DEP-10)."""

    text: str
    expr: DependExpr | None  # None when it does not parse: mon then suppresses alerts (DEP-03)
    error: str | None = None
    refs: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Service:
    name: str
    group: str
    line: int
    interval: float | None = None  # None: never scheduled (SVC-02)
    failure_interval: float | None = None
    monitor: str | None = None
    allow_empty_group: bool = False
    description: str | None = None
    redistribute: str = ""
    unack_summary: int = 0
    traptimeout: float | None = None
    trapduration: float | None = None
    randskew: float = 0.0
    monitor_timeout: float | None = None  # pymon's extension: kill a monitor that runs longer
    dep_behavior: DependBehavior = "a"
    dep_memory: float = 0.0
    depend: Dependency | None = None
    alertdepend: Dependency | None = None
    monitordepend: Dependency | None = None
    hostdepend: Dependency | None = None
    exclude_hosts: tuple[str, ...] = ()
    exclude_period: str = ""
    env: Mapping[str, str] = field(default_factory=lambda: EMPTY)  # VAR=value lines (SVC-20)
    periods: tuple[Period, ...] = ()
    # Every keyword's value as mon stores it (converted time values as Perl
    # prints them), for the protocol's `get GROUP SERVICE KEYWORD`.
    settings: Mapping[str, str] = field(default_factory=lambda: EMPTY)

    @property
    def has_upalert(self) -> bool:
        """PER-03: any upalert line in any period enables upalert processing."""
        return any(period.upalerts for period in self.periods)


@dataclass(frozen=True)
class Watch:
    group: str
    line: int
    services: tuple[Service, ...] = ()

    def service(self, name: str) -> Service | None:
        return next((s for s in self.services if s.name == name), None)


@dataclass(frozen=True)
class HostGroup:
    name: str
    hosts: tuple[str, ...]
    line: int
    implicit: bool = False  # created by a `watch` line without a hostgroup (CFG-10)


@dataclass(frozen=True)
class Globals:
    """mon's %CF: the global settings (GLOB-*), before and after `NAME = value` lines."""

    basedir: str = "/usr/lib/mon"
    cfbasedir: str = "/etc/mon"
    mondir: str = "/usr/local/lib/mon/mon.d:mon.d"
    alertdir: str = "/usr/local/lib/mon/alert.d:alert.d"
    logdir: str = "log.d"
    statedir: str = "state.d"
    authfile: str = "auth.cf"
    authtype: str = "getpwnam"
    pamservice: str = "passwd"
    userfile: str = "monusers.cf"
    pidfile: str = "/run/mon.pid"
    monerrfile: str = "/dev/null"
    dtlogfile: str = "downtime.log"
    dtlogging: bool = False
    histlength: str = "100"
    cltimeout: float = 30.0
    serverport: str = "2583"
    trapport: str = "2583"
    clientallow: str = r"\d+.\d+.\d+.\d+"
    maxprocs: str = "0"
    historicfile: str = ""
    historictime: float = 0.0
    dep_recur_limit: str = "10"
    syslog_facility: str = "daemon"
    startupalerts_on_reset: bool = False
    monremote: str | None = None
    serverbind: str | None = None
    trapbind: str | None = None
    randstart: float | None = None
    exclude_period: str | None = None
    monitor_timeout: float | None = None  # pymon's extension: default for every service


@dataclass(frozen=True)
class Config:
    path: str
    globals: Globals
    hostgroups: Mapping[str, HostGroup]
    watches: Mapping[str, Watch]
    aliases: Mapping[str, tuple[str, ...]]
    views: Mapping[str, tuple[str, ...]]
    # What mon itself prints on stderr while parsing (CFG-10, CFG-11).
    mon_warnings: tuple[str, ...] = ()
    # Traps found while parsing: lines mon ignores, watches it swallows (see check.py).
    notes: tuple[Diagnostic, ...] = ()

    def service(self, group: str, name: str) -> Service | None:
        watch = self.watches.get(group)
        return None if watch is None else watch.service(name)

    def services(self) -> list[Service]:
        return [s for w in self.watches.values() for s in w.services]
