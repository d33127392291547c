"""Run the real mon 1.3.6 (/usr/sbin/mon) on a mon.cf snippet and record how it parsed it.

Used by test_against_mon.py to compare pymon's parser with mon itself. Every
daemon runs in the foreground with every path in a fresh temp dir, on free
127.0.0.1 ports and with the scheduler stopped (-S), so no monitor or alert
ever runs; it is stopped by PID (SIGTERM, then SIGKILL) and reaped.

What is recorded (MonResult):

* a refused config: mon's stderr without its `Warning:` lines (the
  `cf error: ...` message);
* an accepted one: the `Warning:` lines on stderr, every hostgroup (names from
  the warnings, from `list watch` and every word of the snippet, asked with
  `list group`), the `list watch` pairs, `get G S KEYWORD` for the requested
  keywords, `list aliases`, the views (`setview`, then `list watch` through
  each), `get maxkeep` (histlength) and, if the snippet names exclude_hosts,
  each service's exclude_hosts from `list opstatus`.

mon executes at most one command per client per wake-up of its select loop,
so commands are sent one at a time, each after the previous reply; a client
that connects waits for the end of mon's current one-second select window
before its first command runs, so an accepted config costs about a second of
wall time (and almost no CPU): run_many() runs several daemons at once.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from daemon.harness import daemon_argv

from pymon.client import unquote

MON = os.environ.get("MON_PERL_BIN", "/usr/sbin/mon")
STATUS = re.compile(rb"^[25]\d\d ")
NAME = re.compile(r"[a-zA-Z0-9_.-]+")
BIND_LINES = "serverbind = 127.0.0.1\ntrapbind = 127.0.0.1\n"
AUTH = "command section\nlist: all\nget: all\nsetview: all\nquit: all\n"
# Service keywords whose value `get` shows as mon stores it (exclude_hosts and
# ENV are hashes: `get` shows HASH(0x...)).
SERVICE_KEYWORDS = (
    "service", "interval", "failure_interval", "monitor", "redistribute", "allow_empty_group",
    "description", "unack_summary", "traptimeout", "trapduration", "randskew", "dep_behavior",
    "dep_memory", "depend", "alertdepend", "monitordepend", "hostdepend", "exclude_period",
)  # fmt: skip
DEFAULT_KEYWORDS = ("interval", "monitor", "description")

START_TIMEOUT = 20.0
REPLY_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0


def available() -> bool:
    return os.access(MON, os.X_OK)


@dataclass(frozen=True)
class MonResult:
    accepted: bool
    exit_status: int | None
    stderr: str  # everything mon printed on stderr before it listened or exited
    warnings: tuple[str, ...]  # the `Warning: ...` lines, sorted
    error: str | None  # a refused config: stderr without the Warning lines, stripped
    groups: dict[str, str] = field(default_factory=dict)  # name -> members as `list group` joins them
    watch: frozenset[tuple[str, str]] = frozenset()
    settings: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    views: dict[str, frozenset[tuple[str, str]]] = field(default_factory=dict)  # view -> visible pairs
    maxkeep: str | None = None
    exclude_hosts: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)  # `list opstatus`
    asked_groups: frozenset[str] = frozenset()  # every name asked with `list group`
    line_offset: int = 0  # lines the harness put before the snippet (see mon_config)
    # False when mon accepted the config but dropped the connection before the
    # queries were done (`cltimeout = 0s` closes every client at once)
    queried: bool = True

    def members(self, group: str) -> list[str]:
        text = self.groups[group]
        return text.split(" ") if text else []


# ---------------------------------------------------------------------------
# the config file mon reads
# ---------------------------------------------------------------------------
def ends_in_continuation(text: str) -> bool:
    """True if mon would still be joining a backslash-continued line at the end of TEXT (CFG-02)."""
    parts = text.split("\n")
    if parts[-1] == "":
        parts.pop()  # the empty field after the final newline is no line
    pending = False
    for part in parts:
        if re.match(r"^\s*#", part):
            continue
        if pending:
            part = part.lstrip(" \t\r\f\v")
        pending = re.match(r"^(.*)\\\s*$", part) is not None
    return pending


def mon_config(text: str) -> tuple[bytes, int]:
    """The file mon reads for snippet TEXT, and how many lines were put before it.

    serverbind/trapbind go at the end after a blank line, so mon's line
    numbers are the snippet's; a snippet that ends inside a backslash
    continuation would have that blank line swallowed, so for it they go at
    the start (2 lines) instead.
    """
    body = text.encode("utf-8", "surrogateescape")
    if ends_in_continuation(text):
        return BIND_LINES.encode() + body, 2
    if body and not body.endswith(b"\n"):
        body += b"\n"
    return body + b"\n" + BIND_LINES.encode(), 0


def candidate_names(text: str) -> set[str]:
    """Every word of TEXT that could name a hostgroup or view, also across continuations."""
    joined = re.sub(r"\\[ \t\r\f\v]*\n(?:[ \t]*#[^\n]*\n)*[ \t\r\f\v]*", "", text)
    return set(NAME.findall(text)) | set(NAME.findall(joined))


# ---------------------------------------------------------------------------
# the daemon
# ---------------------------------------------------------------------------
_ports_given: set[tuple[int, int]] = set()
_ports_lock = threading.Lock()


def _free_port(kind: int) -> int:
    """A port nothing listens on now, never the same twice in this process."""
    while True:
        with socket.socket(socket.AF_INET, kind) as s:
            s.bind(("127.0.0.1", 0))
            port: int = s.getsockname()[1]
        with _ports_lock:
            if (kind, port) not in _ports_given:
                _ports_given.add((kind, port))
                return port


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


class _Client:
    def __init__(self, port: int, deadline: float) -> None:
        self.deadline = deadline
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=1.0)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def _line(self) -> bytes:
        while b"\n" not in self.buf:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no reply from mon; partial {self.buf!r}")
            self.sock.settimeout(left)
            # mon writes a reply in several small writes: without quick ACKs,
            # Nagle on mon's side holds each one back for the delayed ACK (40 ms)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError(f"mon closed the connection; partial {self.buf!r}")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line

    def command(self, text: str) -> tuple[str, list[str]]:
        """Send one command and read its reply: (status line, data lines)."""
        self.sock.sendall(text.encode("utf-8", "surrogateescape") + b"\n")
        data: list[str] = []
        while True:
            line = self._line()
            if STATUS.match(line):
                return _decode(line), data
            data.append(_decode(line))

    def close(self) -> None:
        self.sock.close()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_TIMEOUT)
            return
        except subprocess.TimeoutExpired:
            proc.kill()
    proc.wait(timeout=STOP_TIMEOUT)


def _wait_started(proc: subprocess.Popen[bytes], port: int) -> _Client | None:
    """Poll until mon exits (None) or accepts on PORT (a connected client)."""
    deadline = time.monotonic() + START_TIMEOUT
    pause = 0.005
    while True:
        if proc.poll() is not None:
            return None
        try:
            return _Client(port, time.monotonic() + REPLY_TIMEOUT)
        except OSError:
            pass
        if proc.poll() is not None:
            return None
        if time.monotonic() > deadline:
            raise TimeoutError(f"mon neither listened on {port} nor exited in {START_TIMEOUT}s")
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


class WrongDaemon(Exception):
    """The port was answered by another process: ours could not bind it (and exited 1)."""


def _query(
    client: _Client, pid: int, text: str, warnings: Sequence[str], keywords: Iterable[str]
) -> dict[str, object]:
    found: dict[str, object] = {}
    status, lines = client.command("list pids")
    if not lines or lines[0] != f"server {pid}":
        raise WrongDaemon(lines)
    status, lines = client.command("list watch")
    assert status.startswith("220"), status
    watch = set()
    for line in lines:
        group, _, service = line.partition(" ")
        watch.add((group, service))
    found["watch"] = frozenset(watch)

    names = candidate_names(text) | {g for g, _ in watch}
    for warning in warnings:
        m = re.match(r"Warning: hostgroup (\S+) has no watch assigned to it!$", warning)
        if m:
            names.add(m.group(1))
    groups = {}
    for name in sorted(names):
        status, lines = client.command(f"list group {name}")
        if status.startswith("220"):
            prefix = f"hostgroup {name} "
            assert len(lines) == 1 and lines[0].startswith(prefix), (name, lines)
            groups[name] = lines[0][len(prefix) :]
    found["groups"] = groups
    found["asked_groups"] = frozenset(names)

    settings: dict[tuple[str, str], dict[str, str]] = {}
    for group, service in sorted(watch):
        values = {}
        for keyword in keywords:
            status, lines = client.command(f"get {group} {service} {keyword}")
            prefix = f"{group} {service} {keyword}='"
            assert status.startswith("220") and len(lines) == 1, (status, lines)
            assert lines[0].startswith(prefix) and lines[0].endswith("'"), lines
            values[keyword] = unquote(lines[0][len(prefix) : -1])
        settings[(group, service)] = values
    found["settings"] = settings

    exclude_hosts: dict[tuple[str, str], frozenset[str]] = {}
    if "exclude_hosts" in text:
        # a hash: `get` shows HASH(0x...), `list opstatus` its keys (in hash order)
        status, lines = client.command("list opstatus")
        for line in lines:
            fields = dict(field.partition("=")[::2] for field in line.split(" "))
            hosts = unquote(fields.get("exclude_hosts", ""))
            exclude_hosts[(fields["group"], fields["service"])] = frozenset(hosts.split(" ")) - {""}
    found["exclude_hosts"] = exclude_hosts

    status, lines = client.command("list aliases")
    aliases: dict[str, tuple[str, ...]] = {}
    current: list[str] | None = None
    for line in lines:
        if current is None:
            assert line.startswith("alias "), lines
            current = []
            aliases[line[len("alias ") :]] = ()
            name = line[len("alias ") :]
        elif line == "":
            aliases[name] = tuple(current)
            current = None
        else:
            current.append(line)
    found["aliases"] = aliases

    views = {}
    for name in sorted(candidate_names(text)):
        status, _ = client.command(f"setview {name}")
        if status.startswith("220"):
            _, lines = client.command("list watch")
            views[name] = frozenset(tuple(line.split(" ", 1)) for line in lines)
            client.command("setview")
    found["views"] = views

    _, lines = client.command("get maxkeep")
    found["maxkeep"] = lines[0].removeprefix("maxkeep = ") if lines else None
    return found


def keywords_for(text: str, extra: Iterable[str] = ()) -> tuple[str, ...]:
    """interval, monitor, description, and every other service keyword the snippet names."""
    wanted = list(DEFAULT_KEYWORDS)
    for keyword in SERVICE_KEYWORDS:
        if keyword not in wanted and re.search(rf"\b{keyword}\b", text):
            wanted.append(keyword)
    for keyword in extra:
        if keyword not in wanted:
            wanted.append(keyword)
    return tuple(wanted)


def run_mon(text: str, keywords: Sequence[str] | None = None) -> MonResult:
    """Start the real mon on snippet TEXT (a str; raw bytes as surrogate escapes) and record it."""
    if keywords is None:
        keywords = keywords_for(text)
    for _attempt in range(4):
        # Two daemons started at once can pick the same "free" port: the
        # loser exits with status 1 and only a syslog message (die_die).
        try:
            result = _run_once(text, tuple(keywords))
        except WrongDaemon:
            continue
        if result.accepted or result.error or result.exit_status != 1:
            return result
    raise RuntimeError(f"mon could not be started on free ports for {text!r}")


def _run_once(text: str, keywords: tuple[str, ...]) -> MonResult:
    tmp = Path(tempfile.mkdtemp(prefix="pymon-realmon-"))
    proc = None
    client = None
    try:
        for sub in ("etc", "log.d", "state.d", "mon.d", "alert.d"):
            (tmp / sub).mkdir()
        (tmp / "etc" / "auth.cf").write_text(AUTH)
        body, offset = mon_config(text)
        config = tmp / "etc" / "mon.cf"
        config.write_bytes(body)
        port, trapport = _free_port(socket.SOCK_STREAM), _free_port(socket.SOCK_DGRAM)
        argv = daemon_argv([MON], tmp, port, trapport, flags=["-S"])
        env = {k: v for k, v in os.environ.items() if not k.startswith("MON_")}
        env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
        with open(tmp / "stderr", "wb") as err:
            proc = subprocess.Popen(
                argv, cwd=tmp, env=env, stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=err, start_new_session=True,
            )  # fmt: skip
        client = _wait_started(proc, port)
        # read before the queries: mon echoes each client command on stderr
        stderr = _decode((tmp / "stderr").read_bytes())
        lines = stderr.splitlines()
        warnings = tuple(sorted(line for line in lines if line.startswith("Warning: ")))
        if client is None:
            rest = "\n".join(line for line in lines if not line.startswith("Warning: ")).strip()
            if offset:
                rest = re.sub(r"line (\d+)$", lambda m: f"line {int(m.group(1)) - offset}", rest)
            return MonResult(False, proc.returncode, stderr, warnings, rest, line_offset=offset)
        try:
            found = _query(client, proc.pid, text, warnings, keywords)
        except ConnectionError:
            return MonResult(True, None, stderr, warnings, None, line_offset=offset, queried=False)
        return MonResult(
            True, None, stderr, warnings, None, line_offset=offset, **found  # type: ignore[arg-type]
        )
    finally:
        if client is not None:
            client.close()
        if proc is not None:
            _stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------------------
# many at once, each snippet once
# ---------------------------------------------------------------------------
_cache: dict[tuple[str, tuple[str, ...]], MonResult] = {}
_lock = threading.Lock()


def cached(text: str, keywords: Sequence[str] | None = None) -> MonResult:
    key = (text, tuple(keywords) if keywords is not None else keywords_for(text))
    with _lock:
        if key in _cache:
            return _cache[key]
    result = run_mon(text, key[1])
    with _lock:
        _cache[key] = result
    return result


def run_many(texts: Iterable[str], workers: int = 12) -> list[MonResult]:
    """cached() for every text, several daemons at a time (each mostly waits)."""
    items = list(texts)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(cached, items))
