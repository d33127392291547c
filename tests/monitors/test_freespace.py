"""pymon's freespace.monitor executable against Debian's (mon-local.d), on this machine's file systems."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from pymon.monitors import BUILTIN

from .servers import REPO, run_program

OURS = REPO / "monitors" / "freespace.monitor"
DEBIAN = Path("/usr/lib/mon/mon-local.d/freespace.monitor")


def mount_points() -> list[str]:
    with open("/proc/self/mounts") as mounts:
        return [line.split()[1] for line in mounts]


# Each a list of arguments; the numbers are chosen to pass or fail on any machine.
CASES = [
    ["/:1"], ["/:100%"], ["/:0.001%"], ["/:1:1"], ["/:1:100%"], ["/:1:"], ["/:1M", "/:1G"], ["/:999999T"],
    ["/"], ["/no/such/dir:1"], ["/:1", "/no/mount:5"], ["/:99.5%:99%"], ["/dev:1"],
]  # fmt: skip


@pytest.mark.parametrize("args", CASES, ids=[" ".join(c) for c in CASES])
def test_same_output_and_status_as_debians(args: list[str]) -> None:
    if not DEBIAN.exists():
        pytest.skip("Debian's mon is not installed")
    if "/dev" in args[0] and "/dev" not in mount_points():
        pytest.skip("/dev is not a mount point here")
    ours, theirs = run_program(OURS, *args), run_program(DEBIAN, *args)
    assert (steady(ours[0]), ours[1]) == (steady(theirs[0]), theirs[1])


def steady(output: str) -> str:
    """The output without the free amounts, which other processes change between the two runs."""
    return re.sub(r"\d+(\.\d)?(GB| inodes)", r"N\2", output)


def test_the_function_is_what_the_executable_prints() -> None:
    args = ["/:1", "/no/mount:5", "/:100%"]
    check = asyncio.run(BUILTIN["freespace.monitor"](args, {}))
    assert check.exit_status == 1 and check.detail == ""
    output, status = run_program(OURS, *args)
    assert (steady(check.output), check.exit_status) == (steady(output), status)
