"""process.monitor: do the UCD-SNMP agents on the hosts report a process problem?

`process.monitor [-c community] host...`, as Debian's mon process.monitor is
meant to work: each host's net-snmp agent is asked (SNMPv2c, community
`public` by default) for its process table (UCD-SNMP-MIB prTable, filled by
snmpd.conf's `proc` lines), and a host fails for every entry whose
prErrorFlag is set. A host may be given as `HOST:PORT`.

On failure the summary is the failed hosts, sorted and comma-separated (once
per failing entry), the detail a blank line then `HOST: count=N min=N max=N
err=MESSAGE` per entry, or `HOST returned an SNMP error: ERROR` (`Timeout`
for an agent that does not answer). The exit status is 1; it is 2 when the
only problems were hosts that do not resolve (`HOST session error`).

The original cannot run as Debian ships it (it never loads Perl's SNMP module,
and it needs MIB files Debian does not ship); pymon uses the numeric OIDs.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pymon.config.perl import perl_num
from pymon.monitors._check import Check
from pymon.monitors._options import getopts
from pymon.monitors._snmp import Agent, SnmpError, agent_address, get, get_next

__all__ = ["check"]

_PR_ENTRY = (1, 3, 6, 1, 4, 1, 2021, 2, 1)  # UCD-SNMP-MIB::prEntry
_PR_INDEX = (*_PR_ENTRY, 1)
# prNames, prMin, prMax, prCount, prErrorFlag, prErrMessage
_COLUMNS = tuple((*_PR_ENTRY, column) for column in (2, 3, 4, 5, 100, 101))


@dataclass
class _Host:
    failures: list[str] = field(default_factory=list)  # summary words
    details: list[str] = field(default_factory=list)
    session_error: bool = False
    error: bool = False


async def check(argv: Sequence[str], env: Mapping[str, str]) -> Check:
    parsed = getopts("c:", argv)
    community = parsed.text("c", "public")
    hosts = await asyncio.gather(*(_check_host(host, community) for host in parsed.args))
    failures = sorted(word for host in hosts for word in host.failures)
    details = [line for host in hosts for line in host.details]
    if any(host.error for host in hosts):
        status = 1
    elif any(host.session_error for host in hosts):
        status = 2
    else:
        status = 0
    if not failures:
        return Check(status, "").after_warnings(parsed.warnings)
    detail = "\n" + "".join(line + "\n" for line in details)
    return Check(status, ", ".join(failures), detail).after_warnings(parsed.warnings)


async def _check_host(spec: str, community: str) -> _Host:
    result = _Host()
    name, port = agent_address(spec)
    try:
        address = (await asyncio.get_running_loop().getaddrinfo(name, port, family=socket.AF_INET))[0][4][0]
    except (OSError, UnicodeError, IndexError):
        result.session_error = True
        result.failures.append(f"{spec} session error")
        result.details.append(f"{spec} could not get SNMP session")
        return result
    agent = Agent(str(address), port, community)
    oid: tuple[int, ...] = _PR_INDEX
    try:
        while True:
            found = await get_next(agent, oid)
            if found.end or found.oid[: len(_PR_INDEX)] != _PR_INDEX or len(found.oid) == len(_PR_INDEX):
                break  # past the prIndex column
            iid = found.oid[len(_PR_INDEX) :]
            row = await get(agent, [(*column, *iid) for column in _COLUMNS])
            _, low, high, count, flag, message = (value.text for value in row)
            if perl_num(flag) > 0:
                result.error = True
                result.failures.append(spec)
                result.details.append(f"{spec}: count={count} min={low} max={high} err={message}")
            oid = found.oid
    except SnmpError as error:
        result.error = True
        result.failures.append(spec)
        result.details.append(f"{spec} returned an SNMP error: {error}")
    return result
