"""Monitor and alert processes: their command lines, environments, and running them.

What mon does (MONI-02..09, ALRT-24..27), and where pymon goes further:

* A monitor runs with stdin from /dev/null and stderr merged into stdout
  (MONI-05). mon keeps all of its output; pymon keeps `output_limit` bytes and
  reads and drops the rest, so a chatty monitor never blocks on a full pipe.
* A monitor's result is taken when it exits, not when its output pipe closes:
  like mon's reaper, pymon then reads what is waiting in the pipe and stops, so
  a background child that holds the pipe open cannot hang the service.
* mon has no monitor timeout (MONI-11); pymon's `monitor_timeout` sends SIGTERM
  to the monitor's whole process group, SIGKILL after a grace period, and
  reports a failure.
* Alerts are fire and forget (ALRT-24): stdin is written in the background, the
  alert's stdout and stderr are pymon's, its exit status is only reported.
  mon has no alert timeout; pymon kills an alert's process group after
  `timeout` (300 s by default).
* Every child gets its own session, so it and everything it starts can be
  signalled as one group, and is started the way Perl's `exec LIST` starts it:
  a file the kernel cannot execute (no `#!` line) runs under /bin/sh (glibc's
  execvp does that), and SIGPIPE stays ignored as mon ignores it
  (`$SIG{PIPE} = 'IGNORE'` survives exec), so a monitor writing to a closed
  socket gets EPIPE instead of dying by a signal that would count as success.
* Strings that C cannot carry are cut at a NUL byte, as Perl's `exec` and
  `%ENV` do (a monitor's output may hold one and comes back in MON_LAST_OUTPUT).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import errno
import fcntl
import functools
import os
import re
import select
import signal as signals
import subprocess
import time
import weakref
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from pymon.config.model import Globals, Service
from pymon.config.perl import format_number
from pymon.engine.alert_run import AlertRun
from pymon.engine.output import split_output
from pymon.engine.states import ServiceState
from pymon.engine.tick import tick_after
from pymon.engine.words import quotewords

__all__ = [
    "DEFAULT_KILL_GRACE",
    "AlertExit",
    "AlertProcess",
    "CEnviron",
    "ExecError",
    "MonitorResult",
    "alert_argv",
    "monitor_command",
    "monitor_environment",
    "run_monitor",
    "start_alert",
]

DEFAULT_KILL_GRACE: Final = 2.0  # seconds between SIGTERM and SIGKILL
_READ_SIZE: Final = 65536
_READ_DELAY: Final = 0.05  # seconds a monitor's output may wait in the pipe (64 KiB) before it is watched
_DRAIN_READS: Final = 256  # at most 16 MiB read after exit, in case a grandchild keeps writing
_MAX_ARG_STRLEN: Final = 32 * 4096  # Linux's limit on one argument or NAME=value, NUL included

_P = TypeVar("_P", bound="_Protocol")
_T = TypeVar("_T")
_BACKGROUND: set[asyncio.Task[Any]] = set()  # alert reapers and the like, referenced until done

# --- command lines and environments ----------------------------------------------

_MONITOR_WORDS = re.compile(r"(\S+)(\s+(.*))?$", re.ASCII)  # run_monitor's /^(\S+)(\s+(.*))?$/
_NO_HOSTS = re.compile(r";;\s*$", re.ASCII)
_NO_HOSTS_STRIP = re.compile(r"\s*;;\s*$", re.ASCII)


def monitor_command(service: Service, path: str, hosts: Sequence[str]) -> list[str] | None:
    """MONI-02..04: the monitor's argv, or None when it is not to run for want of hosts.

    `path` is the resolved `monitor` program (MONI-01), `hosts` the hostgroup
    already filtered (MONI-03). With `;;` no hosts are appended and the monitor
    always runs. When the arguments do not split (an unbalanced quote) the
    result is []: mon would exec the first host name as the program, pymon
    lets run_monitor report an exec failure instead.
    """
    words, with_hosts = _monitor_words(service.monitor or "", path)
    if not with_hosts:
        return list(words)
    if not hosts and not service.allow_empty_group:
        return None
    return [*words, *hosts] if words else []


@functools.lru_cache(maxsize=4096)
def _monitor_words(monitor: str, path: str) -> tuple[tuple[str, ...], bool]:
    """The words of a `monitor` line run from `path`, and whether the hosts follow them."""
    match = _MONITOR_WORDS.match(monitor)
    # mon appends its $2, the arguments with the whitespace before them.
    rest = match.group(2) if match else None
    text = path + " " + rest if rest else path
    if _NO_HOSTS.search(text):
        return tuple(quotewords(_NO_HOSTS_STRIP.sub("", text, count=1))), False
    return tuple(quotewords(text)), True


def monitor_environment(service: Service, state: ServiceState, globals_: Globals) -> dict[str, str]:
    """MONI-06: what a monitor's environment adds to pymon's own, in mon's order.

    Absent, not empty: MON_LAST_SUMMARY and MON_LAST_OUTPUT before the first
    result, MON_FIRST_FAILURE before the first failure, MON_DEPEND_STATUS until
    a dependency was evaluated, MON_DESCRIPTION without a description, and
    MON_FIRST_SUCCESS always (mon never sets `_first_success`).
    MON_LAST_FAILURE and MON_LAST_SUCCESS are always there, "0" at first.
    """
    env = dict(service.env)
    env["MON_GROUP"] = service.group
    env["MON_SERVICE"] = service.name
    if state.last_summary is not None:
        env["MON_LAST_SUMMARY"] = state.last_summary
    if state.last_output is not None:
        env["MON_LAST_OUTPUT"] = state.last_output
    env["MON_LAST_FAILURE"] = str(state.last_failure)
    if state.first_failure is not None:
        env["MON_FIRST_FAILURE"] = str(state.first_failure)
    if state.depend_status is not None:
        env["MON_DEPEND_STATUS"] = "1" if state.depend_status else "0"
    env["MON_LAST_SUCCESS"] = str(state.last_success)
    if service.description is not None:
        env["MON_DESCRIPTION"] = service.description
    env["MON_STATEDIR"] = globals_.statedir
    env["MON_LOGDIR"] = globals_.logdir
    env["MON_CFBASEDIR"] = globals_.cfbasedir
    return env


def alert_argv(run: AlertRun) -> list[str]:
    """ALRT-25: mon's own arguments, then the configured ones split like a monitor's."""
    return [*run.argv_head(), *quotewords(run.args)]


# --- results -------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class MonitorResult:
    """How a monitor run ended, as mon's process_event receives it."""

    exit_value: int  # mon's `$? >> 8`: 0 when a signal killed it (MONI-08, Q14)
    signal: int | None = None  # the signal that ended it, if one did
    timed_out: bool = False  # killed at monitor_timeout: exit_value is then 1
    output: str = ""  # stdout and stderr as they interleaved, undecodable bytes surrogate-escaped
    truncated: bool = False  # output beyond output_limit was read and dropped
    pid: int | None = None  # None when it could not be started
    started: float = 0.0  # time.time() when it was started
    finished: float = 0.0  # time.time() when its exit was seen
    error: str | None = None  # why exec failed (strerror), for `could not exec '...': ERR`

    @property
    def summary(self) -> str | None:
        """MONI-09: the first line of the output; None when there is no output."""
        return split_output(self.output)[0]

    @property
    def detail(self) -> str | None:
        """MONI-09: everything after the first line; None when there is no second line."""
        return split_output(self.output)[1]


@dataclass(frozen=True, kw_only=True)
class AlertExit:
    """How an alert ended: mon ignores it, pymon may log it."""

    exit_value: int  # the exit code, 0 when a signal ended it
    signal: int | None = None
    timed_out: bool = False  # killed at the alert timeout


@dataclass(frozen=True)
class AlertProcess:
    """A started alert: `await process.done` for its AlertExit (nobody has to)."""

    pid: int
    argv: tuple[str, ...]
    started: float
    done: asyncio.Future[AlertExit]


class CEnviron(dict[bytes, bytes]):
    """An environment already as C will see it (names and values encoded, E2BIG-safe).

    Encoding pymon's own environment of some fifty variables for every run was
    a good part of a check's cost; the engine encodes it once and adds the
    few MON_* variables of each run with `plus`.
    """

    @classmethod
    def encode(cls, env: Mapping[str, str]) -> CEnviron:
        return cls(
            _short_env_item(name, value) if len(value) < 512 else _env_item(name, value)
            for name, value in env.items()
            if name and "=" not in name and "\0" not in name
        )

    def plus(self, env: Mapping[str, str]) -> CEnviron:
        """A copy with `env` added (its names replace the same names here)."""
        new = CEnviron(self)
        new.update(CEnviron.encode(env))
        return new


class ExecError(Exception):
    """A program could not be started (mon: `could not exec alert PATH: ERR`)."""

    def __init__(self, argv: Sequence[str], error: OSError) -> None:
        self.argv = tuple(argv)
        self.error = error
        self.strerror = error.strerror or str(error)
        super().__init__(f"could not exec {self.argv[0] if self.argv else ''!r}: {self.strerror}")


# --- running monitors ------------------------------------------------------------------


class _Protocol(asyncio.SubprocessProtocol):
    """`exited` is done once the process has exited and been reaped."""

    def __init__(self) -> None:
        self.exited: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def process_exited(self) -> None:
        if not self.exited.done():
            self.exited.set_result(None)


class _Output:
    """Keeps the first `limit` bytes of a monitor's output, reads and drops the rest."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.chunks: list[bytes] = []
        self.size = 0
        self.truncated = False
        self.done = False  # the result is taken: output arriving later is dropped

    def keep(self, data: bytes) -> None:
        if self.done:
            return
        room = self.limit - self.size
        if len(data) > room:
            self.truncated = True
            data = data[: max(0, room)]
        if data:
            self.chunks.append(data)
            self.size += len(data)

    def output(self) -> str:
        return b"".join(self.chunks).decode("utf-8", "surrogateescape")


class _Monitor(_Output):
    """A monitor started with posix_spawn, seen through a pidfd and a non-blocking pipe.

    The lean path, Linux only (os.pidfd_open): asyncio's subprocess transport,
    its Popen and its child watcher were most of pymon's own CPU per run.
    posix_spawn has no `cwd` and searches pymon's PATH, not the child's, so a
    `cwd` or a program name without a `/` takes asyncio's path instead. Only
    Python's own descriptors are closed in the child (they are all
    close-on-exec); a descriptor pymon inherited as inheritable is passed on.
    """

    def __init__(self, argv: Sequence[str], env: Mapping[str, str] | CEnviron, limit: int) -> None:
        super().__init__(limit)
        self.loop = asyncio.get_running_loop()
        self.exited: asyncio.Future[None] = self.loop.create_future()
        self.returncode: int | None = None
        args, environ = _c_args(argv, env)
        self.fd, write = os.pipe()
        if write <= 2:  # stdout or stderr was closed: dup2 onto itself would keep close-on-exec
            low, write = write, fcntl.fcntl(write, fcntl.F_DUPFD_CLOEXEC, 3)
            os.close(low)
        try:
            self.pid = _posix_spawn(args, environ, write)
        except BaseException:
            os.close(self.fd)
            raise
        finally:
            os.close(write)
        try:
            self.pidfd = os.pidfd_open(self.pid)
        except BaseException:
            _signal_group(self.pid, signals.SIGKILL)
            os.waitpid(self.pid, 0)
            os.close(self.fd)
            raise
        os.set_blocking(self.fd, False)
        # Most monitors exit before their output fills the pipe, and their
        # output is read at the exit: one wake-up of the event loop per run
        # instead of two or three. A monitor still running after _READ_DELAY
        # is read as its output comes, so a chatty one never blocks for long.
        self.reading = False  # the pipe is watched by the event loop
        self.eof = False
        self.exits = _exits(self.loop)
        self.exits.watch(self.pidfd, self._reap)
        self.exits.read_later(self)

    def watch_pipe(self) -> None:
        """Read the output as it comes from now on, unless the monitor is over."""
        if not (self.eof or self.reading or self.done or self.returncode is not None):
            self.loop.add_reader(self.fd, self._read)
            self.reading = True

    def _stop_watching_pipe(self) -> None:
        if self.reading:
            self.loop.remove_reader(self.fd)
            self.reading = False

    def _reap(self) -> None:
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:  # reaped by someone else: asyncio's choice too
            pid, status = self.pid, 255 << 8
        if pid == 0:
            return
        self.exits.forget(self.pidfd)
        os.close(self.pidfd)
        self.returncode = os.waitstatus_to_exitcode(status)
        if not self.exited.done():
            self.exited.set_result(None)

    def _read(self) -> None:
        try:
            data = os.read(self.fd, _READ_SIZE)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data:
            self.keep(data)
        else:
            self.eof = True
            self._stop_watching_pipe()

    def drain(self) -> None:
        """What mon's reaper does: read what is waiting in the pipe now, never wait for more."""
        for _ in range(_DRAIN_READS):
            if self.eof:
                return
            try:
                data = os.read(self.fd, _READ_SIZE)
            except OSError:  # EAGAIN: nothing more now
                return
            if not data:
                self.eof = True
                return
            self.keep(data)

    def close(self) -> None:
        self._stop_watching_pipe()
        os.close(self.fd)
        if self.returncode is None:  # as asyncio's transport.close(); the pidfd reaps it later
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signals.SIGKILL)


class _Exits:
    """The pidfds of every running monitor in one epoll set, a single reader of the event loop.

    asyncio's add_reader makes a handle and a selector key for each descriptor
    and removes them again; at a few hundred monitors a second that showed.

    An exit is handled as soon as it comes, except just after another: after
    handling exits the set is looked at again at the next tick (tick.py), and
    every exit that came meanwhile is handled in that wake-up, which the
    scheduler's starts share. A quiet daemon reacts at once; a busy one wakes
    for exits at most once per tick instead of once per monitor.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.epoll = select.epoll()
        self.waiting: dict[int, Callable[[], None]] = {}
        self.young: collections.deque[tuple[float, _Monitor]] = collections.deque()  # (read from, monitor)
        loop.add_reader(self.epoll.fileno(), self._ready)

    def read_later(self, monitor: _Monitor) -> None:
        """Watch the monitor's pipe once it has run _READ_DELAY seconds: one timer for them all."""
        loop = asyncio.get_running_loop()
        self.young.append((loop.time() + _READ_DELAY, monitor))
        if len(self.young) == 1:
            loop.call_at(tick_after(self.young[0][0]), self._sweep)

    def _sweep(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        while self.young and self.young[0][0] <= now:
            self.young.popleft()[1].watch_pipe()
        if self.young:
            loop.call_at(tick_after(self.young[0][0]), self._sweep)

    def watch(self, pidfd: int, on_exit: Callable[[], None]) -> None:
        self.epoll.register(pidfd, select.EPOLLIN)
        self.waiting[pidfd] = on_exit

    def forget(self, pidfd: int) -> None:
        """Before the pidfd is closed.

        Closing alone is not enough: a child being started holds a copy of
        every descriptor until its exec has closed them, and while it does the
        closed pidfd stays in the set, readable, and the loop would spin.
        """
        del self.waiting[pidfd]
        self.epoll.unregister(pidfd)

    def _ready(self) -> None:
        if self._handle():
            loop = asyncio.get_running_loop()  # not kept: _EXITS must not keep its loop alive
            loop.remove_reader(self.epoll.fileno())
            loop.call_at(tick_after(loop.time()), self._resume)

    def _resume(self) -> None:
        loop = asyncio.get_running_loop()
        if self._handle():
            loop.call_at(tick_after(loop.time()), self._resume)
        else:
            loop.add_reader(self.epoll.fileno(), self._ready)

    def _handle(self) -> int:
        """Handle every exit waiting now; how many there were."""
        ready = self.epoll.poll(0)
        for pidfd, _ in ready:
            on_exit = self.waiting.get(pidfd)
            if on_exit is not None:
                on_exit()
        return len(ready)


_EXITS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Exits] = weakref.WeakKeyDictionary()


def _exits(loop: asyncio.AbstractEventLoop) -> _Exits:
    exits = _EXITS.get(loop)
    if exits is None:
        exits = _EXITS[loop] = _Exits(loop)
    return exits


class _MonitorProtocol(_Output, _Protocol):
    """The same through asyncio's subprocess transport: where there is no pidfd, or for `cwd`."""

    def __init__(self, limit: int) -> None:
        _Output.__init__(self, limit)
        _Protocol.__init__(self)
        self.transport: asyncio.SubprocessTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.SubprocessTransport)
        self.transport = transport

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        self.keep(data)

    @property
    def pid(self) -> int:
        assert self.transport is not None
        return self.transport.get_pid()

    @property
    def returncode(self) -> int | None:
        assert self.transport is not None
        return self.transport.get_returncode()

    def drain(self) -> None:
        assert self.transport is not None
        pipe = self.transport.get_pipe_transport(1)
        if pipe is None or pipe.is_closing():
            return
        fd = pipe.get_extra_info("pipe").fileno()
        if os.get_blocking(fd):
            return
        for _ in range(_DRAIN_READS):
            try:
                data = os.read(fd, _READ_SIZE)
            except OSError:  # EAGAIN: nothing more now
                return
            if not data:
                return
            self.keep(data)

    def close(self) -> None:
        assert self.transport is not None
        self.transport.close()


async def run_monitor(
    argv: Sequence[str],
    env: Mapping[str, str] | CEnviron,
    *,
    timeout: float | None = None,
    output_limit: int = 1 << 20,
    cwd: str | None = None,
    on_start: Callable[[int], None] | None = None,
    kill_grace: float = DEFAULT_KILL_GRACE,
) -> MonitorResult:
    """Run one monitor to its end (MONI-05..08); `env` is its whole environment.

    `on_start(pid)` is called once it runs. An exec failure is a result, not an
    exception: exit_value 1, no output, `error` set, as mon's child exiting 1.
    A timeout is a failure with exit_value 1 whose output starts with the line
    `monitor timed out after Ns`. Cancelling the coroutine stops the monitor's
    process group the same way (SIGTERM, SIGKILL after `kill_grace`) and waits
    for that before the CancelledError propagates.
    """
    started = time.time()
    if not argv:
        return _not_started(started, os.strerror(errno.ENOENT))  # Perl's `exec ()`
    monitor: _Monitor | _MonitorProtocol
    try:
        if cwd is None and _LEAN and "/" in argv[0]:
            monitor = _Monitor(argv, env, output_limit)
        else:
            _, monitor = await _start(
                lambda: _MonitorProtocol(output_limit),
                argv,
                env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                cwd=cwd,
            )
    except OSError as error:
        return _not_started(started, error.strerror or str(error))
    pid = monitor.pid
    exited = False
    try:
        exited, timed_out = await _await_exit(pid, monitor.exited, timeout, kill_grace, on_start)
    finally:
        finished = time.time()
        if exited:
            monitor.drain()
        monitor.done = True
        monitor.close()
    exit_value, signal = _exit_status(monitor.returncode if exited else None)
    output = monitor.output()
    if timed_out:
        assert timeout is not None
        exit_value = 1
        output = f"monitor timed out after {format_number(timeout)}s\n{output}"
    return MonitorResult(
        exit_value=exit_value,
        signal=signal,
        timed_out=timed_out,
        output=output,
        truncated=monitor.truncated,
        pid=pid,
        started=started,
        finished=finished,
    )


def _not_started(started: float, error: str) -> MonitorResult:
    return MonitorResult(exit_value=1, started=started, finished=time.time(), error=error)


# --- starting alerts -------------------------------------------------------------------


async def start_alert(
    argv: Sequence[str],
    env: Mapping[str, str] | CEnviron,
    stdin: str,
    *,
    timeout: float | None = 300.0,
    kill_grace: float = DEFAULT_KILL_GRACE,
) -> AlertProcess:
    """Start an alert and return at once (ALRT-24); raises ExecError if it cannot start.

    `stdin` is written whole, then closed, without ever blocking the caller; an
    alert that does not read it just loses it. The alert's stdout and stderr
    are pymon's. It is reaped in the background; after `timeout` seconds its
    process group gets SIGTERM, then SIGKILL after `kill_grace`.
    """
    started = time.time()
    try:
        if not argv:
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT))
        transport, protocol = await _start(
            _Protocol, argv, env, stdin=subprocess.PIPE, stdout=None, stderr=None, cwd=None
        )
    except OSError as error:
        raise ExecError(argv, error) from error
    pid = transport.get_pid()
    feed = transport.get_pipe_transport(0)
    assert isinstance(feed, asyncio.WriteTransport)
    data = stdin.encode("utf-8", "surrogateescape")
    if data:
        feed.write(data)  # buffered by the transport, written as the alert reads; EPIPE is dropped
    feed.close()  # after the buffer is written
    done = _background(_reap_alert(transport, protocol, pid, timeout, kill_grace))
    return AlertProcess(pid=pid, argv=tuple(argv), started=started, done=done)


async def _reap_alert(
    transport: asyncio.SubprocessTransport,
    protocol: _Protocol,
    pid: int,
    timeout: float | None,
    kill_grace: float,
) -> AlertExit:
    exited = False
    try:
        exited, timed_out = await _await_exit(pid, protocol.exited, timeout, kill_grace)
    finally:
        transport.close()
    exit_value, signal = _exit_status(transport.get_returncode() if exited else None)
    return AlertExit(exit_value=exit_value, signal=signal, timed_out=timed_out)


# --- processes -------------------------------------------------------------------------


async def _start(
    protocol_factory: Callable[[], _P],
    argv: Sequence[str],
    env: Mapping[str, str] | CEnviron,
    **options: Any,
) -> tuple[asyncio.SubprocessTransport, _P]:
    """_spawn; when the caller is cancelled while the process starts, it is killed once started."""
    spawning = asyncio.ensure_future(_spawn(protocol_factory, argv, env, **options))
    try:
        return await asyncio.shield(spawning)
    except asyncio.CancelledError:
        spawning.add_done_callback(_kill_started)
        raise


def _kill_started(spawning: asyncio.Future[tuple[asyncio.SubprocessTransport, _P]]) -> None:
    if spawning.cancelled() or spawning.exception() is not None:
        return
    transport, protocol = spawning.result()
    _signal_group(transport.get_pid(), signals.SIGKILL)
    _background(_close_when_exited(transport, protocol))


async def _close_when_exited(transport: asyncio.SubprocessTransport, protocol: _Protocol) -> None:
    try:
        await protocol.exited
    finally:
        transport.close()


def _background(coroutine: Coroutine[Any, Any, _T]) -> asyncio.Task[_T]:
    task = asyncio.get_running_loop().create_task(coroutine)
    _BACKGROUND.add(task)
    task.add_done_callback(_BACKGROUND.discard)
    return task


async def _spawn(
    protocol_factory: Callable[[], _P],
    argv: Sequence[str],
    env: Mapping[str, str] | CEnviron,
    **options: Any,
) -> tuple[asyncio.SubprocessTransport, _P]:
    """(transport, protocol) of `argv` started as Perl's `exec LIST` would start it.

    Raises OSError when it cannot be started.
    """
    loop = asyncio.get_running_loop()
    args, environ = _c_args(argv, env)
    options.update(env=environ, start_new_session=True, restore_signals=False)
    try:
        return await loop.subprocess_exec(protocol_factory, *args, **options)
    except OSError as error:
        if error.errno != errno.ENOEXEC:
            raise
    # glibc's execvp runs a file the kernel does not recognise as a shell script.
    return await loop.subprocess_exec(protocol_factory, b"/bin/sh", *args, **options)


def _c_args(argv: Sequence[str], env: Mapping[str, str] | CEnviron) -> tuple[list[bytes], CEnviron]:
    """argv and the environment as C will see them (E2BIG-safe)."""
    args = [_c_string(arg)[: _MAX_ARG_STRLEN - 1] for arg in argv]
    return args, env if isinstance(env, CEnviron) else CEnviron.encode(env)


_LEAN: Final = hasattr(os, "pidfd_open") and hasattr(os, "posix_spawn")
_SPAWN_STDIO: Final = (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0) if _LEAN else ()


def _posix_spawn(args: list[bytes], environ: CEnviron, output: int) -> int:
    """Start `args` in its own session, stdin /dev/null, stdout and stderr to `output`.

    Ignored signals stay ignored (SIGPIPE, as Perl's exec leaves it). A file
    the kernel cannot execute runs under /bin/sh, as glibc's execvp does.
    """
    actions = [_SPAWN_STDIO, (os.POSIX_SPAWN_DUP2, output, 1), (os.POSIX_SPAWN_DUP2, output, 2)]
    try:
        return os.posix_spawn(args[0], args, environ, file_actions=actions, setsid=True)
    except OSError as error:
        if error.errno != errno.ENOEXEC:
            raise
    return os.posix_spawn(b"/bin/sh", [b"/bin/sh", *args], environ, file_actions=actions, setsid=True)


def _env_item(name: str, value: str) -> tuple[bytes, bytes]:
    key = _c_string(name)
    # Linux refuses to exec with any one string longer than this (E2BIG);
    # mon would fail every other run after a long output (MON_LAST_OUTPUT).
    return key, _c_string(value)[: max(0, _MAX_ARG_STRLEN - len(key) - 2)]


@functools.lru_cache(maxsize=4096)
def _short_env_item(name: str, value: str) -> tuple[bytes, bytes]:
    return _c_string(name), _c_string(value)


def _c_string(text: str) -> bytes:
    """The bytes C sees: UTF-8 with mon's original bytes restored, cut at a NUL."""
    try:
        data = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        data = text.encode("utf-8", "replace")
    return data.partition(b"\0")[0]



async def _await_exit(
    pid: int,
    exited: asyncio.Future[None],
    timeout: float | None,
    grace: float,
    on_start: Callable[[int], None] | None = None,
) -> tuple[bool, bool]:
    """(exited, timed out): wait for the process, stopping its group at the deadline.

    If the wait is cancelled (or `on_start` fails) the process is stopped too:
    it must not outlive its runner.
    """
    try:
        if on_start is not None:
            on_start(pid)
        if await _wait(exited, timeout):
            return True, False
        return await _stop_group(pid, exited, grace), True
    except BaseException:
        await _stop_when_abandoned(pid, exited, grace)
        raise


async def _wait(exited: asyncio.Future[None], timeout: float | None) -> bool:
    """Whether the process exited within `timeout` seconds (None: however long it takes).

    asyncio.wait does the same with sets and a task per call: this runs once per check.
    """
    if exited.done():
        return True
    loop = asyncio.get_running_loop()
    waiter: asyncio.Future[None] = loop.create_future()

    def wake(_: object = None) -> None:
        if not waiter.done():
            waiter.set_result(None)

    exited.add_done_callback(wake)
    deadline = None if timeout is None else loop.call_later(timeout, wake)
    try:
        await waiter
    finally:
        exited.remove_done_callback(wake)
        if deadline is not None:
            deadline.cancel()
    return exited.done()


async def _stop_group(pid: int, exited: asyncio.Future[None], grace: float) -> bool:
    """SIGTERM to the process group, SIGKILL to what is left; whether the process exited.

    SIGKILL follows once the leader has exited or `grace` has passed: members
    still busy with their SIGTERM then are not waited for. A process SIGKILL
    cannot end (uninterruptible sleep) is given up on after another grace.
    """
    _signal_group(pid, signals.SIGTERM)
    await _wait(exited, grace)
    _signal_group(pid, signals.SIGKILL)
    return await _wait(exited, grace)


async def _stop_when_abandoned(pid: int, exited: asyncio.Future[None], grace: float) -> None:
    """The runner was cancelled: its process must not outlive it; a second cancel kills at once."""
    if exited.done():
        return
    try:
        await _stop_group(pid, exited, grace)
    except BaseException:
        _signal_group(pid, signals.SIGKILL)
        raise


def _signal_group(pid: int, signal: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal)


def _exit_status(returncode: int | None) -> tuple[int, int | None]:
    """(mon's `$? >> 8`, the signal): a process killed by a signal exited with 0 (MONI-08)."""
    if returncode is None:  # never seen to exit
        return 1, None
    if returncode < 0:
        return 0, -returncode
    return returncode, None
