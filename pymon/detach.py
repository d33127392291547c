"""`-f`: become a daemon the way mon does (DAEMON-01, CLI-08).

Fork, new session, fork again (each parent exits 0); no chdir, so relative
paths keep meaning what they meant; umask 022; stdin from /dev/null; stdout
and stderr appended to `monerrfile` after a `Mon starting at LOCALTIME` line;
syslog `running as daemon`. Every other open file (the bound sockets, the
syslog connection) is kept. The caller then writes the pid file, from the
detached process (DAEMON-02).
"""

from __future__ import annotations

import os
import time
from typing import TextIO

import daemon

from pymon.log import Log

__all__ = ["DetachError", "detach", "open_errfile"]


class DetachError(Exception):
    pass


def open_errfile(path: str) -> TextIO:
    """monerrfile, opened for appending before the fork.

    mon opens it after forking and so exits 1 where nobody sees it while its
    parent has already exited 0; pymon refuses in the foreground (a listed
    deviation).
    """
    try:
        return open(path, "a", encoding="utf-8", errors="surrogateescape")
    except OSError as error:
        raise DetachError(f"could not open error output file {path}: {error.strerror}") from error


def detach(errfile: TextIO, log: Log) -> None:
    """Return in the detached grandchild; the original process and the first child exit 0."""
    keep = [int(fd) for fd in os.listdir("/proc/self/fd") if int(fd) > 2]
    context = daemon.DaemonContext(
        working_directory=os.getcwd(),  # DAEMON-01: no chdir
        umask=0o022,
        prevent_core=False,
        detach_process=True,
        files_preserve=keep,
        stdin=None,  # /dev/null
        stdout=errfile,
        stderr=errfile,
        signal_map={},  # the event loop installs pymon's own handlers
    )
    context.open()
    errfile.write(f"Mon starting at {time.ctime()}\n")
    errfile.flush()
    log("info", "running as daemon")
