"""freespace.monitor: is there enough free space (and free inodes) on each file system?

`freespace.monitor path:minfree[:mininodes]...`, as Debian's mon freespace.monitor
(mon-local.d). `minfree` is in KiB, or with a suffix M, G or T, or a percentage
of the file system's size; `mininodes` a count or a percentage of all inodes,
a tenth of them when not given (on file systems that count inodes). A path
that is not a mount point fails. On failure the summary lists every problem,
comma-separated, and the exit status is 1; there is no detail.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Mapping, Sequence

from pymon.config.perl import perl_num
from pymon.monitors._check import Check

__all__ = ["check"]

_PERCENT = re.compile(r"(\d+(\.\d+)?)%")
_MULTIPLIERS = (("[Mm]$", 1024), ("[Gg]$", 1024**2), ("[Tt]$", 1024**3))


async def check(argv: Sequence[str], env: Mapping[str, str]) -> Check:
    # statvfs can hang on a dead network file system: in a thread, the daemon's loop
    # goes on and monitor_timeout can give up on it.
    return await asyncio.to_thread(_check, argv)


def _check(argv: Sequence[str]) -> Check:
    mounts = _mount_points()
    failures: list[str] = []
    for arg in argv:
        parts = arg.split(":", 2)  # Perl's split(/:/, $_, 3): a third field, even empty, is given
        minavail = parts[1] if len(parts) > 1 else ""
        failures += _problems(parts[0], minavail, parts[2] if len(parts) > 2 else None, mounts)
    if failures:
        return Check(1, ", ".join(failures))
    return Check(0, "")


def _problems(path: str, minavail_text: str, mininodes_text: str | None, mounts: list[str]) -> list[str]:
    if not any(_is(path, mount) for mount in mounts):
        return [f"{path} is not a mount point"]
    try:
        stat = os.statvfs(path)
    except OSError as error:
        return [f"statfs error for {path}: {error.strerror or error}"]
    if stat.f_frsize == 0 or stat.f_blocks == 0:  # Filesys::Df returns nothing for these (/proc)
        return [f"statfs error for {path}: "]  # and the original prints a stale, usually empty, $!
    kib = stat.f_frsize / 1024
    blocks, bavail = stat.f_blocks * kib, stat.f_bavail * kib
    files = stat.f_files if stat.f_files > 0 else None  # None: the file system counts no inodes
    if match := _PERCENT.search(minavail_text):
        minavail = float(int(blocks * float(match.group(1)) / 100))
    else:
        minavail = perl_num(minavail_text)
        for suffix, factor in _MULTIPLIERS:
            if re.search(suffix, minavail_text):
                minavail *= factor
                break
    mininodes: float | None = None
    if mininodes_text is not None:
        if files is None:
            return [f"{path} doesn't tell us how many Inodes are free"]
        match = _PERCENT.search(mininodes_text)
        mininodes = float(int(files * float(match.group(1)) / 100)) if match else perl_num(mininodes_text)
    elif files is not None:
        mininodes = float(files // 10)
    problems = []
    if bavail < minavail:
        problems.append(f"{bavail / 1024 / 1024:1.1f}GB free on {path}")
    if mininodes is not None and stat.f_ffree < mininodes:
        problems.append(f"{stat.f_ffree} inodes free on {path}")
    return problems


def _is(path: str, mount: str) -> bool:
    """The original's `grep(/^$path$/, @mounts)`: the path is a pattern."""
    try:
        return re.search(f"^{path}$", mount) is not None
    except re.error:
        return path == mount


def _mount_points() -> list[str]:
    try:
        with open("/proc/self/mounts", encoding="utf-8", errors="surrogateescape") as mounts:
            return [line.split()[1] for line in mounts if len(line.split()) > 1]
    except OSError:
        return []
