"""The daemon: mon's start-up order (INIT-03), the main loop, and the way out.

config -> overrides and paths -> programs -> auth file -> bind TCP and UDP ->
dtlog header -> historicfile -> pid file -> timers and randstart -> `mon server started` ->
startup alerts -> main loop. With `-f` it detaches after the dtlog header
(`pymon.detach`, DAEMON-01). It logs to syslog and stderr. SIGHUP is `reset
keepstate` (DAEMON-03; mon goes deaf after it, DAEMON-04: pymon keeps serving).
SIGTERM/SIGINT and `term` stop scheduling, kill the running monitors' process
groups, give running alerts a few seconds, remove the pid file and exit 0.
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
from pymon.detach import DetachError, detach, open_errfile
from pymon.engine import statefile
from pymon.engine.engine import Engine
from pymon.log import Log
from pymon.plugins import Plugins, load_plugins
from pymon.server.auth import AuthError, load_auth
from pymon.server.commands import Commands
from pymon.server.server import MonServer
from pymon.server.trapauth import TrapAuth, load_trap_auth
from pymon.server.traps import TrapReceiver

__all__ = ["DaemonFlags", "run_daemon"]


@dataclass(frozen=True)
class DaemonFlags:
    """The flags that are not config overrides."""

    stopped: bool = False  # -S
    debug: int = 0  # -d
    fork: bool = False  # -f
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


def _without_plugins(problems: tuple[str, ...], plugins: Plugins) -> list[str]:
    """INIT-04's `NAME not found` problems, less the names a plugin provides."""
    provided = {*plugins.monitors, *plugins.alerts}
    return [p for p in problems if not (" not found in one of " in p and p.split(" ", 1)[0] in provided)]


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
    plugins = load_plugins()
    for problem in (*_without_plugins(loaded.problems, plugins), *plugins.problems):
        log("err", problem)
    try:
        auth = load_auth(g.authfile)
        trap_auth = load_trap_auth(g.authfile, log)
        tcp = _bind(socket.SOCK_STREAM, g.serverbind, g.serverport, "server port")
        try:
            udp = _bind(socket.SOCK_DGRAM, g.trapbind, g.trapport, "trap port")
        except StartupError:
            tcp.close()
            raise
    except AuthError as error:
        print(error, file=sys.stderr)
        log("err", error.mon_message)
        return error.status
    except StartupError as error:
        print(error, file=sys.stderr)
        log("err", str(error))
        return 1
    engine = Engine(loaded, log, stopped=flags.stopped, plugins=plugins)
    engine.journal.start_dtlog(engine.start_time)
    if flags.fork:
        try:
            detach(open_errfile(g.monerrfile), log)
        except DetachError as error:
            print(error, file=sys.stderr)
            log("err", str(error))
            tcp.close()
            udp.close()
            return 1
    engine.journal.load_history(engine.start_time, g.historictime)
    wrote_pidfile = _write_pidfile(g.pidfile, log)
    if flags.loadstate is not None:  # CLI-12, STATE-04: after the pid file, before the startup alerts
        statefile.load_state(engine, [flags.loadstate or "disabled"])
    try:
        commands = Commands(
            engine,
            check_config=lambda: _config_problem(options),
            load_config=lambda: load_config(options),
            debug=flags.debug,
            auth=auth,
            log=log,
        )
        return asyncio.run(_main(loaded, commands, log, tcp, udp, trap_auth))
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


def _config_problem(options: Options) -> str | None:
    """PROTO-46 `test config`: mon's message for a config that would not load, None if it loads."""
    try:
        load_config(options)
    except ConfigError as error:
        return error.mon_message
    return None


async def _main(
    loaded: LoadedConfig,
    commands: Commands,
    log: Log,
    tcp: socket.socket,
    udp: socket.socket,
    trap_auth: TrapAuth,
) -> int:
    loop = asyncio.get_running_loop()
    _watch_children_with_pidfds(loop)
    done = asyncio.Event()
    engine = commands.engine

    def on_signal(name: str) -> None:
        log("info", f"caught {name} signal, exiting")
        done.set()

    def on_hangup() -> None:
        # STATE-07: SIGHUP is `reset keepstate`; a config that does not load is refused.
        log("info", "caught HUP signal, resetting with keepstate")
        try:
            commands.reset(keepstate=True)
        except Exception as error:  # a bug must not take the daemon down
            log("err", f"internal error resetting on SIGHUP: {error!r}")

    for number, name in ((signal.SIGTERM, "TERM"), (signal.SIGINT, "INT")):
        loop.add_signal_handler(number, on_signal, name)
    loop.add_signal_handler(signal.SIGHUP, on_hangup)
    engine.on_terminate = done.set
    g = loaded.config.globals
    server = MonServer(
        commands, log, cltimeout=g.cltimeout, clientallow=g.clientallow,
        on_terminate=lambda: commands.engine.terminate(),
    )  # fmt: skip
    commands.reset_listeners.append(lambda new: _reconfigure(server, new))
    await server.serve(tcp)
    receiver = TrapReceiver(commands.engine, trap_auth, log)
    traps, _ = await loop.create_datagram_endpoint(lambda: receiver, sock=udp)
    commands.reset_listeners.append(lambda new: setattr(receiver, "target", new))
    commands.auth_listeners.append(lambda path: setattr(receiver, "auth", load_trap_auth(path, log)))
    log("info", "mon server started")
    engine.begin(loop)
    await done.wait()
    traps.close()
    server.close()
    await commands.engine.shutdown()
    # Saving state at exit belongs to the state-file code: it hooks in here.
    save_state = getattr(commands.engine, "save_state_at_exit", None)
    if callable(save_state):
        save_state()
    return 0



def _reconfigure(server: MonServer, engine: Engine) -> None:
    """mon reads clientallow and cltimeout from the config each time it uses them, so a reset
    changes them; the sockets stay as they are (PROTO-41)."""
    g = engine.config.globals
    server.clientallow, server.cltimeout = g.clientallow, g.cltimeout
