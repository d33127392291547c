"""Benchmark: parsing a large mon.cf, pymon against the real mon.

What it measures
----------------
1. It writes a mon.cf with N watches (10,000 by default) into a temp dir:
   each watch has its own hostgroup of four hosts (127.0.0.0/8 addresses and
   hNNNNN.example names; nothing is contacted), one service (description,
   interval, monitor with arguments) and two periods (a labelled
   ``wd {Mon-Fri} hr {7am-7pm}`` period with alert, upalert, alertevery and
   alertafter, and ``wd {Sat-Sun}`` with one alert).  Stub monitor and alert
   scripts go into mon.d and alert.d so the program lookup finds them.
2. pymon: ``pymon.config.load_config`` on that file, each run in a fresh
   Python subprocess, so the import is timed apart from the parse and the
   memory figures are that process's own.  Reported: parse time, wall and
   CPU (best and median of --runs), import time, peak RSS of the child
   (getrusage ru_maxrss) and, in one extra run under tracemalloc, the peak
   of Python allocations during the parse alone.
3. The real mon (``/usr/sbin/mon``, Debian package ``mon``; skipped if absent)
   started on the same file in the foreground with the scheduler stopped
   (-S): the time from exec until its TCP port accepts a connection, the CPU
   time it has used by then (/proc/PID/stat) and its peak RSS (VmHWM) at that
   moment.  It is then stopped with SIGTERM (SIGKILL after a deadline) and
   reaped.  Best and median of --mon-runs (0 skips mon).
4. A table with both, their ratios, the machine and the goals (pymon parses
   a 10,000-watch config in under 1 s and under 200 MB).  CPU times are
   shown because wall times swing with other load on the machine (the load
   average is printed too).

How to run it (from the top of the checkout; standard library plus pymon)::

    python3 bench/config_parse.py [--watches N] [--runs 5] [--mon-runs 3] [--keep]
"""

from __future__ import annotations

import argparse
import json
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
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MON_BIN = "/usr/sbin/mon"
GOAL_SECONDS = 1.0
GOAL_MB = 200.0
MON_START_DEADLINE = 600.0  # seconds to wait for mon's port
MON_STOP_DEADLINE = 10.0  # seconds between SIGTERM and SIGKILL
POLL_INTERVAL = 0.005

MONITOR = "bench.monitor"
ALERTS = ("mail.alert", "page.alert")
STUB_SCRIPT = "#!/bin/sh\nexit 0\n"
AUTH_CF = "command section\nlist:\tall\n\ntrap section\n"


# ---------------------------------------------------------------------------
# the config
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Layout:
    """The temp dir and the paths both daemons are given."""

    tmp: Path

    @property
    def etc(self) -> Path:
        return self.tmp / "etc"

    @property
    def config(self) -> Path:
        return self.etc / "mon.cf"

    @property
    def auth(self) -> Path:
        return self.etc / "auth.cf"

    @property
    def mondir(self) -> Path:
        return self.tmp / "mon.d"

    @property
    def alertdir(self) -> Path:
        return self.tmp / "alert.d"

    @property
    def logdir(self) -> Path:
        return self.tmp / "log"

    @property
    def statedir(self) -> Path:
        return self.tmp / "state"

    @property
    def pidfile(self) -> Path:
        return self.tmp / "mon.pid"


def hosts_of(i: int) -> str:
    """Four hosts for watch number i: three loopback addresses and a name."""
    base = 3 * i
    addresses = [f"127.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}" for n in (base, base + 1, base + 2)]
    return " ".join([*addresses, f"h{i:05d}.example"])


def watch_block(i: int) -> str:
    """A hostgroup and its watch, each followed by the blank line mon needs."""
    group = f"g{i:05d}"
    return (
        f"hostgroup {group} {hosts_of(i)}\n"
        "\n"
        f"watch {group}\n"
        "    service svc\n"
        f"        description service of watch {group}\n"
        "        interval 5m\n"
        f"        monitor {MONITOR} -t 10 -p {8000 + i % 1000}\n"
        "        period office: wd {Mon-Fri} hr {7am-7pm}\n"
        f"            alert mail.alert -S \"{group} down\" ops@example.com\n"
        "            upalert mail.alert ops@example.com\n"
        "            alertevery 1h\n"
        "            alertafter 2\n"
        "        period wd {Sat-Sun}\n"
        "            alert page.alert oncall@example.com\n"
        "\n"
    )


def config_text(watches: int) -> str:
    header = "serverbind = 127.0.0.1\ntrapbind = 127.0.0.1\n\n"
    return header + "".join(watch_block(i) for i in range(1, watches + 1))


def write_stub(path: Path) -> None:
    path.write_text(STUB_SCRIPT)
    path.chmod(0o755)


def build_tree(layout: Layout, watches: int) -> None:
    """Directories, mon.cf, auth.cf and the stub programs."""
    for d in (layout.etc, layout.mondir, layout.alertdir, layout.logdir, layout.statedir):
        d.mkdir(parents=True, exist_ok=True)
    layout.config.write_text(config_text(watches))
    layout.auth.write_text(AUTH_CF)
    write_stub(layout.mondir / MONITOR)
    for name in ALERTS:
        write_stub(layout.alertdir / name)


# ---------------------------------------------------------------------------
# pymon, one fresh child process per run
# ---------------------------------------------------------------------------
# Runs in the child: argv = [mode, tmp]; prints one JSON object.
CHILD = """\
import json, resource, sys, time
mode, tmp = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
from pymon.config import Options, load_config
t1 = time.perf_counter()
rss_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
options = Options(
    configfile=f"{tmp}/etc/mon.cf", basedir=tmp, cfbasedir=f"{tmp}/etc",
    scriptdir=f"{tmp}/mon.d", alertdir=f"{tmp}/alert.d", logdir=f"{tmp}/log",
    statedir=f"{tmp}/state", authfile=f"{tmp}/etc/auth.cf", pidfile=f"{tmp}/mon.pid",
)
if mode == "trace":
    import tracemalloc
    tracemalloc.start()
t2, c2 = time.perf_counter(), time.process_time()
loaded = load_config(options)
t3, c3 = time.perf_counter(), time.process_time()
peak = tracemalloc.get_traced_memory()[1] if mode == "trace" else None
print(json.dumps({
    "import_s": t1 - t0, "parse_s": t3 - t2, "parse_cpu_s": c3 - c2, "traced_peak": peak,
    "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "import_maxrss_kb": rss_import,
    "watches": len(loaded.config.watches), "services": len(loaded.config.services()),
    "problems": list(loaded.problems),
}))
"""


def run_pymon_child(layout: Layout, mode: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(layout.tmp)],
        cwd=layout.tmp, env=env, capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"pymon child failed ({done.returncode}):\n{done.stderr}")
    result = json.loads(done.stdout)
    if result["problems"]:
        raise SystemExit(f"pymon reported problems: {result['problems'][:5]}")
    return result


def bench_pymon(layout: Layout, runs: int, watches: int) -> dict:
    timed = [run_pymon_child(layout, "time") for _ in range(runs)]
    traced = run_pymon_child(layout, "trace")
    if timed[0]["watches"] != watches or timed[0]["services"] != watches:
        raise SystemExit(f"pymon read {timed[0]['watches']} watches, {timed[0]['services']} services")
    parse = [r["parse_s"] for r in timed]
    cpu = [r["parse_cpu_s"] for r in timed]
    return {
        "parse_best": min(parse),
        "parse_median": statistics.median(parse),
        "cpu_best": min(cpu),
        "cpu_median": statistics.median(cpu),
        "import_median": statistics.median(r["import_s"] for r in timed),
        "rss_mb": max(r["maxrss_kb"] for r in timed) / 1024,
        "import_rss_mb": max(r["import_maxrss_kb"] for r in timed) / 1024,
        "traced_mb": traced["traced_peak"] / 2**20,
    }


# ---------------------------------------------------------------------------
# the real mon
# ---------------------------------------------------------------------------
def free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mon_argv(layout: Layout, port: int, trapport: int) -> list[str]:
    return [
        MON_BIN, "-c", str(layout.config), "-p", str(port), "-t", str(trapport),
        "-L", str(layout.logdir), "-D", str(layout.statedir), "-P", str(layout.pidfile),
        "-s", str(layout.mondir), "-a", str(layout.alertdir), "-b", str(layout.tmp),
        "-B", str(layout.etc), "-A", str(layout.auth), "-S",
    ]


def accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_listening(proc: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + MON_START_DEADLINE
    while not accepts(port):
        if proc.poll() is not None:
            raise SystemExit(f"mon exited with status {proc.returncode} before listening")
        if time.monotonic() > deadline:
            raise SystemExit(f"mon did not listen within {MON_START_DEADLINE:.0f} s")
        time.sleep(POLL_INTERVAL)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a live process has used so far (/proc/PID/stat)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "; utime is field 14
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    """VmHWM of a live process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise SystemExit(f"no VmHWM for pid {pid}")


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM by PID, SIGKILL after a deadline, and reap."""
    if proc.poll() is not None:
        return
    os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(MON_STOP_DEADLINE)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()


def run_mon_once(layout: Layout) -> tuple[float, float, float]:
    """Seconds from exec until mon's port accepts, its CPU seconds and peak RSS (MiB) then."""
    port, trapport = free_port(socket.SOCK_STREAM), free_port(socket.SOCK_DGRAM)
    with open(layout.tmp / "mon.out", "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            mon_argv(layout, port, trapport), cwd=layout.tmp, stdin=subprocess.DEVNULL,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            wait_listening(proc, port)
            elapsed = time.perf_counter() - start
            return elapsed, cpu_seconds(proc.pid), peak_rss_mb(proc.pid)
        finally:
            stop(proc)


def bench_mon(layout: Layout, runs: int) -> dict | None:
    if runs < 1:
        return None
    if not os.access(MON_BIN, os.X_OK):
        print(f"{MON_BIN} not found (Debian package 'mon'): skipping the real mon")
        return None
    results = [run_mon_once(layout) for _ in range(runs)]
    starts = [seconds for seconds, _, _ in results]
    cpu = [seconds for _, seconds, _ in results]
    return {
        "start_best": min(starts),
        "start_median": statistics.median(starts),
        "cpu_best": min(cpu),
        "cpu_median": statistics.median(cpu),
        "rss_mb": max(rss for _, _, rss in results),
    }


# ---------------------------------------------------------------------------
# the report
# ---------------------------------------------------------------------------
def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> str:
    return (
        f"{cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        f" ({platform.python_implementation()}), {platform.system()} {platform.release()}"
    )


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "-"


def verdict(value: float, goal: float) -> str:
    return "met" if value < goal else "MISSED"


def row(label: str, *values: float, digits: int = 3) -> None:
    print(f"{label:40}" + "".join(f"{v:10.{digits}f}" for v in values))


def print_times(pymon: dict, mon: dict | None) -> None:
    print(f"{'seconds':40}{'best':>10}{'median':>10}")
    row("pymon load_config, wall", pymon["parse_best"], pymon["parse_median"])
    row("pymon load_config, CPU", pymon["cpu_best"], pymon["cpu_median"])
    print(f"{'pymon import pymon.config, wall':40}{'':10}{pymon['import_median']:10.3f}")
    if mon:
        row("mon exec until port accepts, wall", mon["start_best"], mon["start_median"])
        row("mon exec until port accepts, CPU", mon["cpu_best"], mon["cpu_median"])


def print_memory(pymon: dict, mon: dict | None) -> None:
    print(f"{'MiB':40}{'peak':>10}")
    row("pymon RSS (ru_maxrss)", pymon["rss_mb"], digits=1)
    row("pymon RSS after the import", pymon["import_rss_mb"], digits=1)
    row("pymon tracemalloc peak, parse only", pymon["traced_mb"], digits=1)
    if mon:
        row("mon RSS (VmHWM) when the port accepts", mon["rss_mb"], digits=1)


def print_ratios(pymon: dict, mon: dict) -> None:
    print("pymon / mon:")
    print(f"  wall time, best:   {ratio(pymon['parse_best'], mon['start_best'])}")
    print(f"  wall time, median: {ratio(pymon['parse_median'], mon['start_median'])}")
    print(f"  CPU time, median:  {ratio(pymon['cpu_median'], mon['cpu_median'])}")
    print(f"  peak RSS:          {ratio(pymon['rss_mb'], mon['rss_mb'])}")


def print_goals(pymon: dict) -> None:
    mb = pymon["rss_mb"] * 2**20 / 1e6
    print(f"goal: pymon parses in < {GOAL_SECONDS:g} s: {verdict(pymon['parse_median'], GOAL_SECONDS)}"
          f" (median {pymon['parse_median']:.3f} s wall, {pymon['cpu_median']:.3f} s CPU)")
    print(f"goal: pymon peak RSS < {GOAL_MB:g} MB: {verdict(mb, GOAL_MB)} ({mb:.0f} MB)")


def print_report(watches: int, config_bytes: int, pymon: dict, mon: dict | None) -> None:
    print(f"\nconfig: {watches} watches, {config_bytes / 2**20:.1f} MiB")
    print(f"machine: {machine()}")
    print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}\n".format(*os.getloadavg()))
    print_times(pymon, mon)
    print()
    print_memory(pymon, mon)
    print()
    if mon:
        print_ratios(pymon, mon)
        print()
    print_goals(pymon)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--watches", type=int, default=10_000, help="watches in the config (10000)")
    parser.add_argument("--runs", type=int, default=5, help="pymon runs (5)")
    parser.add_argument("--mon-runs", type=int, default=3, help="real mon runs (3)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir and print its path")
    args = parser.parse_args()
    if args.watches < 1 or args.runs < 1 or args.mon_runs < 0:
        parser.error("--watches and --runs must be at least 1, --mon-runs at least 0")
    return args


def main() -> None:
    args = parse_args()
    layout = Layout(Path(tempfile.mkdtemp(prefix="pymon-bench-")))
    try:
        build_tree(layout, args.watches)
        print(f"pymon: {args.runs} runs + 1 under tracemalloc ...", flush=True)
        pymon = bench_pymon(layout, args.runs, args.watches)
        print(f"mon: {args.mon_runs} runs ...", flush=True)
        mon = bench_mon(layout, args.mon_runs)
        print_report(args.watches, layout.config.stat().st_size, pymon, mon)
    finally:
        if args.keep:
            print(f"\nkept {layout.tmp}")
        else:
            shutil.rmtree(layout.tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
