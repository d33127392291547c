"""http.monitor: GET a URL from each host over HTTP/1.0 and judge the status line (or a regex).

Options as Debian's http.monitor: -p port (80), -t timeout seconds (30), -u path ("/"),
-a User-Agent ("mon.d/http.monitor"), -m regex that must match header + body, -o to omit
the healthy hosts from the detail. The request and the judgement are the original's: the
raw response is read to end of file and the status must be 200, 301, 302 or 401 unless
-m is given, which then decides alone.

Raw asyncio streams rather than an HTTP client: the regex must see the bytes the server
sent (chunked encoding, header case and all), and it keeps a check at about 0.1 ms of CPU.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pymon.monitors import Check
from pymon.monitors._network import ConnectError, describe, each_host, open_tcp
from pymon.monitors._options import getopts, seconds

MAX_RESPONSE = 1 << 20  # bytes kept of a response; the rest is not read
_HEADER = re.compile(rb"(.*?)\r?\n\r?\n", re.S)
_GOOD_STATUS = re.compile(rb"HTTP/[\d.]+\s+(200|30[12]|401)\b")


@dataclass(frozen=True)
class Request:
    port: str
    timeout: str
    path: str
    agent: str
    match: re.Pattern[bytes] | None


@dataclass(frozen=True)
class Result:
    ok: bool
    error: str = ""
    header: str = ""


async def check(argv: Sequence[str], env: Mapping[str, str]) -> Check:
    options = getopts("p:t:u:a:m:o", argv)
    if not options.args:
        return Check(0, "")
    pattern = options.text("m", "")
    try:
        match = re.compile(os.fsencode(pattern), re.S) if pattern else None
    except re.error as error:
        hosts = " ".join(sorted(set(options.args)))
        return Check(1, hosts, f"bad regex for -m {pattern!r}: {error}\n")
    request = Request(
        port=options.text("p", "80"),
        timeout=options.text("t", "30"),
        path=options.text("u", "/"),
        agent=options.text("a", "mon.d/http.monitor"),
        match=match,
    )
    results = await each_host(options.args, lambda host: _get(host, request))
    bad = sorted(host for host, result in results.items() if not result.ok)
    lines: list[str] = []
    for host in bad:
        lines.append(f"HOST {host}: {results[host].error}\n")
        if results[host].header:
            lines.append(results[host].header + "\n")
        lines.append("\n")
    if not options.flag("o"):
        for host in sorted(host for host, result in results.items() if result.ok):
            lines.append(f"HOST {host}: ok\n{results[host].header}\n\n")
    return Check(1 if bad else 0, " ".join(bad), "".join(lines))


async def _get(host: str, request: Request) -> Result:
    content = bytearray()
    timed_out = False
    try:
        async with asyncio.timeout(seconds(request.timeout, 30)):
            reader, writer = await open_tcp(host, request.port)
            try:
                lines = f"GET {request.path} HTTP/1.0\r\nHost: {host}\r\nUser-Agent: {request.agent}\r\n\r\n"
                writer.write(lines.encode("utf-8", "surrogateescape"))
                while len(content) < MAX_RESPONSE:
                    chunk = await reader.read(MAX_RESPONSE - len(content))
                    if not chunk:
                        break
                    content += chunk
            finally:
                writer.close()
    except ConnectError as error:
        # Deviation: the original overwrites this with "HTTP response code failure".
        return Result(False, str(error))
    except TimeoutError:
        timed_out = True
    except OSError as error:
        return Result(False, f"read: {describe(error)}")
    return _judge(bytes(content), request, timed_out)


def _judge(content: bytes, request: Request, timed_out: bool) -> Result:
    """The original's verdict on what was read, even if the time ran out part way."""
    found = _HEADER.match(content)
    header = found.group(1).decode("utf-8", "replace") if found else ""
    ok, error = True, ""
    if not _GOOD_STATUS.match(content):
        ok, error = False, "HTTP response code failure"
    if request.match is not None:
        ok = request.match.search(content) is not None
        error = "" if ok else "Regex match failed"
    if not ok and timed_out:
        error = f"timeout after {request.timeout} seconds"
    return Result(ok, error, header)
