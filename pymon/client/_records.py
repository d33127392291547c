"""What the server's list/get replies mean: frozen records and the pure parsers that build them.

Every parser takes the data lines of one reply (already decoded) and returns
records; nothing here touches a socket. Where Mon::Client parses a reply
wrongly, the parser here does what the reply means and says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from pymon.escape import un_esc_str

from ._errors import MonResponseError

__all__ = [
    "AlertHistoryEntry", "Alias", "AliasService", "AliasWatch", "ConfigCheck", "Dependency",
    "Disabled", "DowntimeEntry", "FailureHistoryEntry", "Group", "OpStatus", "Pids",
    "SchedulerState", "ServerTime", "ServiceKey", "unquote",
]  # fmt: skip

ServiceKey = tuple[str, str]  # (group, service): a watch and one of its services

# Mon's opstatus numbers (STAT-01), for OpStatus.status_name.
STATUS_NAMES: Mapping[int, str] = MappingProxyType({
    0: "fail", 1: "ok", 2: "coldstart", 3: "warmstart", 4: "linkdown", 5: "unknown",
    6: "timeout", 7: "untested", 8: "dependency", 9: "warn",
})  # fmt: skip


def unquote(text: str) -> str:
    """The inverse of mon's esc_str(value, inquotes=True): `\\\\` -> `\\`, `\\xx` -> byte xx.

    Mon::Client only decodes `\\xx` (un_esc_str), so a backslash in a
    description, summary or `get` value comes back doubled from it; here it
    comes back as the server holds it (PROTO-54).
    """
    if "\\" not in text:
        return text
    raw = text.encode("utf-8", "surrogateescape")
    out = bytearray()
    i = 0
    while i < len(raw):
        if raw[i : i + 2] == b"\\\\":
            out += b"\\"
            i += 2
        elif raw[i : i + 1] == b"\\" and re.fullmatch(rb"[0-9a-f]{2}", raw[i + 1 : i + 3]):
            out.append(int(raw[i + 1 : i + 3], 16))
            i += 3
        else:
            out.append(raw[i])
            i += 1
    return out.decode("utf-8", "surrogateescape")


def _unesc(text: str) -> str:
    return un_esc_str(text) or ""


def _int(text: str | None) -> int | None:
    """A number field: None when absent, empty or `undef`; fractions are cut as Perl's int() does."""
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return int(float(text))
    except ValueError:
        return None


# ---------------------------------------------------------------------------
# list opstatus / failures / successes / warnings (PROTO-09a)
# ---------------------------------------------------------------------------
_FIELD = re.compile(r"\s*([^=]+)=(?:'([^']*)'|(\S*))")
# Fields the server writes with esc_str(value, inquotes=True); the rest are numbers or exclude_*.
_QUOTED_FIELDS = frozenset({
    "ackcomment", "depend", "hostdepend", "monitordepend", "alertdepend", "monitor",
    "last_summary", "last_detail",
})  # fmt: skip


def opstatus_fields(line: str) -> dict[str, str]:
    """One opstatus line as name -> decoded value, read as Mon::Client's _opstatus_to_vars reads it."""
    fields: dict[str, str] = {}
    pos = 0
    while (match := _FIELD.match(line, pos)) and match.end() > pos:
        name = match.group(1)
        value = match.group(2) if match.group(2) is not None else match.group(3)
        fields[name] = unquote(value) if name in _QUOTED_FIELDS else _unesc(value)
        pos = match.end()
    return fields


@dataclass(frozen=True)
class OpStatus:
    """One service's operational status. `fields` holds every field, decoded, as sent."""

    group: str
    service: str
    opstatus: int | None  # STAT-01 number (None if the server sent something else)
    last_opstatus: int | None
    exitval: int | None  # None before the first result (`undef`)
    timer: int | None  # seconds until the next check
    last_success: int | None
    last_failure: int | None
    last_check: int | None  # None before the first check
    last_trap: int | None
    ack: int  # the ack time, 0 when not acknowledged
    ackcomment: str
    alerts_sent: int
    depstatus: int | None
    depend: str
    monitor: str
    last_summary: str
    last_detail: str
    interval: int | None
    monitor_running: bool | None
    first_failure: int | None
    failure_duration: int | None
    last_alert: int | None
    fields: Mapping[str, str] = field(repr=False, compare=True)

    @property
    def key(self) -> ServiceKey:
        return (self.group, self.service)

    @property
    def status_name(self) -> str:
        """`ok`, `fail`, `untested` ... (the Mon::Client %OPSTAT name, `warn` for 9)."""
        return STATUS_NAMES.get(self.opstatus, "unknown") if self.opstatus is not None else "unknown"

    @property
    def acked(self) -> bool:
        return self.ack != 0

    @classmethod
    def parse(cls, line: str) -> OpStatus:
        f = opstatus_fields(line)
        if not f.get("group") or not f.get("service"):
            raise MonResponseError(f"opstatus line without group or service: {line!r}")
        running = f.get("monitor_running")
        is_running = None if running is None else running not in ("", "0")
        return cls(
            group=f["group"], service=f["service"], opstatus=_int(f.get("opstatus")),
            last_opstatus=_int(f.get("last_opstatus")), exitval=_int(f.get("exitval")),
            timer=_int(f.get("timer")), last_success=_int(f.get("last_success")),
            last_failure=_int(f.get("last_failure")), last_check=_int(f.get("last_check")),
            last_trap=_int(f.get("last_trap")), ack=_int(f.get("ack")) or 0,
            ackcomment=f.get("ackcomment", ""), alerts_sent=_int(f.get("alerts_sent")) or 0,
            depstatus=_int(f.get("depstatus")), depend=f.get("depend", ""), monitor=f.get("monitor", ""),
            last_summary=f.get("last_summary", ""), last_detail=f.get("last_detail", ""),
            interval=_int(f.get("interval")), monitor_running=is_running,
            first_failure=_int(f.get("first_failure")), failure_duration=_int(f.get("failure_duration")),
            last_alert=_int(f.get("last_alert")), fields=MappingProxyType(f),
        )  # fmt: skip


def parse_opstatus(lines: Sequence[str]) -> dict[ServiceKey, OpStatus]:
    statuses = (OpStatus.parse(line) for line in lines)
    return {status.key: status for status in statuses}


# ---------------------------------------------------------------------------
# the other lists
# ---------------------------------------------------------------------------
def _words(line: str, limit: int) -> list[str]:
    """Perl's split(/\\s+/, line, limit) for a line without leading white space."""
    return re.split(r"\s+", line, maxsplit=limit - 1)


def parse_descriptions(lines: Sequence[str]) -> dict[ServiceKey, str]:
    """`G S ESCDESC` lines (PROTO-07)."""
    found = {}
    for line in lines:
        parts = _words(line, 3)
        if len(parts) < 2:
            raise MonResponseError(f"bad description line {line!r}")
        found[parts[0], parts[1]] = unquote(parts[2]) if len(parts) == 3 else ""
    return found


@dataclass(frozen=True)
class Dependency:
    """A service's `depend` expression (None when it has none) and its G:S components (PROTO-21)."""

    expression: str | None = None
    components: tuple[str, ...] = ()


def parse_deps(lines: Sequence[str]) -> dict[ServiceKey, Dependency]:
    expressions: dict[ServiceKey, str | None] = {}
    components: dict[ServiceKey, tuple[str, ...]] = {}
    for line in lines:
        parts = _words(line, 4)
        if len(parts) < 4 or parts[0] not in ("exp", "cmp"):
            raise MonResponseError(f"bad deps line {line!r}")
        kind, group, service, rest = parts
        if kind == "exp":
            # the expression comes in single quotes; NONE means no dependency
            quoted = rest[1:-1] if len(rest) >= 2 and rest[0] == rest[-1] == "'" else rest
            expressions[group, service] = None if quoted == "NONE" else unquote(quoted)
        else:
            components[group, service] = () if rest == "NONE" else tuple(rest.split())
    return {
        key: Dependency(expressions.get(key), components.get(key, ()))
        for key in [*expressions, *(k for k in components if k not in expressions)]
    }


@dataclass(frozen=True)
class Group:
    """A hostgroup's members in order; `disabled` are the hosts the server shows with `*` (PROTO-08)."""

    name: str
    hosts: tuple[str, ...]
    disabled: frozenset[str] = frozenset()


def parse_group(name: str, lines: Sequence[str]) -> Group:
    prefix = f"hostgroup {name}"
    if len(lines) != 1 or not (lines[0] == prefix or lines[0].startswith(prefix + " ")):
        raise MonResponseError(f"bad list group reply {list(lines)!r}")
    members = lines[0][len(prefix) :].split()
    hosts = tuple(m.removeprefix("*") for m in members)
    return Group(name, hosts, frozenset(m[1:] for m in members if m.startswith("*")))


@dataclass(frozen=True)
class Disabled:
    """What is disabled (PROTO-10): hosts per group, whole watches, single services."""

    hosts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    watches: frozenset[str] = frozenset()
    services: frozenset[ServiceKey] = frozenset()

    @property
    def empty(self) -> bool:
        return not (self.hosts or self.watches or self.services)


def parse_disabled(lines: Sequence[str]) -> Disabled:
    hosts: dict[str, tuple[str, ...]] = {}
    watches: set[str] = set()
    services: set[ServiceKey] = set()
    for line in lines:
        if m := re.match(r"group (\S+): (.*)$", line):
            hosts[m.group(1)] = tuple(m.group(2).split())
        elif m := re.match(r"watch (\S+) service (\S+)$", line):
            services.add((m.group(1), m.group(2)))
        elif m := re.match(r"watch (\S+)", line):
            watches.add(m.group(1))
    return Disabled(MappingProxyType(hosts), frozenset(watches), frozenset(services))


@dataclass(frozen=True)
class AlertHistoryEntry:
    """One `list alerthist` entry: `TYPE G S TIME ALERT (ARGS) SUMMARY` (LOG-04)."""

    type: str
    group: str
    service: str
    time: int
    alert: str
    args: str
    summary: str


_ALERTHIST = re.compile(r"(\S+)\s+(\S+)\s+(\S+)\s+(\d+)\s+(\S+)\s+\(([^)]*)\)\s+(.*)$", re.DOTALL)


def _matched(pattern: re.Pattern[str], lines: Sequence[str], what: str) -> Iterator[tuple[str, ...]]:
    """The groups of PATTERN in each decoded line; MonResponseError naming WHAT for a line it misses."""
    for line in lines:
        m = pattern.match(_unesc(line))
        if m is None:
            raise MonResponseError(f"bad {what} line {line!r}")
        yield m.groups()


def parse_alerthist(lines: Sequence[str]) -> list[AlertHistoryEntry]:
    return [
        AlertHistoryEntry(kind, group, service, int(when), alert, args, summary)
        for kind, group, service, when, alert, args, summary in _matched(_ALERTHIST, lines, "alerthist")
    ]


@dataclass(frozen=True)
class FailureHistoryEntry:
    """One `list failurehist` entry: `G S TIME SUMMARY` (LOG-05)."""

    group: str
    service: str
    time: int
    summary: str


def parse_failurehist(lines: Sequence[str]) -> list[FailureHistoryEntry]:
    """Mon::Client splits the still-escaped line (its group field swallows the rest); this decodes first."""
    entries = []
    for line in lines:
        parts = _words(_unesc(line), 4)
        if len(parts) < 3 or _int(parts[2]) is None:
            raise MonResponseError(f"bad failurehist line {line!r}")
        summary = parts[3] if len(parts) > 3 else ""
        entries.append(FailureHistoryEntry(parts[0], parts[1], int(parts[2]), summary))
    return entries


@dataclass(frozen=True)
class DowntimeEntry:
    """One downtime-log line: `TIMEUP G S FIRSTFAIL DOWNTIME INTERVAL SUMMARY` (LOG-08)."""

    timeup: int
    group: str
    service: str
    failtime: int
    downtime: int
    interval: int
    summary: str


_DTLOG = re.compile(r"(\d+)\s+(\S+)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(.*)$", re.DOTALL)


def parse_dtlog(lines: Sequence[str]) -> list[DowntimeEntry]:
    return [
        DowntimeEntry(int(up), group, service, int(failed), int(down), int(interval), summary)
        for up, group, service, failed, down, interval, summary in _matched(_DTLOG, lines, "dtlog")
    ]


@dataclass(frozen=True)
class Pids:
    """The server's pid and the pid of every running monitor (PROTO-16)."""

    server: int
    monitors: Mapping[ServiceKey, int] = field(default_factory=dict)


def parse_pids(lines: Sequence[str]) -> Pids:
    server = None
    monitors: dict[ServiceKey, int] = {}
    for line in lines:
        parts = line.split()
        if len(parts) == 2 and parts[0] == "server" and parts[1].isdigit():
            server = int(parts[1])
        elif len(parts) == 3 and parts[2].isdigit():
            monitors[parts[0], parts[1]] = int(parts[2])
        else:
            raise MonResponseError(f"bad pids line {line!r}")
    if server is None:
        raise MonResponseError("list pids named no server pid")
    return Pids(server, MappingProxyType(monitors))


@dataclass(frozen=True)
class SchedulerState:
    """`list state` (PROTO-18): running, or stopped since a time."""

    running: bool
    stopped_since: int | None = None


def parse_state(lines: Sequence[str]) -> SchedulerState:
    text = lines[0] if lines else ""
    if text == "scheduler running":
        return SchedulerState(True)
    if m := re.fullmatch(r"scheduler stopped since (\d+)", text):
        return SchedulerState(False, int(m.group(1)))
    raise MonResponseError(f"bad list state reply {list(lines)!r}")


def parse_views(lines: Sequence[str]) -> list[str]:
    if len(lines) != 1 or not lines[0].startswith("views"):
        raise MonResponseError(f"bad list views reply {list(lines)!r}")
    return lines[0].split()[1:]


@dataclass(frozen=True)
class AliasWatch:
    group: str
    service: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class AliasService:
    """A `service NAME` block inside an alias: its `watch G service S items ...` lines and `url`."""

    name: str
    watches: tuple[AliasWatch, ...] = ()
    url: str | None = None


@dataclass(frozen=True)
class Alias:
    """An alias record (CFG-08): its lines verbatim, and the conventional structure read from them."""

    name: str
    lines: tuple[str, ...]

    @property
    def declaration(self) -> str:
        """The lines before the first `service` line (a description, by convention)."""
        head = []
        for line in self.lines:
            if re.match(r"service\b", line):
                break
            head.append(line)
        return "\n".join(head)

    @property
    def services(self) -> tuple[AliasService, ...]:
        found: list[AliasService] = []
        for line in self.lines:
            if m := re.match(r"service\s*(.*)$", line):
                found.append(AliasService(m.group(1)))
            elif found and (m := re.match(r"watch\s+(\S+)\s+service\s+(\S+)\s+items\s*(.*)$", line)):
                watch = AliasWatch(m.group(1), m.group(2), tuple(m.group(3).split()))
                last = found[-1]
                found[-1] = AliasService(last.name, (*last.watches, watch), last.url)
            elif found and (m := re.match(r"url\s+(.*)$", line)):
                found[-1] = AliasService(found[-1].name, found[-1].watches, m.group(1))
        return tuple(found)


def parse_aliases(lines: Sequence[str]) -> dict[str, Alias]:
    """`alias NAME`, its lines, an empty line; repeated (PROTO-19)."""
    aliases: dict[str, Alias] = {}
    name: str | None = None
    body: list[str] = []
    for line in lines:
        if name is None:
            if not line.startswith("alias "):
                raise MonResponseError(f"bad list aliases line {line!r}")
            name, body = line[len("alias ") :], []
        elif line == "":
            aliases[name] = Alias(name, tuple(body))
            name = None
        else:
            body.append(line)
    if name is not None:
        aliases[name] = Alias(name, tuple(body))
    return aliases


@dataclass(frozen=True)
class ServerTime:
    """`servertime` (PROTO-33): the server's clock as epoch seconds and as its local-time text."""

    epoch: int
    local: str


def parse_servertime(lines: Sequence[str]) -> ServerTime:
    m = re.fullmatch(r"(\d+) (.*)", lines[0] if lines else "")
    if m is None:
        raise MonResponseError(f"bad servertime reply {list(lines)!r}")
    return ServerTime(int(m.group(1)), m.group(2))


@dataclass(frozen=True)
class ConfigCheck:
    """`test config` (PROTO-46): whether the server's config file parses, and its error lines if not."""

    ok: bool
    errors: tuple[str, ...] = ()
    status: str = ""


def parse_get(lines: Sequence[str]) -> str:
    """`G S VAR='value'` (PROTO-38): the value, decoded."""
    parts = _words(lines[0], 3) if len(lines) == 1 else []
    if len(parts) != 3 or "=" not in parts[2]:
        raise MonResponseError(f"bad get reply {list(lines)!r}")
    value = parts[2].split("=", 1)[1]
    if len(value) >= 2 and value[0] == value[-1] == "'":
        value = value[1:-1]
    return unquote(value)
