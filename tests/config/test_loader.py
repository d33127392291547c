"""Startup's handling of the config: flags, paths and programs (INIT-01..04, CLI-05..25)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pymon.config import ConfigError, Options, load_config


def setup(tmp: Path, text: str, **extra: str) -> Options:
    for sub in ("etc", "mon.d", "mon2.d", "alert.d", "log", "state"):
        (tmp / sub).mkdir(exist_ok=True)
    (tmp / "etc" / "auth.cf").write_text("command section\n")
    config = tmp / "etc" / "mon.cf"
    config.write_text(textwrap.dedent(text))
    values = {"configfile": str(config), "basedir": str(tmp), "cfbasedir": str(tmp / "etc")}
    values.update(extra)
    return Options(**values)  # type: ignore[arg-type]


def executable(path: Path) -> None:
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)


def test_init02_relative_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "etc").mkdir()
    monkeypatch.chdir(tmp_path / "etc")  # GLOB-16: mon checks authfile from its working directory
    options = setup(
        tmp_path,
        """\
        logdir = log
        statedir = state
        authfile = auth.cf
        historicfile = hist.log
        mondir = mon.d/ : /abs/mon.d/
        alertdir = alert.d
        """,
    )
    g = load_config(options).config.globals
    assert g.logdir == f"{tmp_path}/log"
    assert g.statedir == f"{tmp_path}/state"
    assert g.authfile == f"{tmp_path}/etc/auth.cf"
    assert g.dtlogfile == f"{tmp_path}/log/downtime.log"
    assert g.historicfile == f"{tmp_path}/log/hist.log"
    assert g.mondir == f"{tmp_path}/mon.d:/abs/mon.d"
    assert g.alertdir == f"{tmp_path}/alert.d"


def test_cli25_flags_beat_the_file_except_zero_and_cfbasedir(tmp_path: Path) -> None:
    options = setup(
        tmp_path,
        "mondir = /from/file\nhistlength = 7\ncfbasedir = /cf/from/file\npidfile = /x.pid\n",
        scriptdir=str(tmp_path / "mon2.d"),
        maxkeep=0,  # type: ignore[arg-type]
        pidfile="",
        authfile=str(tmp_path / "etc" / "auth.cf"),
    )
    g = load_config(options).config.globals
    assert g.mondir == f"{tmp_path}/mon2.d"
    assert g.histlength == "7"  # -k 0 is ignored
    assert g.cfbasedir == "/cf/from/file"  # -B is only the starting value (CLI-04)
    assert g.pidfile == ""  # -P '' means no pid file


def test_init04_programs_are_found_first_hit_and_executable_only(tmp_path: Path) -> None:
    options = setup(
        tmp_path,
        """\
        mondir = mon.d:mon2.d
        alertdir = alert.d
        watch g
            service a
                monitor first.monitor -x
                redistribute mail.alert -S subject
                period
                    alert exit=3 mail.alert root
                    upalert notexec.alert
            service b
                monitor /bin/true
        """,
    )
    executable(tmp_path / "mon2.d" / "first.monitor")
    executable(tmp_path / "mon.d" / "first.monitor")
    executable(tmp_path / "alert.d" / "mail.alert")
    (tmp_path / "alert.d" / "notexec.alert").write_text("")
    loaded = load_config(options)
    programs = loaded.programs
    assert programs.monitors["first.monitor"] == f"{tmp_path}/mon.d/first.monitor"
    assert programs.alerts["mail.alert"] == f"{tmp_path}/alert.d/mail.alert"
    assert programs.alerts["notexec.alert"] is None
    # INIT-04: an absolute monitor path is looked up inside the dirs, so it is not found,
    # and redistribute is looked up with its arguments (Q28).
    assert programs.monitors["/bin/true"] is None
    assert programs.alerts["mail.alert -S subject"] is None
    dirs = f"{tmp_path}/mon.d {tmp_path}/mon2.d"
    assert f"/bin/true not found in one of (@scriptdirs[{dirs}])" in loaded.problems


def test_cli14_m4_program_and_errors(tmp_path: Path) -> None:
    options = setup(tmp_path, "hostgroup g a\n", m4="/bin/cat")
    assert load_config(options).config.hostgroups["g"].hosts == ("a",)
    options = setup(tmp_path, "hostgroup g a\n", m4="/nonexistent/m4")
    with pytest.raises(ConfigError) as info:
        load_config(options)
    assert info.value.mon_message == (
        f"could not open m4 pipe of cf file: {tmp_path}/etc/mon.cf: No such file or directory"
    )


def test_basedir_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="basedir /nonexistent does not exist"):
        load_config(Options(basedir="/nonexistent"))


def test_init03_an_unreadable_auth_file_stops_startup(tmp_path: Path) -> None:
    options = setup(tmp_path, "hostgroup g a\n", authfile="/nonexistent/auth.cf")
    with pytest.raises(ConfigError) as info:
        load_config(options)
    assert info.value.mon_message == "could not open /nonexistent/auth.cf: No such file or directory"
    assert info.value.status == 2
