"""The daemon: mon's start-up order (INIT-03), the main loop, and the way out.

config -> overrides and paths -> programs -> auth file -> bind TCP and UDP ->
dtlog header -> historicfile -> pid file -> timers and randstart -> `mon server started` ->
startup alerts -> main loop. It stays in the foreground (`-f` comes later) and
logs to syslog and stderr. SIGTERM/SIGINT and `term` stop scheduling, kill the
running monitors' process groups, remove the pid file and exit 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import signal
import socket
import sys
from dataclasses import dataclass

from pymon.config import ConfigError, LoadedConfig, Options, load_config
from pymon.engine import statefile
from pymon.engine.engine import Engine
from pymon.log import Log
from pymon.server.auth import AuthError, load_auth
from pymon.server.commands import Commands
from pymon.server.server import MonServer

__all__ = ["DaemonFlags", "run_daemon"]


@dataclass(frozen=True)
class DaemonFlags:
    """The flags that are not config overrides."""

    stopped: bool = False  # -S
    debug: int = 0  # -d
    fork: bool = False  # -f (not yet: pymon stays in the foreground)
    loadstate: str | None = None  # -l: "" means disabled


class StartupError(Exception):
    pass


def _bind(kind: int, host: str | None, port: str, what: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET, kind)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host or "0.0.0.0", int(float(port))))
        if kind == socket.SOCK_STREAM:
            sock.listen(socket.SOMAXCONN)
        sock.setblocking(False)
    except (OSError, ValueError) as error:
        sock.close()
        reason = error.strerror if isinstance(error, OSError) else str(error)
        raise StartupError(f"could not bind {what} {host or '*'}:{port}: {reason}") from error
    return sock


def _write_pidfile(path: str, log: Log) -> bool:
    if not path:
        return False  # CLI-18: -P '' disables it
    try:
        with open(path, "w", encoding="ascii") as file:
            file.write(f"{os.getpid()}\n")
    except OSError as error:
        log("err", f"could not write pid file {path}: {error.strerror}")  # DAEMON-02: not fatal
        return False
    return True


def run_daemon(options: Options, flags: DaemonFlags) -> int:
    log = Log(options.syslogfacility or "daemon", stream=sys.stderr, debug=flags.debug)
    try:
        loaded = load_config(options)
    except ConfigError as error:
        print(error, file=sys.stderr)
        log("err", str(error).splitlines()[0])
        return error.status
    # The config model lives as long as the daemon: keep it out of every
    # future garbage collection scan.
    gc.freeze()
    g = loaded.config.globals
    log.open(g.syslog_facility)
    for warning in loaded.config.mon_warnings:
        log("stderr", warning)
    for problem in loaded.problems:
        log("err", problem)
    try:
        load_auth(g.authfile)
        tcp = _bind(socket.SOCK_STREAM, g.serverbind, g.serverport, "server port")
        try:
            udp = _bind(socket.SOCK_DGRAM, g.trapbind, g.trapport, "trap port")
        except StartupError:
            tcp.close()
            raise
    except (AuthError, StartupError) as error:
        print(error, file=sys.stderr)
        log("err", str(error))
        return 1
    if flags.fork:
        log("notice", "-f is not supported yet; staying in the foreground")
    engine = Engine(loaded, log, stopped=flags.stopped)
    engine.journal.start_dtlog(engine.start_time)
    engine.journal.load_history(engine.start_time, g.historictime)
    wrote_pidfile = _write_pidfile(g.pidfile, log)
    if flags.loadstate is not None:  # CLI-12, STATE-04: after the pid file, before the startup alerts
        statefile.load_state(engine, [flags.loadstate or "disabled"])
    try:
        return asyncio.run(_main(loaded, engine, log, tcp, udp))
    finally:
        tcp.close()
        udp.close()
        if wrote_pidfile:
            with contextlib.suppress(OSError):
                os.unlink(g.pidfile)


def _watch_children_with_pidfds(loop: asyncio.AbstractEventLoop) -> None:
    """Reap monitors through pidfds in the event loop, not with a thread per child.

    Python 3.11's default watcher starts a thread for every process: with
    hundreds of monitors a second that costs a third of the daemon's CPU.
    From 3.12 on asyncio picks pidfds by itself.
    """
    if sys.version_info >= (3, 12) or not hasattr(os, "pidfd_open"):
        return
    try:
        os.close(os.pidfd_open(os.getpid()))
    except OSError:
        return  # a kernel before 5.3
    watcher = asyncio.PidfdChildWatcher()
    watcher.attach_loop(loop)
    asyncio.set_child_watcher(watcher)


async def _main(
    loaded: LoadedConfig, engine: Engine, log: Log, tcp: socket.socket, udp: socket.socket
) -> int:
    loop = asyncio.get_running_loop()
    _watch_children_with_pidfds(loop)
    done = asyncio.Event()

    def on_signal(name: str) -> None:
        log("info", f"caught {name} signal, exiting")
        done.set()

    for number, name in ((signal.SIGTERM, "TERM"), (signal.SIGINT, "INT")):
        loop.add_signal_handler(number, on_signal, name)
    loop.add_signal_handler(signal.SIGHUP, log, "notice", "SIGHUP (reset) is not supported yet; ignored")
    engine.on_terminate = done.set
    g = loaded.config.globals
    server = MonServer(
        Commands(engine), log, cltimeout=g.cltimeout, clientallow=g.clientallow, on_terminate=engine.terminate
    )
    await server.serve(tcp)
    loop.add_reader(udp.fileno(), _drop_trap, udp, log)  # TRAP-*: traps come later; the port is held
    log("info", "mon server started")
    engine.begin(loop)
    await done.wait()
    loop.remove_reader(udp.fileno())
    server.close()
    await engine.shutdown()
    return 0


def _drop_trap(udp: socket.socket, log: Log) -> None:
    try:
        _, (address, port) = udp.recvfrom(65536)
    except OSError:
        return
    log("notice", f"trap from {address}:{port} ignored: traps are not supported yet")
