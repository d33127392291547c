"""pymoncmd, pymonshow and pymon.client against the real mon and against pymon with the same mon.cf.

* pymoncmd prints exactly what moncmd prints, with the same exit status,
  for the same commands against the same server (mon and pymon);
* pymonshow prints what monshow prints, the clock-dependent columns masked;
* pymon.client reads the same answers from mon and from pymon.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pymon.client import MonClient, MonCommandError, OpStatus

from . import servers

KINDS = ["mon", "pymon"]
CONFIG = """\
histlength = 100

hostgroup web h1 h2
hostgroup db d1
hostgroup idle i1

alias overview
Overview of things
service web-up
watch web service http items h1
url http://example/

view ops web

watch web
    service http
        description the web "server" with a description long enough to be wrapped by Text::Wrap at seventy
        interval 1h
        monitor say.monitor 0 all_fine
        period wd {Sun-Sat}
            alert note.alert
    service down
        description always failing
        interval 1h
        monitor say.monitor 1 h1_is_down
        period wd {Sun-Sat}
            alert note.alert

watch db
    service ping
        interval 1h
        depend web:http
        monitor say.monitor 1 db_down
        period wd {Sun-Sat}
            alert note.alert

watch idle
    service never
        interval 1h
        monitor say.monitor 0 idle
"""
CHECKED = (("web", "http"), ("web", "down"), ("db", "ping"))
MONCMD = shutil.which("moncmd") or "/usr/bin/moncmd"
MONSHOW = shutil.which("monshow") or "/usr/bin/monshow"


def settle(server: servers.Server) -> None:
    """Run the monitors of CHECKED once (`test monitor`) and wait for their results and alerts."""
    with MonClient("127.0.0.1", server.port) as client:
        for group, service in CHECKED:
            client.test_monitor(group, service)
        deadline = time.monotonic() + 20
        while True:
            status = client.list_opstatus()
            done = [status[key].exitval is not None and not status[key].monitor_running for key in CHECKED]
            if all(done) and len(client.list_alerthist()) >= 2:
                return
            assert time.monotonic() < deadline, f"monitors did not finish on {server.kind}: {status}"
            time.sleep(0.1)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory):
    """The real mon and pymon on CONFIG, with the same monitors run once each; read-only for the tests."""
    if not servers.available("mon"):
        pytest.skip("the real mon (/usr/sbin/mon) is not installed")
    started = {kind: servers.start(kind, tmp_path_factory.mktemp(kind), CONFIG) for kind in KINDS}
    try:
        for server in started.values():
            settle(server)
        yield started
    finally:
        for server in started.values():
            server.stop()


def run(argv: list[str], stdin: str = "", home: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MONHOST", "HOME")}
    env["HOME"] = str(home) if home else "/nonexistent"
    return subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=60, env=env)


def pymoncmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "pymon.client.moncmd", *args]


def pymonshow(*args: str) -> list[str]:
    return [sys.executable, "-m", "pymon.client.monshow", *args]


# ---------------------------------------------------------------------------
# pymoncmd == moncmd
# ---------------------------------------------------------------------------
SINGLE = [
    "version", "list watch", "list group web", "list group nosuch", "list descriptions", "list deps",
    "list views", "list aliases", "list aliasgroups", "list disabled", "getview", "get maxkeep",
    "get web http description", "get web nosuch x", "protid 9745", "protid 1", "list nonsense",
    "bogus command", "checkauth list", "test config", "list failures", "list successes",
    "list opstatus web,down", "list failurehist", "list alerthist", "list pids",
]  # fmt: skip


def clockless(text: str) -> str:
    """moncmd output with the opstatus fields that count seconds masked (the two runs are apart)."""
    return re.sub(r"\b(timer|failure_duration)=\d+", r"\1=T", text)


@pytest.mark.parametrize("kind", KINDS)
def test_pymoncmd_prints_what_moncmd_prints(pair, kind: str) -> None:
    port = str(pair[kind].port)
    for command in ("version", "list group web", "list opstatus web,down", "bogus command"):
        words = command.split()
        theirs = run([MONCMD, "-s", "127.0.0.1", "-p", port, *words])
        mine = run(pymoncmd("-s", "127.0.0.1", "-p", port, *words))
        assert (clockless(mine.stdout), mine.stderr, mine.returncode) == (
            clockless(theirs.stdout), theirs.stderr, theirs.returncode,
        ), command  # fmt: skip
    batch = "".join(f"{command}\n" for command in SINGLE)
    theirs = run([MONCMD, "-s", "127.0.0.1", "-p", port], batch)
    mine = run(pymoncmd("-s", "127.0.0.1", "-p", port), batch)
    assert (clockless(mine.stdout), mine.stderr, mine.returncode) == (
        clockless(theirs.stdout), theirs.stderr, theirs.returncode,
    )  # fmt: skip
    assert mine.stdout.count("\n220 ") + mine.stdout.startswith("220 ") >= len(SINGLE) - 8


@pytest.mark.parametrize("kind", KINDS)
def test_pymoncmd_batch_mode_from_stdin_and_from_a_file(pair, kind: str, tmp_path: Path) -> None:
    port = str(pair[kind].port)
    batch = "list watch\n\nversion\nlist group db\nlist state\n"
    (tmp_path / "cmds").write_text(batch)
    for args, stdin in ((["-f", str(tmp_path / "cmds")], ""), (["-f", "-"], batch), ([], batch)):
        theirs = run([MONCMD, "-s", "127.0.0.1", "-p", port, *args], stdin)
        mine = run(pymoncmd("-s", "127.0.0.1", "-p", port, *args), stdin)
        assert (mine.stdout, mine.returncode) == (theirs.stdout, theirs.returncode), args
    assert "\n\n\nversion 9745\n" in mine.stdout  # a blank command line prints two empty lines


def test_pymoncmd_stops_after_the_server_closes(pair) -> None:
    """moncmd dies of SIGPIPE when a batch goes on after `quit`, and loses its output (compatibility.md)."""
    port = str(pair["mon"].port)
    batch = "version\nquit\nversion\n"
    mine = run(pymoncmd("-s", "127.0.0.1", "-p", port), batch)
    assert (mine.stdout, mine.returncode) == ("version 9745\n220 version completed\n220 quitting\n", 0)
    theirs = run([MONCMD, "-s", "127.0.0.1", "-p", port], batch)
    assert (theirs.stdout, theirs.returncode) == ("", -13)


def test_pymonshow_details_and_monhost(pair, tmp_path: Path) -> None:
    """depend: and monitor: show the service's values; $MONHOST names the server (compatibility.md)."""
    (tmp_path / "rc").write_text("")
    port = str(pair["mon"].port)
    mine = run(
        pymonshow("--port", port, "--rcfile", str(tmp_path / "rc"), "--detail", "db,ping"), home=tmp_path
    )
    assert "    depend: web:http\n   monitor: say.monitor 1 db_down\n" in mine.stdout
    env = {**os.environ, "MONHOST": "127.0.0.1", "HOME": str(tmp_path)}
    argv = pymonshow("--port", port, "--rcfile", str(tmp_path / "rc"))
    shown = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60)
    assert "     server: 127.0.0.1\n" in shown.stdout and "FAIL" in shown.stdout


def test_pymonshow_logs_in_as_monshow_does(start_server, tmp_path: Path) -> None:
    """--auth with user= and pass= lines on stdin; `-full` as Getopt::Long reads it."""
    (tmp_path / "rc").write_text("")
    auth = servers.AUTH_ALL.replace("list: all", "list: bob")
    for kind in KINDS:
        server = start_server(kind, "authtype = trustlocal\n\n" + CONFIG, auth=auth)
        common = [
            "--port",
            str(server.port),
            "--server",
            "127.0.0.1",
            "--rcfile",
            str(tmp_path / "rc"),
            "-full",
        ]
        for stdin in ("user=bob\npass=secret\n", "user=eve\npass=secret\n"):
            theirs = run([MONSHOW, "--auth", *common], stdin, home=tmp_path)
            mine = run(pymonshow("--auth", *common), stdin, home=tmp_path)
            assert mine.returncode == theirs.returncode, (kind, stdin, mine.stdout, theirs.stdout)
            assert masked(mine.stdout) == masked(theirs.stdout), (kind, stdin)
        assert mine.stdout.startswith("Error: could not get disabled: 520 command could not be executed")


def test_pymoncmd_refused_login_as_moncmd(start_server, tmp_path: Path) -> None:
    hashed = subprocess.run(["perl", "-e", "print crypt('pw', 'ab')"], capture_output=True, text=True).stdout
    (tmp_path / "users").write_text(f"bob: {hashed}\n")
    server = start_server("mon", f"authtype = userfile\nuserfile = {tmp_path / 'users'}\n\n" + CONFIG)
    args = ["-a", "-l", "bob", "-s", "127.0.0.1", "-p", str(server.port)]
    theirs = run([MONCMD, *args], "PASS=bad\nversion\n")
    mine = run(pymoncmd(*args), "PASS=bad\nversion\n")
    assert (mine.stdout, mine.stderr, mine.returncode) == (theirs.stdout, theirs.stderr, theirs.returncode)
    assert mine.stderr == "Could not authenticate\n"


def test_pymoncmd_exit_status_and_errors_match_moncmd(tmp_path: Path) -> None:
    if not os.access(MONCMD, os.X_OK):
        pytest.skip("moncmd is not installed")
    closed = str(servers.free_port())
    cases = [
        ["-s", "127.0.0.1", "-p", closed, "version"],  # refused: errno 111
        ["-s", "nosuch.invalid", "-p", closed, "version"],  # no such host: 255
        ["-a", "-l", "me", "-s", "127.0.0.1", "-p", closed, "version"],  # no password: 25
        ["-f", str(tmp_path / "missing"), "-s", "127.0.0.1", "-p", closed],  # errno 2
    ]
    for args in cases:
        theirs = run([MONCMD, *args])
        mine = run(pymoncmd(*args))
        assert (mine.stdout, mine.stderr, mine.returncode) == (
            theirs.stdout,
            theirs.stderr,
            theirs.returncode,
        ), args


def test_pymoncmd_logs_in_with_user_and_pass_on_stdin(start_server) -> None:
    """USER=/PASS= lines, then commands; unlike moncmd's, the first command is not lost (compatibility.md)."""
    for kind in KINDS:
        server = start_server(
            kind,
            "authtype = trustlocal\n\n" + CONFIG,
            auth=servers.AUTH_ALL.replace("list: all", "list: bob"),
        )
        port = str(server.port)
        stdin = "USER=bob\nPASS=secret\nlist group db\nversion\n"
        mine = run(pymoncmd("-a", "-s", "127.0.0.1", "-p", port), stdin)
        if kind == "pymon" and (mine.returncode or "520" in mine.stdout):
            pytest.skip("pymon does not have login with authtype trustlocal (AUTH-05, AUTH-10) yet")
        assert (
            mine.stdout == "hostgroup db d1\n220 list group completed\nversion 9745\n220 version completed\n"
        ), mine
        theirs = run([MONCMD, "-a", "-s", "127.0.0.1", "-p", port], stdin)
        assert theirs.stdout == "version 9745\n220 version completed\n"  # moncmd skips `list group db`
        # ... and logs in as the effective user, not USER=bob: `list` is bob's only
        theirs = run(
            [MONCMD, "-a", "-s", "127.0.0.1", "-p", port], "USER=bob\nPASS=x\nversion\nlist group db\n"
        )
        assert theirs.stdout == "520 command could not be executed, unknown command\n"
        unauthenticated = run(pymoncmd("-s", "127.0.0.1", "-p", port, "list", "group", "db"))
        assert unauthenticated.stdout == "520 command could not be executed, unknown command\n"


# ---------------------------------------------------------------------------
# pymonshow == monshow
# ---------------------------------------------------------------------------
ROW = re.compile(r"^([RD]) (.{15}) (.{12}) (.{10})  (.{8})   (.{10}) (.*)$")


def masked(text: str) -> list[str]:
    """The report's lines, sorted, with what depends on the clock (and pymonshow's deviations) masked."""
    lines = []
    for line in text.split("\n"):
        line = re.sub(r"^       time: .*", "       time: T", line)
        line = re.sub(r"^last check: .*", "last check: T", line)
        line = re.sub(r"^next_check: .*", "next_check: T", line)
        line = re.sub(r"^(    depend|   monitor): .*", r"\1: masked", line)  # monshow leaves these empty
        if m := ROW.match(line):  # LAST (unless `untested`) and NEXT count seconds
            last = m.group(5) if m.group(5).strip() == "untested" else "T"
            line = line[: m.start(5)] + last + line[m.end(5) : m.start(6)] + "T" + line[m.end(6) :]
        lines.append(line)
    return sorted(lines)


RC_FILES = {
    "empty": "",
    "full": "set full\nset show-disabled\n",
    "some": "watch web\nservice db ping\n",
    "allok": "service web http\nset summary-len 5\n",
}
SHOW_ARGS = [
    ("empty", []), ("full", []), ("empty", ["--full"]), ("some", []), ("allok", []), ("some", ["--showall"]),
    ("empty", ["--watch", "db"]), ("empty", ["--detail", "web,down"]), ("empty", ["--detail", "web,http"]),
    ("empty", ["--detail", "db,ping"]), ("empty", ["--detail", "web,nosuch"]), ("empty", ["--disabled"]),
]  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
def test_pymonshow_prints_what_monshow_prints(pair, kind: str, tmp_path: Path) -> None:
    if not os.access(MONSHOW, os.X_OK):
        pytest.skip("monshow is not installed")
    port = str(pair[kind].port)
    for name, text in RC_FILES.items():
        (tmp_path / name).write_text(text)
    for rc, args in SHOW_ARGS:
        common = ["--server", "127.0.0.1", "--port", port, "--rcfile", str(tmp_path / rc), *args]
        theirs = run([MONSHOW, *common], home=tmp_path)
        mine = run(pymonshow(*common), home=tmp_path)
        assert mine.returncode == theirs.returncode, (rc, args, mine.stderr)
        assert masked(mine.stdout) == masked(theirs.stdout), (rc, args)


def test_pymonshow_hides_disabled_services_and_watches(start_server, tmp_path: Path) -> None:
    """monshow's test for a disabled service looks in the wrong place (docs/compatibility.md)."""
    server = start_server("mon", CONFIG)
    settle(server)
    with MonClient("127.0.0.1", server.port) as client:
        client.disable_service("web", "down")
        client.disable_watch("db")
    (tmp_path / "rc").write_text("")
    common = ["--server", "127.0.0.1", "--port", str(server.port), "--rcfile", str(tmp_path / "rc")]
    mine = run(pymonshow(*common)).stdout
    theirs = run([MONSHOW, *common]).stdout
    assert "All systems OK" in mine
    assert "web             down" in theirs and "db" not in theirs.split("SUMMARY")[1]


# ---------------------------------------------------------------------------
# pymon.client reads the same from both
# ---------------------------------------------------------------------------
CLOCK_FIELDS = {
    "timer", "last_check", "last_success", "last_failure", "first_failure", "failure_duration", "last_alert",
    "monitor_duration",
}  # fmt: skip


def steady(status: OpStatus) -> dict[str, str]:
    return {k: v for k, v in status.fields.items() if k not in CLOCK_FIELDS}


def snapshot(server: servers.Server) -> dict[str, object]:
    with MonClient("127.0.0.1", server.port) as c:
        opstatus = c.list_opstatus()
        found: dict[str, object] = {
            "version": c.version(),
            "watch": sorted(c.list_watch()),  # mon's order is Perl's hash order
            "group": c.list_group("web"),
            "descriptions": c.list_descriptions(),
            "deps": c.list_deps(),
            "opstatus": {k: steady(v) for k, v in opstatus.items()},
            "one": {k: steady(v) for k, v in c.list_opstatus(("web", "down"), "db").items()},
            "failures": sorted(c.list_failures()),
            "successes": sorted(c.list_successes()),
            "disabled": c.list_disabled(),
            "alerthist": sorted(
                (e.type, e.group, e.service, Path(e.alert).name, e.summary) for e in c.list_alerthist()
            ),
            "failurehist": sorted((e.group, e.service, e.summary) for e in c.list_failurehist()),
            "views": c.list_views(),
            "aliases": c.list_aliases(),
            "aliasgroups": c.list_aliasgroups(),
            "getview": c.getview(),
            "maxkeep": c.get_maxkeep(),
            "get": c.get("web", "http", "description"),
            "state": c.list_state(),
            "config": c.test_config().ok,
            "checkauth": c.checkauth("list"),
        }
        c.setview("ops")
        found["in view"] = (c.getview(), sorted(c.list_watch()))
        pids = c.list_pids()
        assert pids.server == server.proc.pid
        assert abs(c.servertime().epoch - time.time()) < 60
        c.quit()
    return found


def test_the_library_reads_the_same_from_mon_and_pymon(pair) -> None:
    mon, pymon = snapshot(pair["mon"]), snapshot(pair["pymon"])
    for key in mon:
        assert pymon[key] == mon[key], key
    assert mon["failures"] == [("db", "ping"), ("web", "down")]
    assert (
        mon["get"] == 'the web "server" with a description long enough to be wrapped by Text::Wrap at seventy'
    )


def changes(server: servers.Server) -> dict[str, object]:
    """Disable, ack and enable through the library; what the server reports after each step."""
    with MonClient("127.0.0.1", server.port) as c:
        c.disable_watch("db")
        c.disable_service("web", "http")
        c.disable_host("h2")
        disabled = c.list_disabled()
        group = c.list_group("web")
        c.enable_watch("db")
        c.enable_service("web", "http")
        c.enable_host("h2")
        c.ack("web", "down", "on it \\ now")
        acked = c.list_opstatus(("web", "down"))["web", "down"]
        after = c.list_disabled()
        errors = []
        for call in (
            # a new name each time: mon's handlers create phantom groups as they look (PROTO-55)
            lambda: c.test_monitor("ghost1", "x"), lambda: c.disable_watch("ghost2"),
            lambda: c.ack("ghost3", "x", "y"), lambda: c.ack("web", "http", "y"),
            lambda: c.setview("ghost4"), lambda: c.list_group("ghost5"),
        ):  # fmt: skip
            try:
                call()
            except MonCommandError as error:
                errors.append(error.status)
            else:
                errors.append("no error")
        return {
            "disabled": disabled, "group": group, "after": after, "ack": (acked.acked, acked.ackcomment),
            "errors": errors, "version": c.version(),  # still in step after the stray 220 of `ack nosuch`
        }  # fmt: skip


def test_changes_through_the_library_read_the_same(start_server) -> None:
    found = {}
    for kind in KINDS:
        server = start_server(kind, CONFIG)
        settle(server)  # ack wants a failing service
        found[kind] = changes(server)
    assert found["pymon"] == found["mon"]
    assert found["mon"]["ack"] == (True, ": on it \\ now")
