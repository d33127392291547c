"""The command-line flags on the real program (CLI-*).

-c -p -t -L -D -P -s -a -b -B -A are given in every harness run.
"""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from .harness import wait_for

CONFIG = """\
hostgroup g h1

watch g
    service s
        interval 1h
        monitor rec.monitor s
"""


def _pymon(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pymon", *args], capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize(
    ("args", "stdout", "stderr"),
    [
        (["-v"], "mon-1.3.4", ""),  # CLI-23
        (["--help"], "usage: pymon", ""),  # CLI-09
        (["-h"], "-S            start with the scheduler stopped", ""),
        (["-vd"], "usage: pymon", "Unknown option: vd"),  # CLI-24: no bundling, still exit 0
    ],
)
def test_version_help_and_unknown_options_exit_0(args: list[str], stdout: str, stderr: str) -> None:
    done = _pymon(*args)
    assert done.returncode == 0 and stdout in done.stdout and stderr in done.stderr


def test_bad_randstart_refuses_to_start(tmp_path):
    (tmp_path / "mon.cf").write_text(CONFIG)
    done = _pymon("-c", str(tmp_path / "mon.cf"), "-b", str(tmp_path), "-r", "soon")
    assert done.returncode != 0 and "bad randstart value" in done.stderr  # CLI-19


def test_randstart_m4_no_pidfile_and_the_trap_port(daemon):
    """-r: the first runs at random within randstart (int(rand(1)) is 0: at once, not after 1h);
    -M: the config goes through m4; -P '': no pid file; -t: the UDP port is held; -i is accepted."""
    config = "define(`IV', `1h')dnl\n" + CONFIG.replace("interval 1h", "interval IV")
    d = daemon(config, "-r", "1s", "-M", "m4", "-P", "", "-i", "1")
    d.wait_calls("s", 1, timeout=5)  # SCHED-03, CLI-19
    assert d.opstatus()[("g", "s")]["interval"] == "3600"  # CLI-14
    assert not d.pidfile.exists()  # CLI-18
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, pytest.raises(OSError):
        udp.bind(("127.0.0.1", d.trapport))  # CLI-22


def test_debug_lines_only_with_dash_d(daemon):
    """CLI-06: debug messages go to stderr only with -d (syslog always gets them)."""
    config = CONFIG + "        exclude_period wd {Sun-Sat}\n"
    quiet, loud = daemon(config), daemon(config, "-d", "-d")
    for d in (quiet, loud):
        d.cmd("test monitor g s")
        wait_for("the debug line", lambda d=d: d.syslogged(7, "not running g/s because of exclude period"))
    assert "debug: not running g/s" in loud.log() and "debug:" not in quiet.log()
    assert quiet.calls("s") == loud.calls("s") == []
