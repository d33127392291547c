"""telnet.monitor against real TCP listeners on 127.0.0.1, side by side with Debian's Perl original
(which uses Net::Telnet)."""

from __future__ import annotations

import asyncio
import time

import pytest

from pymon.monitors.telnet import BadMatch, _telnet_data, match_operator

from .servers import (
    SILENT_HOST,
    Loop,
    Output,
    await_check,
    netns_available,
    run_inprocess_netns,
    run_perl,
    run_script,
    serve_all,
)

NAME = "telnet.monitor"
IAC, DO, WILL, SB, SE = 255, 253, 251, 250, 240
NEGOTIATION = bytes((IAC, DO, 24, IAC, WILL, 1, IAC, SB, 24, 1, IAC, SE))


def telnet_server(*pieces: bytes, then_wait: float = 0.0) -> object:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            for piece in pieces:
                writer.write(piece)
                await writer.drain()
                await asyncio.sleep(0.05)
            await asyncio.sleep(then_wait)
        except OSError:
            pass
        finally:
            writer.close()

    return handle


@pytest.fixture(scope="module")
def ports(loop: Loop) -> dict[str, int]:
    servers = {
        # the prompt split across writes, behind option negotiation and a doubled IAC
        "login": telnet_server(NEGOTIATION, b"Debian GNU/Linux\r\n\xff\xffvm lo", b"gin: ", then_wait=5),
        "password": telnet_server(b"Password: ", then_wait=60),
        "eof": telnet_server(b"bye\r\n"),
        "flood": telnet_server(*([b"y" * 65536] * 20), then_wait=60),
    }
    return serve_all(loop, servers)  # type: ignore[arg-type]


def all_three(argv: list[str]) -> tuple[Output, Output, Output]:
    return run_perl(NAME, argv), run_script(NAME, argv), await_check(NAME, argv)


@pytest.mark.parametrize(
    ("server", "extra", "message"),
    [
        ("login", [], ""),
        ("login", ["-l", "m{LOGIN:}i"], ""),
        ("password", ["-t", "1"], "did not get prompt: pattern match timed-out"),
        ("password", ["-t", "1", "-l", "/word: $/"], ""),
        ("eof", [], "did not get prompt: pattern match read eof"),
        ("closed", [], 'problem connecting to "127.0.0.1", port {port}: Connection refused'),
        ("login", ["-l", "login"], "did not get prompt: missing opening delimiter of match operator"),
    ],
)
def test_same_as_perl(ports: dict[str, int], server: str, extra: list[str], message: str) -> None:
    port = ports[server]
    perl, script, awaited = all_three(["-p", str(port), *extra, "127.0.0.1"])
    assert perl == script == awaited
    if not message:
        assert perl == Output(0, "", "")
    else:
        assert (perl.status, perl.summary) == (1, "127.0.0.1")
        assert perl.detail.startswith("127.0.0.1: " + message.format(port=port))


@pytest.mark.skipif(not netns_available(), reason="unshare -rn is not permitted here")
def test_many_hosts() -> None:
    """In the namespace, so that the lookup reaches no resolver outside 127.0.0.0/8."""
    argv = ["-t", "1", "-p", "1", "localhost", "127.0.0.1", "no-such-host.invalid", "127.0.0.1"]
    perl = run_perl(NAME, argv, netns=True)
    assert run_script(NAME, argv, netns=True) == run_inprocess_netns(NAME, argv) == perl
    assert perl.summary == "127.0.0.1 127.0.0.1 localhost no-such-host.invalid"
    assert "no-such-host.invalid: unknown remote host: no-such-host.invalid\n" in perl.detail
    assert 'localhost: problem connecting to "localhost", port 1: Connection refused\n' in perl.detail


def test_flood_without_prompt_is_cut_off(ports: dict[str, int]) -> None:
    awaited = await_check(NAME, ["-t", "10", "-p", str(ports["flood"]), "127.0.0.1"])
    assert awaited == Output(
        1, "127.0.0.1", "127.0.0.1: did not get prompt: maximum input buffer length exceeded: 1048576 bytes\n"
    )


def test_match_operator_forms() -> None:
    assert match_operator("/ogin:/i").search(b"LOGIN:")
    assert match_operator(" m!a.b!s ").search(b"a\nb")
    assert match_operator("m<x>").search(b"x")
    with pytest.raises(BadMatch, match="missing opening delimiter"):
        match_operator("ogin")
    with pytest.raises(BadMatch, match="not terminated"):
        match_operator("/ogin")
    with pytest.raises(BadMatch, match="bad match operator"):
        match_operator("/(/")


def test_negotiation_is_refused_and_stripped() -> None:
    text, pending, replies = _telnet_data(NEGOTIATION + b"a\xff\xffb\xff")
    assert (text, pending) == (b"a\xffb", b"\xff")
    assert replies == bytes((IAC, 252, 24, IAC, 254, 1))


@pytest.mark.skipif(not netns_available(), reason="unshare -rn is not permitted here")
def test_silent_host_in_namespace() -> None:
    argv = ["-t", "2", SILENT_HOST]
    message = f'problem connecting to "{SILENT_HOST}", port 23: connect timed-out'
    expected = Output(1, SILENT_HOST, f"{SILENT_HOST}: {message}\n")
    started = time.monotonic()
    assert run_perl(NAME, argv, netns=True) == expected
    assert run_script(NAME, argv, netns=True) == expected
    assert run_inprocess_netns(NAME, argv) == expected
    assert time.monotonic() - started < 20
