"""telnet.monitor: connect to each host's telnet port and wait for the login prompt.

Options as Debian's telnet.monitor: -p port (23), -t timeout seconds (10, for the
connection and again for the prompt), -l a Perl match operator for the prompt
("/ogin:/i"). As Net::Telnet does, telnet option requests are refused and their bytes
kept out of the text matched, and messages are Net::Telnet's.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Mapping, Sequence

from pymon.monitors import Check
from pymon.monitors._network import ConnectError, describe, each_host, resolve_ipv4
from pymon.monitors._options import getopts, seconds

MAX_BUFFER = 1 << 20  # Net::Telnet's default maxbufsize
IAC, DONT, DO, WONT, WILL, SB, SE = 255, 254, 253, 252, 251, 250, 240
_FLAGS = {"i": re.I, "m": re.M, "s": re.S, "x": re.X}
_CLOSERS = {"(": ")", "[": "]", "{": "}", "<": ">"}


class BadMatch(ValueError):
    """The -l value is not a Perl match operator this monitor can use."""


def match_operator(text: str) -> re.Pattern[bytes]:
    """`/re/flags` or `m{re}flags` (any delimiter) as a compiled bytes pattern."""
    body = text.strip()
    if body.startswith("/"):
        opener, body = "/", body[1:]
    elif re.match(r"m\s*[^\w\s]", body):
        body = body[1:].lstrip()
        opener, body = body[0], body[1:]
    else:
        where = f'in argument "{text}" given to Net::Telnet::waitfor()'
        raise BadMatch(f"missing opening delimiter of match operator {where}")
    closer = _CLOSERS.get(opener, opener)
    end = body.rfind(closer)
    if end < 0 or not re.fullmatch(r"[msixpodualgc]*", body[end + 1 :]):
        raise BadMatch("bad match operator: Search pattern not terminated")
    flags = 0
    for letter in body[end + 1 :]:
        flags |= _FLAGS.get(letter, 0)
    try:
        return re.compile(os.fsencode(body[:end]), flags)
    except re.error as error:
        raise BadMatch(f"bad match operator: {error}") from None


async def check(argv: Sequence[str], env: Mapping[str, str]) -> Check:
    options = getopts("l:p:t:", argv)
    port = options.text("p", "23")
    timeout = options.text("t", "10")
    try:
        prompt: re.Pattern[bytes] | str = match_operator(options.text("l", "/ogin:/i"))
    except BadMatch as error:
        prompt = str(error)
    results = await each_host(options.args, lambda host: _login_prompt(host, port, timeout, prompt))
    # argv order and repeats, as the original lists them
    failures = [(host, results[host]) for host in options.args if results[host]]
    if not failures:
        return Check(0, "")
    summary = " ".join(sorted(host for host, _ in failures))
    return Check(1, summary, "".join(f"{host}: {message}\n" for host, message in failures))


async def _login_prompt(host: str, port: str, timeout: str, prompt: re.Pattern[bytes] | str) -> str:
    """ "" when the prompt came, else Net::Telnet's error message."""
    limit = max(1, int(seconds(timeout, 10) + 0.5))  # Net::Telnet's connect alarm: whole seconds, at least 1
    try:
        async with asyncio.timeout(limit):
            address, number = await resolve_ipv4(host, port)
            reader, writer = await asyncio.open_connection(address, number)
    except ConnectError as error:
        if str(error) == "gethostbyname failure":
            return f"unknown remote host: {host}"
        return f'problem connecting to "{host}", port {port}: {error}'  # a port that is not one
    except TimeoutError:
        return f'problem connecting to "{host}", port {port}: connect timed-out'
    except OSError as error:
        return f'problem connecting to "{host}", port {port}: {describe(error)}'
    try:
        if isinstance(prompt, str):
            return f"did not get prompt: {prompt}"
        async with asyncio.timeout(seconds(timeout, 10)):
            return await _wait_for(reader, writer, prompt)
    except TimeoutError:
        return "did not get prompt: pattern match timed-out"
    except OSError as error:
        return f"did not get prompt: read error: {describe(error)}"
    finally:
        writer.close()


async def _wait_for(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, prompt: re.Pattern[bytes]
) -> str:
    text = bytearray()
    pending = b""
    while True:
        chunk = await reader.read(4096)
        if not chunk:
            return "did not get prompt: pattern match read eof"
        data, pending, replies = _telnet_data(pending + chunk)
        if replies:
            writer.write(replies)
        text += data
        if prompt.search(text.replace(b"\r\n", b"\n")):
            return ""
        if len(text) > MAX_BUFFER:
            return f"did not get prompt: maximum input buffer length exceeded: {MAX_BUFFER} bytes"


def _telnet_data(received: bytes) -> tuple[bytes, bytes, bytes]:
    """Split received bytes into (text, incomplete command kept for later, our refusals)."""
    text, replies = bytearray(), bytearray()
    i = 0
    while i < len(received):
        byte = received[i]
        if byte != IAC:
            text.append(byte)
            i += 1
            continue
        if i + 1 >= len(received):
            break
        command = received[i + 1]
        if command == IAC:
            text.append(IAC)
            i += 2
        elif command in (DO, DONT, WILL, WONT):
            if i + 2 >= len(received):
                break
            option = received[i + 2]
            if command == DO:
                replies += bytes((IAC, WONT, option))
            elif command == WILL:
                replies += bytes((IAC, DONT, option))
            i += 3
        elif command == SB:
            end = received.find(bytes((IAC, SE)), i + 2)
            if end < 0:
                break
            i = end + 2
        else:
            i += 2
    return bytes(text), received[i:], bytes(replies)
