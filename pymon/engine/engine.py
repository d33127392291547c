"""The running engine: every service's state, its monitors and alerts, and the commands that steer it.

The decisions are pure (`decision`); this module supplies their `Context`, applies
each `Outcome` (store the state, start the alerts, write the records) and runs
the monitors the `Scheduler` asks for. The server steers it only through the
public methods here (`pymon.engine.control.Control` names them); it knows
nothing of sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import stat
import time
from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import Any

from pymon.config import LoadedConfig, Service
from pymon.config.model import AlertKind
from pymon.config.period import perl_in_period
from pymon.config.perl import format_number, perl_num
from pymon.engine.alert_run import AlertRun
from pymon.engine.decision import (
    Context,
    Event,
    Outcome,
    acknowledge,
    can_acknowledge,
    clear_timers,
    disable_service,
    process_result,
    send_test_alert,
    startup_alert,
)
from pymon.engine.dependency import Peer, check_dependency, dependency_of, hostdepend_hosts
from pymon.engine.inprocess import alert_call, builtin_monitor, run_alert, run_inprocess
from pymon.engine.journal import Journal
from pymon.engine.nagios import is_nagios_plugin, nagios_result
from pymon.engine.records import Level, LogLine
from pymon.engine.runner import (
    AlertExit,
    CEnviron,
    ExecError,
    MonitorResult,
    alert_argv,
    monitor_command,
    monitor_environment,
    run_monitor,
    start_alert,
)
from pymon.engine.scheduler import Key, Launch, Scheduler
from pymon.engine.statefile import DisabledState, SavedService, restored_state, saved_service
from pymon.engine.states import ServiceState, Status, evolve, initial_state
from pymon.engine.traptimers import TrapTimers
from pymon.engine.variables import set_opstatus, set_service_keyword, set_variable, shows_raw
from pymon.monitors import MonitorFunc
from pymon.plugins import Plugins

__all__ = ["Engine"]

Logger = Callable[[Level, str], None]


class Engine:
    def __init__(
        self, loaded: LoadedConfig, log: Logger, *, stopped: bool = False, plugins: Plugins | None = None
    ) -> None:
        self.config = loaded.config
        self.programs = loaded.programs
        self.plugins = plugins or Plugins()  # entry-point monitors and alerts, used where no file is found
        self.log = log
        g = self.config.globals
        self.start_time = int(time.time())
        self.stopped_since: int | None = self.start_time if stopped else None
        self.states: dict[Key, ServiceState] = {
            (s.group, s.name): initial_state(s) for s in self.config.services()
        }  # fmt: skip
        self.disabled_hosts: set[str] = set()
        self.disabled_watches: set[str] = set()
        self.monitor_pids: dict[Key, int | None] = {}  # running monitors (None: being started)
        self.variables: dict[Key, dict[str, str]] = {}  # `set G S VAR VALUE` as sent
        self.durations: dict[Key, int] = {}  # seconds the last run took (monitor_duration)
        self.maxprocs = int(perl_num(g.maxprocs))
        self.dep_recur_limit = int(perl_num(g.dep_recur_limit))
        self.journal = Journal(
            log, maxkeep=int(perl_num(g.histlength)), historicfile=g.historicfile,
            dtlogfile=g.dtlogfile, dtlogging=g.dtlogging,
        )  # fmt: skip
        self.scheduler = Scheduler(self._launch)
        for service in self.config.services():
            key = (service.group, service.name)
            self.scheduler.add(key, service.interval, randskew=service.randskew, randstart=g.randstart)
        self.trap_timers = TrapTimers(self.config.services(), self._trap_timed_out, self._trap_duration_over)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._monitor_tasks: dict[Key, asyncio.Task[Any]] = {}
        self._alerts: set[asyncio.Future[AlertExit]] = set()  # alerts still running
        self.environ = dict(os.environ)  # pymon's own, read once: what every child's environment starts from
        self.monitor_environ = CEnviron.encode(self.environ)
        self.on_terminate: Callable[[], None] = lambda: None

    # --- life cycle --------------------------------------------------------------

    def begin(self, loop: asyncio.AbstractEventLoop, *, startup_alerts: bool = True) -> None:
        """Arm the timers and send the startup alerts (INIT-03, ALRT-18)."""
        self.scheduler.begin(loop, stopped=self.stopped)
        self.trap_timers.begin(loop, stopped=self.stopped)
        if not startup_alerts:
            return
        for service in self.config.services():
            self._apply(service, startup_alert(service, self.state(service), self._context(service)))

    def retire(self) -> None:
        """MONI-13: a reset replaces this engine: stop scheduling, stop the running monitors.

        mon sends SIGTERM to each and waits for it, blocking everything; pymon
        sends SIGTERM to each monitor's process group now and lets the cancelled
        runner reap it (SIGKILL after a grace) without waiting. Their results
        are dropped. Running alerts are left alone, as in mon.
        """
        self.scheduler.close()
        self.trap_timers.close()
        for (group, name), pid in self.monitor_pids.items():
            if pid is not None:
                self.log("info", f"reset killed child {pid} ({group}/{name})")
                with contextlib.suppress(OSError):
                    os.killpg(pid, signal.SIGTERM)
        for task in self._monitor_tasks.values():
            task.cancel()

    def adopt(self, old: Engine) -> None:
        """Take over what a retired engine still has running, so that shutdown waits for it."""
        for task in old._tasks:
            if not task.done():
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        for done in old._alerts:
            self._track_alert(done)
        self.on_terminate = old.on_terminate

    async def shutdown(self, *, alert_wait: float = 5.0) -> None:
        """Stop scheduling, kill every running monitor's process group, give running alerts `alert_wait` s.

        An alert still running after that is stopped (SIGTERM, then SIGKILL)
        when the event loop closes.
        """
        self.scheduler.close()
        self.trap_timers.close()
        for pid in self.monitor_pids.values():
            if pid is not None:
                with contextlib.suppress(OSError):
                    os.killpg(pid, signal.SIGKILL)
        tasks = [t for t in self._tasks if not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=2.0)
        if self._alerts:
            await asyncio.wait(set(self._alerts), timeout=alert_wait)

    @property
    def stopped(self) -> bool:
        return self.stopped_since is not None

    def state(self, service: Service) -> ServiceState:
        return self.states[service.group, service.name]

    # --- the decisions' world ----------------------------------------------------

    def hosts(self, group: str) -> tuple[str, ...]:
        """The watch's hostgroup without the disabled hosts."""
        hostgroup = self.config.hostgroups.get(group)
        members = hostgroup.hosts if hostgroup is not None else ()
        return tuple(h for h in members if h not in self.disabled_hosts)

    def find_alert(self, name: str) -> str | None:
        """The alert's file, else a plugin's name (it runs in-process), else None."""
        path = self.programs.alerts.get(name)
        if path is not None and os.path.isfile(path):
            return path
        return name if name in self.plugins.alerts else None

    def _peer(self, group: str, name: str) -> Peer | None:
        service = self.config.service(group, name)
        return None if service is None else Peer(service, self.state(service))

    def _context(self, service: Service) -> Context:
        return Context(
            now=int(time.time()),
            find_alert=self.find_alert,
            hosts=self.hosts(service.group),
            peers=self._peer,
            stopped=self.stopped,
            watch_disabled=service.group in self.disabled_watches,
            dep_recur_limit=self.dep_recur_limit,
            dtlogging=self.journal.dtlogging,
            server_start=self.start_time,
        )

    def _apply(self, service: Service, outcome: Outcome) -> None:
        """Store the new state, write the records, start the alerts (never waiting for them)."""
        self.states[service.group, service.name] = outcome.state
        for line in outcome.log:
            self.log(line.level, line.text)
        for failure in outcome.failure_history:
            self.journal.failure(failure)
        for entry in outcome.alert_history:
            self.journal.alert(entry)
        if outcome.downtime is not None:
            self.journal.downtime(outcome.downtime)
        for run in outcome.alerts:
            self._spawn(self._start_alert(service, run))

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _start_alert(self, service: Service, run: AlertRun) -> None:
        g = self.config.globals
        env = dict(self.environ)
        env.pop("MON_TRAP_INTENDED", None)
        dirs = {"statedir": g.statedir, "logdir": g.logdir, "cfbasedir": g.cfbasedir}
        env.update(run.environment(**dirs, service_env=service.env))
        where = f"{run.group}/{run.service}"
        plugin = self.plugins.alerts.get(run.program) if run.path == run.program else None
        if plugin is not None:
            head, argv = run.argv_head(), alert_argv(run)
            call = alert_call(head, argv[len(head) :], env, run.output)
            try:
                await run_alert(plugin, call)
            except Exception as error:  # a plugin's bug is logged as a failed alert process is
                self.log("notice", f"alert {run.path} for {where} failed: {error!r}")
            return
        try:
            process = await start_alert(alert_argv(run), env, run.output)
        except ExecError as error:
            self.log("err", f"could not exec alert {run.path} for {where}: {error.strerror}")
            return
        process.done.add_done_callback(lambda done: self._alert_ended(run.path, where, done))
        self._track_alert(process.done)

    def _track_alert(self, done: asyncio.Future[AlertExit]) -> None:
        if not done.done():
            self._alerts.add(done)
            done.add_done_callback(self._alerts.discard)

    def _alert_ended(self, path: str, where: str, done: asyncio.Future[AlertExit]) -> None:
        """mon ignores how an alert ends; pymon says when it failed."""
        if done.cancelled() or done.exception() is not None:
            return
        end = done.result()
        if end.timed_out:
            self.log("notice", f"alert {path} for {where} timed out and was killed")
        elif end.signal is not None:
            self.log("notice", f"alert {path} for {where} was killed by signal {end.signal}")
        elif end.exit_value:
            self.log("notice", f"alert {path} for {where} exited with status {end.exit_value}")

    # --- monitors ----------------------------------------------------------------

    def _launch(self, key: Key) -> Launch:
        """SCHED-02: the timer of `key` expired; start its monitor if nothing holds it back."""
        if key in self.monitor_pids:
            return Launch.BUSY  # SCHED-06
        service = self.config.service(*key)
        if service is None:
            return Launch.SKIPPED
        g, now = self.config.globals, int(time.time())
        if g.exclude_period and perl_in_period(g.exclude_period, now) != 0:  # SCHED-09
            return Launch.RETRY
        if self.maxprocs and len(self.monitor_pids) >= self.maxprocs:  # SCHED-07
            self.log("info", f"throttled at {len(self.monitor_pids)} processes")
            return Launch.THROTTLED
        if service.exclude_period and perl_in_period(service.exclude_period, now) != 0:  # SCHED-08
            self.log("debug", f"not running {key[0]}/{key[1]} because of exclude period")
            return Launch.RETRY
        if dependency_of(service, "m") is not None and not self._monitor_dependency_ok(service, now):
            return Launch.RETRY  # DEP-04
        name = (service.monitor or "").split(maxsplit=1)[0] if (service.monitor or "").strip() else ""
        path = self.programs.monitors.get(name)
        found = _regular_file(path) if path is not None else None
        if path is not None and found is not None:  # MONI-01
            inline = builtin_monitor(path, found)  # pymon's own executable: await it, do not fork
        elif (inline := self.plugins.monitors.get(name)) is not None:
            path = name  # a plugin: used only where no file of its name is found
        else:
            self.log("err", f"no monitor found while trying to run [{name}]")
            return Launch.RETRY
        hosts = tuple(h for h in self.hosts(service.group) if h not in service.exclude_hosts)
        hosts = hostdepend_hosts(service, hosts, self._peer, now)
        argv = monitor_command(service, path, hosts)
        if argv is None:  # MONI-04
            self.log("err", f"monitor for {key[0]}/{key[1]} not called because of no host arguments")
            return Launch.SKIPPED
        state = self.state(service)
        extra = monitor_environment(service, state, g)
        # a child gets its environment encoded (the common part once); a built-in monitor as text
        env = self.monitor_environ.plus(extra) if inline is None else {**self.environ, **extra}
        self.states[key] = evolve(state, last_check=now)
        self.monitor_pids[key] = None
        self.scheduler.started(key, state.interval)
        self._monitor_tasks[key] = self._spawn(self._run(service, argv, env, inline))
        return Launch.STARTED

    def _monitor_dependency_ok(self, service: Service, now: int) -> bool:
        check = check_dependency(service, self.state(service), "m", self._peer, now, self.dep_recur_limit)
        self.states[service.group, service.name] = check.state
        for line in check.log:
            self.log(line.level, line.text)
        return check.ok is True

    async def _run(
        self,
        service: Service,
        argv: list[str],
        env: CEnviron | dict[str, str],
        inline: MonitorFunc | None = None,
    ) -> None:
        key = (service.group, service.name)
        timeout = service.monitor_timeout or self.config.globals.monitor_timeout
        restart = False
        try:
            if inline is not None:
                assert not isinstance(env, CEnviron)  # _launch gives a built-in monitor text
                result = await run_inprocess(
                    inline, argv, env, timeout=timeout, on_error=lambda text: self.log("err", text)
                )
            else:
                result = await run_monitor(
                    argv, env, timeout=timeout, on_start=lambda pid: self.monitor_pids.__setitem__(key, pid)
                )
            if argv and is_nagios_plugin(argv[0]):
                result = nagios_result(result)
            self.monitor_pids.pop(key, None)
            self.durations[key] = int(result.finished) - int(result.started)
            self._report(service, argv, result)
            outcome = process_result(
                service, self.state(service), Event("monitor", result.exit_value, result.output),
                self._context(service),
            )  # fmt: skip
            restart = outcome.restart_schedule
            self._apply(service, outcome)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a bug must not stop this service for good
            self.log("err", f"internal error running the monitor of {key[0]}/{key[1]}: {error!r}")
        finally:
            self.monitor_pids.pop(key, None)
            self._monitor_tasks.pop(key, None)
        self.scheduler.finished(key, self.state(service).interval, restart=restart)

    def _report(self, service: Service, argv: list[str], result: MonitorResult) -> None:
        where = f"{service.group}/{service.name}"
        if result.error:
            self.log("err", f"could not exec '{' '.join(argv)}': {result.error}")  # MONI-05
        if result.timed_out:
            self.log("err", f"monitor for {where} {result.summary}; killed, counted as a failure")
        elif result.signal is not None:
            self.log("notice", f"monitor for {where} was killed by signal {result.signal} (counts as exit 0)")
        if result.truncated:
            self.log("notice", f"monitor output for {where} truncated")

    # --- traps ---------------------------------------------------------------------

    def trap(self, group: str, name: str, status: str, output: str, intended: str | None = None) -> None:
        """TRAP-08: an accepted trap for `group`/`name` (already routed, TRAP-07), `status` as sent."""
        service = self.config.service(group, name)
        if service is None:
            return
        self.trap_timers.trap_arrived((group, name))
        self.states[group, name] = replace(self.state(service), last_trap=int(time.time()))
        event = Event("trap", status, output, intended)
        self._apply(service, process_result(service, self.state(service), event, self._context(service)))

    def _trap_excluded(self, now: int) -> bool:
        # mon's trap countdowns pause with its global exclude_period (SCHED-09).
        period = self.config.globals.exclude_period
        return bool(period) and perl_in_period(period or "", now) != 0

    def _trap_timed_out(self, key: Key) -> Launch:
        """TRAP-10: no trap for more than traptimeout seconds: a failure, again every traptimeout."""
        service, now = self.config.service(*key), int(time.time())
        if service is None or not service.traptimeout:
            return Launch.SKIPPED
        if self._trap_excluded(now) or now - self.state(service).last_trap <= service.traptimeout:
            return Launch.RETRY
        when = time.asctime(time.localtime(now))  # Perl's scalar localtime
        text = f"trap timeout after {format_number(service.traptimeout)}s at {when}"
        event = Event("traptimeout", 1, f"trap timeout\n{text}\n")
        self._apply(service, process_result(service, self.state(service), event, self._context(service)))
        return Launch.SKIPPED

    def _trap_duration_over(self, key: Key) -> Launch:
        """TRAP-11: the status goes back to OK directly: no upalert, no downtime log, no counters reset."""
        service = self.config.service(*key)
        if service is None:
            return Launch.SKIPPED
        if self._trap_excluded(int(time.time())):
            return Launch.RETRY
        state = self.state(service)
        self.states[key] = replace(state, last_op_status=state.op_status, op_status=Status.OK)
        return Launch.SKIPPED

    # --- commands (the server's interface) ---------------------------------------

    def test_monitor(self, group: str, name: str) -> bool:
        """SCHED-13; False: no such service."""
        if self.config.service(group, name) is None:
            return False
        self.scheduler.trigger((group, name))
        return True

    def test_alert(self, kind: AlertKind, group: str, name: str, retval: str, period: str) -> str | None:
        """ALRT-30; the error text, or None when sent."""
        service = self.config.service(group, name)
        if service is None:
            return f"{group} {name} not defined"
        found = next((p for p in service.periods if p.label == period), None)
        if found is None:
            return "period not defined"
        outcome = send_test_alert(service, self.state(service), found, kind, retval, self._context(service))
        self._apply(service, outcome)
        return None

    def acknowledge(self, group: str, name: str, comment: str) -> bool:
        """ALRT-19 / PROTO-25; False: no such service, or it is not failing."""
        service = self.config.service(group, name)
        if service is None or not can_acknowledge(self.state(service)):
            return False
        self._apply(service, acknowledge(service, self.state(service), comment, self._context(service)))
        return True

    def clear_timers(self, group: str, name: str) -> bool:
        """SCHED-14 `clear timers G S`."""
        service = self.config.service(group, name)
        if service is None:
            return False
        self.states[group, name] = clear_timers(service, self.state(service))
        self.scheduler.reset((group, name))
        return True

    def disable_service(self, group: str, name: str, user: str | None = None) -> bool:
        service = self.config.service(group, name)
        if service is None:
            return False
        self._apply(service, disable_service(service, self.state(service), user, self._context(service)))
        return True

    def enable_service(self, group: str, name: str) -> bool:
        service = self.config.service(group, name)
        if service is None:
            return False
        self.states[group, name] = evolve(self.state(service), disabled=False)
        return True

    def set_variable(self, group: str, name: str, var: str, value: str) -> bool:
        """PROTO-35 `set G S VAR VALUE`; False: no such service."""
        service = self.config.service(group, name)
        if service is None:
            return False
        changed = set_variable(self.state(service), var, value)
        if changed is not None:
            self.states[group, name] = changed
        keyword = set_service_keyword(service, var, value)
        if keyword is not None:
            self._replace_service(keyword)
        self.variables.setdefault((group, name), {})[var] = value  # as set, for `get`
        return True

    def _replace_service(self, service: Service) -> None:
        """The config with `service` in place of the one of the same name (a running monitor
        keeps the one it started with)."""
        watch = self.config.watches[service.group]
        services = tuple(service if s.name == service.name else s for s in watch.services)
        watches = {**self.config.watches, service.group: replace(watch, services=services)}
        self.config = replace(self.config, watches=watches)

    def shown_variables(self) -> dict[Key, dict[str, str]]:
        """What `get` shows as set: the values of keys the state does not hold, and of those
        it holds, the ones nothing has changed since."""
        return {
            key: {var: value for var, value in values.items() if shows_raw(self.states[key], var, value)}
            for key, values in self.variables.items()
        }

    def set_opstatus(self, group: str, name: str, status: str) -> bool:
        """PROTO-36 `set G S opstatus NAME` (Q20); False: no such service."""
        service = self.config.service(group, name)
        if service is None:
            return False
        self.states[group, name] = set_opstatus(self.state(service), status)
        return True

    def disable_watch(self, group: str) -> bool:
        if group not in self.config.watches:
            return False
        self.disabled_watches.add(group)
        return True

    def enable_watch(self, group: str) -> bool:
        if group not in self.config.watches:
            return False
        self.disabled_watches.discard(group)
        return True

    def all_hosts(self) -> set[str]:
        return {h for hg in self.config.hostgroups.values() for h in hg.hosts}

    def disable_hosts(self, hosts: list[str]) -> list[str]:
        """PROTO-28: the unknown hosts (nothing disabled then), else [] after disabling."""
        unknown = [h for h in hosts if h not in self.all_hosts()]
        if unknown:
            return unknown
        for host in hosts:
            for hostgroup in self.config.hostgroups.values():
                if hostgroup.hosts == (host,) and hostgroup.name in self.config.watches:
                    self.disabled_watches.add(hostgroup.name)
            self.disabled_hosts.add(host)
        return []

    def enable_hosts(self, hosts: list[str]) -> None:
        """PROTO-31: unknown hosts are ignored."""
        for host in hosts:
            for hostgroup in self.config.hostgroups.values():
                if hostgroup.hosts == (host,):
                    self.disabled_watches.discard(hostgroup.name)
            self.disabled_hosts.discard(host)

    # --- saved state (STATE-01..03; pymon.engine.statefile reads and writes the files) ---

    def disabled_state(self) -> DisabledState:
        """STATE-01: a disabled host once per hostgroup holding it, then watches and services."""
        hosts = [h for hg in self.config.hostgroups.values() for h in hg.hosts if h in self.disabled_hosts]
        watches, services = [], []
        for watch in self.config.watches.values():
            if watch.group in self.disabled_watches:
                watches.append(watch.group)
            services += [(s.group, s.name) for s in watch.services if self.state(s).disabled]
        return DisabledState(tuple(hosts), tuple(watches), tuple(services))

    def restore_disabled(self, saved: DisabledState) -> list[str]:
        """STATE-03: replay the disables (no alerts, no singleton watches); the complaints to log."""
        known_hosts = self.all_hosts()
        self.disabled_hosts.update(h for h in saved.hosts if h in known_hosts)  # unknown: silently skipped
        complaints = []
        for watch in saved.watches:
            if watch in self.config.watches:
                self.disabled_watches.add(watch)
            else:
                complaints.append(f"undefined watch reading state file: disable watch {watch}")
        for group, name in saved.services:
            service = self.config.service(group, name)
            if service is None:
                line = f"disable service {group} {name}"
                complaints.append(f"undefined group or service reading state file: {line}")
            else:
                self.states[group, name] = replace(self.state(service), disabled=True)
        return complaints

    def opstatus_state(self) -> list[SavedService]:
        """STATE-02: every service's state as the `opstatus` file holds it."""
        return [saved_service(s, self.state(s)) for s in self.config.services()]

    def restore_opstatus(self, saved: list[SavedService]) -> None:
        """STATE-03: saved services the config no longer has are skipped."""
        for entry in saved:
            service = self.config.service(entry.group, entry.service)
            if service is not None:
                self.states[entry.group, entry.service] = restored_state(self.state(service), entry)

    def stop(self) -> None:
        if self.stopped_since is None:
            self.stopped_since = int(time.time())
        self.scheduler.stop()
        self.trap_timers.stop()

    def start(self) -> None:
        self.stopped_since = None
        self.scheduler.start()
        self.trap_timers.start()

    def terminate(self) -> None:
        self.log("info", "terminating by user command")
        self.on_terminate()

    def note(self, line: LogLine) -> None:
        self.log(line.level, line.text)


def _regular_file(path: str) -> os.stat_result | None:
    """The file's status if it is a regular file (Perl's `-f`), else None."""
    try:
        found = os.stat(path)
    except (OSError, ValueError):
        return None
    return found if stat.S_ISREG(found.st_mode) else None
