"""The state files' formats and their atomic writing (STATE-01..03)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from engine_sim import load_service
from hypothesis import given, settings
from hypothesis import strategies as st

from pymon.engine.statefile import (
    DisabledState,
    StateFileError,
    format_disabled,
    format_opstatus,
    parse_disabled,
    parse_opstatus,
    restored_state,
    saved_service,
    write_atomically,
)
from pymon.engine.states import ServiceState, initial_state

SERVICE = load_service(
    "interval 1m\nmonitor x.monitor\n"
    "period p: wd {Sun-Sat}\n    alert mail.alert\n"
    "period wd {Mon-Fri}\n    alertafter 2 5m\n    alert mail.alert\n"
)

# Text as pymon holds it: any character, undecodable bytes as surrogate escapes.
texts = st.text(st.characters(blacklist_categories=("Cs",)) | st.sampled_from("\t\n=: \\'\"\udce9"))
times = st.integers(min_value=0, max_value=2**40)
optional_times = st.none() | times
statuses = st.integers(min_value=0, max_value=9) | st.sampled_from(["ok", "fail", "undef"])


@st.composite
def states(draw: st.DrawFn) -> ServiceState:
    base = initial_state(SERVICE)
    periods = tuple(
        replace(
            p, last_alert=draw(optional_times), alert_sent=draw(times),
            first_fail_time=draw(optional_times), fail_count=draw(optional_times),
        )
        for p in base.periods
    )  # fmt: skip
    return replace(
        base, op_status=draw(statuses), last_op_status=draw(statuses), exitval=draw(statuses),
        ack=draw(times), ack_comment=draw(texts), consec_failures=draw(times),
        failure_count=draw(times), alert_count=draw(times), first_failure=draw(optional_times),
        last_failure=draw(times), last_success=draw(times), last_summary=draw(st.none() | texts),
        last_detail=draw(st.none() | texts), failure_output=draw(st.none() | texts),
        last_check=draw(optional_times), last_trap=draw(times), last_traphost=draw(texts),
        last_failure_time=draw(optional_times), last_failure_summary=draw(st.none() | texts),
        last_failure_detail=draw(st.none() | texts), periods=periods,
    )  # fmt: skip


def empty_is_none(state: ServiceState) -> ServiceState:
    """The file cannot tell an undefined text from an empty one (mon's neither)."""
    return replace(
        state, last_summary=state.last_summary or None, last_detail=state.last_detail or None,
        failure_output=state.failure_output or None, last_failure_summary=state.last_failure_summary or None,
        last_failure_detail=state.last_failure_detail or None,
    )  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(states())
def test_opstatus_round_trip(state: ServiceState) -> None:
    text = format_opstatus([saved_service(SERVICE, state)])
    assert text.endswith("\n") and text.count("\n") == 1 and text.count("\t") == 2 + 22 + 4 * 2 - 1
    [saved] = parse_opstatus(text, "f")
    assert (saved.group, saved.service) == (SERVICE.group, SERVICE.name)
    assert empty_is_none(restored_state(initial_state(SERVICE), saved)) == empty_is_none(state)


def test_opstatus_line_as_mon_writes_it() -> None:
    state = replace(
        initial_state(SERVICE), op_status=0, ack=17, ack_comment="me: on it", last_summary="a=b: c",
        failure_output="a=b: c\nmore\n", exitval=1,
    )  # fmt: skip
    fields = format_opstatus([saved_service(SERVICE, state)]).rstrip("\n").split("\t")
    assert fields[:4] == ["group=g", "service=s", "op_status=0", "failure_count=0"]
    assert "first_success=" in fields and "trap_timer=" in fields and "exitval=1" in fields
    assert "last_summary=a=b:\\20c" in fields and "ack_comment=me:\\20on\\20it" in fields
    assert "failure_output=a=b:\\20c\\0amore\\0a" in fields
    assert fields[-8:] == [
        "p:last_alert=", "p:alert_sent=0", "p:1stfailtime=", "p:failcount=",
        "wd {Mon-Fri}:last_alert=", "wd {Mon-Fri}:alert_sent=0", "wd {Mon-Fri}:1stfailtime=0",
        "wd {Mon-Fri}:failcount=0",
    ]  # fmt: skip


def test_unknown_period_and_service_fields_are_skipped() -> None:
    [saved] = parse_opstatus("group=g\tservice=s\tgone {x}:last_alert=5\tfirst_success=3\top_status=1\n", "f")
    state = restored_state(initial_state(SERVICE), saved)
    assert state.op_status == 1 and state.periods == initial_state(SERVICE).periods


@given(
    st.lists(st.sampled_from(["h1", "h-2.x"]), max_size=4),
    st.lists(st.sampled_from(["g", "w_2"]), max_size=3),
)
def test_disabled_round_trip(hosts: list[str], watches: list[str]) -> None:
    state = DisabledState(tuple(hosts), tuple(watches), (("g", "s"), ("w_2", "svc.x")))
    assert parse_disabled(format_disabled(state), "f") == state


@pytest.mark.parametrize(
    ("parse", "text", "line"),
    [
        (parse_disabled, "disable host h1\ndisable watch", 2),
        (parse_disabled, "disable host h1\nenable host h1\n", 2),
        (parse_disabled, "disable host\n", 1),
        (parse_disabled, "disable frob x\n", 1),
        (parse_opstatus, "group=g\tservice=s\top_status=1", 1),
        (parse_opstatus, "\n\ngroup=g\tservice=s\top_status\n", 3),
        (parse_opstatus, "service=s\tgroup=g\n", 1),
        (parse_opstatus, "group=g\tservice=s\tp:bogus=1\n", 1),
        (parse_opstatus, "\x00\x01\x02\n", 1),
    ],
)
def test_broken_files_name_the_line(parse, text: str, line: int) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StateFileError, match=f"^state file /s/f, line {line}: .*; the file is ignored$"):
        parse(text, "/s/f")


def test_blank_and_comment_lines_are_allowed() -> None:
    assert parse_disabled("\n# saved by hand\ndisable watch g\n", "f") == DisabledState(watches=("g",))
    assert parse_opstatus("", "f") == [] and parse_disabled("", "f") == DisabledState()


def test_write_atomically_replaces_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "opstatus"
    path.write_text("old\n")
    write_atomically(str(path), "new \udce9\n")
    assert path.read_bytes() == b"new \xe9\n" and os.listdir(tmp_path) == ["opstatus"]
    assert path.stat().st_mode & 0o777 == 0o666 & ~_umask()


def test_write_atomically_keeps_the_old_file_when_it_fails(tmp_path: Path) -> None:
    path = tmp_path / "disabled"
    path.write_text("disable watch g\n")
    with pytest.raises(UnicodeEncodeError):
        write_atomically(str(path), "\ud800")  # a lone surrogate cannot be written
    assert path.read_text() == "disable watch g\n" and os.listdir(tmp_path) == ["disabled"]
    with pytest.raises(FileNotFoundError):
        write_atomically(str(tmp_path / "nodir" / "disabled"), "x\n")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
