"""smtp.monitor against real SMTP dialogues on 127.0.0.1, side by side with Debian's Perl original.

On this Perl, Debian's smtp.monitor dies before connecting (Sys::Hostname's hostname()
refuses the arguments `&hostname` passes) and so fails every host with an empty error.
The comparison runs a copy with that one call fixed; the test below shows the breakage.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from .servers import (
    PERL_MONITORS,
    SILENT_HOST,
    Loop,
    Output,
    _run,
    await_check,
    netns_available,
    run_inprocess_netns,
    run_perl,
    run_script,
    serve_all,
)

NAME = "smtp.monitor"
RULE = "=" * 78


def smtp_server(
    greeting: bytes, helo: bytes = b"250 hello\r\n", quit_reply: bytes = b"221 bye\r\n"
) -> object:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            writer.write(greeting)
            if not greeting.endswith(b"\n") or not greeting.split(b"\r\n")[-2].startswith(b"220 "):
                await asyncio.sleep(60 if not greeting else 0)
                return
            for reply in (helo, quit_reply):
                await reader.readline()
                writer.write(reply)
                await writer.drain()
            await reader.readline()
        except OSError:
            pass
        finally:
            writer.close()

    return handle


@pytest.fixture(scope="module")
def ports(loop: Loop) -> dict[str, int]:
    servers = {
        "good": smtp_server(b"220-mail.test ESMTP\r\n220 ready\r\n", b"250-hello\r\n250 PIPELINING\r\n"),
        "rejects": smtp_server(b"554 go away\r\n"),
        "helo": smtp_server(b"220 ready\r\n", b"501 bad HELO\r\n"),
        "quit": smtp_server(b"220 ready\r\n", b"250 ok\r\n", b"250 what\r\n"),
        "silent": smtp_server(b""),
        "huge": smtp_server(b"220-" + b"x" * 200_000),
    }
    return serve_all(loop, servers)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def fixed_perl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    fixed = tmp_path_factory.mktemp("perl") / NAME
    fixed.write_text((PERL_MONITORS / NAME).read_text().replace("&hostname", "hostname()"))
    return fixed


def run_fixed(fixed: Path, argv: list[str]) -> Output:
    return _run(["perl", str(fixed), *argv], False, 60)


@pytest.mark.parametrize(
    ("server", "status", "error"),
    [
        ("good", 0, ""),
        ("rejects", 1, "did not receive 220 greeting"),
        ("helo", 1, "did not get 250 response to HELO"),
        ("quit", 1, "did not get 221 response to quit"),
    ],
)
def test_same_as_fixed_perl(
    ports: dict[str, int], fixed_perl: Path, server: str, status: int, error: str
) -> None:
    argv = ["-p", str(ports[server]), "127.0.0.1"]
    perl, script, awaited = run_fixed(fixed_perl, argv), run_script(NAME, argv), await_check(NAME, argv)
    assert perl.status == status
    assert script == perl
    assert awaited == perl
    if error:
        assert perl.detail.startswith(f"127.0.0.1 failed with error {error}\ndetail for 127.0.0.1\n{RULE}\n")


def test_debian_original_fails_every_host_here(ports: dict[str, int]) -> None:
    perl = run_perl(NAME, ["-p", str(ports["good"]), "127.0.0.1"])
    assert (perl.status, perl.summary) == (1, "127.0.0.1")
    assert perl.detail.startswith("127.0.0.1 failed with error \n")


def test_good_transcript(ports: dict[str, int]) -> None:
    awaited = await_check(NAME, ["-p", str(ports["good"]), "127.0.0.1"])
    assert awaited == Output(
        0,
        "",
        f"\n127.0.0.1 succeeded\ndetail for 127.0.0.1\n{RULE}\n"
        "220-mail.test ESMTP\r\n220 ready\r\n250-hello\r\n250 PIPELINING\r\n221 bye\r\n\n",
    )


@pytest.mark.skipif(not netns_available(), reason="unshare -rn is not permitted here")
def test_refused_and_unknown(fixed_perl: Path) -> None:
    """In the namespace, so that the lookup reaches no resolver outside 127.0.0.0/8."""
    argv = ["-p", "1", "127.0.0.1", "no-such-host.invalid"]
    perl = _run(["perl", str(fixed_perl), *argv], True, 60)
    script, awaited = run_script(NAME, argv, netns=True), run_inprocess_netns(NAME, argv)
    expected = (1, "127.0.0.1 no-such-host.invalid")
    assert (perl.status, perl.summary) == (script.status, script.summary) == expected
    assert awaited == script
    assert "127.0.0.1 failed with error Unable to create SMTP connection to port 1\n" in script.detail
    assert "connect: Connection refused\n" in script.detail  # the original prints "no detail"
    # The original dies in sockaddr_in on an unknown name and prints an empty error.
    assert "no-such-host.invalid failed with error \n" in perl.detail
    assert (
        "no-such-host.invalid failed with error Unable to create SMTP connection to port 1\n" in script.detail
    )
    assert "gethostbyname failure\n" in script.detail


def timed_out(host: str) -> Output:
    return Output(1, host, f"{host} failed with error timeout\ndetail for {host}\n{RULE}\nno detail\n\n\n")


def test_slow_server_times_out(ports: dict[str, int], fixed_perl: Path) -> None:
    argv = ["-t", "1", "-p", str(ports["silent"]), "127.0.0.1"]
    started = time.monotonic()
    expected = timed_out("127.0.0.1")
    assert run_fixed(fixed_perl, argv) == expected
    assert run_script(NAME, argv) == expected
    assert await_check(NAME, argv) == expected
    assert time.monotonic() - started < 10


def test_huge_line_is_a_clear_failure(ports: dict[str, int]) -> None:
    awaited = await_check(NAME, ["-t", "5", "-p", str(ports["huge"]), "127.0.0.1"])
    assert (awaited.status, awaited.summary) == (1, "127.0.0.1")
    assert awaited.detail.startswith("127.0.0.1 failed with error reply line longer than 65536 bytes\n")


def test_no_hosts(fixed_perl: Path) -> None:
    assert run_fixed(fixed_perl, []) == run_script(NAME, []) == await_check(NAME, []) == Output(0, "", "\n")


@pytest.mark.skipif(not netns_available(), reason="unshare -rn is not permitted here")
def test_silent_host_in_namespace(fixed_perl: Path) -> None:
    argv = ["-t", "2", SILENT_HOST]
    expected = timed_out(SILENT_HOST)
    assert _run(["perl", str(fixed_perl), *argv], True, 60) == expected
    assert run_script(NAME, argv, netns=True) == expected
    assert run_inprocess_netns(NAME, argv) == expected
