"""pymon's client library: talk to a mon or pymon server as Mon::Client does, with types.

    from pymon.client import MonClient

    with MonClient("127.0.0.1", 2583) as mon:
        for (group, service), status in mon.list_failures().items():
            print(group, service, status.last_summary)

See docs/clients.md. The command-line clients are `pymoncmd` (moncmd) and
`pymonshow` (monshow).
"""

from __future__ import annotations

from pymon.trap_send import OPSTAT as OPSTATUS
from pymon.trap_send import TRAP_PRO_VERSION as TRAP_PROTOCOL_VERSION
from pymon.trap_send import build_trap

from ._client import DEFAULT_PORT, PROTOCOL_ID, MonClient, Reply, default_host, default_port
from ._errors import MonCommandError, MonConnectionError, MonError, MonResponseError
from ._records import (
    AlertHistoryEntry,
    Alias,
    AliasService,
    AliasWatch,
    ConfigCheck,
    Dependency,
    Disabled,
    DowntimeEntry,
    FailureHistoryEntry,
    Group,
    OpStatus,
    Pids,
    SchedulerState,
    ServerTime,
    ServiceKey,
    unquote,
)

__all__ = [
    "DEFAULT_PORT", "OPSTATUS", "PROTOCOL_ID", "TRAP_PROTOCOL_VERSION", "AlertHistoryEntry", "Alias",
    "AliasService", "AliasWatch", "ConfigCheck", "Dependency", "Disabled", "DowntimeEntry",
    "FailureHistoryEntry", "Group", "MonClient", "MonCommandError", "MonConnectionError", "MonError",
    "MonResponseError", "OpStatus", "Pids", "Reply", "SchedulerState", "ServerTime", "ServiceKey",
    "build_trap", "default_host", "default_port", "unquote",
]  # fmt: skip
