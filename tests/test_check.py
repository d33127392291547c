"""`pymon --check`, run as a user runs it: a real subprocess on real files."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
LVS = REPO / "etc" / "examples" / "lvs-director.cf"


def check(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pymon", "--check", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def base(tmp_path: Path) -> Path:
    for sub in ("mon.d", "alert.d", "log.d", "state.d", "etc"):
        (tmp_path / sub).mkdir()
    (tmp_path / "etc" / "auth.cf").write_text("command section\nlist: all\n")
    for name in ("mon.d/ok.monitor", "alert.d/ok.alert"):
        (tmp_path / name).write_text("#!/bin/sh\nexit 0\n")
        (tmp_path / name).chmod(0o755)
    return tmp_path


def write(base: Path, text: str) -> str:
    path = base / "etc" / "mon.cf"
    path.write_text(textwrap.dedent(text))
    return str(path)


def test_shipped_default_config_passes() -> None:
    done = check("-c", "etc/mon.cf", "-b", ".", "-B", "etc")
    assert done.returncode == 0, done.stderr
    assert "the daemon would start" in done.stdout
    assert "services 2" in done.stdout


def test_lvs_director_example_passes_with_each_record_separated() -> None:
    done = check("-c", str(LVS), "-b", ".", "-B", "etc")
    assert done.returncode == 0, done.stderr
    assert "watches 3, services 3" in done.stdout
    assert "swallowed" not in done.stdout and "is read as more members" not in done.stdout


def test_lvs_director_without_blank_lines_warns_about_each_swallowed_watch(tmp_path: Path) -> None:
    lines = LVS.read_text().splitlines()
    squeezed = [line for line in lines if line.strip()]
    copy = tmp_path / "squeezed.cf"
    copy.write_text("\n".join(squeezed) + "\n")
    done = check("-c", str(copy), "-b", str(REPO), "-B", str(REPO / "etc"))
    assert done.returncode == 0
    watch_lines = [n for n, line in enumerate(squeezed, 1) if line.startswith("watch ")]
    assert len(watch_lines) == 3
    for number in watch_lines:
        assert f"squeezed.cf:{number}:1: warning: 'watch realserver" in done.stdout
    assert "watches 0" in done.stdout


def test_refused_config_exits_1_with_mon_message_then_location(base: Path) -> None:
    path = write(base, "watch g\n    service s\n        interval 30\n")
    done = check("-c", path, "-b", str(base), "-A", "auth.cf")
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0] == (
        "cf error: invalid time interval '' (syntax: interval = {positive number}{smhd}), line 3"
    )
    assert lines[1] == f"{path}:3:18"
    assert lines[2].strip() == "interval 30"
    assert lines[3].index("^") == lines[2].index("3")


def test_warnings_for_traps_mon_lets_users_walk_into(base: Path) -> None:
    path = write(
        base,
        """\
        hostgroup web w1

        watch web
            service http
                interval 1m
                monitor missing.monitor
                depend web:ping web:dns
                period wd {Sun-Sat}
                    alert ok.alert
                    disablealert ok.alert
                    upalertafter 5m
                period never: none
                    alert gone.alert
            service trap
                interval 1m
                monitor ok.monitor
                alertdepend web:http
                period wd {Sun-Sat}, xx {1}
                    alert ok.alert

            service dropped
                interval 1m
        Watch web
        """,
    )
    done = check("-c", path, "-b", str(base), "-A", "auth.cf")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    expected = [
        ":6:", "monitor 'missing.monitor' is not found",
        ":7:", "depend can never be satisfied",
        "names web:ping, which is not defined",
        ":10:", "never runs disablealert",
        ":11:", "upalertafter is read but never used",
        ":12:", "period 'never' 'none' never matches",
        ":13:", "alert 'gone.alert' is not found",
        ":17:", "alertdepend without depend suppresses every failure alert",
        ":18:", "mon accepted it only because another part of it matches right now",
        ":21:", "service 'dropped' is ignored: the blank line 20 ended watch 'web'",
        ":23:", "keywords are case-sensitive",
    ]
    for fragment in expected:
        assert fragment in out, fragment


def test_m4_config(base: Path) -> None:
    if not any(Path(d, "m4").exists() for d in os.environ.get("PATH", "").split(":")):
        pytest.skip("m4 is not installed")
    path = base / "etc" / "mon.cf.m4"
    path.write_text("define(`_GROUP_', `web')dnl\nhostgroup _GROUP_ w1\n\nwatch _GROUP_\n    service s\n")
    done = check("-c", str(path), "-b", str(base), "-A", "auth.cf")
    assert done.returncode == 0, done.stderr
    assert "hostgroups 1 (1 hosts), watches 1, services 1" in done.stdout


def test_missing_config_file(base: Path) -> None:
    done = check("-c", str(base / "nope.cf"))
    assert done.returncode == 1
    assert f"config file {base}/nope.cf does not exist" in done.stderr


def test_m4_flag_without_program_runs_m4(base: Path) -> None:
    """CLI-14: mon runs the config file itself as the m4 program; pymon runs m4."""
    if not any(Path(d, "m4").exists() for d in os.environ.get("PATH", "").split(":")):
        pytest.skip("m4 is not installed")
    path = write(base, "define(`_G_', `web')dnl\nhostgroup _G_ w1\n")
    done = check("-M", "-c", path, "-b", str(base), "-A", "auth.cf")
    assert done.returncode == 0, done.stderr
    assert "hostgroups 1 (1 hosts)" in done.stdout


def test_a_broken_auth_file_is_refused_as_the_daemon_refuses_it(base: Path) -> None:
    (base / "etc" / "auth.cf").write_text("command section\nlist: all\nquit\n")
    path = write(base, "hostgroup g h\n")
    done = check("-c", path, "-b", str(base), "-B", str(base / "etc"), "-A", "auth.cf")
    assert done.returncode == 1
    assert "could not parse line 3 of auth file" in done.stderr
    assert "auth.cf:3:1" in done.stderr
