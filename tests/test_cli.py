"""mon's command line, read the way Perl's Getopt::Long reads it (CLI-*)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pymon.cli import UsageError, parse_arguments


def test_short_long_single_dash_and_equals_forms() -> None:
    args = parse_arguments(["-c", "a.cf", "--port", "2600", "-trapport=2601", "--basedir=/b", "-S"])
    assert args.values == {"c": "a.cf", "p": 2600, "t": 2601, "b": "/b", "S": 1}
    options = args.options()
    assert (options.configfile, options.port, options.trapport, options.basedir) == (
        "a.cf", 2600, 2601, "/b",
    )


def test_unique_prefixes_are_accepted() -> None:
    assert parse_arguments(["--config", "x"]).values == {"c": "x"}
    assert parse_arguments(["--vers"]).values == {"v": 1}


def test_no_bundling_and_case_sensitive() -> None:
    with pytest.raises(UsageError, match="Unknown option: vd"):
        parse_arguments(["-vd"])
    assert parse_arguments(["-s", "x", "-S"]).values == {"s": "x", "S": 1}


def test_integer_options_are_checked() -> None:
    with pytest.raises(UsageError, match='Value "abc" invalid for option p'):
        parse_arguments(["-p", "abc"])


def test_optional_values_and_counters() -> None:
    assert parse_arguments(["-l", "-d", "-d"]).values == {"l": "", "d": 2}
    assert parse_arguments(["-l", "all", "-M"]).values == {"l": "all", "M": ""}
    assert parse_arguments(["-M", "/usr/bin/m4", "-S"]).values == {"M": "/usr/bin/m4", "S": 1}
    assert parse_arguments(["-P", ""]).options().pidfile == ""


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pymon", *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_unknown_option_prints_usage_and_exits_0_like_mon() -> None:
    done = run("-x")
    assert done.returncode == 0
    assert done.stderr.strip() == "Unknown option: x"
    assert done.stdout.startswith("usage: pymon")


def test_version_and_help() -> None:
    assert run("-v").stdout.startswith("pymon ")
    done = run("-h")
    assert done.returncode == 0 and "--check" in done.stdout


def test_daemon_refuses_a_bad_config_with_mons_message_and_status(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    config = tmp_path / "mon.cf"
    config.write_text("foo = 1\n")
    done = run("-c", str(config), "-b", str(tmp_path))
    assert done.returncode == 25  # CLI-26: what mon's die exits with
    assert done.stderr.splitlines()[0] == "cf error: unknown variable 'foo', line 1"
    done = run("-c", str(tmp_path / "missing.cf"))
    assert done.returncode == 2
    assert done.stderr.splitlines()[0] == f"config file {tmp_path}/missing.cf does not exist"
