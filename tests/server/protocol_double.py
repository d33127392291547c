"""A stand-in for the server, for the protocol tests: it keeps `ServerFacts` and a session.

It does with each action what the real server does through the engine, in the
simplest way that shows the replies: requests in, reply text out. Hosts are
matched literally (mon uses them as regexes, Q35).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from pymon.config.model import Service
from pymon.engine.decision import can_acknowledge
from pymon.engine.states import ServiceState
from pymon.server.protocol import (
    DENIED,
    LOADSTATE_COMPLETED,
    QUITTING,
    SAVESTATE_COMPLETED,
    START_COMPLETED,
    STOP_COMPLETED,
    TERMINATING,
    Ack,
    CheckAuth,
    ClearTimers,
    DisableHosts,
    DisableService,
    DisableWatch,
    Dump,
    EnableHosts,
    EnableService,
    EnableWatch,
    ListDtlog,
    LoadState,
    Login,
    Query,
    Quit,
    Reload,
    Reset,
    SaveState,
    ServerFacts,
    Session,
    SetMaxkeep,
    SetOpstatus,
    SetVariable,
    SetView,
    Start,
    Stop,
    Term,
    TestAlert,
    TestConfig,
    TestMonitor,
    ack_comment,
    ack_reply,
    answer,
    checkauth_reply,
    clear_timers_reply,
    disable_host_reply,
    disable_service_reply,
    disable_watch_reply,
    enable_host_reply,
    enable_service_reply,
    enable_watch_reply,
    list_dtlog,
    login_reply,
    parse_request,
    reload_reply,
    reset_reply,
    select_view,
    set_maxkeep_reply,
    set_opstatus_reply,
    set_variable_reply,
    test_alert_reply,
    test_config_reply,
    test_monitor_reply,
)


def allow_all(user: str | None, command: str | None) -> bool:
    return True


class ProtocolDouble:
    def __init__(
        self,
        facts: ServerFacts,
        *,
        authorized: Callable[[str | None, str | None], bool] = allow_all,
        passwords: dict[str, str] | None = None,
        hostname: str = "vm",
        config_error: str | None = None,
        dtlogging: bool = False,
        dtlog: str | None = None,
    ) -> None:
        self.facts = facts
        self.session = Session()
        self.authorized = authorized
        self.passwords = passwords or {}
        self.hostname = hostname
        self.config_error = config_error
        self.dtlogging = dtlogging
        self.dtlog = dtlog
        self.closed = False

    # -- the facts the engine would hold --------------------------------------------

    def _service(self, group: str | None, name: str | None) -> Service | None:
        return self.facts.config.service(group or "", name or "")

    def _set_state(self, service: Service, state: ServiceState) -> None:
        states = dict(self.facts.states)
        states[(service.group, service.name)] = state
        self.facts = replace(self.facts, states=states)

    def _hosts(self) -> set[str]:
        return {host for group in self.facts.config.hostgroups.values() for host in group.hosts}

    def _singleton_groups(self, host: str) -> list[str]:
        groups = self.facts.config.hostgroups.values()
        return [group.name for group in groups if group.hosts == (host,)]

    # -- one request ----------------------------------------------------------------

    def send(self, line: str) -> str:
        request = parse_request(line)
        if request.needs_auth and not self.authorized(self.session.user, request.command):
            return DENIED
        action = request.action
        if isinstance(action, Query):
            return answer(action, self.facts, self.session)
        facts = self.facts
        match action:
            case Quit():
                self.closed = True
                return QUITTING
            case Dump():
                return DENIED  # pymon answers even with -d (mon sends nothing, PROTO-53)
            case Login(user, password):
                accepted = user is not None and self.passwords.get(user) == password
                if accepted:
                    self.session = replace(self.session, user=user)
                return login_reply(accepted)
            case CheckAuth(command):
                return checkauth_reply(command is not None and self.authorized(self.session.user, command))
            case Reset(stopped=stopped):
                if stopped:
                    self.facts = replace(facts, stopped_since=facts.now)
                return reset_reply(self.config_error is None, facts.pid, self.hostname)
            case Reload():
                return reload_reply(action)
            case ClearTimers(group, name):
                return clear_timers_reply(self._service(group, name) is not None)
            case TestMonitor(group, name):
                return test_monitor_reply(action, self._service(group, name) is not None)
            case TestAlert(group=group, service=name):
                return test_alert_reply(action, self._service(group, name))
            case TestConfig():
                return test_config_reply(self.config_error)
            case LoadState():
                return LOADSTATE_COMPLETED
            case SaveState():
                return SAVESTATE_COMPLETED
            case Term():
                self.closed = True
                return TERMINATING
            case Stop():
                self.facts = replace(facts, stopped_since=facts.now)
                return STOP_COMPLETED
            case Start():
                self.facts = replace(facts, stopped_since=None)
                return START_COMPLETED
            case SetView():
                self.session, reply = select_view(action, self.session, facts.config)
                return reply
            case SetMaxkeep(value):
                self.facts = replace(facts, max_keep=value)
                return set_maxkeep_reply()
            case SetOpstatus(group, name):
                service = self._service(group, name)
                reply = set_opstatus_reply(action, service is not None)
                if service is not None and action.valid and action.name is not None:
                    state = facts.state(service)
                    self._set_state(
                        service, replace(state, last_op_status=state.op_status, op_status=action.name)
                    )
                return reply
            case SetVariable(group, name, var):
                service = self._service(group, name)
                if service is not None:
                    variables = {key: dict(values) for key, values in facts.variables.items()}
                    variables.setdefault((service.group, service.name), {})[var or ""] = action.value
                    self.facts = replace(facts, variables=variables)
                return set_variable_reply(action, service is not None)
            case Ack(group, name, comment):
                service = self._service(group, name)
                ackable = service is not None and can_acknowledge(facts.state(service))
                if service is not None and ackable:
                    state = facts.state(service)
                    stored = ack_comment(self.session.user, comment)
                    self._set_state(service, replace(state, ack=facts.now, ack_comment=stored))
                return ack_reply(group in facts.config.watches, service is not None, ackable)
            case DisableWatch(watch):
                known = watch in facts.config.watches
                if known and watch is not None:
                    self.facts = replace(facts, disabled_watches=facts.disabled_watches | {watch})
                return disable_watch_reply(action, known)
            case EnableWatch(watch):
                known = watch in facts.config.watches
                if known and watch is not None:
                    self.facts = replace(facts, disabled_watches=facts.disabled_watches - {watch})
                return enable_watch_reply(known)
            case DisableService(group, name) | EnableService(group, name):
                service = self._service(group, name)
                if service is not None:
                    disabled = isinstance(action, DisableService)
                    self._set_state(service, replace(facts.state(service), disabled=disabled))
                if isinstance(action, DisableService):
                    return disable_service_reply(service is not None)
                return enable_service_reply(service is not None)
            case DisableHosts(hosts):
                unknown = [host for host in hosts if host not in self._hosts()]
                if not unknown:
                    watches = {group for host in hosts for group in self._singleton_groups(host)}
                    self.facts = replace(
                        facts,
                        disabled_hosts=facts.disabled_hosts | set(hosts),
                        disabled_watches=facts.disabled_watches | watches,
                    )
                return disable_host_reply(unknown)
            case EnableHosts(hosts):
                watches = {group for host in hosts for group in self._singleton_groups(host)}
                self.facts = replace(
                    facts,
                    disabled_hosts=facts.disabled_hosts - set(hosts),
                    disabled_watches=facts.disabled_watches - watches,
                )
                return enable_host_reply()
            case ListDtlog():
                return list_dtlog(self.dtlogging, self.dtlog)
        raise AssertionError(f"unhandled action {action!r}")
