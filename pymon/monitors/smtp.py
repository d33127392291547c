"""smtp.monitor: greet each host's SMTP server, HELO, quit, and expect 220, 250 and 221.

Options as Debian's smtp.monitor: -p port (25), -t timeout seconds (30). The dialogue
and the output layout are the original's; every reply line read goes into the detail.
"""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pymon.monitors import Check
from pymon.monitors._network import ConnectError, describe, each_host, open_tcp
from pymon.monitors._options import getopts, seconds

RULE = "=" * 78
MAX_LINE = 1 << 16  # a longer reply line fails the host


@dataclass(frozen=True)
class Result:
    ok: bool
    error: str
    detail: str


class _Failed(Exception):
    """The dialogue stopped; str() is the error the original reports."""


async def check(argv: Sequence[str], env: Mapping[str, str]) -> Check:
    options = getopts("p:t:", argv)
    port = options.text("p", "25")
    timeout = options.text("t", "30")
    helo = socket.gethostname()
    results = await each_host(options.args, lambda host: _dialogue(host, port, timeout, helo))
    bad = sorted(host for host, result in results.items() if not result.ok)
    good = sorted(host for host, result in results.items() if result.ok)
    parts = [f"{host} failed with error {results[host].error}\n{_section(host, results)}\n" for host in bad]
    parts.append("\n")
    parts += [f"{host} succeeded\n{_section(host, results)}\n" for host in good]
    return Check(1 if bad else 0, " ".join(bad), "".join(parts))


def _section(host: str, results: Mapping[str, Result]) -> str:
    return f"detail for {host}\n{RULE}\n{results[host].detail or 'no detail' + chr(10)}"


async def _dialogue(host: str, port: str, timeout: str, helo: str) -> Result:
    transcript: list[str] = []
    try:
        async with asyncio.timeout(seconds(timeout, 30)):
            try:
                reader, writer = await open_tcp(host, port, limit=MAX_LINE)
            except ConnectError as error:
                # The original says only this; why goes where its detail would be.
                return Result(False, f"Unable to create SMTP connection to port {port}", f"{error}\n")
            try:
                await _expect(reader, writer, transcript, "220", "did not receive 220 greeting")
                writer.write(f"HELO {helo}\r\n".encode())
                await _expect(reader, writer, transcript, "250", "did not get 250 response to HELO")
                writer.write(b"quit\r\n")
                await _expect(reader, writer, transcript, "221", "did not get 221 response to quit", False)
                writer.write(b"QUIT\r\n")
            finally:
                writer.close()
    except _Failed as failure:
        return Result(False, str(failure), "".join(transcript))
    except TimeoutError:
        return Result(False, "timeout", "".join(transcript))
    except OSError as error:
        return Result(False, f"read: {describe(error)}", "".join(transcript))
    return Result(True, "", "".join(transcript))


async def _expect(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    transcript: list[str],
    code: str,
    error: str,
    multi: bool = True,
) -> None:
    """Read one reply (with its `code-` continuation lines); anything but `code ` fails."""
    while True:
        try:
            line = (await reader.readline()).decode("utf-8", "replace")
        except ValueError:
            raise _Failed(f"reply line longer than {MAX_LINE} bytes") from None
        transcript.append(line)
        if not (multi and line.startswith(code + "-")):
            break
    if not re.match(code + " ", line):
        writer.write(b"QUIT\r\n")
        raise _Failed(error)
