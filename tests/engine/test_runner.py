"""pymon.engine.runner with real processes.

The monitors and alerts are small scripts written into tmp_path that record
what they were given (argv, environment, stdin) in a JSON file. Nothing sleeps
to synchronise: a test polls for what it waits for, with a deadline.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pymon.config.model import Globals, Service
from pymon.engine.alert_run import AlertRun, Flag
from pymon.engine.runner import (
    AlertExit,
    ExecError,
    MonitorResult,
    alert_argv,
    monitor_command,
    monitor_environment,
    run_monitor,
    start_alert,
)
from pymon.engine.states import initial_state

T = TypeVar("T")
GRACE = 0.3  # kill_grace in the tests: SIGTERM to SIGKILL

# --- helpers --------------------------------------------------------------------------


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


async def async_wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


def gone(pid: int) -> bool:
    """The process no longer runs (a zombie nobody reaps counts as gone)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):  # reaped before the open, or between open and read
        return True
    return text.rpartition(")")[2].split()[0] in ("Z", "X")


def running(marker: str) -> list[int]:
    """The live processes with `marker` in their command line."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes() if entry.name.isdigit() else b""
        except OSError:
            continue
        if marker.encode() in command and not gone(int(entry.name)):
            found.append(int(entry.name))
    return found


def script(tmp_path: Path, name: str, body: str, *, interpreter: str | None = "/bin/sh") -> str:
    path = tmp_path / name
    path.write_text((f"#!{interpreter}\n" if interpreter else "") + body)
    path.chmod(0o755)
    return str(path)


RECORDER = """
import json, os, sys
stdin = sys.stdin.buffer.read().decode("utf-8", "surrogateescape")
null = os.stat("/dev/null")
record = {
    "argv": sys.argv[1:],
    "env": dict(os.environ),
    "stdin": stdin,
    "stdin_is_devnull": os.path.samestat(os.fstat(0), null),
}
out = sys.argv[0] + ".json"
with open(out + ".tmp", "w") as f:
    json.dump(record, f)
os.rename(out + ".tmp", out)
print("recorded")
print("to stderr", file=sys.stderr)
"""


def recorder(tmp_path: Path, name: str = "rec") -> tuple[str, Path]:
    path = script(tmp_path, name, RECORDER, interpreter=sys.executable)
    return path, Path(path + ".json")


def load(record: Path) -> dict[str, Any]:
    wait_until(record.exists, what=str(record))
    data: dict[str, Any] = json.loads(record.read_text())
    return data


def environ(**extra: str) -> dict[str, str]:
    return {**os.environ, **extra}


def service(monitor: str = "rec.monitor", **options: Any) -> Service:
    return Service(name="svc", group="hg", line=1, monitor=monitor, **options)


# --- monitor_command (MONI-02..04) ------------------------------------------------------

PATH = "/usr/lib/mon/mon.d/rec.monitor"


@pytest.mark.parametrize(
    ("monitor", "hosts", "argv"),
    [
        ("rec.monitor", ["h1", "h2"], [PATH, "h1", "h2"]),
        ('rec.monitor -x "two words"', ["h1"], [PATH, "-x", "two words", "h1"]),
        ("rec.monitor\t-p 'a b'\\ c", ["h1"], [PATH, "-p", "a b c", "h1"]),
        # MONI-02: `;;` drops the hosts, need not be a word of its own, may be followed by blanks
        ('rec.monitor -x "two words" ;;', ["h1"], [PATH, "-x", "two words"]),
        ("rec.monitor -x;;", ["h1"], [PATH, "-x"]),
        ("rec.monitor ;;  ", ["h1"], [PATH]),
        ("rec.monitor ;;", [], [PATH]),  # never "no host arguments"
        ("rec.monitor a;; b", ["h1"], [PATH, "a;;", "b", "h1"]),  # only at the end
        ("rec.monitor ;; ;;", ["h1"], [PATH, ";;"]),  # the last one only
        ("rec.monitor -x ", ["h1"], [PATH, "-x", "", "h1"]),  # quotewords' trailing undef
        ('rec.monitor -x "open', ["h1"], []),  # unbalanced: nothing to run
    ],
)
def test_monitor_command(monitor: str, hosts: list[str], argv: list[str]) -> None:
    assert monitor_command(service(monitor), PATH, hosts) == argv


def test_monitor_command_without_hosts() -> None:
    """MONI-04: no hosts and no allow_empty_group: not run; with it, run without hosts."""
    assert monitor_command(service("rec.monitor -x"), PATH, []) is None
    assert monitor_command(service("rec.monitor -x", allow_empty_group=True), PATH, []) == [PATH, "-x"]
    assert monitor_command(service("rec.monitor", allow_empty_group=True), PATH, ()) == [PATH]


_MONITOR_SCRIPT = r"""
use strict;
use Text::ParseWords;
$| = 1;
while (my $line = <STDIN>) {
    chomp $line;
    my ($path, $text) = map { pack("H*", $_) } split(/,/, $line, -1);
    my ($name, $args) = ($text =~ /^(\S+)(\s+(.*))?$/);    # $args is $2: blanks included
    my $command = $path;
    $command .= " " . $args if ($args);
    my $hosts = "H";
    if ($command =~ /;;\s*$/) {
        $command =~ s/\s*;;\s*$//;
        $hosts = "N";
    }
    my @words = quotewords('\s+', 0, $command);
    print $hosts, join(",", map { unpack("H*", defined $_ ? $_ : "") } @words), "\n";
}
"""


@pytest.fixture(scope="module")
def perl_monitor_command() -> Iterator[subprocess.Popen[bytes]]:
    perl = shutil.which("perl")
    if perl is None:
        pytest.skip("perl is not installed")
    process = subprocess.Popen([perl, "-e", _MONITOR_SCRIPT], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    yield process
    assert process.stdin is not None and process.stdout is not None
    process.stdin.close()
    process.wait(timeout=10)
    process.stdout.close()


@settings(max_examples=300, deadline=None)
@given(
    args=st.text(alphabet=" \t;\"'\\ab-", max_size=16),
    sep=st.sampled_from([" ", "\t", "  "]),
)
def test_monitor_command_matches_mon(
    perl_monitor_command: subprocess.Popen[bytes], args: str, sep: str
) -> None:
    """MONI-02 as mon's Perl computes it: `$2` with its blanks, the `;;` regexes, quotewords."""
    text = "rec.monitor" + (sep + args if args else "")
    process = perl_monitor_command
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(f"{PATH.encode().hex()},{text.encode().hex()}\n".encode())
    process.stdin.flush()
    answer = process.stdout.readline().decode().rstrip("\n")
    words = [bytes.fromhex(w).decode() for w in answer[1:].split(",")] if answer[1:] else []
    # pymon's one departure: when the arguments do not split, mon would exec the host name.
    expected = [*words, "h1"] if answer[0] == "H" and words else words
    assert monitor_command(service(text), PATH, ["h1"]) == expected


# --- monitor_environment (MONI-06) ------------------------------------------------------

GLOBALS = Globals(statedir="/var/lib/mon", logdir="/var/log/mon", cfbasedir="/etc/mon")


def test_monitor_environment_first_run() -> None:
    """mon's first run [EXP]: no summary, output, first failure or depend status yet."""
    svc = service(description="web servers", env={"PAGER": "x", "MON_GROUP": "mine"})
    env = monitor_environment(svc, initial_state(svc), GLOBALS)
    assert env == {
        "PAGER": "x",
        "MON_GROUP": "hg",  # mon's variables win over VAR=value lines
        "MON_SERVICE": "svc",
        "MON_LAST_FAILURE": "0",
        "MON_LAST_SUCCESS": "0",
        "MON_DESCRIPTION": "web servers",
        "MON_STATEDIR": "/var/lib/mon",
        "MON_LOGDIR": "/var/log/mon",
        "MON_CFBASEDIR": "/etc/mon",
    }
    assert next(iter(env)) == "PAGER"


def test_monitor_environment_after_results() -> None:
    svc = service()
    state = replace(
        initial_state(svc),
        last_summary="",
        last_output="",
        last_failure=1700000100,
        first_failure=1700000000,
        last_success=1699999000,
        depend_status=False,
    )
    env = monitor_environment(svc, state, GLOBALS)
    assert env["MON_LAST_SUMMARY"] == "" and env["MON_LAST_OUTPUT"] == ""  # defined, so present
    assert env["MON_LAST_FAILURE"] == "1700000100"
    assert env["MON_FIRST_FAILURE"] == "1700000000"
    assert env["MON_LAST_SUCCESS"] == "1699999000"
    assert env["MON_DEPEND_STATUS"] == "0"
    assert "MON_DESCRIPTION" not in env and "MON_FIRST_SUCCESS" not in env  # never set by mon
    recovered = replace(state, first_failure=0, last_failure=0, depend_status=True)
    env = monitor_environment(svc, recovered, GLOBALS)
    assert (env["MON_FIRST_FAILURE"], env["MON_LAST_FAILURE"], env["MON_DEPEND_STATUS"]) == ("0", "0", "1")


def test_monitor_sees_its_argv_environment_and_devnull(tmp_path: Path) -> None:
    path, record = recorder(tmp_path)
    svc = service("rec.monitor -x \"two words\" 'it''s'", env={"EXTRA": "yes"})
    state = replace(initial_state(svc), last_summary="down", last_output="down\nline 2\nnul\0after")
    argv = monitor_command(svc, path, ["h1", "h2"])
    assert argv is not None
    env = environ(**monitor_environment(svc, state, GLOBALS))
    result = run(run_monitor(argv, env))
    assert (result.exit_value, result.signal, result.error) == (0, None, None)
    seen = load(record)
    assert seen["argv"] == ["-x", "two words", "its", "h1", "h2"]
    assert seen["stdin"] == "" and seen["stdin_is_devnull"]
    assert seen["env"]["EXTRA"] == "yes"
    assert seen["env"]["MON_LAST_OUTPUT"] == "down\nline 2\nnul"  # C strings end at a NUL, as in mon
    assert seen["env"]["MON_STATEDIR"] == "/var/lib/mon"
    assert "MON_FIRST_FAILURE" not in seen["env"]
    assert seen["env"]["PATH"] == os.environ["PATH"]


def test_environment_is_exactly_env(tmp_path: Path) -> None:
    path, record = recorder(tmp_path)
    run(run_monitor([path], {"ONLY": "this", "BAD=NAME": "x", "": "y"}))
    env = load(record)["env"]
    env.pop("LC_CTYPE", None)  # Python may set it for itself
    assert env == {"ONLY": "this"}


def test_huge_environment_value_still_runs(tmp_path: Path) -> None:
    """A value Linux cannot exec with (> 128 KiB) is cut instead of failing the run (E2BIG)."""
    path, record = recorder(tmp_path)
    result = run(run_monitor([path], environ(MON_LAST_OUTPUT="x" * 300_000)))
    assert result.error is None and result.exit_value == 0
    assert 100_000 < len(load(record)["env"]["MON_LAST_OUTPUT"]) < 131_072


# --- run_monitor ---------------------------------------------------------------------


def test_output_is_stdout_and_stderr_interleaved(tmp_path: Path) -> None:
    path = script(tmp_path, "m", "echo 1 out; echo 2 err >&2; echo 3 out; printf 'no newline' >&2; exit 3\n")
    starts: list[int] = []
    result = run(run_monitor([path, "h1"], environ(), on_start=starts.append))
    assert result.output == "1 out\n2 err\n3 out\nno newline"
    assert (result.summary, result.detail) == ("1 out", "2 err\n3 out\nno newline")
    assert (result.exit_value, result.signal, result.timed_out, result.truncated) == (3, None, False, False)
    assert starts == [result.pid]
    assert result.started <= result.finished


@pytest.mark.parametrize(("code", "expected"), [(0, 0), (1, 1), (2, 2), (255, 255)])
def test_exit_values(tmp_path: Path, code: int, expected: int) -> None:
    path = script(tmp_path, "m", f"exit {code}\n")
    result = run(run_monitor([path], environ()))
    assert (result.exit_value, result.output, result.summary, result.detail) == (expected, "", None, None)


def test_killed_by_a_signal_is_exit_value_0(tmp_path: Path) -> None:
    """MONI-08 / Q14: mon's `$? >> 8` of a signal death is 0, a success."""
    path = script(tmp_path, "m", "echo dying; kill -9 $$\n")
    result = run(run_monitor([path], environ()))
    assert (result.exit_value, result.signal, result.output) == (0, signal.SIGKILL, "dying\n")


def test_undecodable_output_is_kept_byte_for_byte(tmp_path: Path) -> None:
    path = script(tmp_path, "m", r"printf 'caf\303\251 \377\376\n'" + "\n")
    result = run(run_monitor([path], environ()))
    assert result.output == "café \udcff\udcfe\n"
    assert result.output.encode("utf-8", "surrogateescape") == "café ".encode() + b"\xff\xfe\n"


def test_big_output_is_capped_without_blocking(tmp_path: Path) -> None:
    path = script(tmp_path, "m", "head -c 10485760 /dev/zero | tr '\\0' x; echo done >&2; exit 4\n")
    started = time.monotonic()
    result = run(run_monitor([path], environ(), output_limit=1 << 20, timeout=30))
    assert time.monotonic() - started < 15
    assert (result.exit_value, result.timed_out, result.truncated) == (4, False, True)
    assert result.output == "x" * (1 << 20)


def test_output_exactly_at_the_limit_is_not_truncated(tmp_path: Path) -> None:
    path = script(tmp_path, "m", "printf 1234567890\n")
    assert run(run_monitor([path], environ(), output_limit=10)).truncated is False
    result = run(run_monitor([path], environ(), output_limit=9))
    assert (result.output, result.truncated) == ("123456789", True)


def test_result_comes_when_the_monitor_exits_not_when_the_pipe_closes(tmp_path: Path) -> None:
    """Like mon's reaper: a background child holding the pipe does not hold the result."""
    pidfile = tmp_path / "child.pid"
    path = script(tmp_path, "m", f"sleep 60 & echo $! > {pidfile}; echo early; exit 2\n")
    started = time.monotonic()
    result = run(run_monitor([path], environ()))
    assert time.monotonic() - started < 10
    assert (result.exit_value, result.output) == (2, "early\n")
    child = int(pidfile.read_text())
    assert not gone(child)  # mon does not kill what a finished monitor left behind
    os.kill(child, signal.SIGKILL)


def test_timeout_kills_the_process_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "grandchild.pid"
    path = script(tmp_path, "m", f"echo working; sleep 60 & echo $! > {pidfile}; sleep 60\n")
    started = time.monotonic()
    result = run(run_monitor([path], environ(), timeout=0.5, kill_grace=GRACE))
    assert 0.5 <= time.monotonic() - started < 5
    assert result.timed_out and result.exit_value == 1
    assert result.signal == signal.SIGTERM
    assert result.summary == "monitor timed out after 0.5s"
    assert result.detail == "working\n"
    wait_until(lambda: gone(int(pidfile.read_text())), what="the grandchild to die")


def test_timeout_sigkills_what_ignores_sigterm(tmp_path: Path) -> None:
    pidfile = tmp_path / "grandchild.pid"
    body = f"trap '' TERM; sleep 60 & echo $! > {pidfile}; while :; do sleep 1; done\n"
    path = script(tmp_path, "m", body)
    started = time.monotonic()
    result = run(run_monitor([path], environ(), timeout=0.3, kill_grace=GRACE))
    assert 0.3 + GRACE <= time.monotonic() - started < 5
    assert (result.timed_out, result.exit_value, result.signal) == (True, 1, signal.SIGKILL)
    assert result.output == "monitor timed out after 0.3s\n"
    wait_until(lambda: gone(int(pidfile.read_text())), what="the grandchild to die")


def test_monitor_that_exits_on_sigterm_by_itself_still_fails(tmp_path: Path) -> None:
    path = script(tmp_path, "m", "trap 'echo bye; exit 0' TERM; echo up; while :; do sleep 0.05; done\n")
    result = run(run_monitor([path], environ(), timeout=0.3, kill_grace=GRACE))
    assert (result.timed_out, result.exit_value, result.signal) == (True, 1, None)
    # The whole group got SIGTERM: the shell's `sleep` too, which the shell reports.
    assert result.output.startswith("monitor timed out after 0.3s\nup\n")
    assert result.output.endswith("bye\n")


def test_cancelling_kills_the_process_group(tmp_path: Path) -> None:
    leader, grandchild = tmp_path / "leader.pid", tmp_path / "grandchild.pid"
    path = script(tmp_path, "m", f"echo $$ > {leader}; sleep 60 & echo $! > {grandchild}; sleep 60\n")

    async def scenario() -> None:
        task = asyncio.create_task(run_monitor([path], environ(), kill_grace=GRACE))
        await async_wait_until(lambda: grandchild.exists() and grandchild.read_text().strip() != "")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert gone(int(leader.read_text()))  # stopped before the cancellation ends

    run(scenario())
    wait_until(lambda: gone(int(grandchild.read_text())), what="the grandchild to die")


def test_cancelling_while_it_starts_kills_it(tmp_path: Path) -> None:
    marker = tmp_path / "started"
    path = script(tmp_path, "m", f"touch {marker}; sleep 60; true {tmp_path}\n")

    async def scenario() -> None:
        task = asyncio.create_task(run_monitor([path], environ()))
        await asyncio.sleep(0)  # the process is forked; its pipes are not connected yet
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await async_wait_until(lambda: not running(str(tmp_path)))

    run(scenario())


def missing(tmp_path: Path) -> str:
    return str(tmp_path / "missing.monitor")


def not_executable(tmp_path: Path) -> str:
    path = script(tmp_path, "m", "exit 0\n")
    os.chmod(path, 0o644)
    return path


def directory(tmp_path: Path) -> str:
    return str(tmp_path)


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (missing, "No such file or directory"),
        (not_executable, "Permission denied"),
        (directory, "Permission denied"),
    ],
)
def test_exec_failure_is_a_failure_result(tmp_path: Path, make: Callable[[Path], str], error: str) -> None:
    """MONI-05: mon's child exits 1 with no output; pymon also says why."""
    starts: list[int] = []
    result = run(run_monitor([make(tmp_path), "h1"], environ(), on_start=starts.append))
    assert result == MonitorResult(
        exit_value=1, error=error, started=result.started, finished=result.finished
    )
    assert starts == []


def test_empty_command_is_an_exec_failure() -> None:
    result = run(run_monitor([], environ()))
    assert (result.exit_value, result.error, result.pid) == (1, "No such file or directory", None)


def test_script_without_shebang_runs_under_sh(tmp_path: Path) -> None:
    """Perl's exec uses execvp, which runs what the kernel cannot execute with /bin/sh."""
    path = script(tmp_path, "m", 'echo "plain $1"; exit 5\n', interpreter=None)
    result = run(run_monitor([path, "h1"], environ()))
    assert (result.exit_value, result.output, result.error) == (5, "plain h1\n", None)


def test_cwd_and_a_command_on_path_start_the_same_way(tmp_path: Path) -> None:
    """These take asyncio's subprocess path rather than posix_spawn: the result is the same."""
    result = run(run_monitor(["sh", "-c", 'pwd; echo "err" >&2; exit 4'], environ(), cwd=str(tmp_path)))
    assert (result.exit_value, result.output, result.error) == (4, f"{tmp_path}\nerr\n", None)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_sigpipe_is_ignored_as_under_mon(tmp_path: Path) -> None:
    """mon sets $SIG{PIPE} = 'IGNORE', which its children inherit through exec."""
    path = script(tmp_path, "m", "grep SigIgn /proc/self/status\n")
    mask = int(run(run_monitor([path], environ())).output.split()[1], 16)
    assert mask & (1 << (signal.SIGPIPE - 1))


def test_cwd(tmp_path: Path) -> None:
    result = run(run_monitor(["/bin/sh", "-c", "pwd"], environ(), cwd=str(tmp_path)))
    assert result.output == f"{tmp_path}\n"


def test_many_concurrent_monitors(tmp_path: Path) -> None:
    path = script(tmp_path, "m", 'echo "$1"; sleep 0.2; echo "$1" >&2; exit $(($1 % 7))\n')

    async def scenario() -> list[MonitorResult]:
        return await asyncio.gather(*(run_monitor([path, str(i)], environ()) for i in range(60)))

    started = time.monotonic()
    results = run(scenario())
    assert time.monotonic() - started < 10  # concurrently, not 60 * 0.2 s
    for i, result in enumerate(results):
        assert (result.exit_value, result.output) == (i % 7, f"{i}\n{i}\n")
    assert len({r.pid for r in results}) == 60


def test_event_loop_keeps_running_while_monitors_run(tmp_path: Path) -> None:
    path = script(tmp_path, "m", "head -c 4000000 /dev/zero; sleep 0.3\n")

    async def scenario() -> int:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        tick_task = asyncio.create_task(ticker())
        await run_monitor([path], environ(), output_limit=1000)
        tick_task.cancel()
        return ticks

    assert run(scenario()) >= 10


# --- alerts ----------------------------------------------------------------------------


def alert_run(path: str, args: str, flags: Flag = Flag.MONITOR, output: str = "sum\ndetail\n") -> AlertRun:
    return AlertRun(
        group="hg",
        service="svc",
        program="rec.alert",
        path=path,
        args=args,
        period="wd",
        flags=flags,
        hosts=("h1", "h2"),
        time=1795611521,
        output=output,
        retval="1",
        mon_environment=(("MON_RETVAL", "1"), ("MON_ALERTTYPE", "failure")),
    )


def test_alert_argv() -> None:
    """ALRT-25 [EXP]: `[-s] [svc] [-g] [hg] [-h] [h1 h2] [-t] [1795611521] [arg1] [arg 2]`."""
    assert alert_argv(alert_run("/a/rec.alert", 'arg1 "arg 2"')) == [
        "/a/rec.alert", "-s", "svc", "-g", "hg", "-h", "h1 h2", "-t", "1795611521", "arg1", "arg 2",
    ]  # fmt: skip
    assert alert_argv(alert_run("/a/rec.alert", "", Flag.UPALERT))[-2:] == ["1795611521", "-u"]


def test_alert_gets_argv_environment_and_stdin(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    path, record = recorder(tmp_path, "rec.alert")
    alert = alert_run(path, "arg1 'arg 2'", output="sum line\ndetail1\ndetail2 \udcff")
    env = alert.environment(statedir="/s", logdir="/l", cfbasedir="/c", service_env={"EXTRA": "1"})

    async def scenario() -> AlertExit:
        process = await start_alert(alert_argv(alert), environ(**env), alert.output)
        assert process.pid > 0 and process.argv[0] == path
        return await process.done

    assert run(scenario()) == AlertExit(exit_value=0)
    seen = load(record)
    assert seen["argv"] == ["-s", "svc", "-g", "hg", "-h", "h1 h2", "-t", "1795611521", "arg1", "arg 2"]
    assert seen["stdin"] == "sum line\ndetail1\ndetail2 \udcff"  # ALRT-27: verbatim, no newline added
    assert (seen["env"]["EXTRA"], seen["env"]["MON_RETVAL"], seen["env"]["MON_CFBASEDIR"]) == ("1", "1", "/c")
    captured = capfd.readouterr()  # ALRT-24: the alert's stdout and stderr are pymon's
    assert "recorded" in captured.out and "to stderr" in captured.err


def test_alert_that_never_reads_stdin_does_not_block(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = script(tmp_path, "a", f"touch {marker}; exit 3\n")

    async def scenario() -> tuple[float, AlertExit]:
        started = time.monotonic()
        process = await start_alert([path], environ(), "x" * (1 << 20))
        returned = time.monotonic() - started
        return returned, await asyncio.wait_for(process.done, 10)

    returned, status = run(scenario())
    assert returned < 2
    assert status == AlertExit(exit_value=3)
    assert marker.exists()


def test_hanging_alert_is_killed_at_its_timeout(tmp_path: Path) -> None:
    pidfile = tmp_path / "grandchild.pid"
    path = script(tmp_path, "a", f"sleep 60 & echo $! > {pidfile}; sleep 60\n")

    async def scenario() -> tuple[float, float, AlertExit, int]:
        started = time.monotonic()
        process = await start_alert([path], environ(), "y" * (1 << 20), timeout=0.5, kill_grace=GRACE)
        returned = time.monotonic() - started
        status = await process.done
        return returned, time.monotonic() - started, status, process.pid

    returned, finished, status, pid = run(scenario())
    assert returned < 0.5 <= finished < 5
    assert status == AlertExit(exit_value=0, signal=signal.SIGTERM, timed_out=True)
    assert gone(pid)
    wait_until(lambda: gone(int(pidfile.read_text())), what="the grandchild to die")


def test_alert_exec_failure_raises(tmp_path: Path) -> None:
    with pytest.raises(ExecError) as caught:
        run(start_alert([str(tmp_path / "missing.alert"), "-s", "svc"], environ(), "out"))
    assert caught.value.strerror == "No such file or directory"
    assert "missing.alert" in str(caught.value)
    with pytest.raises(ExecError) as caught:
        run(start_alert([not_executable(tmp_path)], environ(), "out"))
    assert caught.value.strerror == "Permission denied"
    with pytest.raises(ExecError):
        run(start_alert([], environ(), "out"))


def test_alert_without_shebang_runs_under_sh(tmp_path: Path) -> None:
    out = tmp_path / "out"
    path = script(tmp_path, "a", f'cat > {out}; echo "$1" >> {out}\n', interpreter=None)

    async def scenario() -> AlertExit:
        return await (await start_alert([path, "-s"], environ(), "in\n")).done

    assert run(scenario()) == AlertExit(exit_value=0)
    assert out.read_text() == "in\n-s\n"


def test_a_reaped_monitor_leaves_the_exit_watch_even_while_a_child_holds_its_pidfd() -> None:
    # A child being started holds a copy of every descriptor until its exec closes
    # them; a pidfd closed meanwhile must not stay in the epoll set, where it would
    # be readable for good and spin the event loop. (A readable pipe stands in for
    # the pidfd of a monitor that has exited.)
    from pymon.engine.runner import _exits

    async def scenario() -> list[tuple[int, int]]:
        exits = _exits(asyncio.get_running_loop())
        ready, write = os.pipe()
        os.write(write, b"x")
        copy = os.dup(ready)  # what a starting child holds
        exits.watch(ready, lambda: None)
        exits.forget(ready)
        os.close(ready)
        try:
            return exits.epoll.poll(0)
        finally:
            os.close(copy)
            os.close(write)

    assert run(scenario()) == []


def test_an_exit_is_handled_at_once_and_exits_just_after_it_at_the_next_tick_together() -> None:
    # A quiet daemon handles an exit as it comes; exits that come right after are
    # collected at the next tick (tick.py), in one wake-up. (Readable pipes stand
    # in for the pidfds of monitors that have exited.)
    from pymon.engine.runner import _exits
    from pymon.engine.tick import tick_after

    async def scenario() -> tuple[float, float, dict[str, float]]:
        loop = asyncio.get_running_loop()
        exits = _exits(loop)
        handled: dict[str, float] = {}
        pipes: dict[str, tuple[int, int]] = {name: os.pipe() for name in ("first", "second", "third")}

        def on_exit(name: str) -> None:
            handled[name] = loop.time()
            exits.forget(pipes[name][0])

        for name, (ready, _) in pipes.items():
            exits.watch(ready, functools.partial(on_exit, name))
        await asyncio.sleep(0.02)
        exited = loop.time()
        os.write(pipes["first"][1], b"x")
        while "first" not in handled:
            await asyncio.sleep(0.001)
        os.write(pipes["second"][1], b"x")
        await asyncio.sleep(0.002)
        os.write(pipes["third"][1], b"x")
        while len(handled) < 3:
            await asyncio.sleep(0.001)
        for ready, write in pipes.values():
            os.close(ready)
            os.close(write)
        return exited, tick_after(handled["first"]), handled

    exited, next_tick, handled = run(scenario())
    assert handled["first"] - exited < 0.01  # at once
    assert abs(handled["second"] - handled["third"]) < 0.001  # one wake-up (written 2 ms apart)
    assert next_tick - 0.001 <= handled["second"] < next_tick + 0.02
