"""Reproducer: how long asyncio's event loop is held by a burst of process spawns.

pymon starts every monitor with ``loop.subprocess_exec`` in its event loop
thread.  With ``randstart`` drawn in whole seconds (as mon does), about a tenth
of the services are due at the same instant, and this burst is what delays
their starts (bench/engine.py, part 1) and the alerts queued behind it (part 2).

What it does: in a temp dir, a one-line bash script appends ``$EPOCHREALTIME``
to a log.  ``--spawns`` (200) of them are started at once with the options
pymon uses (stdin from /dev/null, stdout a pipe, stderr merged, a new session,
signals not restored), ``--rounds`` (5) times, first with asyncio's default
child watcher (ThreadedChildWatcher on Python 3.11: one thread per child),
then with PidfdChildWatcher.  For each round it prints how long the loop was
busy starting them, when the last script started, and the CPU time this
process used.  Every child is reaped before the next round.

How to run it (standard library only; Linux with pidfd, Python 3.9-3.13)::

    python3 bench/spawn_burst.py [--spawns 200] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

SCRIPT = '#!/bin/bash\necho "$EPOCHREALTIME" >> "$BURST_LOG"\n'


class Exited(asyncio.SubprocessProtocol):
    def __init__(self) -> None:
        self.done = asyncio.get_running_loop().create_future()

    def process_exited(self) -> None:
        self.done.set_result(None)


async def spawn(script: Path, env: dict[str, str]) -> tuple[asyncio.SubprocessTransport, Exited]:
    loop = asyncio.get_running_loop()
    return await loop.subprocess_exec(
        Exited, str(script), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, start_new_session=True, restore_signals=False, env=env,
    )  # fmt: skip


async def one_round(script: Path, log: Path, spawns: int) -> tuple[float, float, float]:
    """(loop busy, last script start, CPU), all in seconds from the first spawn call."""
    log.write_text("")
    env = dict(os.environ, BURST_LOG=str(log))
    cpu0, t0 = time.process_time(), time.time()
    started = await asyncio.gather(*(spawn(script, env) for _ in range(spawns)))
    busy, cpu = time.time() - t0, time.process_time() - cpu0
    await asyncio.gather(*(protocol.done for _, protocol in started))
    for transport, _ in started:
        transport.close()
    last = max(float(line.replace(",", ".")) for line in log.read_text().split())
    return busy, last - t0, cpu


async def rounds(watcher: str, script: Path, log: Path, args: argparse.Namespace) -> None:
    if watcher == "pidfd":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            child_watcher = asyncio.PidfdChildWatcher()
            child_watcher.attach_loop(asyncio.get_running_loop())
            asyncio.set_child_watcher(child_watcher)
    for _ in range(args.rounds):
        busy, last, cpu = await one_round(script, log, args.spawns)
        print(
            f"{watcher:>8}: {args.spawns} spawns held the loop {busy * 1000:5.0f} ms,"
            f" last start +{last * 1000:5.0f} ms, CPU {cpu * 1000:4.0f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spawns", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="pymon-spawn-burst-"))
    try:
        script = tmp / "record"
        script.write_text(SCRIPT)
        script.chmod(0o755)
        for watcher in ("default", "pidfd"):
            asyncio.run(rounds(watcher, script, tmp / "starts.log", args))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
