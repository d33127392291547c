"""dns.monitor against tiny authoritative DNS servers on 127.83.0.X:53, side by side with
Debian's Perl original (Net::DNS). Port 53 is fixed by the monitor, so these need root."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from pymon.monitors._dns_wire import WireError, decode, encode_query

from . import dns_server
from .servers import (
    SILENT_HOST,
    Loop,
    Output,
    await_check,
    event_loop,
    netns_available,
    run_inprocess_netns,
    run_perl,
    run_script,
)

NAME = "dns.monitor"
GOOD, OLDER, NOT_AA, REFUSED, SILENT, EMPTY, TRUNCATES, GARBAGE = (f"127.83.0.{n}" for n in range(1, 9))
FAST = ["-retry", "1", "-retransmit", "1"]


@pytest.fixture(scope="module")
def loop() -> Iterator[Loop]:
    with event_loop() as running:
        servers = {
            GOOD: dns_server.example(),
            OLDER: dns_server.example(serial=2024010100),
            NOT_AA: dns_server.example(behaviour="not_aa"),
            REFUSED: dns_server.example(behaviour="refused"),
            SILENT: dns_server.example(behaviour="silent"),
            EMPTY: dns_server.example(behaviour="empty"),
            TRUNCATES: dns_server.example(behaviour="truncate"),
            GARBAGE: dns_server.example(behaviour="garbage"),
        }
        try:
            for address, zone in servers.items():
                running.run(dns_server.serve(zone, address))
        except OSError as error:
            pytest.skip(f"cannot listen on port 53 here: {error}")
        yield running


SAME_AS_PERL = [
    (["-zone", "example.test", "-master", GOOD, GOOD], 0),
    (["-zone", "example.test", "-master", GOOD, OLDER], 1),
    (["-zone", "example.test", "-master", GOOD, NOT_AA], 1),
    (["-zone", "example.test", "-master", GOOD, REFUSED], 1),
    (["-zone", "example.test", "-master", GOOD, EMPTY], 1),
    (["-zone", "example.test", "-master", GOOD, TRUNCATES], 0),  # asked again over TCP
    (["-tcp", "-zone", "example.test", "-master", GOOD, TRUNCATES, OLDER], 1),
    (["-zone", "example.test", "-master", GOOD, "-serial_threshold", "5", OLDER], 0),
    (["-zone", "example.test", "-master", OLDER, "-master", GOOD, GOOD], 252),
    (["-zone", "example.test", "-master", EMPTY, GOOD], 251),
    (["-zone", "nosuch.test", "-master", GOOD, GOOD], 251),
    ([*FAST, "-zone", "example.test", "-master", SILENT, GOOD], 251),
    (["-failsingle", "-zone", "example.test", "-master", NOT_AA, "-master", GOOD, GOOD], 251),
    ([GOOD, "-zone", "example.test", "--mast=" + GOOD], 0),  # Getopt::Long: anywhere, abbreviated
    (["-caching_only", "-query", "www.example.test", "-query", "example.test:MX", GOOD], 0),
    (["-caching_only", "-query", "www.example.test:A:alias.example.test", GOOD], 0),
    (["-caching_only", "-query", "www.example.test:A:other.example.test", GOOD], 1),
    (["-caching_only", "-query", "nope.example.test", "-query", "www.example.test", GOOD, REFUSED], 2),
]


@pytest.mark.parametrize(("argv", "status"), SAME_AS_PERL)
def test_same_as_perl(loop: Loop, argv: list[str], status: int) -> None:
    perl = run_perl(NAME, argv)
    assert perl.status == status
    assert run_script(NAME, argv) == perl
    assert await_check(NAME, argv) == perl


def test_failed_servers_line_names_them_all(loop: Loop) -> None:
    argv = ["-zone", "example.test", "-master", GOOD, OLDER, NOT_AA, REFUSED]
    perl, ours = run_perl(NAME, argv), await_check(NAME, argv)
    assert (
        (perl.status, perl.summary)
        == (ours.status, ours.summary)
        == (3, f"{OLDER} {NOT_AA} {REFUSED}(example.test) ")
    )
    # Deviation (docs/compatibility.md): the original names only the first of them here.
    assert perl.detail.startswith(f"Zone 'example.test': failed servers: {OLDER}\n")
    assert ours.detail.startswith(f"Zone 'example.test': failed servers: {OLDER} {NOT_AA} {REFUSED}\n")
    assert perl.detail.partition("\n")[2] == ours.detail.partition("\n")[2]


def test_garbage_reply_then_timeout(loop: Loop) -> None:
    argv = [*FAST, "-zone", "example.test", "-master", GOOD, GARBAGE]
    perl, ours = run_perl(NAME, argv), await_check(NAME, argv)
    assert (perl.status, perl.summary) == (ours.status, ours.summary) == (1, f"{GARBAGE}(example.test) ")
    assert "failed corrupt wire-format data" in perl.detail
    assert "failed corrupt wire-format data (7 bytes" in ours.detail


def test_retries_double_the_wait(loop: Loop) -> None:
    argv = ["-retry", "2", "-retransmit", "1", "-zone", "example.test", "-master", GOOD, SILENT]
    started = time.monotonic()
    ours = await_check(NAME, argv)
    took = time.monotonic() - started
    assert 2.8 < took < 4.5  # 1 s, then 2 s, as Net::DNS waits
    assert ours.detail.endswith(f"SOA query for example.test from {SILENT} failed query timed out\n\n")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-caching_only", GOOD], "At least one query must be specified"),
        (["-zone", "example.test", GOOD], "The zone master server must be specified"),
        (["-master", GOOD, GOOD], "At least one zone must be specified"),
        (["-zone", "example.test", "-master", GOOD], "at least one server must be specified"),
        (["-bogus", GOOD], "Problems with Options, sorry: Unknown option: bogus"),
        (
            ["-retry", "x", GOOD],
            'Problems with Options, sorry: Value "x" invalid for option retry (number expected)',
        ),
    ],
)
def test_bad_options(argv: list[str], message: str) -> None:
    perl = run_perl(NAME, argv)
    assert perl == Output(255, "", "")  # the original says it on stderr only
    assert run_script(NAME, argv) == await_check(NAME, argv) == Output(255, f"dns.monitor: {message}", "")


def test_wire_round_trip_and_bad_input() -> None:
    query = encode_query(7, "www.example.test", 1, True)
    zone = dns_server.example()
    reply = decode(zone.answer(query, tcp=False) or b"")
    assert (reply.id, reply.qr, reply.aa, reply.rcode) == (7, True, True, "NOERROR")
    assert [(r.name, r.type, r.data) for r in reply.answers] == [("www.example.test.", "A", "192.0.2.10")]
    with pytest.raises(WireError, match="label must be 1 to 63"):
        encode_query(1, "x" * 64 + ".test", 1, True)
    pointer_loop = bytes(12) + b"\xc0\x0c"
    with pytest.raises(WireError):
        decode(b"\0\1\x80\0\0\1\0\0\0\0\0\0" + pointer_loop[12:])


@pytest.mark.skipif(not netns_available(), reason="unshare -rn is not permitted here")
def test_silent_server_in_namespace() -> None:
    argv = [*FAST, "-zone", "example.test", "-master", SILENT_HOST, SILENT_HOST]
    expected = Output(
        251,
        "(example.test) ",
        "Zone 'example.test': failed servers: \n"
        f"SOA query for example.test from {SILENT_HOST} failed query timed out\n\n",
    )
    assert run_perl(NAME, argv, netns=True) == expected
    assert run_script(NAME, argv, netns=True) == expected
    assert run_inprocess_netns(NAME, argv) == expected
