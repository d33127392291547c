"""`pymon --check`: will the daemon start on this config, and what will not work as meant."""

from __future__ import annotations

import sys
from typing import TextIO

from pymon.config import ConfigError, LoadedConfig, Options, load_config
from pymon.config.errors import Diagnostic
from pymon.config.lint import lint
from pymon.config.model import ALERT_KINDS
from pymon.server.auth import AuthError, load_auth


def summary(loaded: LoadedConfig) -> list[str]:
    config, programs = loaded.config, loaded.programs
    services = config.services()
    periods = sum(len(s.periods) for s in services)
    hosts = sum(len(g.hosts) for g in config.hostgroups.values())
    alert_lines = sum(len(p.lines_of(k)) for s in services for p in s.periods for k in ALERT_KINDS)
    lines = [
        f"{config.path}: the daemon would start on this config",
        f"  hostgroups {len(config.hostgroups)} ({hosts} hosts), watches {len(config.watches)}, "
        f"services {len(services)}, periods {periods}, alert lines {alert_lines}",
    ]
    for kind, table, dirs in (
        ("monitors", programs.monitors, programs.scriptdirs),
        ("alerts", programs.alerts, programs.alertdirs),
    ):
        found = sorted(name for name, path in table.items() if path)
        missing = sorted(name for name, path in table.items() if not path)
        searched = ":".join(dirs) or "nothing usable"
        lines.append(f"  {kind}: {len(found)} found, {len(missing)} missing (searched {searched})")
        if found:
            lines.append("    found:   " + " ".join(found))
        if missing:
            lines.append("    missing: " + " ".join(missing))
    return lines


def report(loaded: LoadedConfig) -> tuple[list[str], list[Diagnostic]]:
    warnings = lint(loaded.config, loaded.programs, loaded.source)
    return summary(loaded), warnings


def run_check(options: Options, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    try:
        loaded = load_config(options)
        load_auth(loaded.config.globals.authfile)  # INIT-03: a broken auth.cf stops the daemon too
    except (ConfigError, AuthError) as error:
        print(error, file=err)
        print("pymon --check: the daemon would refuse this config", file=err)
        return 1
    lines, warnings = report(loaded)
    for line in lines:
        print(line, file=out)
    if warnings:
        print(f"{len(warnings)} warning(s):", file=out)
        for warning in warnings:
            print("  " + warning.render(), file=out)
            if warning.location is not None:
                print("      " + warning.location.text.strip(), file=out)
    else:
        print("no warnings", file=out)
    return 0
