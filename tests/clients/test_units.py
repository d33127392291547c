"""The client's pure parts: parsers, escaping, option parsing, monshow's layout, the Text::Wrap port.

Where Perl is the reference (Text::Wrap, Mon::Client's opstatus parser, Perl
formats) one perl process answers many generated cases.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pymon.client import Disabled, OpStatus, SchedulerState, unquote
from pymon.client._client import _quoted_value
from pymon.client._records import (
    opstatus_fields,
    parse_alerthist,
    parse_aliases,
    parse_deps,
    parse_disabled,
    parse_failurehist,
    parse_get,
    parse_group,
)
from pymon.client.moncmd import parse_options
from pymon.client.monshow import Settings, Status, _field, select_rows, table
from pymon.client.textwrap_perl import wrap_bytes
from pymon.escape import esc_str, un_esc_str

PERL = r"""
use strict; use warnings; no warnings "uninitialized";
use Text::Wrap (); use Mon::Client ();
$| = 1;
while (my $line = <STDIN>) {
    chomp $line;
    my ($op, @args) = map { pack "H*", substr($_, 1) } split / /, $line;
    my $out;
    if ($op eq "wrap") { $Text::Wrap::columns = 70; $out = Text::Wrap::wrap("    ", "    ", $args[0]); }
    elsif ($op eq "opstatus") { my %op = Mon::Client::_opstatus_to_vars($args[0]);
        $out = join " ", map { unpack("H*", $_) . "=" . unpack("H*", $op{$_}) } sort keys %op; }
    elsif ($op eq "field") { $^A = ""; formline("@<<<<<<<<<|\n", $args[0]); $out = $^A; }
    print unpack("H*", $out), "\n";
}
"""


@pytest.fixture(scope="module")
def perl() -> Iterator[object]:
    if shutil.which("perl") is None or subprocess.run(["perl", "-MMon::Client", "-e1"]).returncode:
        pytest.skip("perl with Mon::Client is not installed")
    proc = subprocess.Popen(["perl", "-e", PERL], stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def ask(op: str, *args: str) -> str:
        assert proc.stdin is not None and proc.stdout is not None
        words = ["x" + op.encode().hex()] + ["x" + a.encode("utf-8", "surrogateescape").hex() for a in args]
        proc.stdin.write(" ".join(words).encode() + b"\n")
        proc.stdin.flush()
        return bytes.fromhex(proc.stdout.readline().decode().strip()).decode("utf-8", "surrogateescape")

    yield ask
    assert proc.stdin is not None
    proc.stdin.close()
    proc.wait(10)


PIECES = [*"ab c\t\n-x\xa0\x85é", "word ", "longerword", "  "]
TEXT = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=TEXT)
def test_wrap_is_perls_text_wrap(perl, text: str) -> None:
    assert wrap_bytes("    ", "    ", text, 70) == perl("wrap", text)


@settings(max_examples=200, deadline=None)
@given(text=st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40))
def test_perl_format_fields(perl, text: str) -> None:
    assert _field(text, 10) + "|\n" == perl("field", text)  # widths in bytes, as Perl counts them


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


VALUES = st.text(st.characters(codec="utf-8", exclude_characters="\\"), max_size=20)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(VALUES, min_size=1, max_size=6))
def test_opstatus_fields_read_as_mon_client_reads_them(perl, values: list[str]) -> None:
    names = ["group", "service", "last_summary", "monitor", "exclude_hosts", "timer"]
    line = " ".join(f"{name}={esc_str(value, True)}" for name, value in zip(names, values, strict=False))
    pairs = (pair.split("=") for pair in perl("opstatus", line).split())
    theirs = {
        bytes.fromhex(k).decode(): bytes.fromhex(v).decode("utf-8", "surrogateescape") for k, v in pairs
    }
    assert opstatus_fields(line) == theirs


@given(st.text(st.characters(codec="utf-8"), max_size=50))
def test_unquote_undoes_esc_str_in_quotes(text: str) -> None:
    assert unquote(esc_str(text, True)) == text


@given(st.text(st.characters(codec="utf-8"), max_size=50))
def test_quoted_values_reach_the_server_whole(text: str) -> None:
    """The server takes the text between the quotes and un_esc_str's it (PROTO-25, PROTO-35)."""
    quoted = _quoted_value(text)
    assert quoted[0] == quoted[-1] == "'" and " " not in quoted and "'" not in quoted[1:-1]
    assert un_esc_str(quoted[1:-1]) == text


def test_parsers_of_mon_replies() -> None:
    """Lines as mon 1.3.6 sends them (spec section 14 and appendix A)."""
    deps = parse_deps(
        [
            "exp web http 'NONE'",
            "cmp web http NONE",
            "exp db p 'web:http\\20&&\\20x:y'",
            "cmp db p web:http x:y",
        ]
    )
    assert deps["web", "http"].expression is None and deps["web", "http"].components == ()
    assert deps["db", "p"].expression == "web:http && x:y" and deps["db", "p"].components == (
        "web:http",
        "x:y",
    )
    group = parse_group("g", ["hostgroup g *h1 h2"])
    assert group.hosts == ("h1", "h2") and group.disabled == {"h1"}
    assert parse_group("g", ["hostgroup g"]).hosts == ()
    disabled = parse_disabled(["group g: h1 h2", "watch w", "watch g service s"])
    assert disabled == Disabled({"g": ("h1", "h2")}, frozenset({"w"}), frozenset({("g", "s")}))
    (entry,) = parse_failurehist(["hg\\20svc\\201795611521\\20sum\\20line"])
    assert (entry.group, entry.service, entry.time, entry.summary) == ("hg", "svc", 1795611521, "sum line")
    (alert,) = parse_alerthist(["alert\\20g\\20s\\201795611521\\20/x/mail.alert\\20(-S\\20a)\\20it\\20broke"])
    assert (alert.type, alert.alert, alert.args, alert.summary) == (
        "alert",
        "/x/mail.alert",
        "-S a",
        "it broke",
    )
    aliases = parse_aliases(
        ["alias a", "Desc", "service s1", "watch g service s items h1 h2", "url http://u/", "", "alias b", ""]
    )
    assert aliases["b"].lines == () and aliases["a"].declaration == "Desc"
    (service,) = aliases["a"].services
    assert service.name == "s1" and service.url == "http://u/" and service.watches[0].items == ("h1", "h2")
    assert parse_get(["g s description='a\\20\\\\\\20b'"]) == "a \\ b"
    status = OpStatus.parse(
        "group=g service=s opstatus=0 last_opstatus=7 exitval=undef timer=3 last_success=0 last_trap=0 "
        "last_traphost= last_check= ack=0 ackcomment= alerts_sent=2 depstatus= depend= hostdepend= "
        "monitordepend= alertdepend= monitor=m\\20x last_summary=sum\\20line last_detail=d\\0a"
    )
    assert status.exitval is None and status.last_check is None and status.monitor == "m x"
    assert status.status_name == "fail" and not status.acked and status.fields["last_traphost"] == ""


def test_moncmd_options_as_getopt_std_reads_them() -> None:
    opts = parse_options(["-as", "host", "-p2583", "-l", "me", "list", "-x", "watch"])
    assert (opts.authenticate, opts.server, opts.port, opts.login) == (True, "host", "2583", "me")
    assert opts.words == ("list", "-x", "watch")
    assert parse_options(["-f", "-", "-d", "-r"]).file == "-"
    assert parse_options(["--", "-a"]).words == ("-a",)


def _status(**by_key: tuple[int, str]) -> Status:
    opstatus = {}
    for name, (code, depend) in by_key.items():
        group, service = name.split("_")
        line = f"group={group} service={service} opstatus={code} timer=100 alerts_sent=0 depend={depend}"
        opstatus[group, service] = OpStatus.parse(line + " last_check=1000 last_summary=x")
    return Status(SchedulerState(True), opstatus, Disabled(), {}, list(opstatus), {})


def test_monshow_row_order() -> None:
    status = _status(
        a_ok=(1, ""),
        b_fail=(0, "a:ok"),
        c_fail=(0, ""),
        d_untested=(7, ""),
        e_timeout=(6, ""),
        f_ok=(1, "c:fail"),
    )
    short = [key for _, key in select_rows(Settings(), status)]
    assert short == [("c", "fail"), ("e", "timeout"), ("b", "fail")]
    full = [key for _, key in select_rows(Settings(full=True), status)]
    assert full == [
        ("c", "fail"),
        ("e", "timeout"),
        ("d", "untested"),
        ("b", "fail"),
        ("a", "ok"),
        ("f", "ok"),
    ]
    out = table(Settings(), status, select_rows(Settings(), status), 1010)
    assert out.splitlines()[2] == "R c               fail         FAIL        10s        00:01:40   none   x"
    assert table(Settings(), status, [], 0) == "\nAll systems OK\n"
    assert json.dumps(out)  # text only
