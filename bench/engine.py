"""Benchmark: the engine with 2,000 services, pymon against the real mon.

Both daemons run one after the other (never at once) on configs generated the
same way, with the same flags the conformance harness uses, on 127.0.0.1 only.

What it measures
----------------
1. Scheduling (``--services``, 2,000 by default).  Every service has
   ``interval 10s`` and the same monitor, a shell script that appends
   ``GROUP SERVICE TIME`` to ``$MON_LOGDIR/starts.log`` (TIME is bash's
   ``$EPOCHREALTIME``, so recording costs no extra process; /bin/sh with
   ``date +%s.%N`` if there is no bash) and exits 0.  ``randstart`` spreads
   the first runs over one interval.  After a warm-up of one interval the
   daemon runs for ``--window`` seconds, and:

   * *on time*: for every start in the window, its delay is compared with its
     due time.  The due time is the previous start plus the interval (mon's
     fixed rate, SCHED-04, for both daemons).  The share of starts within
     100 ms of it is reported, with the percentiles of (start - due).  Because
     that compares two starts that both come late, a stricter figure is shown
     too: the delay after the service's *grid*, first start + k * interval,
     where the first start is moved back onto its daemon's whole-second phase
     (mon's due times are whole seconds; pymon's lie one whole number of
     seconds after its scheduler started, whose fraction is estimated from
     the earliest first runs).  mon draws randstart in whole seconds, so
     about 1/10 of its services are due at the same instant every second;
     pymon draws a fraction of a second too, which spreads its starts over
     the second and leaves it without grid figures.
   * *checks per second*: starts in the window divided by its length;
   * *CPU per 1,000 checks*: utime + stime of the daemon process alone
     (``/proc/PID/stat``, not its children) at the start and the end of the
     window, per 1,000 starts in the window.

2. Failure to alert (``--fail-services`` services, ``--failures`` alerts).
   The monitor prints a line, appends ``GROUP SERVICE TIME`` to ``fails.log``
   just before ``exit 1``; the alert (``alert`` on every failure, no
   ``alertevery``) appends ``GROUP SERVICE TIME`` to ``alerts.log`` as it
   starts.  Each alert is paired with the latest failure of its service before
   it; median and p90 of the gaps are reported.  ``--fail-sleep S`` makes the
   monitor run S seconds first, as a real check does: mon then reaps it on
   its next one-second pass, while an instant monitor is usually reaped in
   the pass that started it.

3. ``list opstatus`` with all ``--services`` services, after the scheduling
   window (every service has run): from sending the command on an open
   connection to receiving the final ``220`` line, ``--queries`` times
   (median, best, p90).

Every daemon gets SIGTERM by its PID, SIGKILL after a deadline, and its
process group (its own session) is killed after it exits; the temp dir is
removed unless ``--keep``.  The machine (CPU model, cores, Python, load
average before and after) is printed with the figures, their ratios
(pymon / mon) and the goals: pymon >= 99 % on time, CPU per 1,000 checks at
most 1/3 of mon's, failure-to-alert median under 20 ms, ``list opstatus``
median under 50 ms.

How to run it (from the top of the checkout; standard library only; needs
``pymon`` on PATH and /usr/sbin/mon)::

    python3 bench/engine.py                    # defaults: about 3 to 4 minutes
    python3 bench/engine.py --services 200 --window 20 --failures 50   # quick
    python3 bench/engine.py --only pymon --keep   # one daemon; keep the temp dir
    python3 bench/engine.py --part alerts --fail-sleep 0.2   # part 2 only
    python3 bench/engine.py --only pymon --pymon ./my-pymon   # another pymon command

The daemon's PID is printed when it starts, for ``py-spy record -p PID``.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import math
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

MON_BIN = "/usr/sbin/mon"
ON_TIME = 0.100  # seconds
STOP_DEADLINE = 10.0  # seconds between SIGTERM and SIGKILL
START_DEADLINE = 60.0  # seconds to wait for the port
GOAL_ON_TIME = 0.99
GOAL_CPU_RATIO = 1 / 3
GOAL_ALERT_MEDIAN = 0.020
GOAL_OPSTATUS_MEDIAN = 0.050
SERVICES_PER_WATCH = 10
MIN_GRID_GAP = 0.25  # seconds free of first starts on the one-second circle
AUTH_CF = "command section\nlist:\tall\nquit:\tall\n\ntrap section\n"


# ---------------------------------------------------------------------------
# scripts and configs
# ---------------------------------------------------------------------------
def shell_and_clock() -> tuple[str, str]:
    """The #! line and a shell expression for the current time, without forking if possible."""
    if os.access("/bin/bash", os.X_OK):
        return "#!/bin/bash", "$EPOCHREALTIME"
    return "#!/bin/sh", "$(date +%s.%N)"


def record_script(log_name: str, before: str = "", after: str = "") -> str:
    """A script that appends `GROUP SERVICE TIME` to $MON_LOGDIR/log_name."""
    shebang, clock = shell_and_clock()
    line = f'echo "$MON_GROUP $MON_SERVICE {clock}" >> "$MON_LOGDIR/{log_name}"'
    return "\n".join(part for part in (shebang, before, line, after) if part) + "\n"


def scripts(fail_sleep: float) -> dict[tuple[str, str], str]:
    """(directory, name): text; the failing monitor first sleeps `fail_sleep` seconds if not 0."""
    work = f"sleep {fail_sleep:g}\necho failed" if fail_sleep else "echo failed"
    return {
        ("mon.d", "start.monitor"): record_script("starts.log"),
        ("mon.d", "fail.monitor"): record_script("fails.log", before=work, after="exit 1"),
        ("alert.d", "record.alert"): record_script("alerts.log", after="cat > /dev/null"),
    }


def watch_blocks(services: int, per_watch: int, service_lines: str) -> Iterator[str]:
    """Watches of up to `per_watch` services each; every watch has its own one-host hostgroup."""
    for first in range(0, services, per_watch):
        group = f"w{first // per_watch:04d}"
        count = min(per_watch, services - first)
        body = "".join(f"    service s{n:02d}\n{service_lines}" for n in range(count))
        yield f"hostgroup {group} 127.0.0.1\n\nwatch {group}\n{body}\n"


def config_text(services: int, interval: int, monitor: str, alert: bool) -> str:
    lines = f"        interval {interval}s\n        monitor {monitor}\n"
    if alert:
        lines += "        period wd {Sun-Sat}\n            alert record.alert\n"
    header = f"serverbind = 127.0.0.1\ntrapbind = 127.0.0.1\nrandstart = {interval}s\n\n"
    return header + "".join(watch_blocks(services, SERVICES_PER_WATCH, lines))


@dataclass(frozen=True)
class Tree:
    """One daemon's run: a fresh directory with the config, scripts and logs."""

    root: Path

    def path(self, name: str) -> Path:
        return self.root / name

    @property
    def logdir(self) -> Path:
        return self.root / "log"

    def build(self, config: str, fail_sleep: float = 0.0) -> Tree:
        for name in ("etc", "mon.d", "alert.d", "log", "state"):
            self.path(name).mkdir(parents=True)
        self.path("etc/mon.cf").write_text(config)
        self.path("etc/auth.cf").write_text(AUTH_CF)
        for (folder, name), text in scripts(fail_sleep).items():
            script = self.path(folder) / name
            script.write_text(text)
            script.chmod(0o755)
        return self

    def records(self, log_name: str) -> dict[tuple[str, str], list[float]]:
        """The times in a `GROUP SERVICE TIME` log, by service, in order."""
        found: dict[tuple[str, str], list[float]] = {}
        path = self.logdir / log_name
        text = path.read_text() if path.exists() else ""
        for line in text.splitlines():
            group, service, stamp = line.split()
            found.setdefault((group, service), []).append(float(stamp.replace(",", ".")))
        return {key: sorted(times) for key, times in found.items()}


# ---------------------------------------------------------------------------
# the daemons
# ---------------------------------------------------------------------------
def free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def daemon_argv(program: str, tree: Tree, port: int, trapport: int) -> list[str]:
    """The conformance harness's flags, for pymon and mon alike."""
    p = tree.path
    return [
        program, "-c", str(p("etc/mon.cf")), "-p", str(port), "-t", str(trapport),
        "-L", str(p("log")), "-D", str(p("state")), "-P", str(p("mon.pid")),
        "-s", str(p("mon.d")), "-a", str(p("alert.d")), "-b", str(tree.root),
        "-B", str(p("etc")), "-A", str(p("etc/auth.cf")), "-i", "1",
    ]  # fmt: skip


def die_with_parent() -> None:  # runs in the child
    """SIGKILL the daemon if this benchmark dies without stopping it (Linux PR_SET_PDEATHSIG)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))
    except (OSError, AttributeError):
        pass


class Daemon:
    """A started daemon: `with Daemon(...) as d:` stops it, whatever happens."""

    def __init__(self, name: str, program: str, tree: Tree) -> None:
        self.name = name
        self.tree = tree
        self.port = free_port(socket.SOCK_STREAM)
        argv = daemon_argv(program, tree, self.port, free_port(socket.SOCK_DGRAM))
        env = {k: v for k, v in os.environ.items() if not k.startswith("MON_")}
        with open(tree.path("daemon.out"), "wb") as out:
            self.proc = subprocess.Popen(
                argv, cwd=tree.root, env=env, stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=die_with_parent,
            )  # fmt: skip

    def __enter__(self) -> Daemon:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_listening(self) -> None:
        deadline = time.monotonic() + START_DEADLINE
        while True:
            if self.proc.poll() is not None:
                output = self.tree.path("daemon.out").read_text(errors="replace")
                raise SystemExit(f"{self.name} exited with {self.proc.returncode}:\n{output}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"{self.name} did not listen within {START_DEADLINE:.0f} s") from None
                time.sleep(0.02)

    def cpu_seconds(self) -> float:
        """utime + stime of the daemon process itself (all its threads, none of its children)."""
        stat = Path(f"/proc/{self.pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()  # fields 14 and 15 of proc(5)
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        """SIGTERM by PID, SIGKILL after the deadline, reap; then kill what is left of its group."""
        if self.proc.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.proc.wait(STOP_DEADLINE)
            except subprocess.TimeoutExpired:
                print(f"  {self.name} ignored SIGTERM for {STOP_DEADLINE:.0f} s: SIGKILL", flush=True)
                os.kill(self.pid, signal.SIGKILL)
                self.proc.wait()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)  # its session: monitors and alerts mon forked


def start(name: str, program: str, tree: Tree) -> Daemon:
    daemon = Daemon(name, program, tree)
    try:
        daemon.wait_listening()
    except BaseException:
        daemon.stop()
        raise
    print(f"  {name} pid {daemon.pid} listening on 127.0.0.1:{daemon.port}", flush=True)
    return daemon


# ---------------------------------------------------------------------------
# statistics
# ---------------------------------------------------------------------------
def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def spread(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0, **dict.fromkeys(("min", "median", "p90", "p99", "max"), math.nan)}
    return {
        "n": len(values), "min": min(values), "median": statistics.median(values),
        "p90": percentile(values, 0.90), "p99": percentile(values, 0.99), "max": max(values),
    }  # fmt: skip


def in_window(times: list[float], t0: float, t1: float) -> Iterator[int]:
    """Indices (after the first run) of the starts inside [t0, t1]."""
    return (k for k in range(1, len(times)) if t0 <= times[k] <= t1)


def previous_start_delays(starts: dict, interval: float, t0: float, t1: float) -> list[float]:
    """start - (previous start + interval), for every start in the window."""
    return [times[k] - times[k - 1] - interval for times in starts.values() for k in in_window(times, t0, t1)]


def grid_phase(first_starts: Iterable[float], whole_seconds: bool) -> float | None:
    """The fraction of a second on which a daemon's due times lie; None if there is none.

    mon's are whole seconds (`_next_check = time() + interval`).  A daemon
    whose randstart is whole seconds after some start has its fraction where
    the first starts begin after the widest gap on the one-second circle
    (pymon's randstart keeps a fraction: it has no such grid).  If the first starts fill the whole second
    (no gap of MIN_GRID_GAP), the due times are not on such a grid.
    """
    if whole_seconds:
        return 0.0
    fractions = sorted(t % 1.0 for t in first_starts)
    gaps = [(fractions[(i + 1) % len(fractions)] - f) % 1.0 for i, f in enumerate(fractions)]
    widest = max(range(len(gaps)), key=gaps.__getitem__)
    return fractions[(widest + 1) % len(fractions)] if gaps[widest] >= MIN_GRID_GAP else None


def grid_delays(starts: dict, interval: float, t0: float, t1: float, phase: float | None) -> list[float]:
    """start - (first due + k * interval): the first due is the first start moved back onto the phase."""
    delays: list[float] = []
    if phase is None:
        print("  the first starts fill the whole second: no whole-second grid, no grid figures")
        return delays
    for times in starts.values():
        first_due = times[0] - (times[0] - phase) % 1.0
        delays.extend(times[k] - first_due - k * interval for k in in_window(times, t0, t1))
    return delays


def paired_gaps(failures: dict, alerts: dict) -> list[float]:
    """For every alert, the time since the latest failure of its service before it."""
    gaps = []
    for key, times in alerts.items():
        fails = failures.get(key, [])
        for alert in times:
            i = bisect.bisect_right(fails, alert)
            if i:
                gaps.append(alert - fails[i - 1])
    return gaps


# ---------------------------------------------------------------------------
# the three measurements
# ---------------------------------------------------------------------------
def list_opstatus(sock: socket.socket) -> tuple[float, int]:
    """Seconds from sending `list opstatus` to the `220` line, and the lines before it."""
    buf = b""
    began = time.perf_counter()
    sock.sendall(b"list opstatus\n")
    while True:
        chunk = sock.recv(1 << 20)
        if not chunk:
            raise SystemExit("connection closed during list opstatus")
        buf += chunk
        if buf.endswith(b"\n"):
            last = buf[buf.rfind(b"\n", 0, -1) + 1 :]
            if last[:1] in (b"2", b"5") and last[3:4] == b" ":
                break
    elapsed = time.perf_counter() - began
    if not last.startswith(b"220"):
        raise SystemExit(f"list opstatus failed: {last!r}")
    return elapsed, buf.count(b"\n") - 1


def bench_opstatus(daemon: Daemon, queries: int, services: int) -> dict[str, float]:
    times = []
    with socket.create_connection(("127.0.0.1", daemon.port), timeout=30) as sock:
        for _ in range(queries):
            elapsed, lines = list_opstatus(sock)
            if lines != services:
                raise SystemExit(f"{daemon.name}: list opstatus gave {lines} lines for {services} services")
            times.append(elapsed)
            time.sleep(0.05)
        sock.sendall(b"quit\n")
    return spread(times)


def sleep_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.time()))


def bench_schedule(name: str, program: str, tree: Tree, args: argparse.Namespace) -> dict:
    """Part 1 (and part 3, after the window) for one daemon."""
    tree.build(config_text(args.services, args.interval, "start.monitor", alert=False))
    with start(name, program, tree) as daemon:
        sleep_until(time.time() + args.interval + 1)  # randstart: every service has started once
        t0, cpu0 = time.time(), daemon.cpu_seconds()
        sleep_until(t0 + args.window)
        t1, cpu1 = time.time(), daemon.cpu_seconds()
        opstatus = bench_opstatus(daemon, args.queries, args.services)
    starts = tree.records("starts.log")
    if len(starts) != args.services:
        print(f"  only {len(starts)} of {args.services} services ran", flush=True)
    checks = sum(1 for times in starts.values() for _ in in_window(times, t0, t1))
    phase = grid_phase((times[0] for times in starts.values()), whole_seconds=name == "mon")
    previous = previous_start_delays(starts, args.interval, t0, t1)
    grid = grid_delays(starts, args.interval, t0, t1, phase)
    return {
        "checks": checks,
        "rate": checks / (t1 - t0),
        "cpu_per_1000": (cpu1 - cpu0) / checks * 1000 if checks else math.nan,
        "cpu": cpu1 - cpu0,
        "on_time": sum(abs(d) <= ON_TIME for d in previous) / len(previous) if previous else math.nan,
        "previous": spread(previous),
        "on_grid": sum(d <= ON_TIME for d in grid) / len(grid) if grid else math.nan,
        "grid": spread(grid),
        "opstatus": opstatus,
    }


def bench_alerts(name: str, program: str, tree: Tree, args: argparse.Namespace) -> dict:
    """Part 2 for one daemon: run until --failures alerts were recorded (or a deadline)."""
    tree.build(config_text(args.fail_services, args.interval, "fail.monitor", alert=True), args.fail_sleep)
    rounds = math.ceil(args.failures / args.fail_services) + 1
    deadline = time.time() + args.interval * (rounds + 2) + 10
    with start(name, program, tree) as daemon:
        while time.time() < deadline and sum(map(len, tree.records("alerts.log").values())) < args.failures:
            time.sleep(0.5)
        daemon.stop()
    return spread(paired_gaps(tree.records("fails.log"), tree.records("alerts.log")))


# ---------------------------------------------------------------------------
# the report
# ---------------------------------------------------------------------------
def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def mon_version() -> str:
    try:
        query = ["dpkg-query", "-W", "mon", "perl"]
        done = subprocess.run(query, capture_output=True, text=True, check=False)
    except OSError:
        return "mon (version unknown)"
    return ", ".join(line.replace("\t", " ") for line in done.stdout.splitlines())


def machine() -> str:
    return (
        f"{cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        f" ({platform.python_implementation()}), {platform.system()} {platform.release()}; {mon_version()}"
    )


def load() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.3g}x" if b and not math.isnan(a) and not math.isnan(b) else "-"


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def table(title: str, rows: list[tuple[str, float | None, float | None, str]]) -> None:
    """Rows of (label, pymon, mon, unit); values already scaled."""
    print(f"\n{title}")
    print(f"  {'':44}{'pymon':>12}{'mon':>12}{'pymon/mon':>11}")
    for label, a, b, unit in rows:
        cells = [f"{v:12.3f}" if v is not None else f"{'':12}" for v in (a, b)]
        both = a is not None and b is not None
        print(f"  {label + ' (' + unit + ')':44}{cells[0]}{cells[1]}{ratio(a, b) if both else '-':>11}")


def get(results: dict, name: str, *path: str, scale: float = 1.0) -> float | None:
    value = results.get(name)
    for part in path:
        if value is None:
            return None
        value = value[part]
    return None if value is None else value * scale


def print_schedule(results: dict, args: argparse.Namespace) -> None:
    def row(label: str, *path: str, scale: float = 1.0, unit: str = "ms") -> tuple:
        return label, get(results, "pymon", *path, scale=scale), get(results, "mon", *path, scale=scale), unit

    table(
        f"1. scheduling: {args.services} services, interval {args.interval}s, {args.window:g} s window",
        [
            row("on time: |start - (prev + interval)| <= 100 ms", "on_time", scale=100, unit="%"),
            row("  start - (prev + interval), median", "previous", "median", scale=1000),
            row("  start - (prev + interval), p99", "previous", "p99", scale=1000),
            row("  start - (prev + interval), max", "previous", "max", scale=1000),
            row("on grid: start - due <= 100 ms", "on_grid", scale=100, unit="%"),
            row("  start - due on the grid, median", "grid", "median", scale=1000),
            row("  start - due on the grid, p90", "grid", "p90", scale=1000),
            row("  start - due on the grid, p99", "grid", "p99", scale=1000),
            row("  start - due on the grid, max", "grid", "max", scale=1000),
            row("checks started in the window", "checks", unit="n"),
            row("checks per second", "rate", unit="/s"),
            row("daemon CPU in the window", "cpu", unit="s"),
            row("daemon CPU per 1,000 checks", "cpu_per_1000", scale=1000),
        ],
    )
    table(
        f"3. list opstatus, {args.services} services, {args.queries} queries",
        [
            row("send to 220, median", "opstatus", "median", scale=1000),
            row("send to 220, best", "opstatus", "min", scale=1000),
            row("send to 220, p90", "opstatus", "p90", scale=1000),
        ],
    )


def print_alerts(results: dict, args: argparse.Namespace) -> None:
    def row(label: str, key: str, scale: float = 1000, unit: str = "ms") -> tuple:
        return label, get(results, "pymon", key, scale=scale), get(results, "mon", key, scale=scale), unit

    table(
        f"2. failing exit to alert start, {args.fail_services} failing services"
        + (f", each running {args.fail_sleep:g} s" if args.fail_sleep else ""),
        [row("alerts paired", "n", 1, "n"), row("median", "median"), row("p90", "p90"), row("max", "max")],
    )


def print_goals(schedule: dict, alerts: dict) -> None:
    pymon, mon = schedule.get("pymon"), schedule.get("mon")
    print("\ngoals (pymon):")
    if pymon:
        print(
            f"  >= 99 % within 100 ms (prev + interval): {verdict(pymon['on_time'] >= GOAL_ON_TIME)}"
            f" ({pymon['on_time']:.2%}; on the grid {pymon['on_grid']:.2%})"
        )
    if pymon and mon:
        share = pymon["cpu_per_1000"] / mon["cpu_per_1000"]
        ok = verdict(share <= GOAL_CPU_RATIO)
        print(f"  CPU per 1,000 checks <= 1/3 of mon's: {ok} ({share:.2f} of mon's)")
    if alerts.get("pymon"):
        median = alerts["pymon"]["median"]
        print(f"  failure to alert, median < 20 ms: {verdict(median < GOAL_ALERT_MEDIAN)} ({ms(median)} ms)")
    if pymon:
        median = pymon["opstatus"]["median"]
        print(f"  list opstatus, median < 50 ms: {verdict(median < GOAL_OPSTATUS_MEDIAN)} ({ms(median)} ms)")


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------
def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=2000, help="services for parts 1 and 3 (2000)")
    parser.add_argument("--interval", type=int, default=10, help="interval and randstart, seconds (10)")
    parser.add_argument("--window", type=float, default=60.0, help="measured seconds after warm-up (60)")
    parser.add_argument("--queries", type=int, default=20, help="list opstatus queries (20)")
    parser.add_argument("--fail-services", type=int, default=100, help="failing services in part 2 (100)")
    parser.add_argument("--failures", type=int, default=200, help="alerts to collect in part 2 (200)")
    parser.add_argument("--fail-sleep", type=float, default=0.0, help="the failing monitor's run time, s (0)")
    parser.add_argument("--part", choices=("schedule", "alerts"), help="run parts 1 and 3, or part 2, only")
    add_daemon_arguments(parser)
    args = parser.parse_args()
    if min(args.services, args.interval, args.queries, args.fail_services, args.failures) < 1:
        parser.error("counts and the interval must be at least 1")
    return args


def add_daemon_arguments(parser: argparse.ArgumentParser) -> None:
    """--only, --pymon and --keep, as every benchmark here takes them (see `daemons` and `run_dir`)."""
    parser.add_argument("--only", choices=("pymon", "mon"), help="run one daemon only")
    parser.add_argument("--pymon", default="pymon", help="the pymon program to run (pymon on PATH)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir and print its path")


@contextlib.contextmanager
def run_dir(prefix: str, keep: bool) -> Iterator[Path]:
    """The run's temp dir, removed after it unless KEEP; the machine and its load are printed around it."""
    print(f"machine: {machine()}\nload average before: {load()}", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield tmp
    finally:
        if keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"load average after: {load()}")


def daemons(only: str | None, pymon_command: str) -> list[tuple[str, str]]:
    pymon = shutil.which(pymon_command)
    found = [("pymon", pymon)] if pymon else []
    if os.access(MON_BIN, os.X_OK):
        found.append(("mon", MON_BIN))
    found = [(name, program) for name, program in found if only in (None, name)]
    if not found:
        raise SystemExit("neither pymon (on PATH) nor /usr/sbin/mon found")
    return found


def on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(f"signal {signum}")  # unwinds through the `with Daemon` blocks


def main() -> None:
    args = parse_args()
    signal.signal(signal.SIGTERM, on_sigterm)
    schedule: dict[str, dict] = {}
    alerts: dict[str, dict] = {}
    with run_dir("pymon-bench-engine-", args.keep) as tmp:
        for name, program in daemons(args.only, args.pymon):
            if args.part in (None, "schedule"):
                print(f"{name}: scheduling {args.services} services ...", flush=True)
                schedule[name] = bench_schedule(name, program, Tree(tmp / f"{name}-schedule"), args)
            if args.part in (None, "alerts"):
                print(f"{name}: failure to alert ...", flush=True)
                alerts[name] = bench_alerts(name, program, Tree(tmp / f"{name}-alerts"), args)
    if schedule:
        print_schedule(schedule, args)
    if alerts:
        print_alerts(alerts, args)
    print_goals(schedule, alerts)


if __name__ == "__main__":
    sys.exit(main())
