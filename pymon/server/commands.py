"""The client commands: one request line in, the reply text out (PROTO-01..53).

`pymon.server.protocol` parses the line and builds every reply; this module
acts on the engine in between, through its command methods, and builds the
`ServerFacts` snapshot that queries are answered from. Full auth (every command
is allowed for now), `set` and `reset` come later.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from pymon.engine import statefile
from pymon.engine.engine import Engine
from pymon.engine.scheduler import Key
from pymon.server import protocol as p

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
    def __init__(self, engine: Engine, *, check_config: Callable[[], str | None] = lambda: None) -> None:
        self.engine = engine
        self.check_config = check_config

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
        )

    def handle(self, request: p.Request, session: p.Session) -> tuple[Reply, p.Session]:
        """The reply to `request`, and the session as it is afterwards."""
        action = request.action
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
            case p.Login():
                return Reply(p.login_reply(False))  # authentication comes with full auth
            case p.CheckAuth():
                return Reply(p.checkauth_reply(True))
            case p.Reload():
                return Reply(p.reload_reply(action))
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
            case p.LoadState():
                statefile.load_state(engine, action.kinds)
                return Reply(p.LOADSTATE_COMPLETED)
            case p.SaveState():
                statefile.save_state(engine, action.kinds)
                return Reply(p.SAVESTATE_COMPLETED)
            case _:
                return Reply(p.DENIED)  # dump, reset, set: later (mon's fall-through reply)
