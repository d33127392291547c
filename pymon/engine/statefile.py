"""Saved state: mon's two files in the state directory (STATE-01..04).

* `STATEDIR/disabled` holds `disable host H`, `disable watch G` and
  `disable service G S` lines (STATE-01): replaying them restores what was
  disabled.
* `STATEDIR/opstatus` holds one line per service, tab-separated `var=value`
  fields after `group=G` and `service=S`, values hex-escaped by `esc_str`
  (STATE-02): status, counters, summaries, the acknowledgement and each
  period's alert bookkeeping.

The files are mon's, byte for byte, so mon and pymon read each other's.
pymon writes them atomically (a temporary file in the same directory, fsync,
rename) where mon truncates them in place. A file that is truncated or holds
garbage is reported with its name and line and then ignored as a whole, where
mon would apply what it could make of it; either way it never stops the
daemon.

Where pymon reads a field differently from mon: mon splits `var=value` at
the *last* `=`, so a summary holding `=` (which esc_str leaves alone) loads
into a key nobody reads and the summary is lost; pymon splits at the first.

When they are written: `savestate`, and `disabled` after every disable or
enable that worked (STATE-01). mon saves nothing when it exits, and its docs
promise nothing there, so neither does pymon.

`save_state` and `load_state` are what `savestate`, `loadstate` and `-l`
call; the engine hands over and takes back its state through
`Engine.disabled_state`, `restore_disabled`, `opstatus_state` and
`restore_opstatus`.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Final, TypeVar

from pymon.config.model import Service
from pymon.engine.states import PeriodState, ServiceState
from pymon.escape import esc_str, un_esc_str

if TYPE_CHECKING:
    from pymon.engine.engine import Engine

__all__ = [
    "OPSTATUS_VARS",
    "PERIOD_VARS",
    "DisabledState",
    "SavedService",
    "StateFileError",
    "format_disabled",
    "format_opstatus",
    "load_state",
    "parse_disabled",
    "parse_opstatus",
    "restored_state",
    "save_state",
    "saved_service",
    "write_atomically",
]

# STATE-02: the service variables in mon's order, then each period's.
T = TypeVar("T")

OPSTATUS_VARS: Final = (
    "op_status", "failure_count", "alert_count", "last_success", "first_success",
    "consec_failures", "last_failure", "first_failure", "last_summary",
    "last_failure_time", "last_failure_summary", "last_failure_detail",
    "last_detail", "ack", "ack_comment", "last_trap", "last_traphost", "exitval",
    "last_check", "last_op_status", "failure_output", "trap_timer",
)  # fmt: skip
PERIOD_VARS: Final = ("last_alert", "alert_sent", "1stfailtime", "failcount")

DISABLED_FILE: Final = "disabled"
OPSTATUS_FILE: Final = "opstatus"


class StateFileError(Exception):
    """A state file that cannot be trusted: where and why."""

    def __init__(self, path: str, line: int, reason: str) -> None:
        super().__init__(f"state file {path}, line {line}: {reason}; the file is ignored")


# --- the disabled file ---------------------------------------------------------------


@dataclass(frozen=True)
class DisabledState:
    """What `disabled` holds, each in the order it is written and replayed."""

    hosts: tuple[str, ...] = ()  # once per hostgroup holding the host, as mon writes them
    watches: tuple[str, ...] = ()
    services: tuple[tuple[str, str], ...] = ()


def format_disabled(state: DisabledState) -> str:
    lines = [f"disable host {host}\n" for host in state.hosts]
    lines += [f"disable watch {watch}\n" for watch in state.watches]
    lines += [f"disable service {group} {service}\n" for group, service in state.services]
    return "".join(lines)


_SPACE = re.compile(r"[ \t\n\r\f\v]+")


def parse_disabled(text: str, path: str) -> DisabledState:
    """The lines of a `disabled` file; StateFileError if one is not a disable line."""
    hosts: list[str] = []
    watches: list[str] = []
    services: list[tuple[str, str]] = []
    for number, line in _lines(text, path):
        if not line.strip() or line.startswith("#"):
            continue
        words = _SPACE.split(line, maxsplit=2)  # mon: split(/\s+/, $l, 3)
        what, args = [*words, "", ""][1:3]
        if words[0] != "disable" or not args:
            raise StateFileError(path, number, f"not a disable line: {line[:80]!r}")
        if what == "host":
            hosts.append(args)
        elif what == "watch":
            watches.append(args)
        elif what == "service":
            group, service = [*_SPACE.split(args, maxsplit=1), ""][:2]
            services.append((group, service))
        else:
            raise StateFileError(path, number, f"not a disable line: {line[:80]!r}")
    return DisabledState(tuple(hosts), tuple(watches), tuple(services))


# --- the opstatus file ---------------------------------------------------------------


@dataclass(frozen=True)
class SavedService:
    """One line of `opstatus`: values unescaped, None where mon writes an empty value."""

    group: str
    service: str
    values: tuple[tuple[str, str | None], ...]  # (var, value)
    periods: tuple[tuple[str, str, str | None], ...] = ()  # (period key, var, value)


def format_opstatus(services: Iterable[SavedService]) -> str:
    lines = []
    for saved in services:
        fields = [f"group={saved.group}", f"service={saved.service}"]
        fields += [f"{var}={esc_str(value)}" for var, value in saved.values]
        fields += [f"{key}:{var}={esc_str(value)}" for key, var, value in saved.periods]
        lines.append("\t".join(fields) + "\n")
    return "".join(lines)


# `PERIOD:var=value` or `var=value`: the key ends at the first `=` (mon: the last one).
_FIELD = re.compile(r"(?:(?P<period>[^=]*):)?(?P<var>[0-9A-Za-z_]+)=(?P<value>.*)", re.DOTALL)


def parse_opstatus(text: str, path: str) -> list[SavedService]:
    """The lines of an `opstatus` file; StateFileError if one is not a service line."""
    found: list[SavedService] = []
    for number, line in _lines(text, path):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < 2 or not fields[0].startswith("group=") or not fields[1].startswith("service="):
            raise StateFileError(path, number, f"not a service line: {line[:80]!r}")
        values: list[tuple[str, str | None]] = []
        periods: list[tuple[str, str, str | None]] = []
        for field in fields[2:]:
            match = _FIELD.fullmatch(field)
            if match is None:
                raise StateFileError(path, number, f"field {field[:40]!r} is not var=value")
            period, var, value = match.group("period"), match.group("var"), un_esc_str(match.group("value"))
            if period is None and var in OPSTATUS_VARS:
                values.append((var, value or None))
            elif period is not None and var in PERIOD_VARS:
                periods.append((period, var, value or None))
            else:
                raise StateFileError(path, number, f"unknown variable {field.split('=', 1)[0][:40]!r}")
        found.append(SavedService(fields[0][6:], fields[1][8:], tuple(values), tuple(periods)))
    return found


def _lines(text: str, path: str) -> Iterable[tuple[int, str]]:
    """(number, line) without line ends; a last line without "\\n" means the file was cut short."""
    lines = text.split("\n")
    if lines[-1]:
        raise StateFileError(path, len(lines), "the last line has no line end (the file is truncated)")
    return enumerate(lines[:-1], start=1)


# --- a service's state as opstatus fields, and back -----------------------------------


def _text(value: object) -> str | None:
    return None if value is None else str(int(value) if isinstance(value, bool) else value)


def saved_service(service: Service, state: ServiceState) -> SavedService:
    """`state` as the fields mon writes (`first_success` and `trap_timer` pymon does not keep)."""
    held: dict[str, object] = {
        "op_status": state.op_status, "failure_count": state.failure_count,
        "alert_count": state.alert_count, "last_success": state.last_success,
        "consec_failures": state.consec_failures, "last_failure": state.last_failure,
        "first_failure": state.first_failure, "last_summary": state.last_summary,
        "last_failure_time": state.last_failure_time,
        "last_failure_summary": state.last_failure_summary,
        "last_failure_detail": state.last_failure_detail, "last_detail": state.last_detail,
        "ack": state.ack, "ack_comment": state.ack_comment, "last_trap": state.last_trap,
        "last_traphost": state.last_traphost, "exitval": state.exitval,
        "last_check": state.last_check, "last_op_status": state.last_op_status,
        "failure_output": state.failure_output,
    }  # fmt: skip
    values = tuple((var, _text(held.get(var))) for var in OPSTATUS_VARS)
    periods = tuple(
        (p.label, var, _text(value))
        for p in state.periods
        for var, value in zip(PERIOD_VARS, _period_values(p), strict=True)
    )
    return SavedService(service.group, service.name, values, periods)


def _period_values(period: PeriodState) -> tuple[int | None, ...]:
    return period.last_alert, period.alert_sent, period.first_fail_time, period.fail_count


_INTEGER = re.compile(r"-?[0-9]+")


def _int(value: str | None) -> int | None:
    """A saved number; anything else reads as Perl reads it in a sum: its leading digits or 0."""
    if value is None:
        return None
    match = _INTEGER.match(value.strip())
    return int(match.group()) if match else 0


def _status(value: str | None) -> int | str:
    """An opstatus: a number, or the name `set opstatus` stored (Q20)."""
    if value is not None and _INTEGER.fullmatch(value):
        return int(value)
    return value or ""


_SETTERS: Final[dict[str, Callable[[ServiceState, str | None], ServiceState]]] = {
    "op_status": lambda s, v: replace(s, op_status=_status(v)),
    "last_op_status": lambda s, v: replace(s, last_op_status=_status(v)),
    "exitval": lambda s, v: replace(s, exitval=_status(v)),  # "undef" before the first result
    "failure_count": lambda s, v: replace(s, failure_count=_int(v) or 0),
    "alert_count": lambda s, v: replace(s, alert_count=_int(v) or 0),
    "last_success": lambda s, v: replace(s, last_success=_int(v) or 0),
    "consec_failures": lambda s, v: replace(s, consec_failures=_int(v) or 0),
    "last_failure": lambda s, v: replace(s, last_failure=_int(v) or 0),
    "first_failure": lambda s, v: replace(s, first_failure=_int(v)),
    "last_summary": lambda s, v: replace(s, last_summary=v),
    "last_failure_time": lambda s, v: replace(s, last_failure_time=_int(v)),
    "last_failure_summary": lambda s, v: replace(s, last_failure_summary=v),
    "last_failure_detail": lambda s, v: replace(s, last_failure_detail=v),
    "last_detail": lambda s, v: replace(s, last_detail=v),
    "ack": lambda s, v: replace(s, ack=_int(v) or 0),
    "ack_comment": lambda s, v: replace(s, ack_comment=v or ""),
    "last_trap": lambda s, v: replace(s, last_trap=_int(v) or 0),
    "last_traphost": lambda s, v: replace(s, last_traphost=v or ""),
    "last_check": lambda s, v: replace(s, last_check=_int(v)),
    "failure_output": lambda s, v: replace(s, failure_output=v),
}
_PERIOD_SETTERS: Final[dict[str, Callable[[PeriodState, str | None], PeriodState]]] = {
    "last_alert": lambda p, v: replace(p, last_alert=_int(v)),
    "alert_sent": lambda p, v: replace(p, alert_sent=_int(v) or 0),
    "1stfailtime": lambda p, v: replace(p, first_fail_time=_int(v)),
    "failcount": lambda p, v: replace(p, fail_count=_int(v)),
}


def restored_state(state: ServiceState, saved: SavedService) -> ServiceState:
    """STATE-03: every saved variable over `state`; periods the config no longer has are skipped."""
    for var, value in saved.values:
        setter = _SETTERS.get(var)  # first_success, trap_timer: not kept by pymon
        if setter is not None:
            state = setter(state, value)
    for key, var, value in saved.periods:
        index = next((i for i, p in enumerate(state.periods) if p.label == key), None)
        if index is not None:
            state = state.with_period(index, _PERIOD_SETTERS[var](state.periods[index], value))
    return state


# --- the files --------------------------------------------------------------------------


def write_atomically(path: str, text: str) -> None:
    """Replace `path` by `text` so that a crash leaves the old file or the new one, never half of one."""
    directory = os.path.dirname(path) or "."
    fd, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", dir=directory)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(text.encode("utf-8", "surrogateescape"))
            file.flush()
            os.fsync(file.fileno())
        # mkstemp makes it 0600; mon's open() gives 0666 less the umask
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    with contextlib.suppress(OSError):  # the rename itself survives a crash once the directory is synced
        dirfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dirfd)
        finally:
            os.close(dirfd)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _read(path: str) -> str:
    with open(path, "rb") as file:
        return file.read().decode("utf-8", "surrogateescape")


def save_state(engine: Engine, kinds: Sequence[str]) -> None:
    """`savestate KIND...` (PROTO-49): each of disabled, opstatus, all; others do nothing."""
    for kind in kinds:
        if kind in ("disabled", "all"):
            # on a write error mon then skips the opstatus half of `all` as well; pymon still writes it
            _save(engine, DISABLED_FILE, format_disabled(engine.disabled_state()), "state file")
        if kind in ("opstatus", "all"):
            _save(engine, OPSTATUS_FILE, format_opstatus(engine.opstatus_state()), "opstatus state file")


def _save(engine: Engine, name: str, text: str, what: str) -> None:
    try:
        write_atomically(os.path.join(engine.config.globals.statedir, name), text)
    except OSError as error:
        engine.log("err", f"could not write to {what}: {error.strerror}")


def load_state(engine: Engine, kinds: Sequence[str]) -> None:
    """`loadstate KIND...`, `-l KIND` (STATE-03, STATE-04): each of disabled, opstatus, all."""

    def restore_disabled(disabled: DisabledState) -> None:
        for line in engine.restore_disabled(disabled):
            engine.log("err", line)

    for kind in kinds:
        if kind in ("disabled", "all"):
            # on a read error mon then skips the opstatus half of `all` as well; pymon still loads it
            _load(engine, kind, DISABLED_FILE, parse_disabled, restore_disabled)
        if kind in ("opstatus", "all"):
            _load(engine, kind, OPSTATUS_FILE, parse_opstatus, engine.restore_opstatus)


def _load(
    engine: Engine, kind: str, name: str, parse: Callable[[str, str], T], restore: Callable[[T], None]
) -> None:
    """Parse the state file NAME and restore it; one that cannot be read or parsed is logged and left."""
    path = os.path.join(engine.config.globals.statedir, name)
    try:
        saved = parse(_read(path), path)
    except OSError as error:
        engine.log("err", f"could not read state file: {error.strerror}")
    except StateFileError as error:
        engine.log("err", str(error))
    else:
        restore(saved)
        engine.log("info", f"state '{kind}' loaded")
