"""Real servers on 127.0.0.1 for the monitor tests, each on its own event loop in a thread,
so a monitor run as a subprocess and one awaited by the test both reach them."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pymon.monitors import BUILTIN, Check

REPO = Path(__file__).resolve().parents[2]
PERL_MONITORS = Path("/usr/lib/mon/mon.d")
NETNS_SETUP = Path(__file__).with_name("silent_netns.sh")
SILENT_HOST = "127.0.0.9"  # dropped without a word inside the namespace of silent_netns.sh

T = TypeVar("T")
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class Loop:
    """An event loop running in a daemon thread; servers and tasks are started on it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coroutine: Awaitable[T]) -> T:
        async def wrapped() -> T:
            return await coroutine

        return asyncio.run_coroutine_threadsafe(wrapped(), self.loop).result(timeout=30)

    def tcp(self, handler: Handler, host: str = "127.0.0.1") -> int:
        async def start() -> int:
            server = await asyncio.start_server(handler, host, 0, backlog=1024)
            return int(server.sockets[0].getsockname()[1])

        return self.run(start())

    def close(self) -> None:
        async def cancel_all() -> None:
            tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        self.run(cancel_all())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()


@contextmanager
def event_loop() -> Iterator[Loop]:
    loop = Loop()
    try:
        yield loop
    finally:
        loop.close()


def serve_all(loop: Loop, handlers: Mapping[str, Handler]) -> dict[str, int]:
    """The port each handler is served on, and `closed`: a port on 127.0.0.1 that nothing listens on."""
    ports = {name: loop.tcp(handler) for name, handler in handlers.items()}
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        ports["closed"] = int(probe.getsockname()[1])
    return ports


@dataclass(frozen=True)
class Output:
    status: int
    summary: str
    detail: str

    @classmethod
    def parse(cls, status: int, stdout: str) -> Output:
        summary, _, detail = stdout.partition("\n")
        return cls(status, summary, detail)


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


def run_program(program: Path, *args: str) -> tuple[str, int]:
    """A monitor executable's output (stdout and stderr merged, as mon reads it) and exit status."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([str(program), *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=30, env=env)  # fmt: skip
    return done.stdout, done.returncode


def run_perl(name: str, argv: Sequence[str], netns: bool = False, timeout: float = 60) -> Output:
    return _run(["perl", str(PERL_MONITORS / name), *argv], netns, timeout)


def run_script(name: str, argv: Sequence[str], netns: bool = False, timeout: float = 60) -> Output:
    return _run([sys.executable, str(REPO / "monitors" / name), *argv], netns, timeout)


def run_inprocess_netns(name: str, argv: Sequence[str], timeout: float = 60) -> Output:
    """Await check() in a Python that lives in the silent namespace (a test cannot enter one itself)."""
    code = (
        "import asyncio, sys\n"
        "from pymon.monitors import BUILTIN\n"
        f"r = asyncio.run(BUILTIN[{name!r}](sys.argv[1:], {{}}))\n"
        "sys.stdout.write(r.summary + '\\n' + r.detail)\n"
        "sys.exit(r.exit_status)\n"
    )
    return _run([sys.executable, "-c", code, *argv], True, timeout)


def _run(command: list[str], netns: bool, timeout: float) -> Output:
    if netns:
        command = ["unshare", "-rn", "sh", str(NETNS_SETUP), *command]
    done = subprocess.run(command, capture_output=True, env=env(), timeout=timeout, check=False)
    assert b"Traceback" not in done.stderr, done.stderr.decode()
    return Output.parse(done.returncode, done.stdout.decode("utf-8", "replace"))


def await_check(name: str, argv: Sequence[str]) -> Output:
    """The monitor awaited in-process, as the daemon runs it."""
    result: Check = asyncio.run(_await(name, argv))
    return Output(result.exit_status, result.summary, result.detail)


async def _await(name: str, argv: Sequence[str]) -> Check:
    return await BUILTIN[name](list(argv), {})


def netns_available() -> bool:
    try:
        done = subprocess.run(
            ["unshare", "-rn", "sh", str(NETNS_SETUP), "true"], capture_output=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0
