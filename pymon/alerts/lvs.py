"""lvs.alert: keep a Linux Virtual Server table in step with mon.

Two forms of the script are in use and both work unchanged here:
- the classic one: the upalert (mon adds `-u`, ALRT-25) adds the real server,
  any other call deletes it;
- the tutorial's: `-X down` deletes, a call without `-X` adds (its upalert
  line has no `-X`, and mon gives it `-u`). `-X up` adds too.

Options: -P tcp|udp|fwmark, -V VIP:PORT (or the mark for fwmark),
-R RIP[:PORT], -W weight (1), -F dr|nat|tun (dr), -I path of ipvsadm.
pymon additions: -D drains a failed real server (weight 0) instead of deleting
it, and its recovery restores the weight; -Q N keeps a quorum: a real server
is not deleted or drained when fewer than N other real servers with a weight
above 0 would be left in the table (read with `ipvsadm -L -n`).

Note that mon's own `-D` flag marks a disable alert (ALRT-25); disable alerts
never fire in mon (ALRT-20), and lvs.alert gives the letter to draining.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from pymon.alerts.contract import AlertCall, parse

SPEC = "P:V:R:W:F:X:Q:I:D"
EVENT_FLAGS = "uaTO"  # -D is taken by draining
PROTOCOLS = {"tcp": "-t", "udp": "-u", "fwmark": "-f"}
FORWARDING = {"dr": "-g", "nat": "-m", "tun": "-i"}
FALLBACK_PATHS = ("/sbin/ipvsadm", "/usr/sbin/ipvsadm")


class UsageError(Exception):
    """A bad or missing option: the message says which."""


@dataclass(frozen=True)
class Request:
    action: str  # add, delete, drain
    service_flag: str  # -t, -u, -f
    virtual: str
    real: str
    weight: int
    forward: str  # -g, -m, -i
    quorum: int | None
    drain: bool

    def service(self) -> list[str]:
        return [self.service_flag, self.virtual]

    def describe(self) -> str:
        proto = {"-t": "TCP", "-u": "UDP", "-f": "FWM"}[self.service_flag]
        return f"real server {self.real} of {proto} {self.virtual}"


@dataclass(frozen=True)
class RealServer:
    address: str
    port: str
    weight: int


@dataclass(frozen=True)
class Outcome:
    status: int  # the alert's exit status
    messages: tuple[str, ...]  # one line per change or problem, for syslog and stderr


def request(call: AlertCall) -> Request:
    opts = call.options
    proto = (opts.get("P") or "tcp").lower()
    if proto not in PROTOCOLS:
        raise UsageError(f"-P must be tcp, udp or fwmark, not {proto!r}")
    forward = (opts.get("F") or "dr").lower()
    if forward not in FORWARDING:
        raise UsageError(f"-F must be dr, nat or tun, not {forward!r}")
    virtual, real = opts.get("V"), opts.get("R")
    if not virtual:
        raise UsageError("-V VIP:PORT (or the firewall mark) is required")
    if not real:
        raise UsageError("-R RIP[:PORT] is required")
    weight = _count("-W", opts.get("W"), 1) or 0
    quorum = _count("-Q", opts.get("Q"), None)
    direction = opts.get("X")
    if direction is not None and direction.lower() not in ("up", "down"):
        raise UsageError(f"-X must be up or down, not {direction!r}")
    adding = direction.lower() == "up" if direction is not None else call.event == "up"
    drain = opts.flag("D")
    action = "add" if adding else ("drain" if drain else "delete")
    return Request(action, PROTOCOLS[proto], virtual, real, weight, FORWARDING[forward], quorum, drain)


def _count(flag: str, value: str | None, default: int | None) -> int | None:
    if value is None:
        return default
    if not value.isdigit():
        raise UsageError(f"{flag} takes a whole number, not {value!r}")
    return int(value)


def find_ipvsadm(explicit: str | None, env: Mapping[str, str]) -> str | None:
    """-I, else $IPVSADM, else ipvsadm on PATH, else the usual sbin places."""
    chosen = explicit or env.get("IPVSADM")
    if chosen:
        return chosen
    found = shutil.which("ipvsadm", path=env.get("PATH", os.defpath))
    if found:
        return found
    return next((p for p in FALLBACK_PATHS if os.access(p, os.X_OK)), None)


def split_hostport(text: str) -> tuple[str, str]:
    """`1.2.3.4:80` -> (1.2.3.4, 80); `[::1]:80` -> (::1, 80); no port -> ''."""
    if text.startswith("["):
        host, _, tail = text[1:].partition("]")
        return host, tail[1:] if tail.startswith(":") else ""
    if text.count(":") == 1:
        host, port = text.split(":")
        return host, port
    return text, ""


_DEST = re.compile(r"^\s*->\s+(\S+)\s+\S+\s+(\d+)\s")


def real_servers(listing: str) -> list[RealServer]:
    """The real servers of `ipvsadm -L -n -t|-u|-f SERVICE` (one service)."""
    found = []
    for line in listing.splitlines():
        match = _DEST.match(line)
        if match:
            address, port = split_hostport(match.group(1))
            found.append(RealServer(address, port, int(match.group(2))))
    return found


def is_target(server: RealServer, req: Request) -> bool:
    address, port = split_hostport(req.real)
    if not port and req.service_flag != "-f":
        port = split_hostport(req.virtual)[1]  # ipvsadm takes the virtual port
    return server.address == address and (not port or server.port == port)


Runner = Callable[[Sequence[str]], "subprocess.CompletedProcess[str]"]


def run_ipvsadm(argv: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=60, check=False)


def _said(result: subprocess.CompletedProcess[str]) -> str:
    return " ".join((result.stderr + " " + result.stdout).split())


def quorum_refusal(req: Request, ipvsadm: str, runner: Runner) -> Outcome | None:
    """Why the delete or drain must not happen (a refusal is success, an unreadable
    table is an error), or None when it may."""
    if req.quorum is None:
        return None
    listing = runner([ipvsadm, "-L", "-n", *req.service()])
    if listing.returncode != 0:
        if "no such service" in _said(listing).lower():
            return None  # nothing left to protect; the delete will find it gone
        return Outcome(1, (f"not removing {req.describe()}: cannot read the table to check the quorum "
                           f"({_said(listing)})",))
    servers = real_servers(listing.stdout)
    if not any(is_target(s, req) and s.weight > 0 for s in servers):
        return None  # it carries no traffic now: taking it out changes nothing
    others = sum(1 for s in servers if s.weight > 0 and not is_target(s, req))
    if others < req.quorum:
        return Outcome(0, (f"not removing {req.describe()}: only {others} other healthy real "
                           f"server{'s' if others != 1 else ''} left, quorum is {req.quorum}",))
    return None


def apply(req: Request, ipvsadm: str, runner: Runner = run_ipvsadm) -> Outcome:
    """Carry out the request; "already there" and "already gone" are success."""
    try:
        return _apply(req, ipvsadm, runner)
    except FileNotFoundError:
        return Outcome(1, (f"cannot run {ipvsadm}: no such program (give its path with -I or IPVSADM)",))
    except PermissionError:
        return Outcome(1, (f"cannot run {ipvsadm}: permission denied",))
    except subprocess.TimeoutExpired:
        return Outcome(1, (f"{ipvsadm} did not finish within 60s",))


def _apply(req: Request, ipvsadm: str, runner: Runner) -> Outcome:
    weight = ["-w", str(req.weight), req.forward]
    if req.action == "add":
        done = runner([ipvsadm, "-a", *req.service(), "-r", req.real, *weight])
        if done.returncode == 0:
            return Outcome(0, (f"added {req.describe()} with weight {req.weight}",))
        if "exists" not in _said(done).lower():
            return Outcome(1, (f"could not add {req.describe()}: {_said(done)}",))
        if not req.drain:
            return Outcome(0, (f"{req.describe()} is already there",))
        edit = runner([ipvsadm, "-e", *req.service(), "-r", req.real, *weight])
        if edit.returncode != 0:
            return Outcome(1, (f"could not restore the weight of {req.describe()}: {_said(edit)}",))
        return Outcome(0, (f"restored {req.describe()} to weight {req.weight}",))
    if req.quorum is None:
        return _take_out(req, ipvsadm, runner)
    # Two real servers failing at once must not both pass the check before
    # either is taken out: the check and the change hold one lock.
    with open(lock_path(), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        refusal = quorum_refusal(req, ipvsadm, runner)
        return refusal if refusal is not None else _take_out(req, ipvsadm, runner)


def lock_path() -> str:
    """Shared by every lvs.alert of this mon: in its state dir when known."""
    return os.path.join(os.environ.get("MON_STATEDIR") or tempfile.gettempdir(), "lvs.alert.lock")


def _take_out(req: Request, ipvsadm: str, runner: Runner) -> Outcome:
    if req.action == "drain":
        done = runner([ipvsadm, "-e", *req.service(), "-r", req.real, "-w", "0", req.forward])
        verb = "drained"
    else:
        done = runner([ipvsadm, "-d", *req.service(), "-r", req.real])
        verb = "deleted"
    if done.returncode == 0:
        return Outcome(0, (f"{verb} {req.describe()}",))
    said = _said(done)
    if "no such destination" in said.lower() or "no such service" in said.lower():
        return Outcome(0, (f"{req.describe()} is already gone",))
    return Outcome(1, (f"could not {'drain' if req.drain else 'delete'} {req.describe()}: {said}",))


def main_outcome(argv: Sequence[str], env: Mapping[str, str], runner: Runner = run_ipvsadm) -> Outcome:
    call = parse(argv, SPEC, event_flags=EVENT_FLAGS)
    try:
        req = request(call)
    except UsageError as err:
        return Outcome(2, (f"usage: {err}",))
    ipvsadm = find_ipvsadm(call.options.get("I"), env)
    if ipvsadm is None:
        return Outcome(1, ("cannot run ipvsadm: not found on PATH, /sbin or /usr/sbin "
                           "(give its path with -I or IPVSADM)",))
    return apply(req, ipvsadm, runner)
