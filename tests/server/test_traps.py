"""The trap packet (TRAP-02..09), its authentication (TRAP-04, AUTH-11), the packet pymon sends (TRAP-12)."""

from __future__ import annotations

import socket
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pymon.config import Config, parse_config
from pymon.server.trapauth import TrapAuth, crypt, load_trap_auth
from pymon.server.traps import Rejected, Trap, TrapReceiver, accept_trap, parse_trap
from pymon.trap_send import TrapError, build_trap

# TRAP-02: the packet Mon::Client 1.2 sent, captured with a UDP listener.
SPEC_PACKET = (
    b"pro='0.3807'\nusr='trapuser'\npas='secret'\nspc='0'\nseq='0'\ntyp='trap'\ngrp='trapgrp'\n"
    b"svc='tsvc'\nsta='1'\nspc='0'\ntsp='1795611771'\nsum='disk\\20full\\20on\\20h1'\n"
    b"dtl='detail\\20line\\201\\0adetail\\20\\27two\\27\\20\\\\\\20back'\n"
)
HASH = crypt("secret", "ab") or ""
OPEN = TrapAuth({"*": {"*": "*"}})
UNKNOWN = "received trap from unknown user trapuser, host 127.0.0.1"
CONFIG = """\
hostgroup hg h1

watch trapgrp
    service tsvc
        period wd {Sun-Sat}
            alert mail.alert
"""
DEFAULT = """
watch default
    service default
        period wd {Sun-Sat}
            alert mail.alert
"""


def _config(text: str) -> Config:
    return parse_config(text)


@pytest.fixture
def config() -> Config:
    return _config(CONFIG)


@pytest.fixture
def with_default() -> Config:
    return _config(CONFIG + DEFAULT)

WITH_DEFAULT = _config(CONFIG + DEFAULT)


# --- parsing ---------------------------------------------------------------------------


def test_the_packet_mon_client_sends_parses_to_its_values():
    tags = parse_trap(SPEC_PACKET).tags
    assert tags["grp"] == "trapgrp" and tags["sta"] == "1" and tags["pas"] == "secret"
    assert tags["sum"] == "disk full on h1"
    # TRAP-03: the client doubles a backslash and mon does not undo it.
    assert tags["dtl"] == "detail line 1\ndetail 'two' \\\\ back"


def test_quotes_unquoted_values_duplicates_and_stray_lines():
    packet = parse_trap(b"sum=raw unquoted ok\ngrp='a'b'\nsvc='x\nsvc=y\n\nnot a tag\n=v\n\n\n")
    assert packet.tags["sum"] == "raw unquoted ok"
    assert packet.tags["grp"] == "a'b"  # one level: the outermost pair
    assert packet.tags["svc"] == "y"  # the last one wins
    assert packet.unspecified == ("", "not a tag", "=v")  # trailing empty lines are dropped, as Perl's split


def test_hex_escapes_are_decoded_but_only_lower_case():
    tags = parse_trap(b"sum='\\41\\4A\\c3\\a9'\n").tags
    assert tags["sum"] == "A\\4Aé"


def test_a_non_utf8_byte_survives():
    assert parse_trap(b"sum=\xe9\n").tags["sum"] == "\udce9"


# --- checks and routing ------------------------------------------------------------------


def _accept(packet: bytes, config: Config, auth: TrapAuth = OPEN, ip: str = "127.0.0.1") -> Trap | Rejected:
    return accept_trap(parse_trap(packet), ip, auth, config)


def test_an_accepted_trap_has_the_summary_an_empty_line_and_the_detail(config):
    trap = _accept(SPEC_PACKET, config, TrapAuth({"127.0.0.1": {"trapuser": HASH}}))
    assert isinstance(trap, Trap)
    assert (trap.group, trap.service, trap.status, trap.intended) == ("trapgrp", "tsvc", "1", None)
    assert trap.output == "disk full on h1\n\ndetail line 1\ndetail 'two' \\\\ back"  # TRAP-09
    assert trap.log_line == "trap trap 0 from 127.0.0.1 grp=trapgrp svc=tsvc, sta=1"


def test_a_summary_that_ends_in_a_newline_gets_none_added(config):
    trap = _accept(b"pro=1\ngrp=trapgrp\nsvc=tsvc\nsta=0\nsum='s\\0a'\n", config)
    assert isinstance(trap, Trap) and trap.output == "s\n\n"


@pytest.mark.parametrize(
    ("auth", "ip", "message"),
    [
        # mon never says "unauthorized host" (Perl autovivification, TRAP-04): an unknown user instead.
        ({"10.1.1.1": {"trapuser": HASH}}, "127.0.0.1", UNKNOWN),
        ({}, "127.0.0.1", UNKNOWN),
        ({"127.0.0.1": {"other": HASH}}, "127.0.0.1", UNKNOWN),
        ({"127.0.0.1": {"trapuser": crypt("nope", "ab")}}, "127.0.0.1",
         "received trap with bad password from user trapuser, host 127.0.0.1"),
        # the password is a crypt hash, not plain text
        ({"127.0.0.1": {"trapuser": "secret"}}, "127.0.0.1",
         "received trap with bad password from user trapuser, host 127.0.0.1"),
        # a `*` host is the only entry consulted once it exists
        ({"*": {"x": HASH}, "127.0.0.1": {"trapuser": HASH}}, "127.0.0.1",
         "received trap from unknown user trapuser, host *"),
    ],
)  # fmt: skip
def test_authentication_failures_are_dropped_with_mons_message(config, auth, ip, message):
    assert _accept(SPEC_PACKET, config, TrapAuth(auth), ip) == Rejected(message)


@pytest.mark.parametrize(
    "auth",
    [
        {"127.0.0.1": {"trapuser": HASH}},
        {"*": {"trapuser": HASH}},
        {"127.0.0.1": {"*": "x"}},
        {"*": {"*": "*"}},
    ],
)
def test_authentication_passes(config, auth):
    assert isinstance(_accept(SPEC_PACKET, config, TrapAuth(auth)), Trap)


def test_the_version_and_the_status_are_required(config):
    old = Rejected("cannot handle traps from version less than 0.3807")
    assert _accept(b"grp=trapgrp\nsvc=tsvc\nsta=1\n", config) == old
    assert _accept(b"pro=0.38\ngrp=trapgrp\nsvc=tsvc\nsta=1\n", config) == old
    no_status = Rejected("no trap sta value specified from 127.0.0.1")
    assert _accept(b"pro=1\ngrp=trapgrp\nsvc=tsvc\n", config) == no_status


def test_unknown_group_and_service_without_a_default_watch(config):
    assert _accept(b"pro=1\ngrp=nogrp\nsvc=tsvc\nsta=1\n", config) == Rejected(
        "trap received for undefined group nogrp"
    )
    assert _accept(b"pro=1\ngrp=trapgrp\nsvc=nosvc\nsta=1\n", config) == Rejected(
        "trap received for undefined service type trapgrp/nosvc"
    )
    # a hostgroup without a watch is a known group: the service is what is missing
    assert _accept(b"pro=1\ngrp=hg\nsvc=tsvc\nsta=1\n", config) == Rejected(
        "trap received for undefined service type hg/tsvc"
    )


def test_default_default_catches_unknown_groups_only(with_default):
    trap = _accept(b"pro=1\ngrp=nogrp\nsvc=nosvc\nsta=1\n", with_default)
    assert isinstance(trap, Trap)
    assert (trap.group, trap.service, trap.intended) == ("default", "default", "nogrp:nosvc")
    # TRAP-07: a known group with an unknown service is not re-routed
    assert _accept(b"pro=1\ngrp=trapgrp\nsvc=nosvc\nsta=1\n", with_default) == Rejected(
        "trap received for undefined service type trapgrp/nosvc"
    )
    # a trap sent to default itself goes to default/default, with no intended
    trap = _accept(b"pro=1\ngrp=default\nsvc=x\nsta=0\n", with_default)
    assert isinstance(trap, Trap) and (trap.service, trap.intended) == ("default", None)


@settings(max_examples=300, deadline=None)
@given(data=st.one_of(
    st.binary(max_size=400),
    st.lists(st.tuples(st.sampled_from(["pro", "usr", "pas", "grp", "svc", "sta", "sum", "dtl", "x", ""]),
                       st.binary(max_size=30)), max_size=12).map(
        lambda pairs: b"\n".join(k.encode() + b"=" + v for k, v in pairs)),
))  # fmt: skip
def test_no_packet_makes_the_parser_or_the_checks_raise(data):
    config = WITH_DEFAULT
    auth = TrapAuth({"*": {"u": HASH}})
    for which in (auth, OPEN):
        result = accept_trap(parse_trap(data), "127.0.0.1", which, config)
        assert isinstance(result, Trap | Rejected)


class _Target:
    def __init__(self) -> None:
        self.config = WITH_DEFAULT
        self.traps: list[tuple[str, str, str, str, str | None]] = []

    def trap(self, group: str, service: str, status: str, output: str, intended: str | None) -> None:
        self.traps.append((group, service, status, output, intended))


PREFIXES = [b"", b"pro=1\nsta=1\n", b"pro=1\nsta=0\ngrp=trapgrp\n"]


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=300), prefix=st.sampled_from(PREFIXES))
def test_the_receiver_logs_and_never_fails_on_any_datagram(data, prefix):
    target, logged = _Target(), []
    receiver = TrapReceiver(target, OPEN, lambda level, text: logged.append((level, text)))
    receiver.datagram_received(prefix + data, ("127.0.0.1", 9))
    assert not [text for _, text in logged if "internal error" in text]
    assert len(target.traps) + len([1 for level, _ in logged if level == "err"]) >= 1


# --- auth.cf trap section --------------------------------------------------------------------


def test_the_trap_section_is_read_as_mon_reads_it(tmp_path):
    path = tmp_path / "auth.cf"
    path.write_text(
        "command section\nlist: all\n  # comment\n\ntrap section\n"
        f"127.0.0.1 u {HASH}\n* * *\nlocalhost v pw\nbad line\n999.1.1.1 u x\n[x] u x\n  10.0.0.1   w   h  \n"
        "command section\nnot a trap line\n"
    )
    logged: list[tuple[str, str]] = []
    auth = load_trap_auth(str(path), lambda level, text: logged.append((level, text)))
    assert auth.hosts == {"127.0.0.1": {"u": HASH, "v": "pw"}, "*": {"*": "*"}, "10.0.0.1": {"w": "h"}}
    where = str(path)
    assert logged == [
        ("notice", f"Adding trap auth of: 127.0.0.1 u {HASH}"),
        ("notice", "Adding trap auth of: * * *"),
        ("notice", "Adding trap auth of: 127.0.0.1 v pw"),
        ("err", f"invalid entry in trap sect of {where}, line 9"),
        ("err", f"invalid host in {where}, line 10"),
        ("err", f"invalid host in {where}, line 11"),
        ("notice", "Adding trap auth of: 10.0.0.1 w h"),
    ]


def test_an_unreadable_auth_file_lets_no_trap_through(tmp_path, config):
    logged: list[tuple[str, str]] = []
    auth = load_trap_auth(str(tmp_path / "missing"), lambda level, text: logged.append((level, text)))
    assert logged and logged[0][0] == "err"
    assert isinstance(_accept(b"pro=1\nusr=u\ngrp=trapgrp\nsvc=tsvc\nsta=1\n", config, auth), Rejected)


def test_crypt_matches_perls():
    perl = subprocess.run(["perl", "-e", 'print crypt("secret", "ab")'], capture_output=True, text=True)
    assert crypt("secret", "ab") == perl.stdout


# --- sending ---------------------------------------------------------------------------------


def test_build_trap_is_the_packet_mon_client_sends():
    assert build_trap(
        "trapgrp", "tsvc", 1, "fail", "disk full on h1", "detail line 1\ndetail 'two' \\ back",
        username="trapuser", password="secret", timestamp=1795611771,
    ) == SPEC_PACKET  # fmt: skip


def test_without_a_user_there_is_an_empty_usr_and_no_pas():
    packet = build_trap("g", "s", "0", "ok", timestamp=5).decode()
    assert packet.startswith("pro='0.3807'\nusr=''\nspc='1'\n") and "pas=" not in packet


def test_mon_clients_checks():
    with pytest.raises(TrapError, match="invalid value for retval"):
        build_trap("g", "s", "x1")
    with pytest.raises(TrapError, match="Undefined opstatus type"):
        build_trap("g", "s", 1, "warn")


SEND = """
use Mon::Client;
my $c = Mon::Client->new(host => "127.0.0.1", port => $ARGV[0]);
$c->username($ARGV[1]) if $ARGV[1] ne "";
$c->password($ARGV[2]);
$c->send_trap(group => "g r", service => "s\\x{e9}", retval => 3, opstatus => "linkdown",
              summary => "sum 'q' \\\\", detail => "d1\\nd2\\n") or die $c->error;
"""


@pytest.mark.parametrize("user", ["", "trapuser"])
def test_build_trap_equals_perls_packet_captured_live(user):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(10)
        port = sock.getsockname()[1]
        subprocess.run(["perl", "-e", SEND, str(port), user, "pw"], check=True, timeout=30)
        packet, _ = sock.recvfrom(65536)
    tsp = int(packet.split(b"tsp='")[1].split(b"'")[0])
    ours = build_trap("g r", "s\udce9", 3, "linkdown", "sum 'q' \\", "d1\nd2\n",
                      username=user or None, password="pw", timestamp=tsp)  # fmt: skip
    assert ours == packet


def test_a_trap_for_default_does_not_change_where_later_traps_go(config):
    """mon autovivifies an empty `default` watch on such a trap; from then on it re-routes every unknown
    group there and logs `undefined group default`. pymon's checks keep no state (docs/compatibility.md)."""
    assert _accept(b"pro=1\ngrp=default\nsvc=x\nsta=1\n", config) == Rejected(
        "trap received for undefined group default"
    )
    assert _accept(b"pro=1\ngrp=nogrp\nsvc=x\nsta=1\n", config) == Rejected(
        "trap received for undefined group nogrp"
    )
