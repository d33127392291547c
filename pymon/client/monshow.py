"""pymonshow: monshow's text reports (spec section 20) on pymon's client library.

The summary table of failing services (`--full`: every service), `--detail
G,S`, `--disabled`, with monshow's rc files (`--rcfile`, `--view NAME` from
/etc/mon/monshow, else ~/.monshowrc, else /etc/mon/monshowrc) and options.
The HTML (CGI) mode is not provided.

Rows within one status class come in the server's order (monshow's are in
Perl hash order). Where monshow does not do what it says, this does
(docs/compatibility.md): a disabled service is left out of the table as a
disabled watch is; `depend:` and `monitor:` in `--detail` show the service's
values (monshow's are always empty); $MONHOST is used when no server is
named (monshow's usage says so, but it always uses localhost); `--prot` does
not replace the port number.
"""

from __future__ import annotations

import argparse
import functools
import io
import os
import pwd
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Final, NoReturn, TypeVar

from pymon.escape import to_bytes

from ._client import MonClient
from ._errors import MonCommandError, MonError
from ._records import Disabled, OpStatus, SchedulerState, ServiceKey
from .textwrap_perl import wrap_bytes

__all__ = ["main"]

T = TypeVar("T")

VIEW_DIR: Final = Path("/etc/mon/monshow")
SYSTEM_RC: Final = Path("/etc/mon/monshowrc")
# Mon::Client's %OPSTAT numbers
FAIL, OK, COLDSTART, WARMSTART, LINKDOWN, UNKNOWN, TIMEOUT, UNTESTED = 0, 1, 2, 3, 4, 5, 6, 7
OPSTAT_NAMES: Final = {
    0: "fail", 1: "ok", 2: "coldstart", 3: "warmstart", 4: "linkdown",
    5: "unknown", 6: "timeout", 7: "untested", 8: "dependency",
}  # fmt: skip
TABLE_HEADER: Final = "\n  GROUP           SERVICE      STATUS      LAST       NEXT       ALERTS SUMMARY\n"
SET_NAMES: Final = frozenset({
    "show-disabled", "host", "prot", "port", "full", "bg", "bg-ok", "bg-fail", "bg-untested",
    "table-color", "html-header", "refresh", "summary-len",
})  # fmt: skip


class Fatal(Exception):
    """monshow's err_die: `Error: MESSAGE` on stdout, exit 1."""


@dataclass
class Settings:
    """What the rc file and the options decided."""

    host: str | None = None
    port: int | None = None
    full: bool = False
    show_disabled: bool = False
    summary_len: int = 80
    showall: bool = False
    detail: str = ""
    # rc `watch G` -> (G,), `service G S` -> (G, S)
    what: list[tuple[str, ...]] = field(default_factory=list)


def read_rc(path: Path, settings: Settings, out: IO[str]) -> None:
    """Read a monshow rc file: `set NAME [VALUE]`, `watch G`, `service G S`, `link`, `link-text ... END`."""
    in_block = False
    with open(path, encoding="utf-8", errors="surrogateescape") as rc:
        for number, raw in enumerate(rc, 1):
            if re.match(r"\s*#", raw) or not raw.strip():
                continue
            if in_block:  # html-header and link-text blocks run to a line END
                in_block = not re.fullmatch(r"END\s*", raw.rstrip("\n"))
                continue
            line = raw.strip()
            if m := re.match(r"(?i)set\s+(\S+)\s*(\S+)?", line):
                name, value = m.group(1), m.group(2)
                if name == "html-header":
                    in_block = True
                elif name not in SET_NAMES:
                    print(f"unknown set, line {number}", file=sys.stderr)
                else:
                    _apply_set(settings, name, value if value else "1")
            elif m := re.match(r"watch\s+(\S+)", line):
                settings.what.append((m.group(1),))
            elif m := re.match(r"service\s+(\S+)\s+(\S+)", line):
                settings.what.append((m.group(1), m.group(2)))
            elif re.match(r"(?i)link\s+\S+\s+\S+\s+", line):
                pass  # links are for the HTML report
            elif re.match(r"(?i)link-text\s+\S+\s+\S+", line):
                in_block = True
            else:
                raise Fatal(f"error in config file, line {number}")


def _apply_set(settings: Settings, name: str, value: str) -> None:
    if name == "host":
        settings.host = value
    elif name == "port" and value.isdigit():
        settings.port = int(value)
    elif name == "full":
        settings.full = value != "0"
    elif name == "show-disabled":
        settings.show_disabled = value != "0"
    elif name == "summary-len" and value.isdigit():
        settings.summary_len = int(value)


def secs_to_hms(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{days} days, {clock}" if days else clock


def tdiff(seconds: int) -> str:
    return f"{seconds}s" if seconds <= 90 else secs_to_hms(seconds)


def _field(value: str, width: int) -> str:
    """A Perl format `@<<<` field: up to the first newline, control characters as spaces, cut, padded.

    Widths count bytes, as Perl does with mon's byte strings.
    """
    raw = to_bytes(value.split("\n", 1)[0])
    raw = bytes(32 if b < 32 or b == 127 else b for b in raw)
    return raw[:width].ljust(width).decode("utf-8", "surrogateescape")


def _number(value: str | None) -> int:
    """Perl's numeric value of a field: its leading integer, else 0."""
    m = re.match(r"\s*(-?\d+)", value or "")
    return int(m.group(1)) if m else 0


# ---------------------------------------------------------------------------
# what to show
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Status:
    state: SchedulerState
    opstatus: dict[ServiceKey, OpStatus]
    disabled: Disabled
    descriptions: dict[ServiceKey, str]
    watch: list[ServiceKey]
    groups: dict[str, tuple[str, ...]]


def _expand(what: list[tuple[str, ...]], watch: list[ServiceKey]) -> list[ServiceKey]:
    """A `watch G` entry stands for every service of G, in `list watch` order."""
    rows: list[ServiceKey] = []
    for entry in what:
        if len(entry) == 2:
            rows.append((entry[0], entry[1]))
        else:
            rows += [key for key in watch if key[0] == entry[0]]
    return rows


def select_rows(settings: Settings, status: Status) -> list[tuple[str, ServiceKey]]:
    """(R or D, service) rows in monshow's order: failing roots, failing dependents, (--full) the rest."""
    everything = settings.showall or not settings.what
    rows = list(status.opstatus) if everything else _expand(settings.what, status.watch)
    roots: dict[int, list[tuple[str, ServiceKey]]] = {}
    dependents: dict[int, list[tuple[str, ServiceKey]]] = {}
    for key in rows:
        op = status.opstatus.get(key)
        if op is None or op.opstatus is None:
            continue
        if key[0] in status.disabled.watches or key in status.disabled.services:
            continue
        if op.depend == "":
            roots.setdefault(op.opstatus, []).append(("R", key))
        else:
            dependents.setdefault(op.opstatus, []).append(("D", key))
    bad = (FAIL, LINKDOWN, TIMEOUT, COLDSTART, WARMSTART)
    order: list[tuple[dict[int, list[tuple[str, ServiceKey]]], int]] = [(roots, s) for s in bad]
    if settings.full:
        order += [(roots, UNTESTED), (roots, UNKNOWN)]
    order += [(dependents, s) for s in bad]
    if settings.full:
        order += [(roots, OK), (dependents, OK), (dependents, UNTESTED), (dependents, UNKNOWN)]
    return [row for table, code in order for row in table.get(code, [])]


# ---------------------------------------------------------------------------
# the reports
# ---------------------------------------------------------------------------
def header(host: str, state: SchedulerState) -> str:
    if state.running:
        text = "scheduler running"
    else:
        text = "scheduler stopped since " + time.ctime(state.stopped_since or 0)
    return f"\n     server: {host}\n       time: {time.ctime()}\n      state: {text}\n"


def table(settings: Settings, status: Status, rows: list[tuple[str, ServiceKey]], now: int) -> str:
    if not rows:
        return "\nAll systems OK\n"
    out = [TABLE_HEADER]
    for dep, key in rows:
        op = status.opstatus[key]
        last = ""
        if op.opstatus == UNTESTED:
            state, last = "untested", "untested"
        elif op.opstatus == OK:
            state = "-"
        elif op.opstatus == FAIL:
            state = "ACK FAIL" if op.acked else "FAIL"
        else:
            state = "unknown"
        if not last:
            last = tdiff(now - _number(op.fields.get("last_check")))
        timer = _number(op.fields.get("timer"))
        following = f"{timer}s" if timer < 60 else secs_to_hms(timer)
        summary = op.last_summary
        if len(to_bytes(summary)) > settings.summary_len:  # Perl's length of a byte string
            cut = to_bytes(summary)[: settings.summary_len]
            summary = cut.decode("utf-8", "surrogateescape") + "..."
        alerts = op.fields.get("alerts_sent", "")
        alerts = alerts if alerts not in ("", "0") else "none"
        line = (
            f"{_field(dep, 1)} {_field(key[0], 15)} {_field(key[1], 12)} {_field(state, 10)}  "
            f"{_field(last, 8)}   {_field(following, 10)} {_field(alerts, 4)}   "
            f"{_field(summary, len(to_bytes(summary)) + 1)}"
        )
        out.append(line.rstrip(" ") + "\n")
    return "".join(out)


def disabled_report(disabled: Disabled) -> str:
    if disabled.empty:
        return "\nNothing is disabled.\n"
    out = ""
    if disabled.watches:
        out += "\nDISABLED WATCHES:\n" + "".join(f"{w}\n" for w in sorted(disabled.watches))
    if disabled.services:
        out += "\nDISABLED SERVICES\n" + "".join(f"{g} {s}\n" for g, s in sorted(disabled.services))
    if disabled.hosts:
        out += "\nDISABLED HOSTS:\n"
        out += "".join(f"{group:<15} {' '.join(hosts)}\n" for group, hosts in disabled.hosts.items())
    return out


def detail_report(spec: str, status: Status, now: int) -> str:
    group, _, service = spec.partition(",")
    op = status.opstatus.get((group, service))
    if op is None:
        raise Fatal(f"{group}/{service} not a valid service")
    f = op.fields
    code = f.get("opstatus", "")
    name = OPSTAT_NAMES.get(_number(code)) if re.fullmatch(r"\d+", code) else None
    shown_status = f"{name} ({code})" if name else code
    hosts = " ".join(status.groups.get(group, ()))
    description = status.descriptions.get((group, service), "")
    out = (
        f"\nDetail for group {group} service {service}\n\n"
        f"description\n-----------\n{wrap_bytes('    ', '    ', description, 70)}\n"
        f"summary\n-------\n{wrap_bytes('    ', '    ', op.last_summary, 70)}\n"
        f"hosts\n-----\n{wrap_bytes('    ', '    ', hosts, 70)}\n\n"
        f"-----DETAIL-----\n{op.last_detail}\n-----DETAIL-----\n\n"
    )
    if op.acked:
        out += f"alert ack:  {op.ackcomment}\n\n"
    out += (
        f"  opstatus: {shown_status}\n   exitval: {f.get('exitval', '')}\n    depend: {op.depend}\n"
        f"   monitor: {op.monitor}\nlast check: {tdiff(now - _number(f.get('last_check')))} ago\n"
        f"next_check: in {tdiff(_number(f.get('timer')))}\n\n"
    )
    return out


# ---------------------------------------------------------------------------
# talking to the server
# ---------------------------------------------------------------------------
def _credentials(login: str | None) -> tuple[str, str]:
    user = login or pwd.getpwuid(os.geteuid()).pw_name
    password = ""
    if sys.stdin.isatty():
        import getpass

        password = getpass.getpass("Password: ", stream=sys.stdout)
        if not password.strip():
            raise Fatal("invalid password")
    else:
        for line in sys.stdin:
            line = line.rstrip("\n")
            if m := re.fullmatch(r"(?i)user=(\S+)", line):
                user = m.group(1)
            elif m := re.fullmatch(r"(?i)pass=(\S+)", line):
                password = m.group(1)
            if user and password:
                break
    if not user or not password:
        raise Fatal("inadequate authentication information supplied")
    return user, password


def _why(error: MonError) -> str:
    """What Mon::Client's error() would say: the server's status line, or the socket's complaint."""
    if isinstance(error, MonCommandError):
        return error.status
    cause = error.__cause__
    if isinstance(cause, OSError) and cause.strerror:
        return f"connect failed, {cause.strerror}"
    return str(error)


def _step(label: str, call: Callable[[], T]) -> T:
    """One request of the report; a refusal ends the report with monshow's message for that step."""
    try:
        return call()
    except MonError as error:
        raise Fatal(f"{label}: {_why(error)}") from None


def fetch(settings: Settings, host: str, port: int | None, auth: bool, login: str | None) -> Status:
    credentials = _credentials(login) if auth else None
    client = MonClient(host, port)
    _step("Could not connect to server", client.connect)
    with client:
        if credentials is not None:
            _step("Could authenticate", lambda: client.login(*credentials))
        disabled = _step("could not get disabled", client.list_disabled)
        state = _step("could not get state", client.list_state)
        watch = _step("could not get opstatus", client.list_watch)
        wanted = _expand(settings.what, watch) if settings.what else []
        # as in monshow, a selection that names no service asks for all of them (`list opstatus`)
        opstatus = _step("could not get opstatus", lambda: client.list_opstatus(*wanted))
        descriptions = _step("could not list descriptions", client.list_descriptions)
        groups: dict[str, tuple[str, ...]] = {}
        if settings.detail:
            for group in dict.fromkeys(g for g, _ in opstatus):
                members = _step("could not list group", functools.partial(client.list_group, group))
                groups[group] = members.hosts
        client.close()
    return Status(state, opstatus, disabled, descriptions, watch, groups)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="pymonshow", description="mon's operational status as text")
    parser.add_argument("--showall", action="store_true", help="ignore the rc file's watch/service lines")
    parser.add_argument("--auth", action="store_true", help="log in (password: terminal or PASS=)")
    parser.add_argument("--full", action="store_true", help="show every service, not only failures")
    parser.add_argument("--disabled", action="store_true", help="show only what is disabled")
    parser.add_argument("--rcfile", help="read FILE instead of ~/.monshowrc")
    parser.add_argument("--login", help="the user name for --auth")
    parser.add_argument("--server", help="the server (default: $MONHOST, else localhost)")
    parser.add_argument("--port", type=int, help="the TCP port")
    parser.add_argument("--prot", help="accepted for monshow compatibility; unused")
    parser.add_argument("--detail", metavar="G,S", help="the detail of one service")
    parser.add_argument("--watch", help="only the services of this watch")
    parser.add_argument("--view", help=f"read the rc file {VIEW_DIR}/VIEW")
    # Getopt::Long also takes `-full` for `--full`
    words = [f"-{arg}" if re.fullmatch(r"-[a-z][a-z-]+(=.*)?", arg) else arg for arg in argv]
    return parser.parse_args(words)


def run(argv: Sequence[str], out: IO[str]) -> int:
    args = parse_args(argv)
    settings = Settings()
    rc, view = SYSTEM_RC, False
    home_rc = Path(os.environ.get("HOME", "/nonexistent")) / ".monshowrc"
    if args.rcfile:
        rc = Path(args.rcfile)
    elif args.view:
        rc, view = VIEW_DIR / args.view, True
    elif home_rc.is_file():
        rc = home_rc
    try:
        if rc.is_file():
            read_rc(rc, settings, out)
        elif view:
            raise Fatal("no view found")
    except OSError as error:
        raise Fatal(f"while reading config file, could not read {rc}: {error.strerror}") from None
    settings.showall = args.showall
    settings.full = settings.full or args.full
    settings.detail = args.detail or ""
    if args.watch:
        settings.what = [(args.watch,)]
    host = args.server or settings.host or os.environ.get("MONHOST") or "localhost"
    port = args.port or settings.port
    status = fetch(settings, host, port, args.auth, args.login)
    now = int(time.time())
    out.write(header(host, status.state))
    if args.disabled:
        out.write(disabled_report(status.disabled))
    elif settings.detail:
        out.write(detail_report(settings.detail, status, now))
    else:
        out.write(table(settings, status, select_rows(settings, status), now))
        if settings.show_disabled:
            out.write(disabled_report(status.disabled))
    out.write("\n")
    return 0


def _die(message: str, out: IO[str]) -> NoReturn:
    out.write(f"Error: {message}\n\n")
    out.flush()
    sys.exit(1)


def main(argv: Sequence[str] | None = None) -> int:
    out = sys.stdout
    if isinstance(out, io.TextIOWrapper):
        out.reconfigure(errors="surrogateescape")  # mon's bytes go out as they came
    try:
        return run(sys.argv[1:] if argv is None else argv, out)
    except Fatal as error:
        _die(str(error), out)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
