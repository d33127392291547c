"""The TCP 2583 client protocol without the sockets: request lines in, reply text out (PROTO).

mon's `client_command` answers one request line at a time. This module does
its two pure halves, so the server only moves lines and calls the engine:

1. `parse_request(line)` cuts a line exactly as mon does (PROTO-01: the
   command word is case-insensitive, sub-commands and arguments are not) into
   a `Request`: the command word that the auth gate checks (`needs_auth`,
   PROTO-01b) and a typed `Action`. A line mon cannot use gets an `Answer`
   action that already holds mon's error reply.
2. The reply builders return a whole reply: data lines, then the status line,
   every line ending in "\\n" (PROTO-00f).

How the server uses it::

    request = parse_request(line)
    if request.needs_auth and not check_auth(session.user, request.command):
        write(DENIED)                          # PROTO-01b, mon's fall-through reply
    elif isinstance(request.action, Query):
        write(answer(request.action, facts, session))
    else:
        ... act through the engine, then write e.g. disable_service_reply(known)

A `Query` is answered from a snapshot of what the engine holds
(`ServerFacts`, built per request) and the connection's `Session`. Every other
action changes something or needs I/O (auth, files, processes); its reply
builder takes the outcome as plain arguments.

Ordering. mon prints every list in Perl hash order, which is random per
process; pymon prints watches, services, hostgroups, aliases and history in
config (or arrival) order, so its replies are deterministic. `list views` is
sorted, as in mon.

Text. Protocol lines are handled as `str` decoded from UTF-8 with
`surrogateescape` (see `pymon.escape`), so any byte a client sends is
kept and `esc_str` escapes bytes exactly as mon does.

Where pymon copies one of mon's quirks on purpose the code names its ID from
reference/mon-spec.md. Not copied, because they corrupt state or hang a client:
lookups that invent groups, services and aliases (PROTO-55, Q36: `ack` of an
unknown service still gets mon's two status lines, Q15, but creates nothing),
and `dump` under -d answering nothing (PROTO-53): pymon always answers it.
"""

from __future__ import annotations

import re
import time
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Final, NamedTuple

from pymon.config.model import ALERT_KINDS, AlertKind, Config, Dependency, Period, Service
from pymon.config.perl import PERL_SPACE, format_number, perl_num, perl_true
from pymon.engine.records import AlertHistoryEntry, FailureHistoryEntry, HistoricLine
from pymon.engine.states import (
    FAILURE,
    OPSTAT,
    SUCCESS,
    WARNING,
    OpStatus,
    ServiceState,
    Status,
    alerts_sent,
    initial_state,
    last_alert,
)
from pymon.escape import esc_str, to_bytes, un_esc_str
from pymon.server.words import first_word, perl_split, split_words

__all__ = [
    "AUTHORIZED_COMMANDS",
    "COMMANDS",
    "DENIED",
    "INVALID_COMMAND",
    "LOADSTATE_COMPLETED",
    "PROT_VERSION",
    "QUITTING",
    "SAVESTATE_COMPLETED",
    "START_COMPLETED",
    "STOP_COMPLETED",
    "TERMINATING",
    "Ack",
    "Action",
    "Answer",
    "CheckAuth",
    "ClearTimers",
    "DisableHosts",
    "DisableService",
    "DisableWatch",
    "Dump",
    "EnableHosts",
    "EnableService",
    "EnableWatch",
    "Get",
    "GetMaxkeep",
    "GetView",
    "ListAlerthist",
    "ListAliases",
    "ListAliasgroups",
    "ListDeps",
    "ListDescriptions",
    "ListDisabled",
    "ListDtlog",
    "ListFailurehist",
    "ListFailures",
    "ListGroup",
    "ListOpstatus",
    "ListPids",
    "ListState",
    "ListSuccesses",
    "ListViews",
    "ListWarnings",
    "ListWatch",
    "LoadState",
    "Login",
    "MonitorFacts",
    "Query",
    "Quit",
    "Reload",
    "Request",
    "Reset",
    "RunningMonitor",
    "SaveState",
    "ServerFacts",
    "Servertime",
    "Session",
    "SetMaxkeep",
    "SetOpstatus",
    "SetVariable",
    "SetView",
    "Start",
    "Stop",
    "Term",
    "TestAlert",
    "TestConfig",
    "TestMonitor",
    "ack_comment",
    "ack_reply",
    "answer",
    "checkauth_reply",
    "clear_timers_reply",
    "disable_host_reply",
    "disable_service_reply",
    "disable_watch_reply",
    "enable_host_reply",
    "enable_service_reply",
    "enable_watch_reply",
    "get_reply",
    "list_dtlog",
    "login_reply",
    "opstatus_line",
    "parse_request",
    "reload_reply",
    "reset_reply",
    "select_view",
    "servertime_reply",
    "service_variable",
    "set_maxkeep_reply",
    "set_opstatus_reply",
    "set_variable_reply",
    "test_alert_period",
    "test_alert_reply",
    "test_config_reply",
    "test_monitor_reply",
    "view_match",
]

PROT_VERSION: Final = 9745  # mon's $PROT_VERSION, 0x2611

# PROTO-01: the command words, in mon's order.
COMMANDS: Final = (
    "dump", "login", "disable", "enable", "quit", "list", "set", "get", "setview", "getview",
    "stop", "start", "loadstate", "savestate", "reset", "clear", "checkauth", "reload", "term",
    "test", "servertime", "ack", "version", "protid",
)  # fmt: skip
# PROTO-01b: the commands that go through check_auth (AUTH-03).
AUTHORIZED_COMMANDS: Final = frozenset(
    {
        "reset", "reload", "clear", "test", "loadstate", "savestate", "term", "stop", "start",
        "set", "get", "list", "ack", "disable", "enable", "servertime",
    }
)  # fmt: skip

# The whole line must match (`$` also before a final newline, as in Perl); no leading space.
_COMMAND = re.compile(r"^(" + "|".join(COMMANDS) + r")(\s+(.*))?$", re.IGNORECASE | re.ASCII)
_LOGIN_LINE = re.compile(r"\s*login", re.IGNORECASE | re.ASCII)
_COMMA = re.compile(",")

# Fixed replies.
INVALID_COMMAND: Final = "520 invalid command\n"
# PROTO-01b: a denied command falls through mon's dispatch to its last branch.
DENIED: Final = "520 command could not be executed, unknown command\n"
QUITTING: Final = "220 quitting\n"
TERMINATING: Final = "220 terminating server\n"
STOP_COMPLETED: Final = "220 stop completed\n"
START_COMPLETED: Final = "220 start completed\n"
LOADSTATE_COMPLETED: Final = "220 loadstate completed\n"
SAVESTATE_COMPLETED: Final = "220 savestate completed\n"
_NO_VIEW: Final = "no view selected -- all groups will be displayed\n"


# --- requests ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """What a request asks for. Fields are mon's argument values; None is Perl's undef."""


@dataclass(frozen=True)
class Query(Action):
    """An action answered from `ServerFacts` and the `Session` alone: see `answer`."""


@dataclass(frozen=True)
class Answer(Query):
    """The reply is known from the line alone: an error, `version`, `protid`."""

    reply: str


@dataclass(frozen=True)
class Request:
    line: str  # as received, without its line end
    command: str  # the lower-cased command word; "" when the line is no command
    args: str | None  # mon's $args: the rest after the word and its whitespace
    action: Action

    @property
    def needs_auth(self) -> bool:
        """PROTO-01b: the server must check_auth(user, command) before acting."""
        return self.command in AUTHORIZED_COMMANDS

    @property
    def logged(self) -> bool:
        """PROTO-00g: every line but `login ...` is syslogged as `client command "LINE"`."""
        return _LOGIN_LINE.match(self.line) is None

    @property
    def stderr_echo(self) -> str | None:
        """LOG-03: what mon prints on stderr for each command it recognised."""
        if not self.command:
            return None
        return f"client command {self.command}\nclient args {_text(self.args)}\n"


# Commands without arguments (anything after the word is ignored).
@dataclass(frozen=True)
class Quit(Action):
    pass


@dataclass(frozen=True)
class Dump(Action):
    """PROTO-53: reply DENIED. (Under -d mon dumps its tables to stderr and sends nothing.)"""


@dataclass(frozen=True)
class Term(Action):
    pass


@dataclass(frozen=True)
class Stop(Action):
    pass


@dataclass(frozen=True)
class Start(Action):
    pass


@dataclass(frozen=True)
class TestConfig(Action):
    pass


@dataclass(frozen=True)
class Servertime(Query):
    pass


@dataclass(frozen=True)
class GetView(Query):
    pass


@dataclass(frozen=True)
class GetMaxkeep(Query):
    pass


@dataclass(frozen=True)
class Login(Action):
    user: str | None
    password: str | None  # the rest of the line, spaces included


@dataclass(frozen=True)
class CheckAuth(Action):
    command: str | None  # the first word, not lower-cased (PROTO-06)


@dataclass(frozen=True)
class Reset(Action):
    stopped: bool  # `stopped` anywhere in the arguments, any case
    keepstate: bool  # `keepstate` anywhere, lower case only


@dataclass(frozen=True)
class Reload(Action):
    words: tuple[str, ...]

    @property
    def loads_auth(self) -> bool:
        """mon reloads auth.cf for each leading `auth` word, before it meets a bad one."""
        return bool(self.words) and self.words[0] == "auth"

    @property
    def known(self) -> bool:
        return all(word == "auth" for word in self.words)


@dataclass(frozen=True)
class ClearTimers(Action):
    group: str
    service: str


@dataclass(frozen=True)
class TestMonitor(Action):
    group: str | None
    service: str | None


@dataclass(frozen=True)
class TestAlert(Action):
    kind: AlertKind | None  # None: a sub-command the sloppy regex let through (PROTO-45); runs nothing
    group: str | None
    service: str | None
    retval: str | None
    period: str  # the period key, rest of the line ("" when missing, like Perl's undef key)


@dataclass(frozen=True)
class LoadState(Action):
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class SaveState(Action):
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class SetView(Action):
    view: str | None  # None: clear the view


@dataclass(frozen=True)
class SetMaxkeep(Action):
    value: str  # the digits as sent; `get maxkeep` shows them unchanged


@dataclass(frozen=True)
class SetOpstatus(Action):
    group: str | None
    service: str | None
    name: str | None  # the raw rest of the line

    @property
    def valid(self) -> bool:
        """Only a bare %OPSTAT name is accepted; it is stored as that name, not its number (Q20)."""
        return self.name in OPSTAT


@dataclass(frozen=True)
class SetVariable(Action):
    group: str | None
    service: str | None
    var: str | None
    raw: str | None  # the rest of the line

    @property
    def value(self) -> str | None:
        """PROTO-35: the first shell word of the rest, hex-unescaped."""
        return un_esc_str(first_word(self.raw))


@dataclass(frozen=True)
class Get(Query):
    group: str | None
    service: str | None
    var: str | None  # the rest of the line, spaces included


@dataclass(frozen=True)
class Ack(Action):
    group: str | None
    service: str | None
    comment: str | None  # the raw rest; see ack_comment()


@dataclass(frozen=True)
class DisableWatch(Action):
    watch: str | None  # the rest of the line, spaces included


@dataclass(frozen=True)
class DisableService(Action):
    group: str | None
    service: str | None  # the rest of the line


@dataclass(frozen=True)
class DisableHosts(Action):
    hosts: tuple[str, ...]


@dataclass(frozen=True)
class EnableWatch(Action):
    watch: str | None


@dataclass(frozen=True)
class EnableService(Action):
    group: str | None
    service: str | None


@dataclass(frozen=True)
class EnableHosts(Action):
    hosts: tuple[str, ...]


@dataclass(frozen=True)
class ListDescriptions(Query):
    pass


@dataclass(frozen=True)
class ListGroup(Query):
    group: str | None  # the rest of the line


@dataclass(frozen=True)
class ListOpstatus(Query):
    # None: every service (view-filtered). Else the `G,S` / `G` words as (G, S) pairs.
    selection: tuple[tuple[str | None, str | None], ...] | None = None


@dataclass(frozen=True)
class ListDisabled(Query):
    pass


@dataclass(frozen=True)
class ListAlerthist(Query):
    pass


@dataclass(frozen=True)
class ListFailures(Query):
    pass


@dataclass(frozen=True)
class ListFailurehist(Query):
    pass


@dataclass(frozen=True)
class ListSuccesses(Query):
    pass


@dataclass(frozen=True)
class ListWarnings(Query):
    pass


@dataclass(frozen=True)
class ListPids(Query):
    pass


@dataclass(frozen=True)
class ListWatch(Query):
    pass


@dataclass(frozen=True)
class ListState(Query):
    pass


@dataclass(frozen=True)
class ListAliases(Query):
    names: tuple[str, ...] = ()  # empty: all


@dataclass(frozen=True)
class ListAliasgroups(Query):
    pass


@dataclass(frozen=True)
class ListDeps(Query):
    pass


@dataclass(frozen=True)
class ListDtlog(Action):
    """Needs the downtime log's text: see list_dtlog()."""


@dataclass(frozen=True)
class ListViews(Query):
    pass


# --- parsing -----------------------------------------------------------------------------


def parse_request(line: str) -> Request:
    """Cut one request line (without its CR/LF) as mon's client_command does. Never raises."""
    match = _COMMAND.match(line)
    if match is None:
        return Request(line, "", None, Answer(INVALID_COMMAND))
    command, args = match.group(1).lower(), match.group(3)
    return Request(line, command, args, _PARSERS[command](args))


def _fields(text: str | None, count: int, limit: int = 0) -> list[str | None]:
    """The first `count` fields of split(/\\s+/, TEXT, LIMIT), None for missing ones."""
    fields: list[str | None] = [*split_words(text, limit)]
    return (fields + [None] * count)[:count]


def _parse_protid(args: str | None) -> Action:
    # PROTO-03: a numeric comparison, so "9745.0" and "9745 extra" match.
    if perl_num(args) == PROT_VERSION:
        return Answer("220 protocol match\n")
    return Answer("520 protocol mismatch\n")


def _parse_login(args: str | None) -> Action:
    user, password = _fields(args, 2, 2)
    return Login(user, password)


def _parse_reset(args: str | None) -> Action:
    text = args or ""
    return Reset(
        stopped=re.search("stopped", text, re.IGNORECASE | re.ASCII) is not None,
        keepstate="keepstate" in text,
    )


_CLEAR_TIMERS = re.compile(r"^timers\s+([a-zA-Z0-9_.-]+)\s+([a-zA-Z0-9_.-]+)", re.IGNORECASE | re.ASCII)


def _parse_clear(args: str | None) -> Action:
    match = _CLEAR_TIMERS.match(args or "")
    if match is None:
        return Answer("520 unknown clear command\n")
    return ClearTimers(match.group(1), match.group(2))


# PROTO-45: mon's `^alert|startupalert|upalert|ackalert|disablealert$`, unanchored in the middle.
_TEST_ALERT = re.compile(r"^alert|startupalert|upalert|ackalert|disablealert$")


def _parse_test(args: str | None) -> Action:
    sub, rest = _fields(args, 2, 2)
    if sub == "monitor":
        group, service = _fields(rest, 2)
        return TestMonitor(group, service)
    if sub is not None and _TEST_ALERT.search(sub):
        group, service, retval, period = _fields(rest, 4, 4)
        kind = next((k for k in ALERT_KINDS if k == sub), None)
        return TestAlert(kind, group, service, retval, _text(period))
    if sub == "config":
        return TestConfig()
    return Answer("520 test error\n")


def _parse_savestate(args: str | None) -> Action:
    kinds = tuple(split_words(args))
    if not kinds:
        return Answer("520 savestate error, arguments required\n")
    return SaveState(kinds)


def _parse_setview(args: str | None) -> Action:
    words = split_words(args)
    if len(words) > 1:
        return Answer("500 Unknown setview command\n")
    return SetView(words[0] if words else None)


_SET_MAXKEEP = re.compile(r"^maxkeep\s+(\d+)", re.ASCII)
_GET_MAXKEEP = re.compile(r"^maxkeep\s*$", re.ASCII)


def _parse_set(args: str | None) -> Action:
    match = _SET_MAXKEEP.match(args or "")
    if match:
        return SetMaxkeep(match.group(1))
    group, service, var, raw = _fields(args, 4, 4)
    if var == "opstatus":
        return SetOpstatus(group, service, raw)
    return SetVariable(group, service, var, raw)


def _parse_get(args: str | None) -> Action:
    if _GET_MAXKEEP.match(args or ""):
        return GetMaxkeep()
    group, service, var = _fields(args, 3, 3)
    return Get(group, service, var)


def _parse_list(args: str | None) -> Action:
    sub, rest = _fields(args, 2, 2)
    if sub == "group":
        return ListGroup(rest)
    if sub == "opstatus":
        if not rest:
            return ListOpstatus()
        return ListOpstatus(tuple(_pair(word) for word in split_words(rest)))
    if sub == "aliases":
        return ListAliases(tuple(split_words(args)[1:]))
    simple = _SIMPLE_LISTS.get(sub or "")
    if simple is None:
        return Answer("520 unknown list command\n")  # PROTO-24: also for `LIST WATCH`
    return simple


def _pair(word: str) -> tuple[str | None, str | None]:
    """`($group, $service) = split(/,/, WORD)`: `G,S`, `G`, `G,` and even `,` are all fine."""
    fields = perl_split(_COMMA, word)
    return (fields[0] if fields else None, fields[1] if len(fields) > 1 else None)


_SIMPLE_LISTS: Mapping[str, Action] = MappingProxyType(
    {
        "descriptions": ListDescriptions(),
        "disabled": ListDisabled(),
        "alerthist": ListAlerthist(),
        "failures": ListFailures(),
        "failurehist": ListFailurehist(),
        "successes": ListSuccesses(),
        "warnings": ListWarnings(),
        "pids": ListPids(),
        "watch": ListWatch(),
        "state": ListState(),
        "aliasgroups": ListAliasgroups(),
        "deps": ListDeps(),
        "dtlog": ListDtlog(),
        "views": ListViews(),
    }
)


def _parse_ack(args: str | None) -> Action:
    group, service, comment = _fields(args, 3, 3)
    return Ack(group, service, comment)


def _parse_disable(args: str | None) -> Action:
    sub, rest = _fields(args, 2, 2)
    if sub == "watch":
        return DisableWatch(rest)
    if sub == "service":
        group, service = _fields(rest, 2, 2)
        return DisableService(group, service)
    if sub == "host":
        return DisableHosts(tuple(split_words(rest)))
    return Answer("520 command could not be executed\n")  # PROTO-32


def _parse_enable(args: str | None) -> Action:
    sub, rest = _fields(args, 2, 2)
    if sub == "watch":
        return EnableWatch(rest)
    if sub == "service":
        group, service = _fields(rest, 2, 2)
        return EnableService(group, service)
    if sub == "host":
        return EnableHosts(tuple(split_words(rest)))
    return Answer("520 command could not be executed\n")  # PROTO-32


_Parser = Callable[[str | None], Action]


def _constant(action: Action) -> _Parser:
    return lambda _args: action


_PARSERS: Mapping[str, _Parser] = MappingProxyType(
    {
        "dump": _constant(Dump()),
        "login": _parse_login,
        "disable": _parse_disable,
        "enable": _parse_enable,
        "quit": _constant(Quit()),
        "list": _parse_list,
        "set": _parse_set,
        "get": _parse_get,
        "setview": _parse_setview,
        "getview": _constant(GetView()),
        "stop": _constant(Stop()),
        "start": _constant(Start()),
        "loadstate": lambda args: LoadState(tuple(split_words(args))),
        "savestate": _parse_savestate,
        "reset": _parse_reset,
        "clear": _parse_clear,
        "checkauth": lambda args: CheckAuth(_fields(args, 1)[0]),
        "reload": lambda args: Reload(tuple(split_words(args))),
        "term": _constant(Term()),
        "test": _parse_test,
        "servertime": _constant(Servertime()),
        "ack": _parse_ack,
        "version": _constant(Answer(f"version {PROT_VERSION}\n220 version completed\n")),
        "protid": _parse_protid,
    }
)


# --- what the engine holds ------------------------------------------------------------


@dataclass(frozen=True)
class MonitorFacts:
    """The scheduler's part of one service's state, as `list opstatus` shows it."""

    timer: float | None = None  # _timer: seconds until the next run; None without an interval
    monitor_duration: int = -1  # seconds the last run took; -1 before the first run
    monitor_running: bool = False


class RunningMonitor(NamedTuple):
    group: str
    service: str
    pid: int


_NO_STATES: Mapping[tuple[str, str], ServiceState] = MappingProxyType({})
_NO_MONITORS: Mapping[tuple[str, str], MonitorFacts] = MappingProxyType({})
_NO_VARIABLES: Mapping[tuple[str, str], Mapping[str, str | None]] = MappingProxyType({})


@dataclass(frozen=True)
class ServerFacts:
    """A snapshot of what the daemon holds, for answering queries. Build one per request."""

    config: Config
    now: int  # time(), for failure_duration and servertime
    pid: int  # the server's pid (`list pids`)
    states: Mapping[tuple[str, str], ServiceState] = field(default_factory=lambda: _NO_STATES)
    monitors: Mapping[tuple[str, str], MonitorFacts] = field(default_factory=lambda: _NO_MONITORS)
    running: Sequence[RunningMonitor] = ()
    disabled_hosts: frozenset[str] = frozenset()  # shown with a `*` in every group
    disabled_watches: frozenset[str] = frozenset()
    stopped_since: int | None = None  # None: the scheduler runs
    max_keep: str = "100"  # as set: histlength, -k, or `set maxkeep`
    alert_history: Sequence[AlertHistoryEntry | HistoricLine] = ()
    failure_history: Sequence[FailureHistoryEntry] = ()
    # Values `set G S VAR` stored under keys the typed state does not hold, for `get`.
    variables: Mapping[tuple[str, str], Mapping[str, str | None]] = field(
        default_factory=lambda: _NO_VARIABLES
    )

    def state(self, service: Service) -> ServiceState:
        found = self.states.get((service.group, service.name))
        return initial_state(service) if found is None else found

    def monitor(self, service: Service) -> MonitorFacts:
        return self.monitors.get((service.group, service.name), _IDLE)


_IDLE = MonitorFacts()


@dataclass(frozen=True)
class Session:
    """Per connection: who logged in, which view is selected (AUTH-13, VIEW-02), the peer's address."""

    user: str | None = None
    view: str | None = None
    host: str = ""  # the client's IP address, for `authtype trustlocal` (AUTH-10)


# --- formatting helpers ------------------------------------------------------------------


def _text(value: object) -> str:
    """A value interpolated into a Perl string: undef is "", numbers as Perl prints them."""
    if value is None:
        return ""
    if isinstance(value, bool | int):
        return str(int(value))
    if isinstance(value, float):
        return format_number(value)
    return str(value)


def _lines(lines: Iterator[str] | Sequence[str], status: str) -> str:
    every = list(lines)
    return "\n".join([*every, status, ""])


def view_match(config: Config, view: str | None, group: str | None, service: str | None) -> bool:
    """VIEW-03: no view shows all; else the group or `group:service` must be a member."""
    if view is None:
        return True
    members = config.views.get(view, ())
    if group is not None and group in members:
        return True
    return f"{_text(group)}:{_text(service)}" in members


def _services(facts: ServerFacts) -> Iterator[Service]:
    for watch in facts.config.watches.values():
        yield from watch.services


def _visible(facts: ServerFacts, session: Session) -> Iterator[Service]:
    if session.view is None:  # every service: no test per service
        yield from _services(facts)
        return
    for service in _services(facts):
        if view_match(facts.config, session.view, service.group, service.name):
            yield service


def _dependency_text(dependency: Dependency | None) -> str | None:
    return None if dependency is None else dependency.text


def opstatus_line(service: Service, state: ServiceState, monitor: MonitorFacts, now: int) -> str:
    """PROTO-09a: one `list opstatus` line (without its newline), fields in mon's order."""
    parts = _opstatus_parts(service, state)
    line = f"{parts.head}{_text(monitor.timer)}{parts.middle}"
    if parts.interval:
        running = int(monitor.monitor_running)
        line += f"{parts.interval} monitor_duration={monitor.monitor_duration} monitor_running={running}"
    line += parts.tail
    if state.first_failure:
        line += f" failure_duration={now - state.first_failure}"
    return line


class _OpstatusParts(NamedTuple):
    """The text of an opstatus line that depends on the service and its state alone."""

    service: Service
    state: ServiceState
    head: str  # group= ... timer=
    middle: str  # last_success= ... last_failure=
    interval: str  # " interval=N", or "" without an interval
    tail: str  # exclude_period= ... first_failure=


# Per service, the parts for its latest state: a state changes only by being replaced, so
# `list opstatus` of 10,000 services formats only the few that changed since the last one.
_OPSTATUS_PARTS: dict[tuple[str, str], _OpstatusParts] = {}


def _opstatus_parts(service: Service, state: ServiceState) -> _OpstatusParts:
    cached = _OPSTATUS_PARTS.get((service.group, service.name))
    if cached is not None and cached.state is state and cached.service is service:
        return cached
    ack_comment = esc_str(state.ack_comment, True) if state.ack != 0 else ""
    head = (
        f"group={service.group} service={service.name} opstatus={_text(state.op_status)}"
        f" last_opstatus={_text(state.last_op_status)} exitval={_text(state.exitval)} timer="
    )
    middle = [
        "",
        f"last_success={_text(state.last_success)}",
        f"last_trap={_text(state.last_trap)}",
        f"last_traphost={state.last_traphost}",
        f"last_check={_text(state.last_check)}",
        f"ack={_text(state.ack)}",
        f"ackcomment={ack_comment}",
        f"alerts_sent={alerts_sent(service, state)}",
        f"depstatus={_text(state.depend_status)}",
        f"depend={esc_str(_dependency_text(service.depend), True)}",
        f"hostdepend={esc_str(_dependency_text(service.hostdepend), True)}",
        f"monitordepend={esc_str(_dependency_text(service.monitordepend), True)}",
        f"alertdepend={esc_str(_dependency_text(service.alertdepend), True)}",
        f"monitor={esc_str(service.monitor, True)}",
        f"last_summary={esc_str(state.last_summary, True)}",
        f"last_detail={esc_str(state.last_detail, True)}",
    ]
    if state.last_failure:
        middle.append(f"last_failure={state.last_failure}")
    interval = f" interval={_text(state.interval)}" if state.interval else ""
    tail = [""]
    if service.exclude_period:
        tail.append(f"exclude_period={esc_str(service.exclude_period)}")
    if service.exclude_hosts:
        tail.append(f"exclude_hosts={esc_str(' '.join(service.exclude_hosts))}")
    if service.randskew:
        tail.append(f"randskew={_text(service.randskew)}")
    latest_alert = last_alert(state)
    if latest_alert:
        tail.append(f"last_alert={latest_alert}")
    if state.first_failure:
        tail.append(f"first_failure={state.first_failure}")
    parts = _OpstatusParts(service, state, head, " ".join(middle), interval, " ".join(tail))
    _OPSTATUS_PARTS[service.group, service.name] = parts
    return parts


def _opstatus(facts: ServerFacts, service: Service) -> str:
    return opstatus_line(service, facts.state(service), facts.monitor(service), facts.now)


def _in_class(status: OpStatus, members: frozenset[Status]) -> bool:
    """mon's `$FAILURE{status}`: a hash lookup by the status' text, so a stored name never matches."""
    if isinstance(status, str):
        if not (status.isascii() and status.isdigit() and str(int(status)) == status):
            return False
        return int(status) in members
    return status in members


# --- queries ---------------------------------------------------------------------------


def answer(query: Query, facts: ServerFacts, session: Session) -> str:
    """The whole reply to a query (auth already checked)."""
    match query:
        case Answer(reply):
            return reply
        case Servertime():
            return servertime_reply(facts.now)
        case GetView():
            return _getview(session)
        case GetMaxkeep():
            return f"maxkeep = {facts.max_keep}\n220 set completed\n"  # Q18: the `set` status line
        case Get():
            return _get(facts, query)
        case ListDescriptions():
            return _list_descriptions(facts, session)
        case ListGroup(group):
            return _list_group(facts, group)
        case ListOpstatus(selection):
            return _list_opstatus(facts, session, selection)
        case ListDisabled():
            return _list_disabled(facts, session)
        case ListAlerthist():
            return _lines((esc_str(e.line()) for e in facts.alert_history), "220 list alerthist completed")
        case ListFailurehist():
            history = facts.failure_history
            return _lines((esc_str(e.line()) for e in history), "220 list failurehist completed")
        case ListFailures():
            return _list_class(facts, session, FAILURE, "220 list failures completed")
        case ListSuccesses():
            return _list_class(facts, session, SUCCESS, "220 list successes completed")
        case ListWarnings():
            return _list_class(facts, session, WARNING, "220 list successes completed")  # Q18
        case ListPids():
            return _list_pids(facts)
        case ListWatch():
            services = _visible(facts, session)
            return _lines((f"{s.group} {s.name}" for s in services), "220 list watch completed")
        case ListState():
            return _list_state(facts)
        case ListAliases(names):
            return _list_aliases(facts, names)
        case ListAliasgroups():
            aliases = list(facts.config.aliases)
            return _lines([" ".join(aliases)] if aliases else [], "220 list aliasgroups completed")
        case ListDeps():
            return _list_deps(facts, session)
        case ListViews():
            return _list_views(facts)
    raise TypeError(f"not a query: {query!r}")


def servertime_reply(now: int, local: time.struct_time | None = None) -> str:
    """PROTO-33: `EPOCH ctime`; `local` defaults to time.localtime(now)."""
    return f"{now} {time.asctime(local or time.localtime(now))}\n220 servertime completed\n"


def _getview(session: Session) -> str:
    # PROTO-40: mon tests the view name for Perl truth, so a view named "0" reads as none.
    if perl_true(session.view):
        return f"view {session.view} selected\n220 getview completed\n"
    return _NO_VIEW + "220 getview completed\n"


def _list_descriptions(facts: ServerFacts, session: Session) -> str:
    lines = (f"{s.group} {s.name} {esc_str(s.description, True)}" for s in _visible(facts, session))
    return _lines(lines, "220 list descriptions completed")


def _shown_hosts(facts: ServerFacts, hosts: Sequence[str]) -> list[str]:
    return [f"*{host}" if host in facts.disabled_hosts else host for host in hosts]


def _list_group(facts: ServerFacts, name: str | None) -> str:
    group = facts.config.hostgroups.get(name) if name is not None else None
    if group is None:
        return "520 list group error, undefined group\n"
    members = " ".join(_shown_hosts(facts, group.hosts))
    return f"hostgroup {group.name} {members}\n220 list group completed\n"


def _list_opstatus(
    facts: ServerFacts, session: Session, selection: tuple[tuple[str | None, str | None], ...] | None
) -> str:
    config = facts.config
    if selection is None:
        state, monitor, now = facts.state, facts.monitor, facts.now
        every = [opstatus_line(s, state(s), monitor(s), now) for s in _visible(facts, session)]
        return _lines(every, "220 list opstatus completed")
    for group, name in selection:
        if name and config.service(_text(group), name) is None:
            # Q19: mon names the last pair of the request, not the bad one.
            last_group, last_name = selection[-1]
            return f"520 {_text(last_group)},{_text(last_name)} does not exist\n"
    lines: list[str] = []
    for group, name in selection:
        if name:
            service = config.service(_text(group), name)
            assert service is not None
            lines.append(_opstatus(facts, service))
        else:
            watch = config.watches.get(_text(group))
            lines.extend(_opstatus(facts, s) for s in (watch.services if watch else ()))
    return _lines(lines, "220 list opstatus completed")


def _list_disabled(facts: ServerFacts, session: Session) -> str:
    config, lines = facts.config, []
    for group in config.hostgroups.values():
        if view_match(config, session.view, group.name, None):
            disabled = [host[1:] for host in _shown_hosts(facts, group.hosts) if host.startswith("*")]
            if disabled:
                lines.append(f"group {group.name}: {' '.join(disabled)}")
    for watch in config.watches.values():
        if view_match(config, session.view, watch.group, None) and watch.group in facts.disabled_watches:
            lines.append(f"watch {watch.group}")
        for service in watch.services:
            if view_match(config, session.view, watch.group, service.name) and facts.state(service).disabled:
                lines.append(f"watch {watch.group} service {service.name}")
    return _lines(lines, "220 list disabled completed")


def _list_class(facts: ServerFacts, session: Session, members: frozenset[Status], status: str) -> str:
    lines = (
        _opstatus(facts, s) for s in _visible(facts, session) if _in_class(facts.state(s).op_status, members)
    )
    return _lines(lines, status)


def _list_pids(facts: ServerFacts) -> str:
    lines = [f"server {facts.pid}"] + [f"{m.group} {m.service} {m.pid}" for m in facts.running]
    return _lines(lines, "220 list pids completed")


def _list_state(facts: ServerFacts) -> str:
    if facts.stopped_since is None:
        return "scheduler running\n220 list state completed\n"
    return f"scheduler stopped since {facts.stopped_since}\n220 list state completed\n"


def _list_aliases(facts: ServerFacts, names: tuple[str, ...]) -> str:
    aliases = facts.config.aliases
    lines: list[str] = []
    for name in names or tuple(aliases):
        # PROTO-19: an unknown name gets its header and blank line too.
        lines += [f"alias {name}", *aliases.get(name, ()), ""]
    return _lines(lines, "220 list aliases completed")


_DEPEND_REFERENCE = re.compile(r"[a-zA-Z0-9_.-]+:[a-zA-Z0-9_.-]+", re.ASCII)


def _list_deps(facts: ServerFacts, session: Session) -> str:
    lines: list[str] = []
    # Q21: mon filters with variables that are never set, so any view hides every service
    # (unless the view has the odd member ":").
    if view_match(facts.config, session.view, None, None):
        for service in _services(facts):
            g, s, depend = service.group, service.name, _dependency_text(service.depend) or ""
            lines.append(f"exp {g} {s} '{esc_str(depend, True)}'" if depend else f"exp {g} {s} 'NONE'")
            references = _DEPEND_REFERENCE.findall(depend)
            lines.append(f"cmp {g} {s} {' '.join(references) if references else 'NONE'}")
    return _lines(lines, "220 list deps completed")


def _list_views(facts: ServerFacts) -> str:
    names = sorted(facts.config.views, key=to_bytes)  # Perl's sort compares bytes
    return f"views {' '.join(names)}\n220 list group completed\n"  # Q18: the `list group` status line


def _get(facts: ServerFacts, query: Get) -> str:
    service = facts.config.service(_text(query.group), _text(query.service))
    if service is None:
        return f"520 {_text(query.group)},{_text(query.service)} not defined\n"
    value = service_variable(facts, service, _text(query.var))
    return get_reply(service.group, service.name, query.var, value)


def get_reply(group: str, service: str, var: str | None, value: str | None) -> str:
    """PROTO-38: `G S VAR='ESCAPED VALUE'` (undef shows as '')."""
    return f"{group} {service} {_text(var)}='{esc_str(value, True)}'\n220 get completed\n"


# The service hash keys mon keeps a service's state under (SVC-01), from ServiceState.
_STATE_KEYS: Mapping[str, Callable[[ServiceState], object]] = MappingProxyType(
    {
        "_op_status": lambda s: s.op_status,
        "_last_op_status": lambda s: s.last_op_status,
        "_exitval": lambda s: s.exitval,
        "_ack": lambda s: s.ack,
        "_ack_comment": lambda s: s.ack_comment,
        "_consec_failures": lambda s: s.consec_failures,
        "_failure_count": lambda s: s.failure_count,
        "_alert_count": lambda s: s.alert_count,
        "_first_failure": lambda s: s.first_failure,
        "_last_failure": lambda s: s.last_failure,
        "_last_success": lambda s: s.last_success,
        "_last_summary": lambda s: s.last_summary,
        "_last_detail": lambda s: s.last_detail,
        "_last_output": lambda s: s.last_output,
        "_failure_output": lambda s: s.failure_output,
        "_depend_status": lambda s: s.depend_status,
        "_last_check": lambda s: s.last_check,
        "_last_trap": lambda s: s.last_trap,
        "_last_traphost": lambda s: s.last_traphost,
        "_last_uptrap": lambda s: s.last_uptrap,
        "_last_failure_time": lambda s: s.last_failure_time,
        "_last_failure_summary": lambda s: s.last_failure_summary,
        "_last_failure_detail": lambda s: s.last_failure_detail,
        "interval": lambda s: s.interval,  # the interval in force: failure_interval while failing
        "disable": lambda s: s.disabled,  # undef until the first disable or enable, then 1 or 0
    }
)
_MONITOR_KEYS: Mapping[str, Callable[[MonitorFacts], object]] = MappingProxyType(
    {
        "_timer": lambda m: m.timer,
        "_monitor_duration": lambda m: m.monitor_duration,
        "_monitor_running": lambda m: m.monitor_running,
    }
)
# Keys holding a Perl hash; ENV only exists once the service has a VAR=value line.
_HASH_KEYS = frozenset({"ENV", "exclude_hosts", "periods"})


def service_variable(facts: ServerFacts, service: Service, var: str) -> str | None:
    """The value of mon's service hash key VAR, as `get G S VAR` reads it (None: undef).

    Keys `set` stored (`facts.variables`) win; then the state's underscore keys,
    the scheduler's, and the config keywords as mon stored them. A hash reads
    as Perl prints a reference, `HASH(0x...)` (the address is made up but stable).
    """
    stored = facts.variables.get((service.group, service.name), {})
    if var in stored:
        return stored[var]
    if var in _STATE_KEYS:
        return _text_or_none(_STATE_KEYS[var](facts.state(service)))
    if var in _MONITOR_KEYS:
        return _text_or_none(_MONITOR_KEYS[var](facts.monitor(service)))
    if var in _HASH_KEYS and (var != "ENV" or "ENV" in service.settings):
        address = 0x550000000000 + zlib.crc32(f"{service.group}/{service.name}/{var}".encode()) * 8
        return f"HASH(0x{address:x})"
    return service.settings.get(var)


def _text_or_none(value: object) -> str | None:
    return None if value is None else _text(value)


# --- replies to the other commands ----------------------------------------------------


def login_reply(accepted: bool) -> str:
    """PROTO-05; on failure the session keeps its previous user (AUTH-13)."""
    return "220 login accepted\n" if accepted else "530 login unsuccessful\n"


def checkauth_reply(allowed: bool) -> str:
    """PROTO-06: check_auth(user, action.command) without syslog of the denial."""
    return "220 command authorized\n" if allowed else "520 command could not be executed\n"


def reset_reply(ok: bool, pid: int, hostname: str) -> str:
    """PROTO-41: ok is False when the config could not be read (the old one is kept)."""
    if ok:
        return f"220 reset PID {pid}@{hostname}\n"
    return f"520 reset PID {pid}@{hostname} failed, error in config file\n"


def reload_reply(action: Reload) -> str:
    """PROTO-42: reload auth.cf first if `action.loads_auth`; any word but `auth` is an error."""
    return "220 reload completed\n" if action.known else "520 unknown reload command\n"


def clear_timers_reply(known: bool) -> str:
    """PROTO-43: known is whether the watch has that service."""
    return "220 clear timers completed\n" if known else "520 unknown group\n"


def test_monitor_reply(action: TestMonitor, known: bool) -> str:
    """PROTO-44: an unknown service gets a bare data line and still the 220 (Q17)."""
    line = "" if known else f"{_text(action.group)} {_text(action.service)} not defined\n"
    return line + "220 test monitor completed\n"


def test_alert_period(service: Service, action: TestAlert) -> Period | None:
    """The period `test KIND G S RETVAL PERIOD` names: its key is the label or the whole spec."""
    return next((period for period in service.periods if period.label == action.period), None)


def test_alert_reply(action: TestAlert, service: Service | None) -> str:
    """PROTO-45: the server sends the alerts (engine.send_test_alert) only when this is a 220."""
    if service is None:
        return f"520 {_text(action.group)} {_text(action.service)} not defined\n"
    if test_alert_period(service, action) is None:
        return "520 period not defined\n"
    return "220 test alert completed\n"


def test_config_reply(error: str | None) -> str:
    """PROTO-46: `error` is the message the config reader gives (`cf error: ..., line N`)."""
    if error is None:
        return "220 test config completed OK, no errors found\n"
    return f"{error}\n520 test config completed, errors found in config file\n"


def select_view(action: SetView, session: Session, config: Config) -> tuple[Session, str]:
    """PROTO-39: the session with the view chosen, and the reply. An unknown view changes nothing."""
    if action.view is None:
        return replace(session, view=None), _NO_VIEW + "220 setview completed\n"
    if action.view not in config.views:
        return session, f"504 unknown view {action.view}\n"
    return replace(session, view=action.view), f"selecting view {action.view}\n220 setview completed\n"


def set_maxkeep_reply() -> str:
    return "220 set completed\n"


def set_opstatus_reply(action: SetOpstatus, known: bool) -> str:
    """PROTO-36: when this is a 220 the engine stores `action.name` itself as the status (Q20)."""
    if not known:
        return f"520 {_text(action.group)},{_text(action.service)} not defined\n"
    if not action.valid:
        return "520 undefined opstatus\n"
    return "220 set completed\n"


def set_variable_reply(action: SetVariable, known: bool) -> str:
    """PROTO-35: the value is echoed unescaped, even when it holds a newline (as mon does)."""
    if not known:
        return f"520 {_text(action.group)},{_text(action.service)} not defined\n"
    return f"{action.group} {action.service} {_text(action.var)}='{_text(action.value)}'\n220 set completed\n"


def ack_comment(user: str | None, comment: str | None) -> str:
    """PROTO-25: the stored comment `USER: WORD`, WORD the first shell word, unescaped (Q16)."""
    return f"{_text(user)}: {_text(un_esc_str(first_word(comment)))}"


def ack_reply(group_known: bool, service_known: bool, ackable: bool) -> str:
    """PROTO-25. `ackable` is engine.can_acknowledge(state) of a known service.

    Q15: for an unknown group or service mon answers twice, `520 unknown group`
    (or `service`) and then `220 ack completed`, because it goes on to ack a
    service it has just invented. pymon sends both lines, but invents nothing.
    """
    if not group_known:
        return "520 unknown group\n220 ack completed\n"
    if not service_known:
        return "520 unknown service\n220 ack completed\n"
    return "220 ack completed\n" if ackable else "520 service is in a non-failure state\n"


def disable_watch_reply(action: DisableWatch, known: bool) -> str:
    if not known:
        return f'520 disable error, unknown watch "{_text(action.watch)}"\n'
    return "220 disable watch completed\n"


def disable_service_reply(known: bool) -> str:
    return "220 disable service completed\n" if known else "520 disable error, unknown service\n"


def disable_host_reply(unknown_hosts: Sequence[str]) -> str:
    """PROTO-28: when any host is unknown nothing is disabled."""
    if unknown_hosts:
        return f"520 disable host failed, host(s) {' '.join(unknown_hosts)} do not exist\n"
    return "220 disable host completed\n"


def enable_watch_reply(known: bool) -> str:
    return "220 enable watch completed\n" if known else "520 enable error, unknown watch\n"


def enable_service_reply(known: bool) -> str:
    # mon's wording: `enable completed`, and `unknown group` also for an unknown service.
    return "220 enable completed\n" if known else "520 enable error, unknown group\n"


def enable_host_reply() -> str:
    """PROTO-31: unknown hosts are ignored."""
    return "220 enable completed\n"


def list_dtlog(dtlogging: bool, text: str | None) -> str:
    """PROTO-22: the downtime log's lines that are neither comments nor blank, verbatim.

    `text` is the file's content, None if it could not be opened. Lines keep
    their own line ends, so a last line without one runs into the status line,
    as in mon.
    """
    if not dtlogging:
        return "520 list dtlog error, dtlogging is not turned on\n"
    if text is None:
        return "520 list dtlog error, cannot open dtlog\n"
    pieces = text.split("\n")  # Perl reads lines up to each "\n" only
    lines = [f"{piece}\n" for piece in pieces[:-1]] + ([pieces[-1]] if pieces[-1] else [])
    kept = (line for line in lines if not line.startswith("#") and line.strip(PERL_SPACE) != "")
    return "".join(kept) + "220 list dtlog completed\n"
