"""file.alert, mail.alert, test.alert and echo.alert as real processes, given
mon's exact argv contract (ALRT-25), compared with Debian's originals."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .support import ALERTS, DEBIAN_ALERTS, SmtpSink, debian_mail_alert, headers_and_body, run_alert

needs_debian = pytest.mark.skipif(not (DEBIAN_ALERTS / "file.alert").exists(),
                                  reason="Debian's mon alerts are not installed")

T = "1795611521"
BASE = ["-s", "http", "-g", "web servers", "-h", "www1 www2 www3", "-t", T]
# (extra argv after mon's, stdin, environment) as mon gives them for each event.
EVENTS = {
    "failure": ([], "connection refused\nwww1: refused\nwww2: timeout\n",
                {"MON_ALERTTYPE": "failure", "MON_OPSTATUS": "0", "MON_DESCRIPTION": "the web farm"}),
    "up": (["-u"], "connection refused\nwww1: refused\n", {"MON_ALERTTYPE": "up", "MON_OPSTATUS": "1"}),
    "ack": (["-a"], ": on it", {"MON_ALERTTYPE": "ack"}),
    "disable": (["-D"], "", {"MON_ALERTTYPE": "disable"}),
    "trap": (["-T"], "trap summary\n\ntrap detail", {"MON_ALERTTYPE": "trap", "MON_OPSTATUS": "0"}),
    "traptimeout": (["-O"], "trap timeout\ntrap timeout after 10s at x\n", {"MON_ALERTTYPE": "traptimeout"}),
    "startup": ([], "", {"MON_ALERTTYPE": "startup", "MON_OPSTATUS": "7"}),
    "no summary newline": ([], "only a summary", {}),
}


@needs_debian
@pytest.mark.parametrize("event", list(EVENTS))
def test_file_alert_writes_what_debians_writes(tmp_path: Path, event: str) -> None:
    flag, stdin, env = EVENTS[event]
    for name, program in (("debian", DEBIAN_ALERTS / "file.alert"), ("pymon", ALERTS / "file.alert")):
        done = run_alert(program, [*BASE, *flag, "-d", str(tmp_path), name], stdin, env)
        assert done.returncode == 0, done.stderr
        if program.parent == ALERTS:
            assert done.stderr == ""  # mon's -a/-D flags are known here (Debian's warns "Unknown option")
    assert (tmp_path / "pymon").read_bytes() == (tmp_path / "debian").read_bytes()
    assert (tmp_path / "pymon").read_text().startswith(
        f"{env.get('MON_ALERTTYPE', 'UNKNOWN ALERT')} web servers http {T} (")


@needs_debian
@pytest.mark.parametrize("argv", [
    ["-S", "overridden summary", "-g", "g", "-s", "s"],  # -S, no -t (localtime(undef) = 1970)
    ["-s", "s", "-g", "g", "-t", "1000000000", "-uT", "-l", "600"],  # bundled flags, -l
    [],  # no options, no file name: the file is ./file
])
def test_file_alert_edge_argv(tmp_path: Path, argv: list[str]) -> None:
    for name, program in (("debian", DEBIAN_ALERTS / "file.alert"), ("pymon", ALERTS / "file.alert")):
        (tmp_path / name).mkdir()
        done = run_alert(program, argv, "sum\ndetail\n", {"MON_ALERTTYPE": ""}, cwd=tmp_path / name)
        assert done.returncode == 0, done.stderr
    assert (tmp_path / "pymon" / "file").read_text() == (tmp_path / "debian" / "file").read_text()


def test_file_alert_unwritable_file_is_a_clear_error(tmp_path: Path) -> None:
    done = run_alert(ALERTS / "file.alert", [*BASE, "-d", str(tmp_path / "missing"), "f"], "x\n")
    assert done.returncode != 0
    assert done.stderr == f"could not append to {tmp_path}/missing/f: No such file or directory\n"


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    server = SmtpSink()
    yield server
    server.close()


LONG_HOSTS = " ".join(f"realserver{i:02d}.example.net" for i in range(12))  # wrapped by Text::Wrap


@needs_debian
@pytest.mark.parametrize("event", ["failure", "up", "ack", "trap"])
@pytest.mark.parametrize("hosts", ["www1 www2 www3", LONG_HOSTS])
def test_mail_alert_sends_debians_message(tmp_path: Path, sink: SmtpSink, event: str, hosts: str) -> None:
    flag, stdin, env = EVENTS[event]
    argv = ["-s", "http", "-g", "web", "-h", hosts, "-t", T, *flag, "-f", "mon@example.org",
            "ops@example.org", "pager@example.org"]
    debian = debian_mail_alert(tmp_path, sink.port)
    done = run_alert(debian, argv, stdin, env)
    assert done.returncode == 0, done.stderr
    done = run_alert(ALERTS / "mail.alert", ["-m", f"127.0.0.1:{sink.port}", *argv], stdin, env)
    assert (done.returncode, done.stderr) == (0, "")
    theirs, ours = sink.messages
    assert ours.sender == theirs.sender == "mon@example.org"
    assert ours.recipients == theirs.recipients == ("ops@example.org", "pager@example.org")
    their_head, their_body = headers_and_body(theirs.data)
    our_head, our_body = headers_and_body(ours.data)
    assert our_body == their_body  # Group/Service/.../Members (Text::Wrap) and the detail, byte for byte
    for field in ("To", "Subject"):
        assert our_head[field] == their_head[field]
    assert our_head["X-Mailer"].endswith("mail.alert") and their_head["X-Mailer"].endswith("mail.alert")
    # What sendmail would add, pymon adds itself.
    assert our_head["From"] == "mon@example.org" and "Date" in our_head and "Message-ID" in our_head
    kind = "UPALERT" if event == "up" else "ALERT"
    assert our_head["Subject"].startswith(f"{kind} web/http: {stdin.splitlines()[0]} (")


def test_mail_alert_server_from_environment(sink: SmtpSink) -> None:
    done = run_alert(ALERTS / "mail.alert", [*BASE, "root@localhost"], "down\n",
                     {"MON_SMTP_SERVER": f"127.0.0.1:{sink.port}"})
    assert (done.returncode, done.stderr) == (0, "")
    assert [m.recipients for m in sink.messages] == [("root@localhost",)]


def test_mail_alert_without_a_server_is_a_clear_error() -> None:
    from .support import free_port  # a port nobody listens on
    done = run_alert(ALERTS / "mail.alert", [*BASE, "-m", f"127.0.0.1:{free_port()}", "a@b"], "x\n")
    assert done.returncode == 1
    assert done.stderr.startswith("mail.alert: could not send mail via 127.0.0.1:")
    assert "Traceback" not in done.stderr


def test_mail_alert_without_recipients_is_a_clear_error(sink: SmtpSink) -> None:
    done = run_alert(ALERTS / "mail.alert", [*BASE, "-m", f"127.0.0.1:{sink.port}"], "x\n")
    assert done.returncode == 1 and "no recipient addresses given" in done.stderr
    assert sink.messages == []


def test_test_alert_appends_date_and_argv(tmp_path: Path) -> None:
    before = time.time()
    done = run_alert(ALERTS / "test.alert", [*BASE, "-u", "extra"], "x\n", {"MON_LOGDIR": str(tmp_path)})
    assert (done.returncode, done.stderr) == (0, "")
    line = (tmp_path / "test.alert.log").read_text()
    stamp = time.strftime("%Y", time.localtime(before))
    assert line.endswith(f" {stamp} -s http -g web servers -h www1 www2 www3 -t {T} -u extra\n")
    assert len(line.split(" -s ")[0].split()) == 6  # `date`: Wdy Mon DD HH:MM:SS ZONE YYYY


def test_echo_alert_prints_the_call(tmp_path: Path) -> None:
    done = run_alert(ALERTS / "echo.alert", [*BASE, "-u", "a1", "a 2"], "sum\ndetail\n")
    assert done.returncode == 0
    first, rest = done.stdout.split("\n", 1)
    assert first.endswith(" up web servers/http hosts=www1 www2 www3 a1 a 2")
    assert rest == "sum\ndetail\n"


def test_alerts_run_without_pythonpath(tmp_path: Path) -> None:
    """Under the real mon no PYTHONPATH is set: a script finds the pymon beside it."""
    env = {"PYTHONPATH": "", "HOME": str(tmp_path)}
    done = run_alert(ALERTS / "file.alert", [*BASE, "-d", str(tmp_path), "f"], "x\n", env)
    assert (done.returncode, done.stderr) == (0, "")
    assert os.path.getsize(tmp_path / "f") > 0
