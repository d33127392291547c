"""Monitor coroutines run as if they were processes; pymon's executables recognised; the Nagios contract."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from pymon.engine.inprocess import alert_call, builtin_monitor, run_inprocess
from pymon.engine.nagios import is_nagios_plugin, nagios_result
from pymon.engine.runner import MonitorResult
from pymon.monitors import BUILTIN, Check

REPO = Path(__file__).resolve().parents[2]


def run(monitor, argv=("/x/t.monitor", "-p", "1", "h1"), **options) -> MonitorResult:  # type: ignore[no-untyped-def]
    return asyncio.run(run_inprocess(monitor, list(argv), {"MON_GROUP": "g"}, **options))


def test_argv_without_the_program_and_the_env_reach_the_monitor() -> None:
    seen = []

    async def monitor(argv: Sequence[str], env: Mapping[str, str]) -> Check:
        seen.append((list(argv), dict(env)))
        return Check(2, "h1", "line 1\nline 2\n")

    result = run(monitor)
    assert seen == [(["-p", "1", "h1"], {"MON_GROUP": "g"})]
    assert (result.exit_value, result.output, result.summary, result.detail) == (
        2, "h1\nline 1\nline 2\n", "h1", "line 1\nline 2\n")  # fmt: skip
    assert result.pid is None and not result.timed_out and result.finished >= result.started


def test_success_without_output_is_empty_output() -> None:
    async def monitor(argv: Sequence[str], env: Mapping[str, str]) -> Check:
        return Check(0, "")

    assert (run(monitor).exit_value, run(monitor).output) == (0, "")


def test_deadline_is_the_timed_out_failure_a_process_gets() -> None:
    cancelled = []

    async def monitor(argv: Sequence[str], env: Mapping[str, str]) -> Check:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise
        return Check(0, "")

    result = run(monitor, timeout=0.2)
    assert (result.exit_value, result.timed_out, result.output) == (1, True, "monitor timed out after 0.2s\n")
    assert cancelled == [True]


def test_exceptions_and_wrong_results_are_failures_never_crashes() -> None:
    errors: list[str] = []

    async def raises(argv: Sequence[str], env: Mapping[str, str]) -> Check:
        raise ValueError("bad port")

    async def own_timeout(argv: Sequence[str], env: Mapping[str, str]) -> Check:
        raise TimeoutError

    async def wrong(argv: Sequence[str], env: Mapping[str, str]) -> Check:
        return "ok"  # type: ignore[return-value]

    result = run(raises, on_error=errors.append)
    assert (result.exit_value, result.output) == (1, "monitor t.monitor raised ValueError: bad port\n")
    result = run(own_timeout, timeout=30, on_error=errors.append)  # its own TimeoutError is not the deadline
    assert (result.exit_value, result.timed_out) == (1, False)
    assert result.output == "monitor t.monitor raised TimeoutError\n"
    result = run(wrong, on_error=errors.append)
    assert result.output == "monitor t.monitor raised TypeError: returned str, not a Check\n"
    assert len(errors) == 3


def test_output_is_capped_and_exit_status_is_a_byte() -> None:
    async def monitor(argv: Sequence[str], env: Mapping[str, str]) -> Check:
        return Check(257, "x" * 100)

    result = run(monitor, output_limit=10)
    assert (result.exit_value, result.output, result.truncated) == (1, "x" * 10, True)


def test_pymons_executables_are_recognised_and_nothing_else(tmp_path: Path) -> None:
    tcp = REPO / "monitors" / "tcp.monitor"
    assert builtin_monitor(str(tcp)) is BUILTIN["tcp.monitor"]
    copy = tmp_path / "tcp.monitor"
    shutil.copy(tcp, copy)
    assert builtin_monitor(str(copy)) is BUILTIN["tcp.monitor"]  # a copy elsewhere is still pymon's
    copy.write_text(tcp.read_text() + "print('and more')\n")
    assert builtin_monitor(str(copy)) is None  # anything else in the file: exec it
    copy.write_text(tcp.read_text().replace("tcp.monitor", "nosuch.monitor"))
    assert builtin_monitor(str(copy)) is None
    copy.write_text('#!/usr/bin/env python3\nfrom pymon.monitors import main\nmain("tcp.monitor")\n')
    assert builtin_monitor(str(copy)) is BUILTIN["tcp.monitor"]  # the other spelling
    assert builtin_monitor(str(tmp_path / "absent")) is None
    assert builtin_monitor("/usr/lib/mon/mon.d/tcp.monitor") is None


def test_alert_call_parses_alrt25_argv() -> None:
    head = ["/a/x.alert", "-s", "svc", "-g", "grp", "-h", "h1 h2", "-t", "1700000000", "-u"]
    call = alert_call(head, ["a", "b c"], {"MON_ALERTTYPE": "up"}, "sum\n")
    assert (call.service, call.group, call.hosts) == ("svc", "grp", ("h1", "h2"))
    assert (call.time, call.flag) == (1700000000, "-u")
    assert call.args == ("a", "b c") and call.argv == (*head[1:], "a", "b c") and call.stdin == "sum\n"
    assert alert_call(head[:-1], [], {}, "").flag is None


@pytest.mark.parametrize(
    ("exit_value", "output", "expected"),
    [
        (0, "TCP OK - 0.001 second response time on port 22|time=0.001s;;;0.0;10.0\n",
         "TCP OK - 0.001 second response time on port 22\n"),
        (2, "CRITICAL - down | a=1\nlong 1\nlong 2 | b=2\nc=3\n", "CRITICAL - down\nlong 1\nlong 2\n"),
        (3, "no idea\n", "UNKNOWN: no idea\n"),
        (3, "DISK UNKNOWN - what|x=1\n", "DISK UNKNOWN - what\n"),
        (3, "", "UNKNOWN"),
        (1, "WARNING: x\n", "WARNING: x\n"),
    ],
)  # fmt: skip
def test_nagios_contract(exit_value: int, output: str, expected: str) -> None:
    result = nagios_result(MonitorResult(exit_value=exit_value, output=output))
    assert (result.exit_value, result.output) == (exit_value, expected)


def test_nagios_plugins_are_known_by_name() -> None:
    assert is_nagios_plugin("/usr/lib/nagios/plugins/check_tcp")
    assert not is_nagios_plugin("/usr/lib/mon/mon.d/tcp.monitor")
