"""auth.cf parsing, check_auth and the login checks, without a daemon (AUTH-01..10)."""

from __future__ import annotations

import shutil
import subprocess
import warnings
from pathlib import Path

import pytest

from pymon.server import login as login_module
from pymon.server.auth import AuthError, AuthRules, allowed, check, load_auth, parse_auth
from pymon.server.login import LoginOutcome, crypt, login, userfile_hash

AUTH = """\
# comment
   # indented comment
list:       all
command section: trailing words are ignored
Servertime :AUTH_ANY
disable:    alice, !bob
stop  :  AUTH_ANY ,!bob
start:      AUTH_ANY,!AUTH_ANY
ack:        all, !dave
clear:
get: ,alice
term: alice, alice
set : a : b

trap section
127.0.0.1 * *
no colon in the trap section is fine
command section
enable: carol
"""


def rules() -> AuthRules:
    return parse_auth(AUTH, "auth.cf")


def test_command_section_as_mon_reads_it() -> None:
    found = rules()
    assert dict(found.allow) == {
        "list": {"all"},
        "servertime": {"AUTH_ANY"},
        "disable": {"alice"},
        "stop": {"AUTH_ANY"},
        "start": {"AUTH_ANY"},
        "ack": {"all"},
        "get": {"", "alice"},  # a leading comma gives an empty name, which no login can have
        "term": {"alice"},
        "set": {"a : b"},  # only the first colon splits
        "enable": {"carol"},  # back in a command section after the trap section
    }
    assert dict(found.deny) == {"disable": {"bob"}, "stop": {"bob"}, "start": {"AUTH_ANY"}, "ack": {"dave"}}
    assert "command section" not in found.allow  # a header, even with a colon after it


@pytest.mark.parametrize(
    ("command", "user", "expected", "log"),
    [
        ("list", None, True, None),
        ("list", "anyone", True, None),
        ("servertime", None, False, "user '' tried 'servertime', not authenticated"),
        ("servertime", "anyone", True, None),
        ("disable", "alice", True, None),
        ("disable", "bob", False, "user 'bob' tried 'disable', denied"),
        ("disable", "carol", False, "user 'carol' tried 'disable', not authenticated"),
        ("stop", "bob", False, "user 'bob' tried 'stop', denied"),
        ("stop", "carol", True, None),
        ("start", "alice", False, "user 'alice' tried 'start', denied"),  # !AUTH_ANY: every logged-in user
        ("start", None, False, "user '' tried 'start', not authenticated"),
        ("ack", None, True, None),
        ("ack", "dave", False, "user 'dave' tried 'ack', denied"),  # `!user` wins over `all`
        ("clear", "alice", False, "user 'alice' tried 'clear', not authenticated"),
        ("reset", "alice", False, "user 'alice' tried 'reset', not authenticated"),  # missing: nobody
        ("LIST", None, False, "user '' tried 'LIST', not authenticated"),  # checkauth does not lower-case
        (None, "alice", False, "user 'alice' tried '', not authenticated"),
    ],
)
def test_check_auth_in_mons_order(
    command: str | None, user: str | None, expected: bool, log: str | None
) -> None:
    decision = check(rules(), command, user)
    assert (decision.allowed, decision.log) == (expected, log)
    assert allowed(rules(), command, user) is expected


def test_checkauth_is_quiet_except_for_a_denial() -> None:
    assert check(rules(), "clear", "alice", quiet=True).log is None
    assert check(rules(), "disable", "bob", quiet=True).log == "user 'bob' tried 'disable', denied"


def test_no_rules_deny_everything() -> None:
    assert not allowed(AuthRules(), "list", None)
    assert not allowed(AuthRules(), "list", "alice")


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("list: all\nbogus\n", 2),
        ("# c\n\nlist all\n", 3),
        ("COMMAND SECTION\n", 1),  # headers are case-sensitive
        ("trap section\n* * *\ncommand section\nquit\n", 4),
    ],
)
def test_a_line_without_a_colon_is_mons_error_with_where(text: str, line: int) -> None:
    with pytest.raises(AuthError) as error:
        parse_auth(text, "/etc/mon/auth.cf")
    assert error.value.mon_message == f"could not parse line {line} of auth file"
    assert error.value.status == 25
    assert f"/etc/mon/auth.cf:{line}:1" in str(error.value)


def test_lines_end_only_at_newline(tmp_path: Path) -> None:
    path = tmp_path / "auth.cf"
    path.write_bytes(b"list: all\r\nstop:\x0balice\x1c\n")  # CR and VT are spaces, \x1c is not a line end
    found = load_auth(str(path))
    assert dict(found.allow) == {"list": {"all"}, "stop": {"alice\x1c"}}


def test_missing_file_is_mons_message(tmp_path: Path) -> None:
    with pytest.raises(AuthError, match=r"^could not open .*/nope: No such file or directory$"):
        load_auth(str(tmp_path / "nope"))


# --- login -------------------------------------------------------------------------------


def test_crypt_through_libcrypt_and_the_deprecated_module_agree() -> None:
    for setting in ("$6$abcdefgh$", "$5$abcdefgh$", "$1$abcdefgh$", "ab"):
        hashed = crypt("secret", setting)
        assert hashed is not None and crypt("secret", hashed) == hashed != crypt("Secret", hashed)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # the fallback must not leak its DeprecationWarning
            module = login_module._module_crypt(b"secret", setting.encode())
        assert module is not None and module.decode() == hashed
    assert crypt("secret", "*") == "*0"  # libxcrypt's failure token never equals a stored hash


USERFILE = """\
# users
alice : {alice}
  # comment

eve
frank:
bob:{bob}
bob: {alice}
"""


def make_userfile(tmp_path: Path) -> str:
    alice, bob = crypt("alicepw", "$6$saltsalt$"), crypt("bobpw", "xy")
    path = tmp_path / "users"
    path.write_text(USERFILE.format(alice=alice, bob=bob))
    return str(path)


def test_userfile_lines(tmp_path: Path) -> None:
    text = Path(make_userfile(tmp_path)).read_text()
    assert userfile_hash(text, "alice") == crypt("alicepw", "$6$saltsalt$")
    assert userfile_hash(text, "eve") is None  # no colon: no hash
    assert userfile_hash(text, "frank") == ""
    assert userfile_hash(text, "bob") == crypt("alicepw", "$6$saltsalt$")  # the last line wins
    assert userfile_hash(text, "  # comment") is None


def attempt(
    user: str | None,
    password: str | None,
    authtype: str,
    userfile: str = "/nonexistent",
    host: str = "10.0.0.9",
) -> LoginOutcome:
    return login(user, password, authtype=authtype, host=host, userfile=userfile, pamservice="passwd")


def test_userfile_login_and_its_log(tmp_path: Path) -> None:
    users = make_userfile(tmp_path)
    assert attempt("alice", "alicepw", "userfile", users).log == (("info", "authenticated alice"),)
    bad = attempt("alice", "alicepw ", "userfile", users)  # the password is the rest of the line
    assert bad.log == (("warning", "User 'alice' gave bad password"),)
    assert attempt("eve", "x", "userfile", users).log == (("warning", f"User 'eve' not in file '{users}'"),)
    assert not attempt("frank", "x", "userfile", users).accepted
    assert attempt("bob", "alicepw", "userfile", users).accepted
    missing = attempt("alice", "alicepw", "userfile")
    assert missing.log == (("err", "could not open user file '/nonexistent': No such file or directory"),)


def test_each_type_is_tried_in_order_and_each_checks_for_an_empty_login(tmp_path: Path) -> None:
    users = make_userfile(tmp_path)
    outcome = attempt("alice", "alicepw", "bogus shadow getpwnam userfile", users)
    assert outcome.accepted
    assert outcome.log == (("err", "authentication type 'bogus' not known"), ("info", "authenticated alice"))
    empty = attempt("alice", None, "userfile userfile", users)
    assert empty.log == (("err", "an undef username or password supplied"),) * 2
    assert not attempt(None, None, "trustlocal", host="127.0.0.1").accepted
    assert not attempt("", "x", "", users).accepted  # no authtype at all: nobody


def test_trustlocal_trusts_127_0_0_1_only() -> None:
    assert attempt("anyone", None, "trustlocal", host="127.0.0.1").accepted
    assert not attempt("anyone", "pw", "trustlocal", host="127.0.0.2").accepted


def test_getpwnam_and_shadow_refuse_wrong_passwords() -> None:
    for authtype in ("getpwnam", "shadow"):
        assert not attempt("root", "surely-not-the-password", authtype).accepted
        assert not attempt("no-such-user-here", "pw", authtype).accepted
        assert not attempt("bad\x00name", "pw", authtype).accepted


@pytest.mark.skipif(shutil.which("perl") is None, reason="perl is not installed")
def test_crypt_agrees_with_perls_crypt() -> None:
    for setting in ("$6$abcdefgh$", "$1$abcdefgh$", "ab", "*", ""):
        perl = subprocess.run(
            ["perl", "-e", "print crypt($ARGV[0], $ARGV[1])", "pässword", setting],
            capture_output=True, check=True,
        )  # fmt: skip
        assert crypt("pässword", setting) == perl.stdout.decode("utf-8", "surrogateescape")
