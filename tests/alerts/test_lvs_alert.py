"""lvs.alert as a real process with a recording ipvsadm: both forms in use
(classic -u, tutorial -X), every protocol and forwarding method, the error
paths (already there, already gone, no ipvsadm, ipvsadm failing, bad options),
draining and the quorum."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from .support import ALERTS, REPO, FakeIpvsadm, real, run_alert

VIP = "192.0.2.100:80"
MON = ["-s", "http", "-g", "realserver1", "-h", "192.0.2.11", "-t", "1795611521"]
LVS = ALERTS / "lvs.alert"


def lvs(fake: FakeIpvsadm, *argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_alert(LVS, [*MON, *argv], "http: connection refused\n", {**fake.env(), **(env or {})})


@pytest.fixture
def fake(tmp_path: Path) -> FakeIpvsadm:
    return FakeIpvsadm(tmp_path, {f"-t {VIP}": {"192.0.2.11:80": real(), "192.0.2.12:80": real(),
                                                "192.0.2.13:80": real()}})


ADD = ["-a", "-t", VIP, "-r", "192.0.2.11", "-w", "1", "-g"]
DELETE = ["-d", "-t", VIP, "-r", "192.0.2.11"]


@pytest.mark.parametrize("form,flags,expected", [
    # tutorial: `-X down` on the alert line, no -X on the upalert line (mon adds -u)
    ("classic failure", ["-P", "tcp", "-V", VIP, "-R", "192.0.2.11", "-W", "1", "-F", "dr"], DELETE),
    ("classic upalert", ["-u", "-P", "tcp", "-V", VIP, "-R", "192.0.2.11", "-W", "1", "-F", "dr"], ADD),
    ("tutorial alert", ["-P", "tcp", "-V", VIP, "-R", "192.0.2.11", "-W", "1", "-F", "dr", "-X", "down"],
     DELETE),
    ("tutorial upalert", ["-u", "-P", "tcp", "-V", VIP, "-R", "192.0.2.11", "-W", "1", "-F", "dr"], ADD),
    ("explicit -X up", ["-V", VIP, "-R", "192.0.2.11", "-X", "up"], ADD),
    ("defaults tcp, weight 1, dr", ["-u", "-V", VIP, "-R", "192.0.2.11"], ADD),
])
def test_both_forms(fake: FakeIpvsadm, form: str, flags: list[str], expected: list[str]) -> None:
    if expected[0] == "-a":
        fake.set_table({f"-t {VIP}": {"192.0.2.12:80": real()}})
    done = lvs(fake, *flags)
    assert (done.returncode, fake.calls()) == (0, [expected]), done.stderr
    verb = "added" if expected[0] == "-a" else "deleted"
    assert done.stderr == f"lvs.alert: {verb} real server 192.0.2.11 of TCP {VIP}" + (
        " with weight 1\n" if verb == "added" else "\n")
    assert ("192.0.2.11:80" in fake.table()[f"-t {VIP}"]) == (verb == "added")


@pytest.mark.parametrize("flags,expected", [
    (["-u", "-P", "udp", "-V", "192.0.2.100:53", "-R", "192.0.2.11:53", "-W", "3", "-F", "nat"],
     ["-a", "-u", "192.0.2.100:53", "-r", "192.0.2.11:53", "-w", "3", "-m"]),
    (["-u", "-P", "fwmark", "-V", "7", "-R", "192.0.2.11", "-F", "tun"],
     ["-a", "-f", "7", "-r", "192.0.2.11", "-w", "1", "-i"]),
    (["-P", "UDP", "-V", "192.0.2.100:53", "-R", "192.0.2.11:53"],
     ["-d", "-u", "192.0.2.100:53", "-r", "192.0.2.11:53"]),
    (["-P", "fwmark", "-V", "7", "-R", "192.0.2.11"], ["-d", "-f", "7", "-r", "192.0.2.11"]),
])
def test_protocols_and_forwarding(fake: FakeIpvsadm, flags: list[str], expected: list[str]) -> None:
    adding = expected[0] == "-a"
    fake.set_table({"-u 192.0.2.100:53": {} if adding else {"192.0.2.11:53": real()},
                    "-f 7": {} if adding else {"192.0.2.11": real()}})
    done = lvs(fake, *flags)
    assert (done.returncode, fake.calls()) == (0, [expected]), done.stderr


def test_already_there_is_success(fake: FakeIpvsadm) -> None:
    done = lvs(fake, "-u", "-V", VIP, "-R", "192.0.2.11")
    assert (done.returncode, fake.calls()) == (0, [ADD])
    assert done.stderr == f"lvs.alert: real server 192.0.2.11 of TCP {VIP} is already there\n"


def test_already_gone_is_success(fake: FakeIpvsadm) -> None:
    fake.set_table({f"-t {VIP}": {"192.0.2.12:80": real()}})
    done = lvs(fake, "-V", VIP, "-R", "192.0.2.11")
    assert (done.returncode, fake.calls()) == (0, [DELETE])
    assert done.stderr == f"lvs.alert: real server 192.0.2.11 of TCP {VIP} is already gone\n"


def test_virtual_service_gone_counts_as_already_gone(fake: FakeIpvsadm) -> None:
    fake.set_table({})
    done = lvs(fake, "-V", VIP, "-R", "192.0.2.11", "-X", "down")
    assert done.returncode == 0 and "is already gone" in done.stderr


def test_adding_to_a_missing_virtual_service_fails(fake: FakeIpvsadm) -> None:
    fake.set_table({})
    done = lvs(fake, "-u", "-V", VIP, "-R", "192.0.2.11")
    assert done.returncode == 1
    assert done.stderr == f"lvs.alert: could not add real server 192.0.2.11 of TCP {VIP}: No such service\n"


def test_ipvsadm_failing_is_reported(fake: FakeIpvsadm) -> None:
    fake.fail_with("Can't initialize ipvs: Protocol not available")
    done = lvs(fake, "-V", VIP, "-R", "192.0.2.11")
    assert done.returncode == 1
    assert done.stderr.endswith(": Can't initialize ipvs: Protocol not available\n")


def test_ipvsadm_missing(fake: FakeIpvsadm) -> None:
    done = run_alert(LVS, [*MON, "-V", VIP, "-R", "192.0.2.11"], "", {"PATH": "/usr/bin:/bin"})
    assert done.returncode == 1
    assert done.stderr == ("lvs.alert: cannot run ipvsadm: not found on PATH, /sbin or /usr/sbin "
                           "(give its path with -I or IPVSADM)\n")
    done = lvs(fake, "-I", "/nonexistent/ipvsadm", "-V", VIP, "-R", "192.0.2.11")
    assert done.returncode == 1
    assert done.stderr == ("lvs.alert: cannot run /nonexistent/ipvsadm: no such program "
                           "(give its path with -I or IPVSADM)\n")
    assert fake.calls() == []


def test_ipvsadm_path_from_option_and_environment(fake: FakeIpvsadm) -> None:
    plain = {"PATH": "/usr/bin:/bin"}
    done = run_alert(LVS, [*MON, "-I", str(fake.path), "-V", VIP, "-R", "192.0.2.11"], "", plain)
    assert done.returncode == 0, done.stderr
    by_env = {**plain, "IPVSADM": str(fake.path)}
    done = run_alert(LVS, [*MON, "-u", "-V", VIP, "-R", "192.0.2.11"], "", by_env)
    assert done.returncode == 0, done.stderr
    assert fake.calls() == [DELETE, ADD]


@pytest.mark.parametrize("flags,message", [
    (["-R", "192.0.2.11"], "-V VIP:PORT (or the firewall mark) is required"),
    (["-V", VIP], "-R RIP[:PORT] is required"),
    (["-V", VIP, "-R", "r", "-P", "sctp"], "-P must be tcp, udp or fwmark, not 'sctp'"),
    (["-V", VIP, "-R", "r", "-F", "direct"], "-F must be dr, nat or tun, not 'direct'"),
    (["-V", VIP, "-R", "r", "-W", "heavy"], "-W takes a whole number, not 'heavy'"),
    (["-V", VIP, "-R", "r", "-X", "sideways"], "-X must be up or down, not 'sideways'"),
    (["-V", VIP, "-R", "r", "-Q", "-1"], "-Q takes a whole number, not '-1'"),
])
def test_bad_options(fake: FakeIpvsadm, flags: list[str], message: str) -> None:
    done = lvs(fake, *flags)
    assert (done.returncode, done.stderr, fake.calls()) == (2, f"lvs.alert: usage: {message}\n", [])


def test_drain_sets_weight_zero_and_recovery_restores_it(fake: FakeIpvsadm) -> None:
    done = lvs(fake, "-V", VIP, "-R", "192.0.2.11", "-W", "5", "-D")
    assert done.returncode == 0 and done.stderr == f"lvs.alert: drained real server 192.0.2.11 of TCP {VIP}\n"
    assert fake.table()[f"-t {VIP}"]["192.0.2.11:80"]["weight"] == 0
    done = lvs(fake, "-u", "-V", VIP, "-R", "192.0.2.11", "-W", "5", "-D")
    assert done.returncode == 0
    assert done.stderr == f"lvs.alert: restored real server 192.0.2.11 of TCP {VIP} to weight 5\n"
    assert fake.calls() == [
        ["-e", "-t", VIP, "-r", "192.0.2.11", "-w", "0", "-g"],
        ["-a", "-t", VIP, "-r", "192.0.2.11", "-w", "5", "-g"],
        ["-e", "-t", VIP, "-r", "192.0.2.11", "-w", "5", "-g"],
    ]
    assert fake.table()[f"-t {VIP}"]["192.0.2.11:80"]["weight"] == 5


def test_drain_of_a_removed_server_is_already_gone(fake: FakeIpvsadm) -> None:
    fake.set_table({f"-t {VIP}": {}})
    done = lvs(fake, "-V", VIP, "-R", "192.0.2.11", "-D")
    assert done.returncode == 0 and "is already gone" in done.stderr


LIST = ["-L", "-n", "-t", VIP]


def test_quorum_refuses_to_remove_below_n(fake: FakeIpvsadm) -> None:
    servers = {"192.0.2.11:80": real(), "192.0.2.12:80": real(), "192.0.2.13:80": real(0)}  # .13 drained
    fake.set_table({f"-t {VIP}": servers})
    done = lvs(fake, "-V", VIP, "-R", "192.0.2.11", "-Q", "2")
    assert done.returncode == 0
    assert done.stderr == (f"lvs.alert: not removing real server 192.0.2.11 of TCP {VIP}: only 1 other "
                           "healthy real server left, quorum is 2\n")
    assert fake.calls() == [LIST]  # read the table, changed nothing
    assert "192.0.2.11:80" in fake.table()[f"-t {VIP}"]


def test_quorum_allows_removal_while_enough_remain(fake: FakeIpvsadm) -> None:
    done = lvs(fake, "-V", VIP, "-R", "192.0.2.11", "-Q", "2")
    assert (done.returncode, fake.calls()) == (0, [LIST, DELETE]), done.stderr
    done = lvs(fake, "-V", VIP, "-R", "192.0.2.12", "-Q", "2")
    assert done.returncode == 0 and "only 1 other healthy real server left, quorum is 2" in done.stderr
    assert sorted(fake.table()[f"-t {VIP}"]) == ["192.0.2.12:80", "192.0.2.13:80"]


def test_quorum_applies_to_draining_and_ignores_drained_servers(fake: FakeIpvsadm) -> None:
    fake.set_table({f"-t {VIP}": {"192.0.2.11:80": real(0), "192.0.2.12:80": real()}})
    done = lvs(fake, "-V", VIP, "-R", "192.0.2.12", "-Q", "1", "-D")
    assert done.returncode == 0 and "only 0 other healthy real servers left, quorum is 1" in done.stderr
    done = lvs(fake, "-V", VIP, "-R", "192.0.2.11", "-Q", "1")  # already drained: removing it is harmless
    assert done.returncode == 0 and done.stderr.startswith("lvs.alert: deleted")


def test_quorum_without_a_readable_table_refuses(fake: FakeIpvsadm) -> None:
    fake.fail_with("Memory allocation problem")
    done = lvs(fake, "-V", VIP, "-R", "192.0.2.11", "-Q", "1")
    assert done.returncode == 1
    assert "cannot read the table to check the quorum (Memory allocation problem)" in done.stderr
    assert fake.calls() == [LIST]


def test_getopt_std_semantics_of_values(fake: FakeIpvsadm) -> None:
    """Bundled value (-R192.0.2.11) and the mon flags -T/-O/-a accepted without noise."""
    done = lvs(fake, "-T", "-V" + VIP, "-R192.0.2.11", "-O", "-a")
    assert (done.returncode, fake.calls()) == (0, [DELETE]), done.stderr


def test_quorum_holds_when_two_servers_fail_at_once(fake: FakeIpvsadm, tmp_path: Path) -> None:
    """Both alerts read the table before either deletes: without the lock both would see two
    other healthy servers and both delete, leaving one."""
    (fake.state / "delay").write_text("0.5")
    env = {**fake.env(), "PYTHONPATH": str(REPO), "MON_STATEDIR": str(tmp_path)}
    procs = [subprocess.Popen([str(LVS), *MON, "-V", VIP, "-R", rip, "-Q", "2"], env=env, text=True,
                              stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for rip in ("192.0.2.11", "192.0.2.12")]
    outputs = [p.communicate(timeout=30)[1] for p in procs]
    assert sum("deleted" in out for out in outputs) == 1, outputs
    assert sum("quorum is 2" in out for out in outputs) == 1, outputs
    assert len(fake.table()[f"-t {VIP}"]) == 2
