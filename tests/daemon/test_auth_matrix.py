"""Authentication and authorisation, pymon against the real mon (AUTH-01..13, PROTO-01b/05/06/42).

Both daemons get the same mon.cf, auth.cf and userfile; every protocol command
is sent by an anonymous client and by users whom auth.cf allows, lists
nowhere, denies with `!user`, or covers with `AUTH_ANY`; the replies must be
the same line for line (only the clock in `servertime` is masked).
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pymon.server.auth import allowed, parse_auth
from pymon.server.login import crypt
from pymon.server.pamauth import pam_authenticate
from pymon.server.protocol import AUTHORIZED_COMMANDS, COMMANDS
from pymon.server.protocol import DENIED as DENIED_REPLY

from .harness import MONCMD, Client, Daemon, wait_for
from .mon_daemon import RealMon

# Each hash kind libcrypt offers on Debian: SHA-512, SHA-256, MD5, DES.
USERS = {"alice": "$6$q7Lx0AbC$", "bob": "$5$Zr8t1wQe$", "carol": "$1$mB3kP0sx$", "dave": "Xy"}


def userfile_text() -> str:
    lines = ["# mon users: name : crypt(3) hash", ""]
    for user, salt in USERS.items():
        hashed = crypt(f"{user}pw", salt)
        assert hashed is not None and hashed.startswith(salt[:3] if salt.startswith("$") else salt)
        lines.append(f"{user} : {hashed}")
    lines += ["  # an indented comment", "eve", "frank:", ""]  # eve: no hash at all; frank: an empty one
    return "\n".join(lines)


AUTH = """\
# who may do what
list:       all
command section
servertime: AUTH_ANY
disable:    alice, !bob
enable:     alice , carol
stop:       AUTH_ANY, !bob
start:      AUTH_ANY,!AUTH_ANY
test:       alice,carol
get:        AUTH_ANY
set:        alice
ack:        all, !dave
clear:      carol
reload:     alice
loadstate:  alice
savestate:  bob
reset:      carol
Term:       alice
checkauth:  nobody

trap section
127.0.0.1 * *
"""

CONFIG = """\
authtype = {authtype}
userfile = {userfile}

hostgroup g h1 h2

watch g
    service s
        interval 1h
        monitor rec.monitor s
"""

# Every command word (PROTO-01) with arguments that change nothing lasting.
REQUESTS = (
    "list watch", "list group g", "servertime", "disable watch nosuch", "disable service g s",
    "enable service g s", "disable host h1", "enable host h1", "enable watch g", "start", "stop",
    "test monitor g s", "test config", "clear timers g s", "get maxkeep", "set maxkeep 100",
    "ack g s on it", "reload auth", "reload bogus", "loadstate bogus", "savestate bogus", "reset",
    "dump", "protid 9745", "version", "setview", "getview",
    *(f"checkauth {word}" for word in COMMANDS), "checkauth LIST", "checkauth", "checkauth nosuch",
)  # fmt: skip
# Owned by other work (state files, reset): pymon does not run them yet, so for
# a user mon lets run them only the checkauth lines above are compared.
NOT_YET = ("loadstate", "savestate", "reset")

# One connection each: (name, login lines, then every request).
SESSIONS = (
    ("anonymous", ()),
    ("failed login", ("login alice wrong", "login alice", "login", "login nobody pw", "login eve x")),
    ("bob: listed, and denied with !bob", ("LOGIN bob bobpw",)),
    ("carol: listed for some", ("login frank x", "login carol carolpw")),
    ("dave: AUTH_ANY only, !dave", ("login dave davepw",)),
    ("alice: most; a failed login keeps her", ("login alice pw x", "login alice alicepw", "login bob x")),
)
DENIED = DENIED_REPLY.rstrip("\n")
SERVERTIME = re.compile(r"^\d+ \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$")


def masked(lines: list[str]) -> list[str]:
    return ["<time>" if SERVERTIME.match(line) else line for line in lines]


def converse(client: Client, lines: tuple[str, ...]) -> list[tuple[str, list[str]]]:
    return [(line, masked(client.cmd(line))) for line in lines]


def user_of(logins: tuple[str, ...], replies: list[tuple[str, list[str]]]) -> str | None:
    """Who is logged in after LOGINS, from their replies (AUTH-13)."""
    user = None
    for line, reply in replies[: len(logins)]:
        if reply == ["220 login accepted"]:
            user = line.split()[1]
    return user


Both = Callable[[str], tuple[Daemon, RealMon]]  # authtype -> pymon and mon, started on the same files


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Both]:
    started: list[Daemon | RealMon] = []

    def start(authtype: str) -> tuple[Daemon, RealMon]:
        tmp = tmp_path_factory.mktemp("auth")
        userfile = tmp / "monusers.cf"
        userfile.write_text(userfile_text())
        config = CONFIG.format(authtype=authtype, userfile=userfile)
        pymon = Daemon(tmp / "pymon", config, ("-S",), {}, AUTH)
        started.append(pymon)
        mon = RealMon(tmp / "mon", config, AUTH)
        started.append(mon)
        return pymon, mon

    yield start
    for daemon in started:
        daemon.stop()


def test_every_command_for_every_kind_of_user_as_mon_answers(both: Both) -> None:
    pymon, mon = both("userfile")
    rules = parse_auth(AUTH, "auth.cf")
    sent = {line.split()[0] for line in REQUESTS} | {"login", "quit", "term"}
    assert sent == set(COMMANDS)
    for name, logins in SESSIONS:
        ours, theirs = Client(pymon.port), Client(mon.port)
        try:
            lines = (*logins, *REQUESTS, "quit")
            got, want = converse(ours, lines), converse(theirs, lines)
            assert want[-1] == ("quit", ["220 quitting"])
            with pytest.raises(EOFError):
                ours.line()
        finally:
            ours.close()
            theirs.close()
        user = user_of(logins, want)
        for (line, reply), (_, expected) in zip(got, want, strict=True):
            command, *args = line.split()
            if command in NOT_YET and expected != [DENIED]:
                continue
            assert reply == expected, f"{name}: {line!r}"
            # and the pure check_auth agrees with the real mon's gate
            if command == "checkauth":
                authorized = expected == ["220 command authorized"]
                assert authorized == allowed(rules, args[0] if args else None, user), f"{name}: {line!r}"
            elif command in AUTHORIZED_COMMANDS:
                assert (expected != [DENIED]) == allowed(rules, command, user), f"{name}: {line!r}"
    # `term` last: refused, then allowed; both daemons exit 0
    for daemon in (pymon, mon):
        anonymous, alice = Client(daemon.port), Client(daemon.port)
        assert anonymous.cmd("term") == [DENIED]
        assert alice.cmd("login alice alicepw") == ["220 login accepted"]
        assert alice.cmd("term") == ["220 terminating server"]
        assert wait_for("the daemon to exit", lambda: daemon.proc.poll() is not None)  # noqa: B023
        assert daemon.proc.returncode == 0
        anonymous.close()
        alice.close()


def test_denials_and_logins_are_logged_as_mon_logs_them(both: Both) -> None:
    pymon, _ = both("userfile")
    client = Client(pymon.port)
    for line in ("servertime", "login alice wrong", "login eve x", "login alice", "login alice alicepw",
                 "checkauth nosuch", "login bob bobpw", "disable watch g", "checkauth disable"):  # fmt: skip
        client.cmd(line)
    client.close()
    messages = [(e["priority"], e["message"]) for e in pymon.syslog() if "priority" in e]
    noise = ("client command", "finished client command", "client connection")
    auth = [m for m in messages if not m[1].startswith(noise)]
    userfile = str(pymon.base.parent / "monusers.cf")
    err, warning, info = 3, 4, 6
    assert auth[-8:] == [
        (err, "user '' tried 'servertime', not authenticated"),
        (warning, "User 'alice' gave bad password"),
        (warning, f"User 'eve' not in file '{userfile}'"),
        (err, "an undef username or password supplied"),
        (info, "authenticated alice"),
        (info, "authenticated bob"),
        (err, "user 'bob' tried 'disable', denied"),
        (err, "user 'bob' tried 'disable', denied"),  # checkauth still logs a `!user` denial
    ]
    assert not any("login" in m[1] for m in messages)  # PROTO-00g: login lines are never logged


@pytest.mark.parametrize(
    "authtype",
    ["shadow userfile", "getpwnam", "trustlocal", "bogus userfile", "pam"],
)
def test_each_authtype_as_mon(both: Both, authtype: str) -> None:
    pymon, mon = both(authtype)
    lines = (
        "login alice alicepw", "login root wrong-password", "login nosuchuser pw", "login anyone",
        "login bob bobpw", "servertime",
    )  # fmt: skip
    ours, theirs = Client(pymon.port), mon.client()
    assert converse(ours, lines) == converse(theirs, lines)
    ours.close()
    theirs.close()


def test_pam_accepts_what_the_pam_service_accepts(both: Both) -> None:
    """AUTH-09, a PAM service that says yes: `runuser` lets root in (pam_rootok), any name and password."""
    if not pam_authenticate("runuser", "root", "x").accepted:
        pytest.skip("PAM is not usable here (no libpam, no runuser service, or not running as root)")
    tmp = both("pam")[0].base.parent
    config = CONFIG.format(authtype="pam", userfile=tmp / "monusers.cf") + "\n"
    config = "pamservice = runuser\n" + config
    pymon = Daemon(tmp / "pymon-runuser", config, ("-S",), {}, AUTH)
    mon = RealMon(tmp / "mon-runuser", config, AUTH)
    try:
        lines = ("servertime", "login nosuchuser pw", "servertime", "login root", "login root anything")
        assert converse(Client(pymon.port), lines) == converse(mon.client(), lines)
    finally:
        pymon.stop()
        mon.stop()


def test_moncmd_batch_login(both: Both) -> None:
    """`moncmd -a -l USER` reads `user=`/`pass=` lines, then commands, from stdin (it drops the
    first command after them: a moncmd quirk, the same against either daemon)."""
    if not os.access(MONCMD, os.X_OK):
        pytest.skip("moncmd (Debian package mon) is not installed")
    pymon, mon = both("userfile")

    def moncmd(port: int, user: str, stdin: str) -> tuple[int, str, str]:
        argv = [MONCMD, "-a", "-l", user, "-s", "127.0.0.1", "-p", str(port)]
        done = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=30)
        return done.returncode, "\n".join(masked(done.stdout.splitlines())), done.stderr

    sessions = (
        ("alice", "user=bob\npass=alicepw\ndropped\nservertime\ndisable watch g\nenable watch g\n"),
        ("bob", "PASS=bobpw\n\ndisable watch g\nlist watch\n"),
        ("alice", "pass=wrong\nservertime\n"),
    )
    for user, stdin in sessions:
        ours, theirs = moncmd(pymon.port, user, stdin), moncmd(mon.port, user, stdin)
        assert ours == theirs, stdin
    assert "220 disable watch completed" in moncmd(pymon.port, *sessions[0])[1]
    assert "Could not authenticate" in moncmd(pymon.port, *sessions[2])[2]


def test_reload_auth_rereads_the_file_and_keeps_the_rules_when_it_is_broken(
    both: Both,
) -> None:
    pymon, _ = both("userfile")
    authfile = pymon.base / "etc" / "auth.cf"
    client = Client(pymon.port)
    assert client.cmd("login alice alicepw") == ["220 login accepted"]
    assert client.cmd("clear timers g s") == [DENIED]
    authfile.write_text(AUTH.replace("clear:      carol", "clear:      alice"))
    assert client.cmd("reload auth") == ["220 reload completed"]
    assert client.cmd("clear timers g s") == ["220 clear timers completed"]
    authfile.write_text("list: all\nclear: carol\nthis line has no colon\n")
    assert client.cmd("reload auth") == ["520 reload auth failed, could not parse line 3 of auth file"]
    assert client.cmd("clear timers g s") == ["220 clear timers completed"]  # the old rules still hold
    assert pymon.syslogged(3, f"could not parse line 3 of auth file ({authfile}:3)")
    authfile.unlink()
    missing = f"could not open {authfile}: No such file or directory"
    assert client.cmd("reload auth") == [f"520 reload auth failed, {missing}"]
    assert client.cmd("list watch") == ["g s", "220 list watch completed"]
    client.close()


def test_a_broken_auth_file_stops_startup_as_mon_does(tmp_path: Path) -> None:
    (tmp_path / "users").write_text("")
    config = CONFIG.format(authtype="userfile", userfile=tmp_path / "users")
    broken = "list: all\n\nno colon here\n"
    with pytest.raises(AssertionError, match=r"exited with 25") as pymon_error:
        Daemon(tmp_path / "pymon", config, ("-S",), {}, broken)
    assert "could not parse line 3 of auth file\n" in str(pymon_error.value)
    assert "auth.cf:3:1" in str(pymon_error.value)  # and where, as config errors say it
    with pytest.raises(AssertionError, match=r"mon exited with 25") as mon_error:
        RealMon(tmp_path / "mon", config, broken)
    assert "could not parse line 3 of auth file" in str(mon_error.value)


def test_a_slow_pam_login_does_not_hold_up_other_clients(both: Both) -> None:
    """PAM waits about two seconds after a wrong password; mon stalls meanwhile, pymon does not."""
    pymon, _ = both("pam")
    if not pam_authenticate("runuser", "root", "x").accepted:
        pytest.skip("PAM is not usable here")
    slow, other = Client(pymon.port), Client(pymon.port)
    started = time.monotonic()
    slow.send(b"login root surely-not-the-password\n")
    time.sleep(0.2)
    assert other.cmd("list watch") == ["g s", "220 list watch completed"]
    answered = time.monotonic() - started
    assert slow.line() == "530 login unsuccessful"
    refused = time.monotonic() - started
    if refused < 1.0:
        pytest.skip("this PAM refuses at once: nothing to wait for")
    assert answered < refused - 0.5
    slow.close()
    other.close()


def random_auth_file(rng: random.Random) -> str:
    """An auth.cf mon and pymon must read alike: odd spacing, case, repeats, sections."""
    names = ("alice", "bob", "all", "AUTH_ANY", "!alice", "!bob", "!AUTH_ANY", "!all", "", "carol ")
    lines = ["reload: all"]
    for _ in range(rng.randint(3, 12)):
        kind = rng.random()
        if kind < 0.1:
            lines.append(rng.choice(["# a comment", "   # another", "", "  \t", "command section"]))
        elif kind < 0.15:
            lines += ["trap section", rng.choice(["* * *", "127.0.0.1 u p", "two fields"]), "command section"]
        else:
            command = "".join(c.upper() if rng.random() < 0.2 else c for c in rng.choice(WORDS))
            separator = rng.choice([":", " : ", ":\t", "  :", "\t:  "])
            comma = rng.choice([",", " , ", ",  ", "\t,"])
            users = comma.join(rng.sample(names, rng.randint(0, 4)))
            lines.append(rng.choice(["", "  "]) + command + separator + users + rng.choice(["", " ", "\t"]))
    return "\n".join(lines) + "\n"


WORDS = ("list", "stop", "disable", "servertime", "set", "nosuch")
IDENTITIES = (None, "alice", "bob", "carol", "all", "AUTH_ANY")


def test_random_auth_files_are_read_and_checked_as_mon_does(both: Both) -> None:
    """`checkauth` is check_auth itself: ask both daemons about every command for every identity,
    under many generated auth.cf files (loaded with `reload auth`; trustlocal logs anyone in)."""
    pymon, mon = both("trustlocal")
    rng = random.Random(20261125)
    daemons: tuple[Daemon | RealMon, ...] = (pymon, mon)
    clients = {daemon: [Client(daemon.port) for _ in IDENTITIES] for daemon in daemons}
    for connections in clients.values():
        for connection, user in zip(connections, IDENTITIES, strict=True):
            if user is not None:
                assert connection.cmd(f"login {user}") == ["220 login accepted"]
    queries = [f"checkauth {word}" for word in WORDS] + ["checkauth LIST", "checkauth reload"]
    for _ in range(60):
        text = random_auth_file(rng)
        answers = []
        for daemon, connections in clients.items():
            daemon.base.joinpath("etc", "auth.cf").write_text(text)
            assert connections[1].cmd("reload auth") == ["220 reload completed"], text  # alice may
            answers.append([[c.cmd(q)[0] for q in queries] for c in connections])
        ours, theirs = answers
        assert ours == theirs, text
        rules = parse_auth(text, "auth.cf")  # and the pure function agrees
        for user, replies in zip(IDENTITIES, theirs, strict=True):
            expected = [allowed(rules, q.split()[1], user) for q in queries]
            assert [r == "220 command authorized" for r in replies] == expected, (text, user)
    for connections in clients.values():
        for connection in connections:
            connection.close()
