"""Benchmark: UDP traps at increasing rates, pymon against the real mon.

The two daemons run one after the other (never at once), with the flags and
the temp-dir layout of bench/engine.py, on 127.0.0.1 only.

What it does
------------
The config has one watch of ``--services`` trap-only services (10 by
default); each has one period with an alert and ``alertevery 1d``, so only a
service's first failure starts an alert and the run measures trap handling,
not process spawning. auth.cf lets user ``bench`` send from 127.0.0.1 with a
crypt(3) password, so each trap pays for the password check as a real one does.

For each rate in ``--rates`` (traps per second) the benchmark sends failure
traps for ``--seconds`` seconds, round-robin over the services, paced every
millisecond; each packet is exactly what Perl's ``Mon::Client->send_trap``
sends (``pymon.trap_send.build_trap``). Then it waits until the daemon's
failure history stops growing (``list failurehist``; ``histlength`` is large enough to
keep every entry) and counts the traps handled at that rate: every failure
trap adds exactly one entry (STAT-03). A trap not counted was lost, almost
always by the kernel dropping datagrams while the daemon's receive buffer was
full. The daemon's own CPU time (``/proc/PID/stat``) for the rate, until it
is idle again and before the counting queries, is shown too.
The sender shares the machine's cores with the daemon.

The goal is pymon handling >= 1,000 traps/s without loss.

How to run it (from the top of the checkout; needs /usr/sbin/mon)::

    python3 bench/traps.py                       # about one minute
    python3 bench/traps.py --rates 500,1000,2000 --seconds 2 --only pymon
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from engine import Daemon, load, machine, start  # noqa: E402

from pymon.server.trapauth import crypt  # noqa: E402
from pymon.trap_send import build_trap  # noqa: E402

MON = "/usr/sbin/mon"
USER, PASSWORD = "bench", "trap-secret"
SETTLE = 1.5  # seconds the failure history must stay the same before a rate is counted
DRAIN_DEADLINE = 60.0


class Tree:
    """The temp dir of one daemon, laid out as bench/engine.py's."""

    def __init__(self, root: Path, services: int) -> None:
        self.root = root
        for name in ("etc", "mon.d", "alert.d", "log", "state"):
            self.path(name).mkdir(parents=True)
        watch = "".join(
            f"    service s{n}\n        period wd {{Sun-Sat}}\n            alert bench.alert\n"
            "            alertevery 1d\n"
            for n in range(services)
        )
        self.path("etc/mon.cf").write_text(
            "serverbind = 127.0.0.1\ntrapbind = 127.0.0.1\nhistlength = 10000000\n\n"
            f"watch bench\n{watch}"
        )
        hashed = crypt(PASSWORD, "tr")
        self.path("etc/auth.cf").write_text(f"list: all\n\ntrap section\n127.0.0.1 {USER} {hashed}\n")
        alert = self.path("alert.d/bench.alert")
        alert.write_text("#!/bin/sh\ncat >/dev/null\n")
        alert.chmod(0o755)

    def path(self, name: str) -> Path:
        return self.root / name


def failure_count(port: int) -> int:
    """Entries in `list failurehist`: one per failure trap handled."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(b"list failurehist\nquit\n")
        data = b""
        while not (data.endswith(b"\n") and b"\n220 " in b"\n" + data.split(b"list failurehist", 1)[-1]):
            chunk = sock.recv(1 << 20)
            if not chunk:
                break
            data += chunk
    lines = data.decode(errors="replace").splitlines()
    end = next(i for i, line in enumerate(lines) if line.startswith(("220 ", "520 ")))
    return end


def settled_count(port: int, expected: int) -> int:
    """The failure count once it reached `expected` or stopped growing for SETTLE seconds."""
    deadline = time.monotonic() + DRAIN_DEADLINE
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = failure_count(port)
        if count >= expected:
            return count
        if count != last:
            last, since = count, time.monotonic()
        elif time.monotonic() - since >= SETTLE:
            return count
        time.sleep(0.2)
    return last


def idle_cpu(daemon: Daemon) -> float:
    """The daemon's CPU seconds once it has gone idle (under 20 ms of CPU in 300 ms), at most 30 s on."""
    deadline = time.monotonic() + 30
    last = daemon.cpu_seconds()
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = daemon.cpu_seconds()
        if now - last < 0.02:
            return now
        last = now
    return last


def send_at(trapport: int, packets: list[bytes], rate: int, seconds: float) -> tuple[int, float]:
    """Send rate*seconds traps, paced every millisecond; (sent, seconds it took)."""
    total = int(rate * seconds)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        address = ("127.0.0.1", trapport)
        start = time.perf_counter()
        sent = 0
        while sent < total:
            due = min(total, int((time.perf_counter() - start) * rate) + 1)
            while sent < due:
                sock.sendto(packets[sent % len(packets)], address)
                sent += 1
            time.sleep(0.001)
        return sent, time.perf_counter() - start


def run(name: str, program: str, rates: list[int], seconds: float, services: int) -> list[tuple[int, ...]]:
    print(f"\n{name}: {program}", flush=True)
    detail = "detail line\nsecond line"
    packets = [
        build_trap("bench", f"s{n}", 1, "fail", f"failure s{n}", detail, username=USER, password=PASSWORD)
        for n in range(services)
    ]
    rows = []
    with tempfile.TemporaryDirectory(prefix=f"trapbench-{name}-") as tmp:
        tree = Tree(Path(tmp), services)
        daemon = start(name, program, tree)  # type: ignore[arg-type]
        with daemon:
            argv = list(daemon.proc.args)  # type: ignore[arg-type]
            trapport = int(argv[argv.index("-t") + 1])
            before = failure_count(daemon.port)
            for rate in rates:
                cpu0 = daemon.cpu_seconds()
                sent, took = send_at(trapport, packets, rate, seconds)
                cpu = idle_cpu(daemon) - cpu0  # before the counting queries cost anything
                count = settled_count(daemon.port, before + sent)
                handled, before = count - before, count
                rows.append((rate, sent, handled, round(sent / took), round(cpu * 1000)))
                lost = sent - handled
                print(f"  {rate:>6}/s: sent {sent:>6} in {took:5.2f} s, handled {handled:>6}, lost {lost:>6}"
                      f" ({lost / sent:6.1%}); daemon CPU {cpu:5.2f} s", flush=True)  # fmt: skip
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rates", default="250,500,1000,2000,4000,8000", help="traps per second, in order")
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds at each rate (3)")
    parser.add_argument("--services", type=int, default=10, help="trap services (10)")
    parser.add_argument("--only", choices=("pymon", "mon"), help="run one daemon only")
    parser.add_argument("--pymon", default="pymon", help="the pymon program to run (pymon on PATH)")
    args = parser.parse_args()
    rates = [int(r) for r in args.rates.split(",")]
    print(f"machine: {machine()}\nload average before: {load()}")
    results = {}
    for name, program in (("pymon", args.pymon), ("mon", MON)):
        if args.only in (None, name):
            results[name] = run(name, program, rates, args.seconds, args.services)
    print(f"\nload average after: {load()}")
    heads = " | ".join(f"{n} handled | {n} lost | {n} CPU ms" for n in results)
    print(f"\n| rate (traps/s) | {heads} |")
    print("| ---: |" + " ---: | ---: | ---: |" * len(results))
    for i, rate in enumerate(rates):
        cells = []
        for rows in results.values():
            _, sent, handled, _, cpu = rows[i]
            cells += [f"{handled}/{sent}", f"{(sent - handled) / sent:.1%}", str(cpu)]
        print(f"| {rate} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
