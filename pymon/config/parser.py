"""mon.cf to the config model, exactly as mon 1.3.6's read_cf reads it (CFG-*).

mon decides what each logical line means from the line and the record it is
in: a hostgroup ends only at a blank line (CFG-04), so a `watch` right under it
becomes host names (CFG-07), and a blank line inside a watch ends it, so the
services after it are silently dropped. pymon copies all of that, and records
each such trap as a note that `pymon --check` reports with file and line.
"""

from __future__ import annotations

import gc
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, NoReturn

from pymon.config import grammar
from pymon.config.depend import DependSyntaxError, dependency_refs, parse_depend
from pymon.config.errors import ConfigError, Diagnostic, Location
from pymon.config.lines import LogicalLine, logical_lines, physical_lines
from pymon.config.model import (
    AlertKind,
    AlertLine,
    Config,
    Dependency,
    Globals,
    HostGroup,
    Period,
    Service,
    Watch,
)
from pymon.config.period import perl_in_period
from pymon.config.perl import catdir, format_number, perl_num, perl_true, split_words
from pymon.config.timeval import dhmstos

_A = re.ASCII
GLOBAL_LINE = re.compile(r"^(\w+)\s*=\s*(.*)\s*$", _A)  # CFG-03 step 1
HOSTGROUP_LINE = re.compile(r"^hostgroup\s+([a-zA-Z0-9_.-]+)\s*(.*)", _A)
ALIAS_LINE = re.compile(r"^alias\s+([a-zA-Z0-9_.-]+)\s*$", _A)
VIEW_LINE = re.compile(r"^view\s+([a-zA-Z0-9_.-]+)\s+(.*)$", _A)
WATCH_LINE = re.compile(r"^watch\s+([a-zA-Z0-9_.-]+)\s*", _A)  # no `$`: `watch a b` is watch a
ENV_LINE = re.compile(r"^([A-Z_][A-Z0-9_]*)=(.*)", _A)  # CFG-12, SVC-20
KEYWORD_LINE = re.compile(r"^(\w+)\s*(.*)$", _A)
SERVICE_NAME = re.compile(r"^[a-zA-Z0-9_.-]+$", _A)
NUMBER = re.compile(r"^\d+$", _A)

RECORD_WORDS = ("hostgroup", "watch", "alias", "view", "service", "period")
RECORD_STARTS = ("hostgroup", "alias", "view", "watch")
SERVICE_KEYWORDS = frozenset(
    {
        "interval", "failure_interval", "monitor", "redistribute", "allow_empty_group", "description",
        "unack_summary", "traptimeout", "trapduration", "randskew", "dep_behavior", "dep_memory",
        "depend", "alertdepend", "monitordepend", "hostdepend", "exclude_hosts", "exclude_period",
        "monitor_timeout",
    }
)
PERIOD_KEYWORDS = frozenset(
    {
        "alert", "ackalert", "disablealert", "upalert", "startupalert", "alertevery", "alertafter",
        "upalertafter", "numalerts", "no_comp_alerts", "alerts_dont_count", "alertexitrange",
    }
)
# Time-valued service keywords: (error text before the value, syntax hint) (CFG-14).
SERVICE_TIMEVALS = {
    "interval": ("invalid time interval", "interval = {positive number}{smhd}"),
    "failure_interval": ("invalid interval", "failure_interval = {positive number}{smhd}"),
    "traptimeout": ("invalid traptimeout interval", "traptimeout = {positive number}{smhd}"),
    "trapduration": ("invalid trapduration interval", "trapduration = {positive number}{smhd}"),
    "randskew": ("invalid randskew time interval", "randskew = {positive number}{smhd}"),
    # pymon's extension (mon has no monitor deadline, MONI-11).
    "monitor_timeout": ("invalid monitor_timeout interval", "monitor_timeout = {positive number}{smhd}"),
}
DEPEND_KEYWORDS = ("depend", "alertdepend", "monitordepend", "hostdepend")
# Global variables whose value is stored as written (GLOB-*), by config name.
PLAIN_GLOBALS = frozenset(
    {
        "alertdir", "mondir", "logdir", "histlength", "serverport", "trapport", "serverbind",
        "clientallow", "trapbind", "pidfile", "maxprocs", "statedir", "pamservice", "historicfile",
        "monerrfile", "dtlogfile", "dep_recur_limit", "syslog_facility", "monremote", "authtype",
    }
)


@dataclass
class _PeriodDraft:
    label: str
    spec: str
    line: int
    values: dict[str, Any] = field(default_factory=dict)
    alert_lines: dict[AlertKind, list[AlertLine]] = field(default_factory=dict)

    def build(self) -> Period:
        def lines(kind: AlertKind) -> tuple[AlertLine, ...]:
            return tuple(self.alert_lines.get(kind, ()))

        return Period(
            self.label,
            self.spec,
            self.line,
            lines("alert"),
            lines("upalert"),
            lines("startupalert"),
            lines("ackalert"),
            lines("disablealert"),
            **self.values,
        )


@dataclass
class _ServiceDraft:
    name: str
    group: str
    line: int
    values: dict[str, Any]
    settings: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    periods: dict[str, _PeriodDraft] = field(default_factory=dict)

    def build(self) -> Service:
        return Service(
            self.name,
            self.group,
            self.line,
            env=MappingProxyType(dict(self.env)),
            periods=tuple(p.build() for p in self.periods.values()),
            settings=MappingProxyType(dict(self.settings)),
            **self.values,
        )


@dataclass
class _State:
    """Which record the current line belongs to (mon's $ingroup, $inwatch, ...)."""

    record: str = ""  # "", "hostgroup", "alias", "view" or "watch"
    name: str = ""
    service: _ServiceDraft | None = None
    period: _PeriodDraft | None = None
    start: int = 0  # line of the record's first line


class _Reader:
    def __init__(
        self, text: str, file: str, initial: Globals, now: float, readable: Callable[[str], bool]
    ) -> None:
        self.file = file
        self.physical = physical_lines(text)
        self.text = text
        self.now = now
        self.readable = readable
        self.globals: dict[str, Any] = {f.name: getattr(initial, f.name) for f in fields(Globals)}
        # Service defaults taken from globals at the moment a `service` line is read (INIT-01).
        self.defaults: dict[str, Any] = {"dep_behavior": "a", "dep_memory": 0.0, "unack_summary": 0}
        self.groups: dict[str, HostGroup] = {}
        self.group_hosts: dict[str, list[str]] = {}
        self.aliases: dict[str, list[str]] = {}
        self.views: dict[str, dict[str, None]] = {}
        self.watches: dict[str, tuple[int, dict[str, _ServiceDraft]]] = {}
        self.state = _State()
        self.warnings: list[str] = []
        self.notes: list[Diagnostic] = []
        self.ended_watch: tuple[str, int] | None = None  # watch closed by a blank line, and where
        self.line: LogicalLine | None = None
        self.valid_periods: dict[str, bool] = {}  # spec -> valid now (configs repeat specs)

    # -- diagnostics ------------------------------------------------------

    def location(self, line: LogicalLine, column: int = 1) -> Location:
        physical, col = line.locate(column) if line.text else (line.number, 1)
        text = self.physical[physical - 1].rstrip("\r\n") if physical <= len(self.physical) else ""
        return Location(self.file, physical, col, text)

    def fail(self, message: str, column: int = 1, hint: str = "", numbered: bool = True) -> NoReturn:
        line = self.line
        assert line is not None
        suffix = f", line {line.number}" if numbered else ""
        raise ConfigError(f"cf error: {message}{suffix}", self.location(line, column), hint)

    def note(self, kind: str, message: str, line: LogicalLine, column: int = 1) -> None:
        self.notes.append(Diagnostic(kind, message, self.location(line, column)))

    # -- the main loop (CFG-03) -------------------------------------------

    def read(self) -> Config:
        for line in logical_lines(self.text):
            self.line = line
            self.dispatch(line)
        return self.finish()

    def dispatch(self, line: LogicalLine) -> None:
        text, state = line.text, self.state
        if state.record != "watch":
            assignment = GLOBAL_LINE.match(text)
            if assignment:
                self.set_global(assignment.group(1), assignment.group(2), assignment.start(2) + 1)
                return
        if text == "":
            if state.record == "watch":
                self.ended_watch = (state.name, line.number)
            self.state = _State()
            return
        if state.record == "watch" and not text.startswith(RECORD_STARTS):
            self.watch_line(text, line)  # the common case, decided without the regexes below
            return
        match = HOSTGROUP_LINE.match(text)
        if match:
            self.start_hostgroup(match.group(1), match.group(2), line)
            return
        if state.record == "hostgroup":
            self.add_hosts(text, line)
            return
        match = ALIAS_LINE.match(text)
        if match:
            self.state = _State("alias", match.group(1), start=line.number)
            self.ended_watch = None
            return
        if state.record == "alias":
            # CFG-08: an alias exists once it has a line; a second `alias NAME` adds to it.
            self.aliases.setdefault(state.name, []).append(text)
            return
        match = VIEW_LINE.match(text)
        if match:
            self.state = _State("view", match.group(1), start=line.number)
            self.ended_watch = None
            self.views[match.group(1)] = dict.fromkeys(split_words(match.group(2)))
            return
        if state.record == "view":
            self.check_swallowed(text, line)
            self.views[state.name].update(dict.fromkeys(split_words(text)))
            return
        match = WATCH_LINE.match(text)
        if match:
            self.start_watch(match.group(1), line)
            return
        if state.record == "watch":
            self.watch_line(text, line)
            return
        self.ignored(text, line)  # CFG-03 step 11: mon says nothing

    def finish(self) -> Config:
        for name in self.groups:
            if name not in self.watches:
                self.warnings.append(f"Warning: hostgroup {name} has no watch assigned to it!")
        watches = {
            name: Watch(name, start, tuple(draft.build() for draft in services.values()))
            for name, (start, services) in self.watches.items()
        }
        groups = {
            name: HostGroup(name, tuple(self.group_hosts[name]), group.line, group.implicit)
            for name, group in self.groups.items()
        }
        return Config(
            path=self.file,
            globals=Globals(**self.globals),
            hostgroups=MappingProxyType(groups),
            watches=MappingProxyType(watches),
            aliases=MappingProxyType({k: tuple(v) for k, v in self.aliases.items()}),
            views=MappingProxyType({k: tuple(v) for k, v in self.views.items()}),
            mon_warnings=tuple(self.warnings),
            notes=tuple(self.notes),
        )

    # -- global variables (GLOB-*) -------------------------------------------

    def set_global(self, name: str, value: str, column: int) -> None:
        g = self.globals
        if name in PLAIN_GLOBALS:
            g[name] = value
        elif name in ("basedir", "cfbasedir"):
            g[name] = value if value.startswith("/") else catdir(".", value)  # GLOB-02/03
        elif name in ("randstart", "historictime", "cltimeout"):
            seconds = dhmstos(value)
            if seconds is None:
                option = "option" if name == "randstart" else "command"
                syntax = "secs" if name == "cltimeout" else "timeval"
                self.fail(
                    f"bad value '{value}' for {name} {option} (syntax: {name} = {syntax})",
                    column,
                    "a time value needs a unit: s, m, h or d (CFG-13)",
                )
            g[name] = float(seconds)
        elif name in ("authfile", "userfile"):
            g[name] = value
            if not self.readable(value):  # GLOB-16: checked relative to the working directory
                self.fail(f"{name} '{value}' does not exist or is not readable", column)
        elif name == "dtlogging":
            g[name] = perl_num(value) == 1 or value in ("yes", "true")  # GLOB-25
        elif name == "dep_behavior":
            if value not in ("m", "a", "hm"):
                self.fail(f"unknown dependency behavior '{value}'", column)
            self.defaults["dep_behavior"] = value
        elif name == "dep_memory":
            memory = dhmstos(value)
            if memory is None:
                self.fail(f"bad value '{value}' for dep_memory option (syntax: dep_memory = timeval)", column)
            self.defaults["dep_memory"] = float(memory)
        elif name == "unack_summary":
            self.defaults["unack_summary"] = self.unack_summary(value, column)
        elif name == "startupalerts_on_reset":
            g[name] = re.search(r"^1|yes|true|on$", value, re.IGNORECASE) is not None  # GLOB-31
        elif name == "exclude_period":
            self.check_period(value, f"malformed exclude_period '{value}'", column)
            g[name] = value
        elif name == "monitor_timeout":  # pymon's extension
            seconds = dhmstos(value)
            if not perl_true(seconds):
                self.fail(
                    f"bad value '{value}' for monitor_timeout option (syntax: monitor_timeout = timeval)",
                    column,
                )
            g[name] = float(seconds or 0)
        else:
            self.fail(f"unknown variable '{name}'", 1, _case_hint(name))

    def unack_summary(self, value: str, column: int) -> int:
        # GLOB-29 / SVC-08: "y" anywhere means yes, then "n" anywhere means no.
        if re.search("y(es)?", value, re.IGNORECASE):
            return 1
        if re.search("n(o)?", value, re.IGNORECASE):
            return 0
        if value in ("0", "1"):
            return int(value)
        self.fail(
            f"invalid unack_summary value '{value}' (syntax: unack_summary [0|1|y|yes|n|no])",
            column,
            numbered=False,
        )

    def check_period(self, spec: str, message: str, column: int) -> None:
        """PERIOD-13: mon asks Time::Period about *now* and refuses only a -1 answer."""
        valid = self.valid_periods.get(spec)
        if valid is None:
            valid = self.valid_periods[spec] = perl_in_period(spec, self.now) != -1
        if not valid:
            self.fail(
                f"{message} (the specified time period is not valid as per Time::Period::inPeriod)",
                column,
            )

    # -- hostgroup, alias and view records -----------------------------------

    def start_hostgroup(self, name: str, hosts: str, line: LogicalLine) -> None:
        # CFG-06: a later hostgroup line always starts a new group, and a
        # redefinition replaces the earlier one.
        self.state = _State("hostgroup", name, start=line.number)
        self.ended_watch = None
        self.groups[name] = HostGroup(name, (), line.number)
        self.group_hosts[name] = split_words(hosts)

    def add_hosts(self, text: str, line: LogicalLine) -> None:
        self.check_swallowed(text, line)
        self.group_hosts[self.state.name].extend(split_words(text))

    def check_swallowed(self, text: str, line: LogicalLine) -> None:
        """CFG-07: a record swallows a `watch` line that follows it without a blank line."""
        match = WATCH_LINE.match(text)
        if match:
            state = self.state
            self.note(
                "swallowed-watch",
                f"'watch {match.group(1)}' on line {line.number} is read as more members of "
                f"{state.record} '{state.name}' (line {state.start}): a {state.record} ends only at "
                f"a blank line, so this watch and its services do not exist; put a blank line "
                f"before it",
                line,
            )

    # -- watch records (CFG-10, CFG-12) --------------------------------------

    def start_watch(self, group: str, line: LogicalLine) -> None:
        self.state = _State("watch", group, start=line.number)
        if group not in self.groups:
            self.warnings.append(
                f"Warning: watch group {group} defined with no corresponding hostgroup."
            )
            self.groups[group] = HostGroup(group, (), line.number, implicit=True)
            self.group_hosts[group] = [group]
        # mon's watch table gets an entry only with the first service, so a
        # watch without services can be written again, and counts as no watch.
        if group in self.watches:
            self.fail(f"watch '{group}' already defined", 7)
        self.ended_watch = None

    def watch_line(self, text: str, line: LogicalLine) -> None:
        state = self.state
        env = ENV_LINE.match(text)
        if env:
            if state.service is None:
                self.fail("environment variable defined without a service")
            state.service.env[env.group(1)] = env.group(2)
            state.service.settings["ENV"] = "HASH"
            return
        keyword = KEYWORD_LINE.match(text)
        # A line that does not start with a word keeps mon's previous (undefined) match.
        var, args = (keyword.group(1), keyword.group(2)) if keyword else ("", "")
        column = keyword.start(2) + 1 if keyword else 1
        if var == "service":
            self.start_service(args, column)
            return
        service = state.service
        if service is None:
            self.fail("need to specify service in watch record")
        if var == "period":
            self.start_period(service, args, column)
        elif state.period is not None:
            self.period_keyword(service, state.period, var, args, column)
        else:
            self.service_keyword(service, var, args, column)

    def start_service(self, name: str, column: int) -> None:
        state = self.state
        assert self.line is not None
        if not SERVICE_NAME.match(name):
            self.fail(f"invalid service tag '{name}'", column)
        services = self.watches.setdefault(state.name, (state.start, {}))[1]
        if name in services:
            self.fail(f"service {name} already defined for watch group {state.name}", column)
        draft = _ServiceDraft(name, state.name, self.line.number, dict(self.defaults))
        draft.settings.update(
            service=name,
            randskew="0",
            redistribute="",
            dep_behavior=self.defaults["dep_behavior"],
            dep_memory=format_number(self.defaults["dep_memory"]),
            exclude_period="",
            unack_summary=str(self.defaults["unack_summary"]),
        )
        services[name] = draft
        state.service, state.period = draft, None

    def service_keyword(self, service: _ServiceDraft, var: str, args: str, column: int) -> None:
        values, stored = service.values, args
        if var in SERVICE_TIMEVALS:
            seconds = dhmstos(args)
            if not perl_true(seconds):
                problem, syntax = SERVICE_TIMEVALS[var]
                shown = "" if seconds is None else seconds  # CFG-13: mon shows the converted value
                self.fail(f"{problem} '{shown}' (syntax: {syntax})", column, _timeval_hint(args))
            assert seconds is not None
            values[var] = float(seconds)
            stored = seconds
        elif var == "monitor" or var == "redistribute":
            values[var] = args
        elif var == "allow_empty_group":
            values[var] = True  # SVC-05: any value, even none
        elif var == "description":
            values[var] = args
        elif var == "unack_summary":
            values[var] = self.unack_summary(args, column)
            service.settings[var] = str(values[var])
            return
        elif var == "dep_behavior":
            if args not in ("m", "a", "hm"):
                self.fail(f"unknown dependency behavior '{args}' (syntax: dep_behavior = {{m|a}})", column)
            values[var] = args
        elif var == "dep_memory":
            memory = dhmstos(args)
            if not perl_true(memory):
                self.fail(f"bad value '{args}' for dep_memory option (syntax: dep_memory = timeval)", column)
            assert memory is not None
            values[var] = float(memory)
            stored = memory
        elif var in DEPEND_KEYWORDS:
            stored = args.replace("SELF:", f"{service.group}:")  # DEP-10
            values[var] = _dependency(stored)
        elif var == "exclude_hosts":
            values[var] = tuple(dict.fromkeys(split_words(args)))
            stored = "HASH"
        elif var == "exclude_period":
            self.check_period(args, f"malformed exclude_period '{args}'", column)
            values[var] = args
        else:
            assert self.line is not None
            hint = ""
            if var in PERIOD_KEYWORDS:
                hint = f"'{var}' belongs in a period section: add a 'period' line before it"
            self.fail(f"unknown syntax [{self.line.text}]", 1, hint or _keyword_hint(var))
        service.settings[var] = stored

    # -- periods (PER-*) ------------------------------------------------------

    def start_period(self, service: _ServiceDraft, args: str, column: int) -> None:
        head = grammar.full_match(grammar.PERIOD_HEAD, args)
        label, spec = (head["label"], head["spec"]) if head else (args, args)
        if label in service.periods:
            self.fail(
                f"period '{label}' already defined for watch group {service.group} "
                f"service {service.name}",
                column,
            )
        self.check_period(spec, f"malformed period '{spec}'", column)
        draft = _PeriodDraft(label, spec, self.line.number if self.line else 0)
        service.periods[label] = draft
        self.state.period = draft

    def period_keyword(
        self, service: _ServiceDraft, period: _PeriodDraft, var: str, args: str, column: int
    ) -> None:
        values = period.values
        if var in ("alert", "ackalert", "disablealert", "upalert", "startupalert"):
            parts = grammar.alert_parts(args)
            line = AlertLine(
                var,  # type: ignore[arg-type]
                args,
                self.line.number if self.line else 0,
                parts.exit_range,
                parts.program,
                parts.args,
                parts.lookup_name,
            )
            period.alert_lines.setdefault(var, []).append(line)  # type: ignore[arg-type]
        elif var == "alertevery":
            self.alertevery(values, args, column)
        elif var == "alertafter":
            self.alertafter(service, values, args, column)
        elif var == "upalertafter":
            seconds = dhmstos(args)
            if not perl_true(seconds):
                shown = "" if seconds is None else seconds
                self.fail(
                    f"invalid upalertafter specification '{shown}' "
                    f"(syntax: upalertafter = {{positive number}}{{smhd}})",
                    column,
                )
            values["upalertafter"] = float(seconds or 0)
        elif var == "numalerts":
            if not NUMBER.match(args):
                self.fail(f"-numeric arg '{args}' (syntax: numalerts = {{positive integer}}", column)
            values["numalerts"] = int(args)
        elif var == "no_comp_alerts":
            values["no_comp_alerts"] = True
        elif var == "alerts_dont_count":
            values["alerts_dont_count"] = True
        elif var == "alertexitrange":
            found = grammar.exit_range(args)
            if found is None:
                self.fail(f"invalid exit code range '{args}'", column)
            values["alertexitrange"] = found
        else:
            assert self.line is not None
            hint = ""
            if var in SERVICE_KEYWORDS:
                hint = f"'{var}' is a service keyword: service keywords must come before the first period"
            self.fail(f"unknown syntax [{self.line.text}]", 1, hint or _keyword_hint(var))

    def alertevery(self, values: dict[str, Any], args: str, column: int) -> None:
        mode = "summary"
        for name, pattern in grammar.ALERTEVERY_MODIFIERS:
            found = grammar.search(pattern, args)
            if found is not None:
                mode, args = name, found["value"]
                break
        seconds = dhmstos(args)
        if not perl_true(seconds):
            shown = "" if seconds is None else seconds
            self.fail(
                f"invalid time interval '{shown}' (syntax: alertevery {{positive number}}{{smhd}} "
                "[ strict | observe_detail | ignore_summary ])",
                column,
            )
        values["alertevery"] = float(seconds or 0)
        values["alertevery_mode"] = mode

    def alertafter(
        self, service: _ServiceDraft, values: dict[str, Any], args: str, column: int
    ) -> None:
        count = grammar.full_match(grammar.ALERTAFTER_COUNT, args)
        if count is not None:
            values["alertafter_consec"] = int(count["count"])
            return
        alone = grammar.full_match(grammar.ALERTAFTER_TIME, args)
        if alone is not None:
            seconds = dhmstos(alone["ival"])
            if not perl_true(seconds):
                self.fail(
                    f"invalid time interval '{args}' (syntax: alertafter = [{{positive integer}}] "
                    "[{positive number}{smhd}])",
                    column,
                )
            values["alertafterival"] = float(seconds or 0)
            return
        both = grammar.search(grammar.ALERTAFTER_BOTH, args)
        if both is None:
            self.fail(
                f"invalid interval specification '{args}'",
                column,
                "alertafter takes N, a time like 30m (units s, m or h), or N and a time",
            )
        failures, window = int(both["count"]), float(dhmstos(both["ival"]) or 0)
        interval = service.values.get("interval") or 0.0
        if (failures - 1) * interval >= window:  # PER-10
            self.fail(
                " interval & alertafter not sensible. No alerts can be generated with those parameters",
                column,
                f"{failures} failures {interval:g}s apart take longer than {window:g}s",
            )
        values["alertafter"] = failures
        values["alertafterival"] = window

    # -- lines mon ignores (CFG-03 step 11) -----------------------------------

    def ignored(self, text: str, line: LogicalLine) -> None:
        words = text.split(None, 1)
        word = words[0] if words else ""
        if word == "service":
            name = words[1] if len(words) > 1 else ""
            if self.ended_watch is not None:
                group, blank = self.ended_watch
                why = f"the blank line {blank} ended watch '{group}'"
            else:
                why = "it is not inside a watch record"
            self.note(
                "dropped-service",
                f"service '{name}' is ignored: {why}, and mon silently ignores service "
                "lines outside a watch",
                line,
            )
            return
        if word in SERVICE_KEYWORDS or word in PERIOD_KEYWORDS or word == "period":
            return  # the rest of a dropped service, reported at its `service` line
        lowered = word.lower()
        if lowered in RECORD_WORDS and word != lowered:
            self.note(
                "ignored-line",
                f"line ignored: keywords are case-sensitive, '{word}' is not '{lowered}'",
                line,
            )
        elif lowered in ("view", "alias") and word == lowered:
            self.note("ignored-line", f"line ignored: '{word}' needs a name"
                      + (" and at least one member" if word == "view" else " alone on its line"), line)
        else:
            self.note("ignored-line", "line ignored: mon does not know what it means", line)


def _dependency(text: str) -> Dependency:
    refs = dependency_refs(text)
    try:
        return Dependency(text, parse_depend(text), None, refs)
    except DependSyntaxError as error:
        return Dependency(text, None, str(error), refs)


def _case_hint(name: str) -> str:
    known = {f.name for f in fields(Globals)} | {"dep_behavior", "dep_memory", "unack_summary"}
    if name.lower() in known and name != name.lower():
        return f"variable names are case-sensitive: did you mean '{name.lower()}'?"
    return ""


def _keyword_hint(var: str) -> str:
    lowered = var.lower()
    if lowered != var and (lowered in SERVICE_KEYWORDS or lowered in PERIOD_KEYWORDS):
        return f"keywords are case-sensitive: did you mean '{lowered}'?"
    return ""


def _timeval_hint(args: str) -> str:
    if NUMBER.match(args.strip()):
        return f"a time value needs a unit: '{args.strip()}s', '{args.strip()}m', ... (CFG-13)"
    return ""


def parse_config(
    text: str,
    file: str = "mon.cf",
    *,
    initial: Globals | None = None,
    now: float | None = None,
    readable: Callable[[str], bool] | None = None,
) -> Config:
    """Parse mon.cf TEXT; raise ConfigError where mon would refuse it.

    `initial` holds the globals before the file is read (defaults and command
    line, INIT-01), `now` the time periods are validated at (PERIOD-13), and
    `readable` how authfile/userfile are checked (GLOB-16).
    """
    with paused_gc():
        return _read(text, file, initial, now, readable)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Build the model without the cyclic garbage collector.

    The model is many small acyclic objects that live as long as the config:
    the collector has nothing to find while it is built, and its scans of the
    growing heap were a third of the parse time.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _read(
    text: str,
    file: str,
    initial: Globals | None,
    now: float | None,
    readable: Callable[[str], bool] | None,
) -> Config:
    reader = _Reader(
        text,
        file,
        initial or Globals(),
        time.time() if now is None else now,
        readable or (lambda path: os.access(path, os.R_OK)),
    )
    return reader.read()
