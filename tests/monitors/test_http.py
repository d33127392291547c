"""http.monitor against real HTTP servers on 127.0.0.1, side by side with Debian's Perl original."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import time
from collections.abc import Iterator

import pytest

from pymon.monitors import BUILTIN, Check

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

NAME = "http.monitor"


def responder(response: bytes, delay: float = 0.0) -> object:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                pass
            await asyncio.sleep(delay)
            writer.write(response)
            await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()

    return handle


OK = b"HTTP/1.0 200 OK\r\nServer: test\r\nContent-Type: text/plain\r\n\r\nhello world\n"
NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\ngone"
MOVED = b"HTTP/1.1 302 Found\r\nLocation: /x\r\n\r\n"
BAD_UTF8 = b"HTTP/1.0 200 OK\r\nX-Junk: \xff\xfe\xc3\r\n\r\n\xff\xff body"


@pytest.fixture(scope="module")
def loop() -> Iterator[Loop]:
    with event_loop() as running:
        yield running


@pytest.fixture(scope="module")
def ports(loop: Loop) -> dict[str, int]:
    return {
        "ok": loop.tcp(responder(OK)),  # type: ignore[arg-type]
        "404": loop.tcp(responder(NOT_FOUND)),  # type: ignore[arg-type]
        "302": loop.tcp(responder(MOVED)),  # type: ignore[arg-type]
        "utf8": loop.tcp(responder(BAD_UTF8)),  # type: ignore[arg-type]
        "slow": loop.tcp(responder(OK, delay=30)),  # type: ignore[arg-type]
        "huge": loop.tcp(responder(OK + b"x" * (8 << 20))),  # type: ignore[arg-type]
        "closed": _closed_port(),
    }


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def both(argv: list[str]) -> tuple[Output, Output, Output]:
    """Perl original, pymon's executable, and check() awaited in-process."""
    return run_perl(NAME, argv), run_script(NAME, argv), await_check(NAME, argv)


@pytest.mark.parametrize(
    ("port", "extra", "status"),
    [
        ("ok", [], 0),
        ("302", [], 0),
        ("404", [], 1),
        ("ok", ["-o"], 0),
        ("ok", ["-m", "hello w"], 0),
        ("ok", ["-m", "nomatch"], 1),
        ("404", ["-m", "gone"], 0),  # the regex alone decides
        ("ok", ["-u", "/path?q=1", "-a", "agent/1"], 0),
        ("utf8", [], 0),
    ],
)
def test_same_as_perl(ports: dict[str, int], port: str, extra: list[str], status: int) -> None:
    perl, script, awaited = both(["-p", str(ports[port]), *extra, "127.0.0.1"])
    assert perl.status == status
    assert script == perl or _same_bytes_replaced(script, perl)
    assert awaited == script


def _same_bytes_replaced(ours: Output, perl: Output) -> bool:
    """Invalid UTF-8 in a header: Perl prints the bytes, pymon prints U+FFFD in their place."""
    return (ours.status, ours.summary) == (perl.status, perl.summary) and "\ufffd" in ours.detail


def test_many_hosts_summary_sorted(ports: dict[str, int]) -> None:
    argv = ["-p", str(ports["404"]), "localhost", "127.0.0.1", "127.0.0.1"]
    perl, script, awaited = both(argv)
    assert perl.summary == script.summary == awaited.summary == "127.0.0.1 localhost"
    assert perl.status == script.status == awaited.status == 1


def test_no_hosts_is_ok_and_silent() -> None:
    perl, script, awaited = both(["-p", "1"])
    assert perl == script == awaited == Output(0, "", "")


def test_getopt_bundling_and_unknown_option(ports: dict[str, int]) -> None:
    perl, script, awaited = both(["-xo", f"-p{ports['ok']}", "127.0.0.1"])
    assert perl == script == awaited == Output(0, "", "")


def test_refused_says_why(ports: dict[str, int]) -> None:
    perl, script, awaited = both(["-p", str(ports["closed"]), "127.0.0.1"])
    assert (perl.status, perl.summary) == (script.status, script.summary) == (1, "127.0.0.1")
    # Deviation (docs/compatibility.md): the original reports "HTTP response code failure".
    assert perl.detail == "HOST 127.0.0.1: HTTP response code failure\n\n"
    assert script.detail == awaited.detail == "HOST 127.0.0.1: connect: Connection refused\n\n"


@pytest.mark.skipif(not netns_available(), reason="unshare -rn is not permitted here")
def test_unknown_name() -> None:
    """In the namespace, so that the lookup reaches no resolver outside 127.0.0.0/8."""
    argv = ["-p", "1", "no-such-host.invalid"]
    expected = Output(1, "no-such-host.invalid", "HOST no-such-host.invalid: gethostbyname failure\n\n")
    assert run_script(NAME, argv, netns=True) == run_inprocess_netns(NAME, argv) == expected
    perl = run_perl(NAME, argv, netns=True)
    assert (perl.status, perl.summary) == (1, "no-such-host.invalid")


def test_slow_server_times_out(ports: dict[str, int]) -> None:
    argv = ["-t", "1", "-p", str(ports["slow"]), "127.0.0.1"]
    started = time.monotonic()
    perl = run_perl(NAME, argv)
    script = run_script(NAME, argv)
    awaited = await_check(NAME, argv)
    assert perl == script == awaited == Output(1, "127.0.0.1", "HOST 127.0.0.1: timeout after 1 seconds\n\n")
    assert time.monotonic() - started < 10


def test_huge_response_is_capped(ports: dict[str, int]) -> None:
    perl, script, awaited = both(["-p", str(ports["huge"]), "-m", "xxxx", "127.0.0.1"])
    assert perl.status == script.status == awaited.status == 0
    assert script == awaited


def test_hosts_are_checked_concurrently(ports: dict[str, int]) -> None:
    hosts = [f"127.0.0.{n}" for n in range(1, 6)]
    started = time.monotonic()
    awaited = await_check(NAME, ["-t", "1", "-p", str(ports["slow"]), *hosts])
    assert awaited.summary == " ".join(sorted(hosts))
    assert time.monotonic() - started < 3  # one timeout, not five


@pytest.fixture(scope="module")
def tls_port(loop: Loop, tmp_path_factory: pytest.TempPathFactory) -> int:
    """An HTTPS server with a self-signed certificate: http.monitor speaks plain HTTP to it."""
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    async def start() -> int:
        server = await asyncio.start_server(
            responder(OK),  # type: ignore[arg-type]
            "127.0.0.1", 0, ssl=context, ssl_handshake_timeout=5,
        )  # fmt: skip
        return int(server.sockets[0].getsockname()[1])

    return loop.run(start())


def test_tls_server_is_a_clear_failure(tls_port: int) -> None:
    perl, script, awaited = both(["-t", "10", "-p", str(tls_port), "localhost"])
    expected = Output(1, "localhost", "HOST localhost: HTTP response code failure\n\n")
    # The original writes its request in three pieces; when the TLS server has already
    # hung up, the next write kills perl with SIGPIPE (no output at all).
    assert perl in (expected, Output(-13, "", ""))
    assert script == awaited == expected


def test_bad_regex_is_a_clear_failure(ports: dict[str, int]) -> None:
    awaited = await_check(NAME, ["-p", str(ports["ok"]), "-m", "(", "127.0.0.1"])
    assert awaited.status == 1 and awaited.summary == "127.0.0.1"
    assert awaited.detail.startswith("bad regex for -m '(':")


@pytest.mark.skipif(not netns_available(), reason="unshare -rn is not permitted here")
def test_silent_host_in_namespace() -> None:
    argv = ["-t", "2", SILENT_HOST]
    expected = Output(1, SILENT_HOST, f"HOST {SILENT_HOST}: timeout after 2 seconds\n\n")
    assert run_perl(NAME, argv, netns=True) == expected
    assert run_script(NAME, argv, netns=True) == expected
    assert run_inprocess_netns(NAME, argv) == expected


# What httpx changes (docs/compatibility.md, http.monitor over httpx): each test shows the
# Perl original's result next to pymon's.


def recorder(response: bytes, seen: list[bytes], closed: list[bool]) -> object:
    """Answers `response`, keeps the request in `seen`, then waits for the client to hang up."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = b""
            while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                request += line
            seen.append(request)
            writer.write(response)
            await writer.drain()
            async with asyncio.timeout(2):
                closed.append(await reader.read() == b"")
        except (OSError, TimeoutError):
            closed.append(False)
        finally:
            writer.close()

    return handle


def test_request_is_http_1_1_with_connection_close_and_the_connection_is_closed(loop: Loop) -> None:
    seen: list[bytes] = []
    closed: list[bool] = []
    port = loop.tcp(recorder(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", seen, closed))  # type: ignore[arg-type]
    argv = ["-p", str(port), "-u", "/a b?q=1", "-a", "agent/1", "127.0.0.1"]
    perl, script = run_perl(NAME, argv), run_script(NAME, argv)
    assert perl == script and perl.status == 0
    assert seen[0] == b"GET /a b?q=1 HTTP/1.0\r\nHost: 127.0.0.1\r\nUser-Agent: agent/1\r\n"
    # httpx sends HTTP/1.1 only, percent-encodes the path, and asks the server to close.
    expected = b"GET /a%20b?q=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: agent/1\r\nConnection: close\r\n"
    assert seen[1:] == [expected]

    async def check_then_wait_for_the_hang_up() -> Check:
        """The loop and its shared client stay alive: only pymon closing the socket ends it."""
        result = await BUILTIN[NAME](argv, {})
        async with asyncio.timeout(3):
            while len(closed) < 3:
                await asyncio.sleep(0.01)
        return result

    result = asyncio.run(check_then_wait_for_the_hang_up())
    assert Output(result.exit_status, result.summary, result.detail) == perl
    assert seen[2:] == [expected]
    # Perl waits for the server to close (HTTP/1.0), which here waits for the client first
    # and gives up after 2 s; pymon closes once the body is read.
    assert closed == [False, True, True]


CHUNKED = (
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nx-spaced:   value  \r\n\r\n"
    b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
)


def test_chunked_body_is_seen_without_its_framing(loop: Loop) -> None:
    port = str(loop.tcp(responder(CHUNKED)))  # type: ignore[arg-type]
    # A plain regex matches the body either way.
    perl, script, awaited = both(["-p", port, "-m", "hello world", "127.0.0.1"])
    assert (perl.status, script.status, awaited.status) == (1, 0, 0)  # Perl sees "hello\r\n6\r\n world"
    perl, script, awaited = both(["-p", port, "-m", r"5\r\nhello", "127.0.0.1"])
    assert (perl.status, script.status, awaited.status) == (0, 1, 1)
    header = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nx-spaced: value"
    assert script == awaited == Output(1, "127.0.0.1", f"HOST 127.0.0.1: Regex match failed\n{header}\n\n")


def test_header_is_rebuilt_from_the_parsed_response(loop: Loop) -> None:
    port = str(loop.tcp(responder(CHUNKED)))  # type: ignore[arg-type]
    perl, script, awaited = both(["-p", port, "127.0.0.1"])
    assert perl.detail == (
        "HOST 127.0.0.1: ok\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nx-spaced:   value  \n\n"
    )
    # Names keep their case and order; a value loses the blanks around it.
    header = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nx-spaced: value"
    assert script == awaited == Output(0, "", f"HOST 127.0.0.1: ok\n{header}\n\n")


def test_reply_that_is_not_http_is_judged_empty(loop: Loop) -> None:
    port = str(loop.tcp(responder(b"SSH-2.0-OpenSSH_9.2\r\n")))  # type: ignore[arg-type]
    perl, script, awaited = both(["-p", port, "-m", "SSH-2", "127.0.0.1"])
    assert perl == Output(0, "", "HOST 127.0.0.1: ok\n\n\n")
    assert script == awaited == Output(1, "127.0.0.1", "HOST 127.0.0.1: Regex match failed\n\n")


def test_bytes_after_the_content_length_are_not_read(loop: Loop) -> None:
    port = str(loop.tcp(responder(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nokTRAILER")))  # type: ignore[arg-type]
    perl, script, awaited = both(["-p", port, "-m", "TRAILER", "127.0.0.1"])
    assert perl.status == 0
    header = "HTTP/1.0 200 OK\r\nContent-Length: 2"
    assert script == awaited == Output(1, "127.0.0.1", f"HOST 127.0.0.1: Regex match failed\n{header}\n\n")


def test_path_must_begin_with_a_slash(ports: dict[str, int]) -> None:
    argv = ["-p", str(ports["ok"]), "-u", "index.html", "127.0.0.1"]
    perl, script, awaited = both(argv)
    # Perl sends "GET index.html HTTP/1.0"; this server answers anything with 200 (most answer 400).
    assert perl.status == 0
    error = "bad path for -u 'index.html': the path must begin with /\n"
    assert script == awaited == Output(1, "127.0.0.1", error)
