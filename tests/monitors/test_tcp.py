"""pymon's tcp.monitor executable against Debian's tcp.monitor: same output, same exit status."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from pymon.monitors import BUILTIN, Check

from .servers import REPO, run_program

OURS = REPO / "monitors" / "tcp.monitor"
DEBIAN = Path("/usr/lib/mon/mon.d/tcp.monitor")


def both(*args: str) -> tuple[str, int]:
    if not DEBIAN.exists():
        pytest.skip("Debian's mon is not installed")
    ours, theirs = run_program(OURS, *args), run_program(DEBIAN, *args)
    assert ours == theirs
    return ours


def test_the_executable_is_three_lines_calling_main() -> None:
    lines = OURS.read_text().splitlines()
    assert lines[1:] == ["import pymon.monitors", 'pymon.monitors.main("tcp.monitor")']


def test_open_port_is_ok_and_silent(listener: int) -> None:
    assert both("-p", str(listener), "127.0.0.1", "localhost") == ("", 0)


def test_refused_port_fails_with_sorted_hosts_and_detail(listener: int, refused_port: int) -> None:
    output, status = both("-p", str(refused_port), "localhost", "127.0.0.1")
    assert status == 1
    assert output == (
        "127.0.0.1 localhost\n\nlocalhost could not connect: Connection refused\n"
        "127.0.0.1 could not connect: Connection refused\n"
    )
    # the listener is on 127.0.0.1 only: 127.0.0.2 is refused, and only it is named
    output, status = both(f"-p{listener}", "-t", "3", "127.0.0.2", "127.0.0.1")
    assert (output, status) == ("127.0.0.2\n\n127.0.0.2 could not connect: Connection refused\n", 1)


def test_timeout(black_hole: int) -> None:
    assert both("-t", "1", "-p", str(black_hole), "127.0.0.1") == ("127.0.0.1\n\n127.0.0.1 timeout\n", 1)


def test_unknown_option_warns_first_and_the_default_port_is_23(refused_port: int) -> None:
    output, status = both("-x", "-p", "0", "-t", "", "127.0.0.1")  # a false -p or -t: the default
    assert output.startswith("Unknown option: x\n")
    assert status == (0 if "127.0.0.1" not in output else 1)  # whatever port 23 does here, the same


def test_no_hosts_is_ok() -> None:
    assert both() == ("", 0)
    assert both("-p", "1") == ("", 0)


def test_the_function_is_what_the_executable_prints(refused_port: int) -> None:
    check = asyncio.run(BUILTIN["tcp.monitor"](["-p", str(refused_port), "127.0.0.1"], {}))
    assert check == Check(1, "127.0.0.1", "\n127.0.0.1 could not connect: Connection refused\n")
    assert check.output == run_program(OURS, "-p", str(refused_port), "127.0.0.1")[0]


def test_builtin_names_every_public_module() -> None:
    assert {"tcp.monitor", "freespace.monitor"} <= set(BUILTIN)
    with pytest.raises(KeyError):
        BUILTIN["_options.monitor"]
    with pytest.raises(KeyError):
        BUILTIN["tcp"]
