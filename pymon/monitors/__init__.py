"""Built-in monitors: Python versions of mon's monitor scripts, awaited in-process by the daemon.

Minimal framework so the network monitors run; the fuller version of this module comes
from the `monitors` branch and keeps this exact API.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NoReturn


@dataclass(frozen=True)
class Check:
    exit_status: int  # 0 ok; non-zero failure (mon's $? >> 8)
    summary: str  # first output line (no newline)
    detail: str = ""  # the rest of the output, "" for none


MonitorFunc = Callable[[Sequence[str], Mapping[str, str]], Awaitable[Check]]


def _builtin() -> dict[str, MonitorFunc]:
    from pymon.monitors import dns, fping, http, smtp, sslcert, telnet

    return {
        "dns.monitor": dns.check,
        "fping.monitor": fping.check,
        "http.monitor": http.check,
        "smtp.monitor": smtp.check,
        "sslcert.monitor": sslcert.check,
        "telnet.monitor": telnet.check,
    }


BUILTIN: Mapping[str, MonitorFunc] = _builtin()


def main(name: str) -> NoReturn:
    """Run one built-in monitor as a script: argv and environment in, mon's output and exit status out."""

    async def run() -> Check:
        return await BUILTIN[name](sys.argv[1:], os.environ)

    result = asyncio.run(run())
    if result.summary or result.detail or result.exit_status:
        sys.stdout.write(result.summary + "\n" + result.detail)
    sys.stdout.flush()
    sys.exit(result.exit_status)
