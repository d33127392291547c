"""Dependencies at run time: is a service's parent OK (DEP-02..08)?

A dependency expression (`pymon.config.depend`) names other services as
`group:service`. mon gives each reference the value "that service is OK" (DEP-02)
after first evaluating, recursively, that service's own dependency of the same
kind; any trouble anywhere (recursion deeper than dep_recur_limit, DEP-07, or an
expression mon cannot evaluate) makes the whole check come out undefined, and
an undefined check leaves the stored `depend_status` alone.

Two kinds are evaluated:

* `a` (alerts): `depend` with dep_behavior a, else `alertdepend`. Evaluated on
  every result (DEP-03); `do_alert` then reads the stored status (ALRT-05).
* `m` (monitors): `depend` with dep_behavior m, else `monitordepend`. Evaluated by
  the scheduler before starting a monitor (DEP-04).

The third, `hm` (`hostdepend`), is not evaluated at all: it drops from the
monitor's host list every host named in a failing parent's summary (DEP-05).

The rest of the world is seen through `peers(group, service)`, which returns the
other service's config and state, or None for a service that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, NamedTuple

from pymon.config.depend import evaluate
from pymon.config.model import Dependency, Service
from pymon.engine.records import LogLine
from pymon.engine.states import ServiceState, Status, evolve, is_success, status_number

__all__ = [
    "DependCheck",
    "DependKind",
    "Peer",
    "PeerLookup",
    "check_dependency",
    "dependency_of",
    "hostdepend_hosts",
    "no_peers",
]

DependKind = Literal["a", "m"]


class Peer(NamedTuple):
    service: Service
    state: ServiceState


PeerLookup = Callable[[str, str], Peer | None]


def no_peers(group: str, service: str) -> Peer | None:
    """A world with no other services."""
    return None


class DependCheck(NamedTuple):
    """mon's dep_ok: its answer, the state with `depend_status` stored, what it logged."""

    ok: bool | None  # None: could not be evaluated
    state: ServiceState
    log: tuple[LogLine, ...] = ()


@dataclass(frozen=True)
class _Evaluation:
    status: Literal["ok", "too deep", "error"]
    value: bool = False
    error: str = ""


def dependency_of(service: Service, kind: DependKind) -> Dependency | None:
    """The expression mon checks for `kind`: `depend` if its behaviour is `kind`, else the kind's own."""
    if service.depend is not None and service.dep_behavior == kind:
        return service.depend
    if kind == "a":
        return service.alertdepend
    return service.monitordepend


def check_dependency(
    service: Service,
    state: ServiceState,
    kind: DependKind,
    peers: PeerLookup,
    now: int,
    recur_limit: int,
) -> DependCheck:
    """mon's dep_ok(service, kind): True/False stored as `depend_status`, None leaves it.

    A service without a dependency of that kind passes, and nothing is stored.
    """
    dependency = dependency_of(service, kind)
    if dependency is None or dependency.text == "":
        return DependCheck(True, state)
    found = _evaluate(dependency, 0, kind, peers, now, recur_limit)
    if found.status == "too deep":
        return DependCheck(None, state)
    if found.status == "error":
        message = f"eval error for dependency starting at {dependency.text}: {found.error}"
        return DependCheck(None, state, (LogLine("notice", message),))
    return DependCheck(found.value, evolve(state, depend_status=found.value))


def _evaluate(
    dependency: Dependency, depth: int, kind: DependKind, peers: PeerLookup, now: int, limit: int
) -> _Evaluation:
    if depth > limit:  # DEP-07
        return _Evaluation("too deep", error=f"recursion too deep for ({dependency.text})")
    # mon values every reference (recursing first) before it evaluates the expression,
    # so trouble below shows even where the expression would short-circuit.
    values: dict[tuple[str, str], bool] = {}
    for group, name in dependency.refs:
        peer = peers(group, name)
        below = None if peer is None else dependency_of(peer.service, kind)
        if below is None or below.text == "":
            values[group, name] = _peer_ok(peer, now)
            continue
        found = _evaluate(below, depth + 1, kind, peers, now, limit)
        if found.status != "ok":
            return found
        values[group, name] = found.value and _peer_ok(peer, now)
    if dependency.expr is None:
        return _Evaluation("error", error=dependency.error or "syntax error")
    return _Evaluation("ok", evaluate(dependency.expr, lambda g, s: values.get((g, s), False)))


def _peer_ok(peer: Peer | None, now: int) -> bool:
    """DEP-02: OK (untested counts), and no failure remembered within dep_memory (DEP-08)."""
    if peer is None:  # mon autovivifies an empty service: no status, not a success
        return False
    remembered = peer.state.last_failure_time or 0
    return is_success(peer.state.op_status) and remembered < now - peer.service.dep_memory


def hostdepend_hosts(
    service: Service, hosts: tuple[str, ...], peers: PeerLookup, now: int
) -> tuple[str, ...]:
    """DEP-05: the monitor's hosts without those a failing parent's summary mentions."""
    depend = service.depend
    uses_depend = depend is not None and depend.text != "" and service.dep_behavior == "hm"
    uses_hostdepend = service.hostdepend is not None and service.hostdepend.text != ""
    if not (uses_depend or uses_hostdepend):
        return hosts
    summaries = _failing_parent_summaries(service, peers, now)
    # Q34: a host is dropped when its name occurs anywhere in a summary, even inside another name.
    return tuple(host for host in hosts if not any(host in summary for summary in summaries))


def _failing_parent_summaries(service: Service, peers: PeerLookup, now: int) -> list[str]:
    if service.depend is not None and service.dep_behavior == "hm":
        refs = service.depend.refs
    elif service.hostdepend is not None:
        refs = service.hostdepend.refs
    else:
        refs = ()
    summaries: list[str] = []
    for group, name in refs:
        peer = peers(group, name)
        if peer is None:
            return []  # mon returns undef: no host is dropped
        state = peer.state
        if status_number(state.op_status) == Status.FAIL:
            summaries.append(state.last_summary or "")
        elif (state.last_failure_time or 0) >= now - peer.service.dep_memory:
            summaries.append(state.last_failure_summary or "")
    return summaries
