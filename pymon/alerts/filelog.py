"""file.alert: append one record per alert to a file, as mon's file.alert does
(Getopt::Std `d:S:s:g:h:t:l:uOT`, file = first argument or `file`, under -d):

    TYPE GROUP SERVICE TIME (Wdy Mon DD HH:MM:SS) SUMMARY
    DESCR=<MON_DESCRIPTION>
    OPSTATUS=<MON_OPSTATUS or "UNKNOWN OPSTATUS">
    <stdin after the first line>
    .

TYPE is MON_ALERTTYPE, or `UNKNOWN ALERT` when it is unset or empty."""

from __future__ import annotations

from collections.abc import Mapping

from pymon.alerts.contract import AlertCall
from pymon.alerts.perltext import localtime, split_input

SPEC = "d:S:"


def target(call: AlertCall) -> str:
    name = call.args[0] if call.args else "file"
    directory = call.options.get("d")
    return f"{directory}/{name}" if directory else name


def record(call: AlertCall, stdin: str, env: Mapping[str, str]) -> str:
    summary, rest = split_input(stdin)
    override = call.options.get("S")
    if override is not None:
        summary = override
    kind = env.get("MON_ALERTTYPE") or "UNKNOWN ALERT"
    opstatus = env.get("MON_OPSTATUS", "UNKNOWN OPSTATUS")
    short = " ".join(localtime(call.time).split()[:4])
    return (f"{kind} {call.group or ''} {call.service or ''} {call.time or ''} ({short}) {summary or ''}\n"
            f"DESCR={env.get('MON_DESCRIPTION', '')}\n"
            f"OPSTATUS={opstatus}\n"
            f"{rest}.\n")
