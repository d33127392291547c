"""`set G S VAR VALUE` on a service's state (PROTO-35, PROTO-36).

mon stores VALUE raw in the service hash under the key VAR, so any key can be
set, internals included, and Perl reads the string wherever the key is used.
pymon keeps a service's state typed (`ServiceState`): a key that names one of
its fields is converted the way Perl would read the string there; any other key
is only remembered for `get` (the engine keeps those). A few service
keywords the engine reads while running (the monitor command, description,
exclude_period, failure_interval, allow_empty_group) change the service itself.
The conversion is pure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any, Final

from pymon.config.model import Service
from pymon.config.perl import perl_num, perl_true
from pymon.engine.states import OpStatus, ServiceState

__all__ = ["set_opstatus", "set_service_keyword", "set_variable", "shows_raw"]


def _integer(value: str) -> int:
    return int(perl_num(value))


def _integer_or_none(value: str) -> int | None:
    return None if value == "" else int(perl_num(value))


def _text_or_none(value: str) -> str | None:
    return value


def _status(value: str) -> OpStatus:
    """A canonical integer string reads as that number; anything else stays a string (as Q20)."""
    return int(value) if value.isdecimal() and value == str(int(value)) else value


# The hash keys mon's code reads, by ServiceState field, each with how the string is read there.
_FIELDS: Final[Mapping[str, tuple[str, Callable[[str], object]]]] = MappingProxyType(
    {
        "_op_status": ("op_status", _status),
        "_last_op_status": ("last_op_status", _status),
        "_exitval": ("exitval", _status),
        "_ack": ("ack", _integer),
        "_ack_comment": ("ack_comment", str),
        "_consec_failures": ("consec_failures", _integer),
        "_failure_count": ("failure_count", _integer),
        "_alert_count": ("alert_count", _integer),
        "_first_failure": ("first_failure", _integer_or_none),
        "_last_failure": ("last_failure", _integer),
        "_last_success": ("last_success", _integer),
        "_last_summary": ("last_summary", _text_or_none),
        "_last_detail": ("last_detail", _text_or_none),
        "_last_output": ("last_output", _text_or_none),
        "_failure_output": ("failure_output", _text_or_none),
        "_depend_status": ("depend_status", perl_true),
        "_last_check": ("last_check", _integer_or_none),
        "_last_trap": ("last_trap", _integer),
        "_last_traphost": ("last_traphost", str),
        "_last_uptrap": ("last_uptrap", _integer_or_none),
        "_last_failure_time": ("last_failure_time", _integer_or_none),
        "_last_failure_summary": ("last_failure_summary", _text_or_none),
        "_last_failure_detail": ("last_failure_detail", _text_or_none),
        "disable": ("disabled", perl_true),  # ALRT-04 reads it as a Perl truth value
        "interval": ("interval", perl_num),  # `5m` is read as 5 (PROTO-35)
    }
)


# Service keywords read while the daemon runs, with how Perl reads the string there.
_KEYWORDS: Final[Mapping[str, Callable[[str], object]]] = MappingProxyType(
    {
        "monitor": str,  # the command line of the next run (MONI-02)
        "description": str,  # MON_DESCRIPTION and `list descriptions`
        "exclude_period": str,  # SCHED-08
        "failure_interval": perl_num,  # SCHED-11
        "allow_empty_group": perl_true,  # MONI-04
    }
)


def set_service_keyword(service: Service, var: str, value: str) -> Service | None:
    """The service with keyword VAR set to VALUE, or None when VAR is not one the engine reads."""
    read = _KEYWORDS.get(var)
    if read is None:
        return None
    change: dict[str, Any] = {var: read(value), "settings": {**service.settings, var: value}}
    return replace(service, **change)


def set_variable(state: ServiceState, var: str, value: str) -> ServiceState | None:
    """The state with VAR set to VALUE, or None when VAR is not a key the state holds."""
    field = _FIELDS.get(var)
    if field is None:
        return None
    name, read = field
    change: dict[str, Any] = {name: read(value)}  # the type `read` gives is the field's
    return replace(state, **change)


def shows_raw(state: ServiceState, var: str, value: str) -> bool:
    """Whether `get` still shows VALUE as it was set: the key is not in the state, or the state
    field still holds what VALUE was read as (mon shows `5m` for `set G S interval 5m`)."""
    field = _FIELDS.get(var)
    if field is None:
        return True
    name, read = field
    return bool(getattr(state, name) == read(value))


def set_opstatus(state: ServiceState, name: str) -> ServiceState:
    """PROTO-36 / Q20: mon stores the status *name* (`ok`), which Perl then reads as 0 (FAIL)."""
    return replace(state, last_op_status=state.op_status, op_status=name)
