"""Paths: mon's defaults (INIT-01), command-line overrides, normalisation
(INIT-02) and where monitor and alert programs are found (INIT-04)."""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from pymon.config.model import ALERT_KINDS, Config, Globals
from pymon.config.perl import catdir

SPLIT_PATH = re.compile(r"\s*:\s*", re.ASCII)


@dataclass(frozen=True)
class Options:
    """The command-line flags that shape the config (CLI-01..25); None = not given."""

    configfile: str | None = None  # -c
    basedir: str | None = None  # -b
    cfbasedir: str | None = None  # -B
    alertdir: str | None = None  # -a
    scriptdir: str | None = None  # -s
    authfile: str | None = None  # -A
    logdir: str | None = None  # -L
    statedir: str | None = None  # -D
    pidfile: str | None = None  # -P ('' = no pid file)
    maxkeep: int | None = None  # -k
    maxprocs: int | None = None  # -m
    port: int | None = None  # -p
    trapport: int | None = None  # -t
    randstart: str | None = None  # -r
    m4: str | None = None  # -M ('' = -M without a program: m4)
    syslogfacility: str | None = None  # -O


def _service_port(protocol: str) -> str:
    try:
        return str(socket.getservbyname("mon", protocol))
    except OSError:
        return "2583"


def initial_globals(options: Options, isdir: object = os.path.isdir) -> Globals:
    """INIT-01: the globals before the config file is read."""
    is_dir = isdir if callable(isdir) else os.path.isdir
    if is_dir("/run/mon"):
        pidfile = "/run/mon/mon.pid"
    elif is_dir("/run"):
        pidfile = "/run/mon.pid"
    else:
        pidfile = "/etc/mon.pid"
    statedir = next((d for d in ("/var/state/mon", "/var/lib/mon") if is_dir(d)), "state.d")
    basedir = options.basedir or "/usr/lib/mon"
    return Globals(
        basedir=basedir[:-1] if basedir.endswith("/") else basedir,
        cfbasedir=options.cfbasedir or "/etc/mon",
        logdir=options.logdir or ("/var/log/mon" if is_dir("/var/log/mon") else "log.d"),
        statedir=statedir,
        pidfile=pidfile,
        serverport=_service_port("tcp"),
        trapport=_service_port("udp"),
        syslog_facility=options.syslogfacility or "daemon",
    )


def config_path(options: Options, cwd: str) -> str:
    """CLI-05: -c, else CFBASEDIR/mon.cf; relative to the starting directory."""
    path = options.configfile or f"{options.cfbasedir or '/etc/mon'}/mon.cf"
    return path if path.startswith("/") else f"{cwd}/{path}"


def apply_overrides(globals_: Globals, options: Options) -> Globals:
    """CLI-25: flags beat the file, except a false value (-k 0, -p 0) which is ignored."""
    changes: dict[str, object] = {}
    for flag, key in (
        ("alertdir", "alertdir"),
        ("basedir", "basedir"),
        ("authfile", "authfile"),
        ("logdir", "logdir"),
        ("statedir", "statedir"),
        ("scriptdir", "mondir"),
    ):
        value = getattr(options, flag)
        if value:
            changes[key] = value
    if options.pidfile is not None:
        changes["pidfile"] = options.pidfile
    for flag, key in (("maxkeep", "histlength"), ("maxprocs", "maxprocs"), ("port", "serverport"),
                      ("trapport", "trapport")):
        value = getattr(options, flag)
        if value:
            changes[key] = str(value)
    return replace(globals_, **changes)  # type: ignore[arg-type]


def normalize(globals_: Globals) -> tuple[Globals, list[str]]:
    """INIT-02: make paths absolute; return the problems mon would syslog."""
    g = globals_
    problems: list[str] = []

    def under(base: str, path: str) -> str:
        return path if path.startswith("/") else catdir(base, path)

    statedir = under(g.basedir, g.statedir)
    logdir = under(g.basedir, g.logdir)
    authfile = under(g.cfbasedir, g.authfile)
    userfile = g.userfile
    if "userfile" in g.authtype.split():
        userfile = under(g.cfbasedir, g.userfile)
        if not os.path.isfile(userfile):
            problems.append(f"{userfile} does not exist")
    for path in (statedir, logdir):
        if not os.path.isdir(path):
            problems.append(f"{path} does not exist")
    if not os.path.isfile(authfile):
        problems.append(f"{authfile} does not exist")
    historicfile = under(logdir, g.historicfile) if g.historicfile else ""

    def dirs(value: str) -> str:
        found = []
        for d in SPLIT_PATH.split(value):
            d = d[:-1] if d.endswith("/") else d
            d = under(g.basedir, d)
            if not os.path.isdir(d):
                problems.append(f"{d} does not exist, check your alertdir and mondir paths")
            found.append(d)
        return ":".join(found)

    normalized = replace(
        g,
        statedir=statedir,
        logdir=logdir,
        authfile=authfile,
        userfile=userfile,
        dtlogfile=under(logdir, g.dtlogfile),
        historicfile=historicfile,
        mondir=dirs(g.mondir),
        alertdir=dirs(g.alertdir),
    )
    return normalized, problems


@dataclass(frozen=True)
class Programs:
    """INIT-04: each monitor and alert name, and the file it runs (None: not found)."""

    monitors: Mapping[str, str | None]
    alerts: Mapping[str, str | None]
    scriptdirs: tuple[str, ...]
    alertdirs: tuple[str, ...]
    problems: tuple[str, ...]  # what mon would syslog


def _usable_dirs(value: str, kind: str, problems: list[str]) -> list[str]:
    usable = []
    for d in SPLIT_PATH.split(value):
        if os.path.isdir(d) and os.access(d, os.X_OK):
            usable.append(d)
        else:
            problems.append(f"{kind} {d} is not usable")
    return usable


def _find(name: str, dirs: list[str]) -> str | None:
    for d in dirs:
        path = f"{d}/{name}"
        if os.access(path, os.X_OK) and not os.path.isdir(path):
            return path
    return None


def find_programs(config: Config) -> Programs:
    problems: list[str] = []
    scriptdirs = _usable_dirs(config.globals.mondir, "scriptdir", problems)
    alertdirs = _usable_dirs(config.globals.alertdir, "alertdir", problems)
    monitors: dict[str, str | None] = {}
    alerts: dict[str, str | None] = {}
    for service in config.services():
        if service.monitor is None:
            continue
        words = service.monitor.split()
        name = words[0] if words else ""
        if name not in monitors:
            monitors[name] = _find(name, scriptdirs)
        if monitors[name] is None:
            problems.append(f"{name} not found in one of (@scriptdirs[{' '.join(scriptdirs)}])")
    for service in config.services():
        names = [service.redistribute] if service.redistribute else []  # INIT-04, Q28
        names += [a.lookup_name for p in service.periods for k in ALERT_KINDS for a in p.lines_of(k)]
        for name in names:
            if name not in alerts:
                alerts[name] = _find(name, alertdirs)
            if alerts[name] is None:
                problems.append(f"{name} not found in one of (@alerttdirs[{' '.join(alertdirs)}])")
    return Programs(
        MappingProxyType(monitors),
        MappingProxyType(alerts),
        tuple(scriptdirs),
        tuple(alertdirs),
        tuple(problems),
    )
