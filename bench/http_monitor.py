"""Benchmark (issue #5): 1,000 HTTP checks by pymon's built-in http.monitor and by Debian's Perl one.

What it does: a server process (asyncio, standard library) listens on one port of
--hosts (1,000) loopback addresses 127.0.X.Y and answers every GET with a 200 and a
short body. Then, in one run, side by side:

- **pymon**: `await pymon.monitors.http.check(["-p", PORT, host...], {})` in this
  process, as the daemon awaits a built-in monitor: one call for all the hosts, checked
  concurrently. Wall time and this process's CPU (time.process_time) are measured.
- **Perl, one process per host**: `perl /usr/lib/mon/mon.d/http.monitor -p PORT HOST`,
  --parallel (2) at a time: what mon does when each host is its own service.
- **Perl, one process per host group**: the same script once per group of --group (10)
  hosts, --parallel at a time: a watch of 10 hosts, as mon runs it. The Perl monitor
  checks a group's hosts one after another.

The Perl CPU is the children's user + system time (RUSAGE_CHILDREN). The server's CPU
is in neither figure. Every answer is checked: each run must report all hosts healthy.

pymon's monitor uses httpx through its own transport (a fresh connection per check, see
pymon/monitors/_http_transport.py). With --compare-pool, one more pymon row puts httpx's
stock AsyncHTTPTransport (connection pool, anyio) in its place, to show what it costs.

How to run it (from the top of the checkout; needs perl and mon's monitors)::

    PYTHONPATH=. python3 bench/http_monitor.py [--hosts 1000] [--rounds 3] [--compare-pool]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from pymon.monitors import http
from pymon.monitors._network import LIMIT

PERL_MONITOR = Path("/usr/lib/mon/mon.d/http.monitor")

SERVER = r"""
import asyncio, sys
REPLY = b"HTTP/1.0 200 OK\r\nServer: bench\r\nContent-Type: text/plain\r\n\r\nhello\n"
async def answer(reader, writer):
    try:
        while (await reader.readline()) not in (b"\r\n", b"\n", b""):
            pass
        writer.write(REPLY)
        await writer.drain()
    except OSError:
        pass
    finally:
        writer.close()
async def main():
    port, hosts = int(sys.argv[1]), sys.argv[2:]
    for host in hosts:
        await asyncio.start_server(answer, host, port, backlog=512, reuse_address=True)
    print("ready", flush=True)
    await asyncio.Event().wait()
asyncio.run(main())
"""


@dataclass(frozen=True)
class Figures:
    name: str
    checks: int
    wall: float
    cpu: float

    @property
    def per_second(self) -> float:
        return self.checks / self.wall

    @property
    def cpu_per_check_ms(self) -> float:
        return self.cpu / self.checks * 1000


def loopback_hosts(count: int) -> list[str]:
    return [f"127.0.{1 + n // 250}.{1 + n % 250}" for n in range(count)]


async def run_pymon(port: int, hosts: Sequence[str], label: str = "pymon built-in, in-process") -> Figures:
    cpu, wall = time.process_time(), time.perf_counter()
    result = await http.check(["-p", str(port), *hosts], {})
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if result.exit_status != 0:
        raise SystemExit(f"pymon reported failures: {result.summary[:200]}")
    return Figures(label, len(hosts), wall, cpu)


async def run_pymon_pooled(port: int, hosts: Sequence[str]) -> Figures:
    """The same check with httpx's stock pooled transport swapped into this loop's client."""
    loop = asyncio.get_running_loop()
    ours = http._clients.pop(loop, None)  # the bench alone reaches into the monitor's client cache
    limits = httpx.Limits(max_connections=LIMIT, max_keepalive_connections=0)
    pooled = httpx.AsyncClient(
        transport=httpx.AsyncHTTPTransport(limits=limits, trust_env=False),
        trust_env=False, follow_redirects=False, timeout=None,
    )  # fmt: skip
    http._clients[loop] = pooled
    try:
        await run_pymon(port, hosts[:50])  # warm-up
        return await run_pymon(port, hosts, "pymon, httpx's pooled transport")
    finally:
        await pooled.aclose()
        del http._clients[loop]
        if ours is not None:
            http._clients[loop] = ours


async def run_perl(port: int, hosts: Sequence[str], group: int, parallel: int) -> Figures:
    groups = [hosts[i : i + group] for i in range(0, len(hosts), group)]
    gate = asyncio.Semaphore(parallel)

    async def one(members: Sequence[str]) -> None:
        async with gate:
            process = await asyncio.create_subprocess_exec(
                "perl", str(PERL_MONITOR), "-p", str(port), *members,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            )  # fmt: skip
            output, _ = await process.communicate()
            if process.returncode != 0:
                raise SystemExit(f"Perl http.monitor failed: {output[:200]!r}")

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    await asyncio.gather(*(one(members) for members in groups))
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    label = "Perl, one process per host" if group == 1 else f"Perl, one process per {group} hosts"
    return Figures(label, len(hosts), wall, cpu)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3, help="pymon rounds (the best is shown)")
    parser.add_argument("--group", type=int, default=10, help="hosts per Perl process in the group run")
    parser.add_argument("--parallel", type=int, default=2, help="Perl processes at once")
    parser.add_argument("--compare-pool", action="store_true", help="one more run on httpx's stock transport")
    args = parser.parse_args()

    hosts = loopback_hosts(args.hosts)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(port), *hosts], stdout=subprocess.PIPE)
    try:
        assert server.stdout is not None and server.stdout.readline() == b"ready\n"
        await run_pymon(port, hosts[:50])  # warm-up: imports, first connections
        pymon = min([await run_pymon(port, hosts) for _ in range(args.rounds)], key=lambda f: f.wall)
        pooled = [await run_pymon_pooled(port, hosts)] if args.compare_pool else []
        per_host = await run_perl(port, hosts, 1, args.parallel)
        per_group = await run_perl(port, hosts, args.group, args.parallel)
    finally:
        server.terminate()
        server.wait()

    print(f"{args.hosts} hosts on 127.0.0.0/8, one HTTP server process, {os.cpu_count()} CPUs")
    print(f"{'':34} {'checks/s':>10} {'CPU/check':>11} {'CPU ratio':>10}")
    for figures in (pymon, *pooled, per_host, per_group):
        ratio = figures.cpu_per_check_ms / pymon.cpu_per_check_ms
        print(
            f"{figures.name:34} {figures.per_second:10.0f} {figures.cpu_per_check_ms:8.3f} ms {ratio:9.1f}x"
        )


if __name__ == "__main__":
    asyncio.run(main())
