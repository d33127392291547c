"""What will not work as the user meant, in a config mon accepts.

mon starts happily on configs that cannot do what their author wanted: a
watch swallowed by a hostgroup, services dropped after a blank line, a
`depend` that can never be satisfied, alerts that can never fire. These
checks find them; parser notes cover the ones only the parser can see.
"""

from __future__ import annotations

from collections.abc import Iterator

from pymon.config.errors import Diagnostic, Location
from pymon.config.lines import physical_lines
from pymon.config.model import ALERT_KINDS, Config, Dependency, Service
from pymon.config.paths import Programs
from pymon.config.period import PeriodError, check_period, period_never_matches


class _Where:
    def __init__(self, config: Config, source: str) -> None:
        self.file = config.path
        self.lines = physical_lines(source)

    def at(self, line: int, word: str = "") -> Location:
        text = self.lines[line - 1].rstrip("\r\n") if 0 < line <= len(self.lines) else ""
        column = text.find(word) + 1 if word and word in text else len(text) - len(text.lstrip()) + 1
        return Location(self.file, line, column, text)


class _Once:
    def __init__(self) -> None:
        self.seen: set[tuple[str, str]] = set()

    def add(self, key: tuple[str, str]) -> bool:
        """True the first time KEY is added."""
        if key in self.seen:
            return False
        self.seen.add(key)
        return True


def lint(config: Config, programs: Programs, source: str) -> list[Diagnostic]:
    where = _Where(config, source)
    found = list(config.notes)
    for group in config.hostgroups.values():
        if group.name not in config.watches:
            found.append(
                Diagnostic(
                    "unwatched-hostgroup",
                    f"hostgroup '{group.name}' has no watch, so its hosts are not monitored (CFG-11)",
                    where.at(group.line, group.name),
                )
            )
    reported = _Once()  # a missing program is reported at its first use only
    for service in config.services():
        found += _service_checks(config, service, programs, where, reported)
    return sorted(found, key=lambda d: (d.location.line if d.location else 0))


def _service_checks(
    config: Config, service: Service, programs: Programs, where: _Where, reported: _Once
) -> Iterator[Diagnostic]:
    name = f"{service.group}/{service.name}"
    if service.monitor is not None:
        monitor = (service.monitor.split() or [""])[0]
        if programs.monitors.get(monitor) is None and reported.add(("monitor", monitor)):
            dirs = ":".join(programs.scriptdirs) or "(no usable directory)"
            yield Diagnostic(
                "missing-monitor",
                f"{name}: monitor '{monitor}' is not found in the monitor path {dirs}; "
                "mon logs this and the service never runs",
                where.at(_line_of(where, service, "monitor"), monitor),
            )
        if service.interval is None:
            yield Diagnostic(
                "never-scheduled",
                f"{name} has a monitor but no interval: it is never run (SVC-02)",
                where.at(service.line, service.name),
            )
    if service.redistribute and programs.alerts.get(service.redistribute) is None:
        yield Diagnostic(
            "missing-alert",
            f"{name}: redistribute '{service.redistribute}' is not found: mon looks the whole "
            "line up as one program name, so redistribute works only without arguments (INIT-04)",
            where.at(service.line, service.name),
        )
    yield from _dependency_checks(config, service, where)
    if not service.periods and service.interval is not None:
        yield Diagnostic(
            "no-period",
            f"{name} has no period section, so it never sends an alert",
            where.at(service.line, service.name),
        )
    if service.exclude_period:
        yield from _period_checks(name, "exclude_period", service.exclude_period, service.line, where)
    for period in service.periods:
        yield from _period_checks(name, f"period '{period.label}'", period.spec, period.line, where)
        if period.upalertafter is not None:
            yield Diagnostic(
                "no-effect",
                f"{name}: upalertafter is read but never used by mon, so it has no effect (PER-11)",
                where.at(_find_line(where, period.line, "upalertafter"), "upalertafter"),
            )
        for kind in ALERT_KINDS:
            for alert in period.lines_of(kind):
                if programs.alerts.get(alert.lookup_name) is None and reported.add(
                    ("alert", alert.lookup_name)
                ):
                    dirs = ":".join(programs.alertdirs) or "(no usable directory)"
                    yield Diagnostic(
                        "missing-alert",
                        f"{name}: {kind} '{alert.lookup_name}' is not found in the alert path {dirs}",
                        where.at(alert.line, alert.lookup_name),
                    )
                if kind == "disablealert":
                    yield Diagnostic(
                        "never-fires",
                        f"{name}: mon never runs disablealert lines, not even when the service "
                        "is disabled (ALRT-20)",
                        where.at(alert.line, "disablealert"),
                    )


def _dependency_checks(config: Config, service: Service, where: _Where) -> Iterator[Diagnostic]:
    name = f"{service.group}/{service.name}"
    if service.alertdepend is not None and service.depend is None and service.monitordepend is None:
        yield Diagnostic(
            "never-fires",
            f"{name}: alertdepend without depend suppresses every failure alert forever in mon "
            "(DEP-06); use 'depend' with dep_behavior a",
            where.at(_line_of(where, service, "alertdepend"), "alertdepend"),
        )
    kinds: tuple[tuple[str, Dependency | None], ...] = (
        ("depend", service.depend),
        ("alertdepend", service.alertdepend),
        ("monitordepend", service.monitordepend),
        ("hostdepend", service.hostdepend),
    )
    for keyword, dependency in kinds:
        if dependency is None:
            continue
        location = where.at(_line_of(where, service, keyword), keyword)
        if dependency.error is not None and keyword != "hostdepend":
            yield Diagnostic(
                "bad-depend",
                f"{name}: {keyword} can never be satisfied: {dependency.error}; mon then "
                "suppresses this service's alerts forever (DEP-01). Join the parts with && or ||",
                location,
            )
        for group, other in dependency.refs:
            if config.service(group, other) is None:
                yield Diagnostic(
                    "bad-depend",
                    f"{name}: {keyword} names {group}:{other}, which is not defined, so mon "
                    "counts it as failing for ever",
                    location,
                )


def _period_checks(name: str, what: str, spec: str, line: int, where: _Where) -> Iterator[Diagnostic]:
    try:
        check_period(spec)
    except PeriodError as error:
        yield Diagnostic(
            "time-dependent",
            f"{name}: {what} is malformed ({error}); mon accepted it only because another part "
            "of it matches right now, and refuses it at other times (PERIOD-13)",
            where.at(line),
        )
        return
    if period_never_matches(spec):
        effect = "never matches, so its alerts never fire"
        if what == "exclude_period":
            effect = "is never in effect"
        yield Diagnostic("never-fires", f"{name}: {what} '{spec}' {effect}", where.at(line))


def _line_of(where: _Where, service: Service, keyword: str) -> int:
    return _find_line(where, service.line, keyword)


def _find_line(where: _Where, start: int, keyword: str) -> int:
    """The first line at or after START whose text begins with KEYWORD."""
    for number in range(start, len(where.lines) + 1):
        words = where.lines[number - 1].split()
        if words and words[0] == keyword:
            return number
    return start
