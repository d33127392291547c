"""pymon's own monitors in a real daemon: in-process without a fork, and everything else still exec'd.

Also the monitor and alert plugins found through real entry points, the Nagios
plugin contract with monitoring-plugins, and pymon's tcp.monitor under the
real Perl mon.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import textwrap
from pathlib import Path

import pytest

from pymon.escape import un_esc_str

from .harness import Client, free_port, wait_for

REPO = Path(__file__).resolve().parents[2]
MONITORS = REPO / "monitors"
DEBIAN = Path("/usr/lib/mon/mon.d")
NAGIOS = Path("/usr/lib/nagios/plugins")


def status(d, service: str, group: str = "g") -> dict[str, str]:
    """The opstatus fields of GROUP/SERVICE once it has a result, last_summary and last_detail decoded."""

    def probe() -> dict[str, str] | None:
        fields = d.opstatus()[group, service]
        return fields if fields["exitval"] != "undef" else None

    fields = wait_for(f"a result of {service}", probe)
    return {**fields, "last_summary": un_esc_str(fields["last_summary"]) or "",
            "last_detail": un_esc_str(fields["last_detail"]) or ""}  # fmt: skip


def output_of(program: Path, *args: str) -> tuple[str, str, int]:
    """(summary, detail, exit status) of a monitor run as mon runs it: stderr merged into stdout."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([str(program), *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=30, env=env)  # fmt: skip
    summary, _, detail = done.stdout.partition("\n")
    return summary, detail, done.returncode


def children(pid: int) -> list[str]:
    """The daemon's child processes (every thread's)."""
    found: list[str] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += (task / "children").read_text().split()
    return found


def test_tcp_monitor_runs_in_process_with_debian_tcp_monitors_result(
    daemon, listener, refused_port, black_hole
):
    """No fork: while a connect hangs, the daemon has no child and `list pids` names no monitor."""
    if not (DEBIAN / "tcp.monitor").exists():
        pytest.skip("Debian's mon is not installed")
    d = daemon(
        textwrap.dedent(f"""\
        hostgroup g 127.0.0.1 localhost

        watch g
            service open
                interval 0.3s
                monitor tcp.monitor -p {listener}
            service refused
                interval 0.3s
                monitor tcp.monitor -p {refused_port} -t 3
            service hole
                interval 0.3s
                monitor tcp.monitor -t 2 -p {black_hole}
        """),
        "-s", str(MONITORS),
    )  # fmt: skip
    running = wait_for("hole's run", lambda: d.opstatus()["g", "hole"]["monitor_running"] == "1")
    assert running
    assert children(d.proc.pid) == []
    assert [line for line in d.cmd("list pids")[:-1] if not line.startswith("server ")] == []
    for service, args in (("open", ["-p", str(listener)]), ("refused", ["-p", str(refused_port), "-t", "3"]),
                          ("hole", ["-t", "2", "-p", str(black_hole)])):  # fmt: skip
        fields = status(d, service)
        summary, detail, exit_status = output_of(DEBIAN / "tcp.monitor", *args, "127.0.0.1", "localhost")
        assert (fields["last_summary"], fields["last_detail"], fields["exitval"]) == (
            summary, detail, str(exit_status)), service  # fmt: skip
    assert status(d, "refused")["opstatus"] == "0" and status(d, "open")["opstatus"] == "1"
    assert status(d, "hole")["last_detail"] == "\n127.0.0.1 timeout\nlocalhost timeout\n"


def test_a_users_own_script_of_the_same_name_wins_and_is_execed(daemon, tmp_path, listener):
    own = tmp_path / "own"
    own.mkdir()
    (own / "tcp.monitor").write_text('#!/bin/sh\necho "my own $*"; exit 4\n')
    (own / "tcp.monitor").chmod(0o755)
    d = daemon(
        f"hostgroup g 127.0.0.1\n\nwatch g\n    service s\n        interval 0.3s\n"
        f"        monitor tcp.monitor -p {listener}\n",
        "-s", f"{own}:{MONITORS}",
    )  # fmt: skip
    fields = status(d, "s")
    assert (fields["last_summary"], fields["exitval"]) == (f"my own -p {listener} 127.0.0.1", "4")


def test_debian_tcp_and_fping_monitors_still_run_execed(daemon, refused_port):
    if not (DEBIAN / "fping.monitor").exists() or shutil.which("fping") is None:
        pytest.skip("Debian's mon or fping is not installed")
    d = daemon(
        textwrap.dedent(f"""\
        hostgroup g 127.0.0.1

        watch g
            service tcp
                interval 0.3s
                monitor tcp.monitor -p {refused_port}
            service ping
                interval 0.3s
                monitor fping.monitor
        """),
        "-s", str(DEBIAN),
    )  # fmt: skip
    fields = status(d, "tcp")
    assert (fields["last_summary"], fields["exitval"]) == ("127.0.0.1", "1")
    assert fields["last_detail"] == "\n127.0.0.1 could not connect: Connection refused\n"
    ping = status(d, "ping")
    assert ping["exitval"] == "0" and "127.0.0.1" in ping["last_detail"]
    assert d.syslogged(3, "could not exec") == []


NAGIOS_CONFIG = """\
hostgroup g 127.0.0.1

watch g
    service ok
        interval 0.3s
        monitor check_tcp -H 127.0.0.1 -p {listener} ;;
    service critical
        interval 0.3s
        monitor check_tcp -H 127.0.0.1 -p {refused_port} ;;
    service warning
        interval 0.3s
        monitor check_dummy 1 "warn text|a=1;2;3"
    service unknown
        interval 0.3s
        monitor check_silent ;;
"""


def test_nagios_plugins_run_unchanged(daemon, tmp_path, listener, refused_port):
    if not (NAGIOS / "check_tcp").exists():
        pytest.skip("monitoring-plugins-basic is not installed")
    own = tmp_path / "own"
    own.mkdir()
    # a plugin whose UNKNOWN output does not say so, with performance data in its long text
    script = 'echo "no idea | x=1"\necho "long text | y=2"\necho "z=3"\nexit 3\n'
    (own / "check_silent").write_text("#!/bin/sh\n" + script)
    (own / "check_silent").chmod(0o755)
    d = daemon(NAGIOS_CONFIG.format(listener=listener, refused_port=refused_port), "-s", f"{own}:{NAGIOS}")
    ok = status(d, "ok")
    assert ok["opstatus"] == "1" and ok["exitval"] == "0"
    assert ok["last_summary"].startswith("TCP OK - ") and "|" not in ok["last_summary"]
    critical = status(d, "critical")
    assert critical["opstatus"] == "0" and critical["exitval"] == "2"
    assert "Connection refused" in critical["last_summary"]
    warning = status(d, "warning")  # check_dummy gets the host appended: it ignores extra arguments
    assert (warning["opstatus"], warning["exitval"]) == ("0", "1")
    assert warning["last_summary"] == "WARNING: warn text"
    unknown = status(d, "unknown")
    assert (unknown["opstatus"], unknown["exitval"]) == ("0", "3")
    assert (unknown["last_summary"], unknown["last_detail"]) == ("UNKNOWN: no idea", "long text\n")


PLUGIN = '''\
"""A third-party pymon plugin: monitors and an alert registered by entry points."""
import asyncio
import json
import os

from pymon.monitors import Check


async def hello(argv, env):
    """Fails for every host named `down`."""
    down = [host for host in argv if host == "down"]
    if down:
        return Check(1, " ".join(down), "they are down\\n")
    return Check(0, "all up " + " ".join(argv) + " in " + env["MON_GROUP"], "pid " + str(os.getpid()))


async def boom(argv, env):
    raise RuntimeError("kaput")


async def hang(argv, env):
    await asyncio.sleep(3600)


async def bad(call):
    raise RuntimeError("no pager")


async def note(call):
    with open(call.env["T_OUT"], "a") as out:
        fields = {name: getattr(call, name) for name in ("service", "group", "hosts", "time", "flag", "args",
                                                           "argv", "stdin")}
        fields["alerttype"] = call.env.get("MON_ALERTTYPE")
        out.write(json.dumps(fields) + "\\n")
'''

ENTRY_POINTS = """\
[pymon.monitors]
hello.monitor = pymon_demo:hello
boom.monitor = pymon_demo:boom
hang.monitor = pymon_demo:hang

[pymon.alerts]
note.alert = pymon_demo:note
bad.alert = pymon_demo:bad
"""


def install_plugin(tmp_path: Path) -> Path:
    """The plugin as an installer leaves it: the module, and its .dist-info with entry_points.txt."""
    site = tmp_path / "site"
    info = site / "pymon_demo-1.0.dist-info"
    info.mkdir(parents=True)
    (site / "pymon_demo.py").write_text(PLUGIN)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: pymon-demo\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(ENTRY_POINTS)
    (info / "top_level.txt").write_text("pymon_demo\n")
    return site


PLUGIN_CONFIG = """\
hostgroup g 127.0.0.1 down

watch g
    service hello
        interval 0.3s
        T_OUT={out}
        monitor hello.monitor -x
        period p: wd {{Sun-Sat}}
            alert note.alert extra "two words"
            alert bad.alert
            upalert note.alert
    service boom
        interval 0.3s
        monitor boom.monitor
    service hang
        interval 0.3s
        monitor_timeout 1s
        monitor hang.monitor
"""


def test_entry_point_plugins_run_in_process(daemon, tmp_path, monkeypatch):
    site = install_plugin(tmp_path)
    assert list(site.glob("pymon_demo-1.0.dist-info/entry_points.txt"))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]))
    out = tmp_path / "alerts.jsonl"
    d = daemon(PLUGIN_CONFIG.format(out=out))
    hello = status(d, "hello")
    assert (hello["exitval"], hello["last_summary"], hello["last_detail"]) == ("1", "down", "they are down\n")
    # the alert plugin got what an alert program gets, parsed
    alert = wait_for("the plugin alert", lambda: out.exists() and json.loads(out.read_text().splitlines()[0]))
    assert (alert["service"], alert["group"], alert["flag"]) == ("hello", "g", None)
    assert alert["hosts"] == ["127.0.0.1", "down"]
    assert alert["args"] == ["extra", "two words"] and alert["alerttype"] == "failure"
    assert alert["argv"] == ["-s", "hello", "-g", "g", "-h", "127.0.0.1 down", "-t", str(alert["time"]),
                             "extra", "two words"]  # fmt: skip
    assert alert["stdin"] == "down\nthey are down\n"
    failed = "alert bad.alert for g/hello failed: RuntimeError('no pager')"
    wait_for("the failing alert's log", lambda: d.syslogged(5, failed))
    boom = status(d, "boom")
    assert (boom["opstatus"], boom["exitval"]) == ("0", "1")
    assert boom["last_summary"] == "monitor boom.monitor raised RuntimeError: kaput"
    assert d.syslogged(3, "built-in monitor boom.monitor raised RuntimeError: kaput")
    running = wait_for("hang to run", lambda: d.opstatus()["g", "hang"]["monitor_running"] == "1")
    assert running and children(d.proc.pid) == []
    hang = status(d, "hang")
    assert (hang["opstatus"], hang["exitval"]) == ("0", "1")
    assert hang["last_summary"] == "monitor timed out after 1s"
    # the daemon serves on, and the plugin names were not reported missing at start
    assert d.cmd("list pids")[-1] == "220 list pids completed"
    assert d.syslogged(3, "not found in one of") == []


def test_a_file_on_the_search_path_wins_over_a_plugin(daemon, tmp_path, monkeypatch):
    site = install_plugin(tmp_path)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]))
    own = tmp_path / "own"
    own.mkdir()
    (own / "hello.monitor").write_text('#!/bin/sh\necho "the file $*"\n')
    (own / "hello.monitor").chmod(0o755)
    d = daemon("hostgroup g 127.0.0.1 down\n\nwatch g\n    service s\n        interval 0.3s\n"
               "        monitor hello.monitor\n", "-s", str(own))  # fmt: skip
    fields = status(d, "s")
    assert (fields["exitval"], fields["last_summary"]) == ("0", "the file 127.0.0.1 down")


MON = Path("/usr/sbin/mon")


def test_pymons_tcp_monitor_executable_under_the_real_mon(tmp_path, listener, refused_port):
    """The executable speaks mon's monitor interface: the real Perl mon runs it and records its result."""
    if not os.access(MON, os.X_OK) or not (DEBIAN / "tcp.monitor").exists():
        pytest.skip("the real mon is not installed")
    for name in ("etc", "log.d", "state.d", "alert.d"):
        (tmp_path / name).mkdir()
    (tmp_path / "etc" / "mon.cf").write_text(textwrap.dedent(f"""\
        serverbind = 127.0.0.1
        trapbind = 127.0.0.1
        randstart = 0s

        hostgroup g 127.0.0.1 localhost

        watch g
            service open
                interval 1s
                monitor tcp.monitor -p {listener}
            service refused
                interval 1s
                monitor tcp.monitor -p {refused_port}
        """))  # fmt: skip
    (tmp_path / "etc" / "auth.cf").write_text("command section\nlist: all\n")
    port, trapport = free_port(), free_port(socket.SOCK_DGRAM)
    argv = [
        str(MON), "-c", str(tmp_path / "etc" / "mon.cf"), "-p", str(port), "-t", str(trapport),
        "-L", str(tmp_path / "log.d"), "-D", str(tmp_path / "state.d"), "-P", str(tmp_path / "mon.pid"),
        "-s", str(MONITORS), "-a", str(tmp_path / "alert.d"), "-b", str(tmp_path),
        "-B", str(tmp_path / "etc"), "-A", str(tmp_path / "etc" / "auth.cf"),
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("MON_")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
    with open(tmp_path / "mon.out", "wb") as out:
        mon = subprocess.Popen(argv, cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                               start_new_session=True)  # fmt: skip
    try:
        def opstatus() -> dict[str, dict[str, str]] | None:
            if mon.poll() is not None:
                raise AssertionError(f"mon exited: {(tmp_path / 'mon.out').read_text()}")
            try:
                client = Client(port)
            except OSError:
                return None
            try:
                lines = client.cmd("list opstatus")[:-1]
            finally:
                client.close()
            found = {}
            for line in lines:
                fields = dict(f.split("=", 1) for f in line.split(" "))
                found[fields["service"]] = fields
            done = all(found.get(s, {}).get("exitval", "undef") != "undef" for s in ("open", "refused"))
            return found if done else None

        found = wait_for("mon to run both monitors", opstatus, timeout=30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(mon.pid, signal.SIGKILL)
        mon.wait()
    for service, port_ in (("open", listener), ("refused", refused_port)):
        args = ("-p", str(port_), "127.0.0.1", "localhost")
        summary, detail, exit_status = output_of(DEBIAN / "tcp.monitor", *args)
        fields = found[service]
        assert (un_esc_str(fields["last_summary"]), un_esc_str(fields["last_detail"]), fields["exitval"]) == (
            summary, detail, str(exit_status))  # fmt: skip
    assert found["refused"]["exitval"] == "1" and found["open"]["exitval"] == "0"


def doc_block(language: str, first_line: str = "") -> str:
    """The first ```LANGUAGE block of docs/writing-plugins.md that starts with `first_line`."""
    text = (REPO / "docs" / "writing-plugins.md").read_text()
    for block in text.split(f"```{language}\n")[1:]:
        body = block.split("```", 1)[0]
        if body.startswith(first_line):
            return body
    raise AssertionError(f"no {language} block starting {first_line!r}")


def test_the_examples_of_writing_plugins_work(daemon, tmp_path, monkeypatch, listener, refused_port):
    """The shell monitor and the Python entry-point monitor of docs/writing-plugins.md, as written there."""
    own = tmp_path / "own"
    own.mkdir()
    (own / "files.monitor").write_text(doc_block("sh"))
    (own / "files.monitor").chmod(0o755)
    site = tmp_path / "site"
    info = site / "mymonitors-1.0.dist-info"
    info.mkdir(parents=True)
    (site / "mymonitors.py").write_text(doc_block("python", "# mymonitors.py"))
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: mymonitors\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(doc_block("ini", "[pymon.monitors]"))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]))
    present = tmp_path / "present"
    present.write_text("")
    d = daemon(
        textwrap.dedent(f"""\
        hostgroup files {present} {tmp_path}/absent
        hostgroup g 127.0.0.1

        watch files
            service present
                interval 0.3s
                monitor files.monitor

        watch g
            service open
                interval 0.3s
                monitor port.monitor {listener}
            service closed
                interval 0.3s
                monitor port.monitor {refused_port}
        """),
        "-s", str(own),
    )  # fmt: skip
    fields = status(d, "present", "files")
    assert (fields["exitval"], fields["last_summary"]) == ("1", f"missing: {tmp_path}/absent")
    assert fields["last_detail"] == "checked for files/present\n"
    assert status(d, "open")["last_summary"] == f"port {listener} open on 127.0.0.1"
    closed = status(d, "closed")
    assert (closed["exitval"], closed["last_summary"]) == ("1", "127.0.0.1")
    assert "127.0.0.1: " in closed["last_detail"]


def test_a_plugin_that_cannot_load_is_logged_and_its_service_finds_no_monitor(daemon, tmp_path, monkeypatch):
    site = tmp_path / "site"
    info = site / "broken-1.0.dist-info"
    info.mkdir(parents=True)
    (site / "broken_plugin.py").write_text("def check(argv, env:\n")
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[pymon.monitors]\nbroken.monitor = broken_plugin:check\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]))
    d = daemon("hostgroup g 127.0.0.1\n\nwatch g\n    service s\n        interval 0.3s\n"
               "        monitor broken.monitor\n")  # fmt: skip
    wait_for("the load error", lambda: d.syslogged(3, "could not load pymon.monitors plugin broken.monitor"))
    missing = "no monitor found while trying to run [broken.monitor]"
    wait_for("the missing monitor", lambda: d.syslogged(3, missing))
    assert d.cmd("list pids")[-1] == "220 list pids completed"
