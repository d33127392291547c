"""MonClient: one TCP session with a mon server, one typed method per protocol command.

The protocol is strictly request/response (PROTO-00f): one request line, then
data lines and one status line `NNN text` (2xx success, 5xx failure). Every
method sends one request and returns what its reply means, or raises
MonCommandError for a 5xx reply. `command()` sends any line and returns the
raw Reply, as moncmd does.

Where this differs from Mon::Client on purpose:
* `get_maxkeep()` sends `get maxkeep` (Mon::Client sends `set maxkeep`, which
  the server refuses, PROTO-37);
* `clear_timers(G, S)` names the service (Mon::Client's `clear` sends
  `clear timers` alone, which the server refuses, PROTO-43);
* `ack` comments and `set` values reach the server exactly (Mon::Client's
  doubled backslash stays doubled there);
* values from descriptions, opstatus, deps and `get` are fully decoded
  (a backslash comes back single), and failure-history lines are decoded
  before they are split;
* the stray second status line the server sends after `ack` on an unknown
  group or service (PROTO-25) is read, so the session stays in step;
* arguments that would break the line-based protocol (white space inside a
  name, a newline anywhere) are refused with ValueError before sending.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Final

from pymon.escape import esc_str, to_bytes
from pymon.trap_send import build_trap, send_packet

from . import _records as r
from ._errors import MonCommandError, MonConnectionError, MonResponseError

__all__ = ["DEFAULT_PORT", "PROTOCOL_ID", "MonClient", "Reply", "default_host", "default_port"]

PROTOCOL_ID: Final = 9745  # `protid` and `version` (PROTO-03/04); Mon::Client's 0x2611
DEFAULT_PORT: Final = 2583
_STATUS = re.compile(r"\d{3}\s")  # how moncmd and Mon::Client find the status line
TEST_KINDS: Final = ("alert", "startupalert", "upalert", "ackalert", "disablealert")


def default_host() -> str:
    """$MONHOST, else localhost (as moncmd and Mon::Client choose)."""
    return os.environ.get("MONHOST") or "localhost"


def default_port() -> int:
    """The `mon` entry of /etc/services, else 2583."""
    try:
        return socket.getservbyname("mon", "tcp")
    except OSError:
        return DEFAULT_PORT


@dataclass(frozen=True)
class Reply:
    """One reply: the data lines and the status line (`220 list watch completed`)."""

    command: str
    lines: tuple[str, ...]
    status: str

    @property
    def code(self) -> int:
        return int(self.status[:3])

    @property
    def ok(self) -> bool:
        return self.status.startswith("2")

    @property
    def message(self) -> str:
        """The status line without its code."""
        return self.status[4:]


def _name(value: str, what: str) -> str:
    """A group, service, host or view name: one non-empty word."""
    if not value or re.search(r"\s", value):
        raise ValueError(f"{what} must be one word without white space, not {value!r}")
    return value


def _pair(group: str, service: str) -> str:
    return f"{_name(group, 'the group')},{_name(service, 'the service')}"


def _triple(group: str, service: str, variable: str) -> str:
    return f"{_name(group, 'the group')} {_name(service, 'the service')} {_name(variable, 'the variable')}"


def _quoted_value(text: str) -> str:
    """TEXT as a `'...'` argument the server decodes back to TEXT exactly (ack, set).

    The server hex-decodes these values but does not undo a doubled
    backslash (PROTO-54), so a backslash goes out as `\\5c`, not as Mon::Client's `\\\\`.
    """
    return "'" + "\\5c".join(esc_str(part) for part in text.split("\\")) + "'"


def _line_safe(text: str, what: str) -> str:
    if "\n" in text or "\r" in text:
        raise ValueError(f"{what} must not contain a line break: {text!r}")
    return text


class MonClient:
    """A connection to a mon (or pymon) server.

    >>> with MonClient("127.0.0.1", 2583) as mon:      # doctest: +SKIP
    ...     for key, status in mon.list_opstatus().items():
    ...         print(key, status.status_name, status.last_summary)

    The connection is opened by `connect()` (or entering the `with` block),
    which also sends `protid 9745` unless `protid=False`.
    """

    def __init__(
        self,
        host: str | None = None,
        port: int | None = None,
        *,
        timeout: float | None = 30.0,
        trap_port: int | None = None,
    ) -> None:
        self.host = host or default_host()
        self.port = port if port is not None else default_port()
        # Mon::Client sends traps to its TCP port number (TRAP-12); the server's trap port may differ
        self.trap_port = trap_port if trap_port is not None else self.port
        self.timeout = timeout
        self.username: str | None = None
        self.password: str | None = None
        self._sock: socket.socket | None = None
        self._buffer = b""

    # -- the session ---------------------------------------------------------
    def __enter__(self) -> MonClient:
        if not self.connected:
            self.connect()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    @property
    def connected(self) -> bool:
        return self._sock is not None

    def connect(self, protid: bool = True) -> None:
        """Open the connection; then check the protocol version (PROTO-03) unless protid=False."""
        self.close()
        try:
            self._sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as error:
            raise MonConnectionError(f"could not connect to {self.host}:{self.port}: {error}") from error
        self._buffer = b""
        if protid:
            try:
                self.protid()
            except MonCommandError:
                self.close()
                raise

    def close(self) -> None:
        """Drop the connection without a `quit`."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def quit(self) -> None:
        """`quit` (PROTO-02): the server says goodbye and closes the connection."""
        try:
            self.command("quit")
        finally:
            self.close()

    # -- one request, one reply ----------------------------------------------
    def command(self, line: str, check: bool = True) -> Reply:
        """Send one request line as it is and read its reply; a 5xx reply raises unless check=False."""
        _line_safe(line, "a command")
        self._send(line)
        lines: list[str] = []
        while True:
            text = self._readline(line)
            if _STATUS.match(text):
                reply = Reply(line, tuple(lines), text)
                if check and not reply.ok:
                    raise MonCommandError(line, text, reply.lines)
                return reply
            lines.append(text)

    def _send(self, line: str) -> None:
        if self._sock is None:
            raise MonConnectionError("not connected")
        try:
            self._sock.sendall(to_bytes(line) + b"\n")
        except OSError as error:
            self.close()
            raise MonConnectionError(f"sending {line!r}: {error}") from error

    def _readline(self, command: str) -> str:
        while b"\n" not in self._buffer:
            if self._sock is None:
                raise MonConnectionError("not connected")
            try:
                chunk = self._sock.recv(65536)
            except OSError as error:  # a timeout too
                self.close()
                raise MonConnectionError(f"reading the reply to {command!r}: {error}") from error
            if not chunk:
                self.close()
                raise MonConnectionError(f"the server closed the connection during the reply to {command!r}")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\n", 1)
        return raw.decode("utf-8", "surrogateescape")

    def _data(self, line: str) -> tuple[str, ...]:
        return self.command(line).lines

    # -- greeting and identity -----------------------------------------------
    def protid(self, version: int = PROTOCOL_ID) -> None:
        """`protid N` (PROTO-03): raises MonCommandError on a mismatch."""
        self.command(f"protid {version}")

    def login(self, username: str, password: str) -> None:
        """`login USER PASS` (PROTO-05); a refusal (530) raises MonCommandError."""
        _name(username, "the user name")
        if not password:
            raise ValueError("the password must not be empty")
        self.command(f"login {username} {_line_safe(password, 'the password')}")
        self.username, self.password = username, password

    def checkauth(self, command: str) -> bool:
        """`checkauth CMD` (PROTO-06): may this session run CMD?"""
        return self.command(f"checkauth {_name(command, 'the command')}", check=False).ok

    def version(self) -> int:
        """`version` (PROTO-04): the protocol version, 9745."""
        lines = self._data("version")
        m = re.fullmatch(r"version\s+(\d+)", lines[0] if lines else "")
        if m is None:
            raise MonResponseError(f"bad version reply {list(lines)!r}")
        return int(m.group(1))

    def servertime(self) -> r.ServerTime:
        return r.parse_servertime(self._data("servertime"))

    # -- lists ---------------------------------------------------------------
    def list_descriptions(self) -> dict[r.ServiceKey, str]:
        return r.parse_descriptions(self._data("list descriptions"))

    def list_deps(self) -> dict[r.ServiceKey, r.Dependency]:
        return r.parse_deps(self._data("list deps"))

    def list_group(self, group: str) -> r.Group:
        return r.parse_group(group, self._data(f"list group {_name(group, 'the group')}"))

    def list_watch(self) -> list[r.ServiceKey]:
        """Every (group, service), in the server's order (view-filtered)."""
        found = []
        for line in self._data("list watch"):
            group, _, service = line.partition(" ")
            found.append((group, service))
        return found

    def list_opstatus(self, *which: str | r.ServiceKey) -> dict[r.ServiceKey, r.OpStatus]:
        """`list opstatus` for all services, or for the named groups (`"g"`) and services (`("g", "s")`)."""
        words = [_name(w, "the group") if isinstance(w, str) else _pair(*w) for w in which]
        return r.parse_opstatus(self._data(" ".join(["list opstatus", *words])))

    def list_failures(self) -> dict[r.ServiceKey, r.OpStatus]:
        return r.parse_opstatus(self._data("list failures"))

    def list_successes(self) -> dict[r.ServiceKey, r.OpStatus]:
        return r.parse_opstatus(self._data("list successes"))

    def list_warnings(self) -> dict[r.ServiceKey, r.OpStatus]:
        return r.parse_opstatus(self._data("list warnings"))

    def list_disabled(self) -> r.Disabled:
        return r.parse_disabled(self._data("list disabled"))

    def list_alerthist(self) -> list[r.AlertHistoryEntry]:
        return r.parse_alerthist(self._data("list alerthist"))

    def list_failurehist(self) -> list[r.FailureHistoryEntry]:
        return r.parse_failurehist(self._data("list failurehist"))

    def list_dtlog(self) -> list[r.DowntimeEntry]:
        return r.parse_dtlog(self._data("list dtlog"))

    def list_pids(self) -> r.Pids:
        return r.parse_pids(self._data("list pids"))

    def list_state(self) -> r.SchedulerState:
        return r.parse_state(self._data("list state"))

    def list_views(self) -> list[str]:
        return r.parse_views(self._data("list views"))

    def list_aliases(self, *names: str) -> dict[str, r.Alias]:
        words = [_name(n, "the alias") for n in names]
        return r.parse_aliases(self._data(" ".join(["list aliases", *words])))

    def list_aliasgroups(self) -> list[str]:
        lines = self._data("list aliasgroups")
        return lines[0].split() if lines else []

    # -- changing state ------------------------------------------------------
    def ack(self, group: str, service: str, comment: str) -> None:
        """`ack G S 'COMMENT'` (PROTO-25): acknowledge a failing service."""
        line = f"ack {_name(group, 'the group')} {_name(service, 'the service')} {_quoted_value(comment)}"
        reply = self.command(line, check=False)
        if reply.status in ("520 unknown group", "520 unknown service"):
            self._readline(line)  # PROTO-25: mon follows these with a second, stray `220 ack completed`
        if not reply.ok:
            raise MonCommandError(line, reply.status, reply.lines)

    def disable_watch(self, group: str) -> None:
        self.command(f"disable watch {_name(group, 'the watch')}")

    def disable_service(self, group: str, service: str) -> None:
        self.command(f"disable service {_name(group, 'the watch')} {_name(service, 'the service')}")

    def disable_host(self, *hosts: str) -> None:
        if not hosts:
            raise ValueError("disable_host needs at least one host")
        self.command(" ".join(["disable host", *(_name(h, "a host") for h in hosts)]))

    def enable_watch(self, group: str) -> None:
        self.command(f"enable watch {_name(group, 'the watch')}")

    def enable_service(self, group: str, service: str) -> None:
        self.command(f"enable service {_name(group, 'the watch')} {_name(service, 'the service')}")

    def enable_host(self, *hosts: str) -> None:
        if not hosts:
            raise ValueError("enable_host needs at least one host")
        self.command(" ".join(["enable host", *(_name(h, "a host") for h in hosts)]))

    def set(self, group: str, service: str, variable: str, value: str) -> None:
        """`set G S VAR 'VALUE'` (PROTO-35/36): store VALUE raw in the service (no unit conversion)."""
        self.command(f"set {_triple(group, service, variable)} {_quoted_value(value)}")

    def get(self, group: str, service: str, variable: str) -> str:
        """`get G S VAR` (PROTO-38): the service's value as the server stores it."""
        return r.parse_get(self._data(f"get {_triple(group, service, variable)}"))

    def set_maxkeep(self, count: int) -> None:
        """`set maxkeep N` (PROTO-34): how many alert and failure history entries are kept."""
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"maxkeep must be a non-negative integer, not {count!r}")
        self.command(f"set maxkeep {count}")

    def get_maxkeep(self) -> int:
        """`get maxkeep` (PROTO-37)."""
        lines = self._data("get maxkeep")
        m = re.fullmatch(r"maxkeep = (\d+)", lines[0] if lines else "")
        if m is None:
            raise MonResponseError(f"bad get maxkeep reply {list(lines)!r}")
        return int(m.group(1))

    def setview(self, view: str | None = None) -> None:
        """`setview [V]` (PROTO-39): show only view V's services on this connection; None shows all."""
        self.command("setview" if view is None else f"setview {_name(view, 'the view')}")

    def getview(self) -> str | None:
        """`getview` (PROTO-40): the selected view, or None."""
        lines = self._data("getview")
        m = re.fullmatch(r"view (\S+) selected", lines[0] if lines else "")
        return m.group(1) if m else None

    def test(
        self, what: str, group: str, service: str, retval: int | None = None, period: str | None = None
    ) -> None:
        """Mon::Client's `test`: `monitor` (test_monitor) or one of the alert kinds (test_alert)."""
        if what == "monitor":
            self.test_monitor(group, service)
        elif retval is None or period is None:
            raise ValueError(f"test {what} needs an exit value and a period")
        else:
            self.test_alert(what, group, service, retval, period)

    def test_monitor(self, group: str, service: str) -> None:
        """`test monitor G S` (PROTO-44): run the monitor now.

        mon answers an unknown service with a bare `G S not defined` line and
        then 220; that raises MonCommandError here.
        """
        line = f"test monitor {_name(group, 'the group')} {_name(service, 'the service')}"
        reply = self.command(line)
        if reply.lines and reply.lines[-1].endswith("not defined"):
            raise MonCommandError(line, reply.lines[-1], reply.lines)

    def test_alert(self, kind: str, group: str, service: str, retval: int, period: str) -> None:
        """`test KIND G S RETVAL PERIOD` (PROTO-45): call the period's alerts of KIND as a test."""
        if kind not in TEST_KINDS:
            raise ValueError(f"unknown alert test {kind!r}; one of {', '.join(TEST_KINDS)}")
        names = f"{_name(group, 'the group')} {_name(service, 'the service')}"
        self.command(f"test {kind} {names} {int(retval)} {_line_safe(period, 'the period')}")

    def test_config(self) -> r.ConfigCheck:
        """`test config` (PROTO-46): whether the server's config file parses now; errors are not raised."""
        reply = self.command("test config", check=False)
        return r.ConfigCheck(reply.ok, reply.lines, reply.status)

    def clear_timers(self, group: str, service: str) -> None:
        """`clear timers G S` (PROTO-43)."""
        self.command(f"clear timers {_name(group, 'the group')} {_name(service, 'the service')}")

    def reset(self, stopped: bool = False, keepstate: bool = False) -> None:
        """`reset [stopped] [keepstate]` (PROTO-41): re-read the config file."""
        words = ["reset"] + ["stopped"] * stopped + ["keepstate"] * keepstate
        self.command(" ".join(words))

    def reload(self, what: str = "auth") -> None:
        """`reload auth` (PROTO-42): re-read auth.cf."""
        self.command(f"reload {_name(what, 'what to reload')}")

    def stop(self) -> None:
        """`stop` (PROTO-51): stop the scheduler."""
        self.command("stop")

    def start(self) -> None:
        """`start` (PROTO-52): start the scheduler."""
        self.command("start")

    def term(self) -> None:
        """`term` (PROTO-50): the server exits; the connection ends."""
        try:
            self.command("term")
        finally:
            self.close()

    def savestate(self, *kinds: str) -> None:
        """`savestate KIND...` (PROTO-49), e.g. savestate("disabled")."""
        if not kinds:
            raise ValueError("savestate needs at least one kind of state")
        self.command(" ".join(["savestate", *(_name(k, "a state kind") for k in kinds)]))

    def loadstate(self, *kinds: str) -> None:
        """`loadstate KIND...` (PROTO-48)."""
        self.command(" ".join(["loadstate", *(_name(k, "a state kind") for k in kinds)]))

    # -- traps ---------------------------------------------------------------
    def send_trap(
        self,
        group: str,
        service: str,
        retval: int,
        opstatus: str = "fail",
        summary: str = "",
        detail: str = "",
    ) -> None:
        """Send a trap datagram to host:trap_port (TRAP-02); needs no TCP connection.

        The client's username and password (set by `login`, or assigned) go in
        the packet, as with Mon::Client.
        """
        packet = build_trap(
            group, service, retval, opstatus, summary, detail, username=self.username, password=self.password
        )
        try:
            send_packet(self.host, self.trap_port, packet)
        except (OSError, UnicodeError) as error:
            where = f"{self.host}:{self.trap_port}"
            raise MonConnectionError(f"could not send a trap to {where}: {error}") from error


def command_lines(lines: Iterable[str]) -> list[str]:
    """Request lines as moncmd reads them from a file: without their line ends."""
    return [line.rstrip("\n") for line in lines]
