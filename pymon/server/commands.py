"""The client commands: one request line in, the reply text out (PROTO-01..53).

`pymon.server.protocol` parses the line and builds every reply; this module
acts on the engine in between, through its command methods, and builds the
`ServerFacts` snapshot that queries are answered from. Every command mon
checks is first checked against auth.cf (`pymon.server.auth`, AUTH-03), and
`login` goes through `pymon.server.login`.

`reset` (PROTO-41) replaces the engine: `self.engine` is always the running one.
"""

from __future__ import annotations

import asyncio
import os
import pprint
import socket
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace

from pymon.config import ConfigError, LoadedConfig
from pymon.engine import statefile
from pymon.engine.engine import Engine
from pymon.engine.records import Level
from pymon.engine.reset import reset_engine
from pymon.engine.scheduler import Key
from pymon.server import protocol as p
from pymon.server.auth import AuthError, AuthRules, check, load_auth
from pymon.server.login import login

__all__ = ["Commands", "Reply"]


@dataclass(frozen=True)
class Reply:
    text: str  # whole lines, each ending in "\n"
    close: bool = False  # close the connection after the reply
    terminate: bool = False  # `term`: stop the daemon after the reply


_DISABLE_STATE_CHANGES = (
    p.DisableWatch, p.DisableService, p.DisableHosts, p.EnableWatch, p.EnableService, p.EnableHosts,
)


class _Monitors(Mapping[Key, p.MonitorFacts]):
    """The scheduler's facts of each service, made when a query asks for one, not for all ahead."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __getitem__(self, key: Key) -> p.MonitorFacts:
        if key not in self.engine.states:
            raise KeyError(key)
        return self._facts(key)

    def get(self, key: Key, default: p.MonitorFacts | None = None) -> p.MonitorFacts | None:  # type: ignore[override]
        return self._facts(key) if key in self.engine.states else default

    def _facts(self, key: Key) -> p.MonitorFacts:
        e = self.engine
        return p.MonitorFacts(e.scheduler.seconds_left(key), e.durations.get(key, -1), key in e.monitor_pids)

    def __iter__(self) -> Iterator[Key]:
        return iter(self.engine.states)

    def __len__(self) -> int:
        return len(self.engine.states)


class Commands:
    def __init__(
        self,
        engine: Engine,
        *,
        check_config: Callable[[], str | None] = lambda: None,
        load_config: Callable[[], LoadedConfig] | None = None,
        debug: int = 0,
        auth: AuthRules | None = None,
        log: Callable[[Level, str], None] = lambda _level, _text: None,
    ) -> None:
        self.engine = engine
        self.check_config = check_config
        self.auth = AuthRules() if auth is None else auth  # no rules: every checked command is denied
        self.log = log
        self.load_config = load_config  # reads the config file again (for reset); None: reset fails
        self.debug = debug  # -d: `dump` writes the tables to stderr (PROTO-53)
        # Called with the new engine after every reset: whatever holds the engine must follow it.
        self.reset_listeners: list[Callable[[Engine], None]] = []
        # Called with auth.cf's path after `reload auth` read it: the trap section is read there.
        self.auth_listeners: list[Callable[[str], None]] = []

    def reset(self, *, keepstate: bool) -> str | None:
        """PROTO-41: rebuild the engine from the config file; the reason it was refused, or None.

        A config that does not load changes nothing: the old engine keeps
        running (and stays stopped if `reset stopped` stopped it).
        """
        if self.load_config is None:
            return "no config file to read"
        try:
            loaded = self.load_config()
        except ConfigError as error:
            where = error.location
            reason = error.mon_message + (f" ({where.file}:{where.line}:{where.column})" if where else "")
            self.engine.log("err", f"error reading config file: {reason}")
            return reason
        loop = asyncio.get_running_loop()
        self.engine = reset_engine(self.engine, loaded, keepstate=keepstate, loop=loop)
        for listener in self.reset_listeners:
            listener(self.engine)
        return None

    def facts(self) -> p.ServerFacts:
        """What the engine holds now, for answering queries."""
        e = self.engine
        monitors = _Monitors(e)
        running = [p.RunningMonitor(g, s, pid) for (g, s), pid in e.monitor_pids.items() if pid is not None]
        return p.ServerFacts(
            config=e.config,
            now=int(time.time()),
            pid=os.getpid(),
            states=e.states,
            monitors=monitors,
            running=running,
            disabled_hosts=frozenset(e.disabled_hosts),
            disabled_watches=frozenset(e.disabled_watches),
            stopped_since=e.stopped_since,
            max_keep=str(e.journal.maxkeep),
            alert_history=e.journal.alert_history,
            failure_history=e.journal.failure_history,
            variables=e.shown_variables(),
        )

    def handle(self, request: p.Request, session: p.Session) -> tuple[Reply, p.Session]:
        """The reply to `request`, and the session as it is afterwards."""
        action = request.action
        if request.needs_auth and not self._authorized(request.command, session.user):
            return Reply(p.DENIED), session  # PROTO-01b
        if isinstance(action, p.Login):
            return self._login(action, session)
        if isinstance(action, p.Query):
            return Reply(p.answer(action, self.facts(), session)), session
        if isinstance(action, p.SetView):
            session, text = p.select_view(action, session, self.engine.config)
            return Reply(text), session
        reply = self._act(action, session)
        if reply.text.startswith("220") and isinstance(action, _DISABLE_STATE_CHANGES):
            # STATE-01: after every disable or enable that worked
            statefile.save_state(self.engine, ["disabled"])
        return reply, session

    def _authorized(self, command: str | None, user: str | None, *, quiet: bool = False) -> bool:
        decision = check(self.auth, command, user, quiet=quiet)
        if decision.log is not None:
            self.log("err", decision.log)
        return decision.allowed

    def _login(self, action: p.Login, session: p.Session) -> tuple[Reply, p.Session]:
        """PROTO-05: blocking (files, crypt, PAM), so the server calls it off the event loop."""
        g = self.engine.config.globals
        outcome = login(
            action.user, action.password, authtype=g.authtype, host=session.host,
            userfile=g.userfile, pamservice=g.pamservice,
        )  # fmt: skip
        for level, text in outcome.log:
            self.log(level, text)
        if outcome.accepted:
            session = replace(session, user=action.user)
        return Reply(p.login_reply(outcome.accepted)), session  # AUTH-13: a failure keeps the user

    def _reload_auth(self) -> str | None:
        """PROTO-42: reread auth.cf; when it cannot be used the rules in force stay (not Q31)."""
        path = self.engine.config.globals.authfile
        try:
            self.auth = load_auth(path)
        except AuthError as error:
            where = f" ({error.location.file}:{error.location.line})" if error.location else ""
            self.log("err", f"{error.mon_message}{where}; the auth rules in force are kept")
            return f"520 reload auth failed, {error.mon_message}\n"
        for listener in self.auth_listeners:
            listener(path)
        return None

    def _act(self, action: p.Action, session: p.Session) -> Reply:
        engine, config = self.engine, self.engine.config
        match action:
            case p.Quit():
                return Reply(p.QUITTING, close=True)
            case p.Term():
                return Reply(p.TERMINATING, close=True, terminate=True)
            case p.Stop():
                engine.stop()
                return Reply(p.STOP_COMPLETED)
            case p.Start():
                engine.start()
                return Reply(p.START_COMPLETED)
            case p.CheckAuth():  # PROTO-06: never checked itself; a `!user` denial is still logged
                return Reply(p.checkauth_reply(self._authorized(action.command, session.user, quiet=True)))
            case p.Reload():
                failed = self._reload_auth() if action.loads_auth else None
                return Reply(failed or p.reload_reply(action))
            case p.TestConfig():
                return Reply(p.test_config_reply(self.check_config()))
            case p.TestMonitor():
                known = engine.test_monitor(action.group or "", action.service or "")
                return Reply(p.test_monitor_reply(action, known))
            case p.TestAlert():
                service = config.service(action.group or "", action.service or "")
                text = p.test_alert_reply(action, service)
                if text.startswith("220") and action.kind is not None and service is not None:
                    retval = action.retval or ""
                    engine.test_alert(action.kind, service.group, service.name, retval, action.period)
                return Reply(text)
            case p.ClearTimers():
                return Reply(p.clear_timers_reply(engine.clear_timers(action.group, action.service)))
            case p.SetMaxkeep():
                engine.journal.maxkeep = int(action.value)
                return Reply(p.set_maxkeep_reply())
            case p.Ack():
                group, name = action.group or "", action.service or ""
                service = config.service(group, name)
                acked = engine.acknowledge(group, name, p.ack_comment(session.user, action.comment))
                return Reply(p.ack_reply(group in config.watches, service is not None, acked))
            case p.DisableWatch():
                return Reply(p.disable_watch_reply(action, engine.disable_watch(action.watch or "")))
            case p.DisableService():
                known = engine.disable_service(action.group or "", action.service or "", session.user)
                return Reply(p.disable_service_reply(known))
            case p.DisableHosts():
                return Reply(p.disable_host_reply(engine.disable_hosts(list(action.hosts))))
            case p.EnableWatch():
                return Reply(p.enable_watch_reply(engine.enable_watch(action.watch or "")))
            case p.EnableService():
                known = engine.enable_service(action.group or "", action.service or "")
                return Reply(p.enable_service_reply(known))
            case p.EnableHosts():
                engine.enable_hosts(list(action.hosts))
                return Reply(p.enable_host_reply())
            case p.ListDtlog():
                return Reply(p.list_dtlog(engine.journal.dtlogging, engine.journal.dtlog_text()))
            case p.Reset():
                if action.stopped:  # before the re-read, and kept if it fails
                    engine.stop()
                refused = self.reset(keepstate=action.keepstate)
                return Reply(p.reset_reply(refused is None, os.getpid(), socket.gethostname()))
            case p.SetOpstatus():
                group, name = action.group or "", action.service or ""
                known = config.service(group, name) is not None
                if known and action.valid and action.name is not None:
                    engine.set_opstatus(group, name, action.name)
                return Reply(p.set_opstatus_reply(action, known))
            case p.SetVariable():
                group, name = action.group or "", action.service or ""
                known = engine.set_variable(group, name, action.var or "", action.value or "")
                return Reply(p.set_variable_reply(action, known))
            case p.Dump() if self.debug:
                return Reply(self._dump())
            case p.LoadState():
                statefile.load_state(engine, action.kinds)
                return Reply(p.LOADSTATE_COMPLETED)
            case p.SaveState():
                statefile.save_state(engine, action.kinds)
                return Reply(p.SAVESTATE_COMPLETED)
            case _:
                return Reply(p.DENIED)  # `dump` without -d, and what is not handled yet: mon's fall-through

    def _dump(self) -> str:
        """PROTO-53 under -d: every service's config and state to stderr.

        mon prints Data::Dumper's view of its tables and sends no reply at all,
        which leaves the client hanging; pymon answers (a listed deviation).
        """
        e = self.engine
        table = {
            f"{s.group}/{s.name}": {
                "config": s, "state": e.state(s), "variables": e.variables.get((s.group, s.name), {})
            }
            for s in e.config.services()
        }  # fmt: skip
        print(pprint.pformat(table, width=120), file=sys.stderr, flush=True)
        return "220 dump completed\n"
