"""http.monitor: GET a URL from each host with httpx and judge the status line (or a regex).

Options as Debian's http.monitor: -p port (80), -t timeout seconds (30), -u path ("/"),
-a User-Agent ("mon.d/http.monitor"), -m regex that must match header + body, -o to omit
the healthy hosts from the detail. The judgement is the original's: the status must be
200, 301 or 302 (not followed) or 401 unless -m is given, which then decides alone, on
the status line, headers and body as received, at most 1 MiB of them.

The request goes through one shared httpx.AsyncClient per event loop, on a transport that
opens a fresh connection per check and closes it after (the original's way; see
_http_transport). httpx speaks HTTP/1.1 only, so the request line says HTTP/1.1 where the
original's says HTTP/1.0, and it asks the server to close with `Connection: close`.
docs/compatibility.md lists what the regex can then see differently.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import os
import re
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import httpx

from pymon.monitors import Check
from pymon.monitors._http_transport import OneConnectionTransport
from pymon.monitors._network import ConnectError, each_host, resolve_ipv4
from pymon.monitors._options import getopts, seconds

MAX_RESPONSE = 1 << 20  # bytes kept of a response (status line, headers, body); the rest is not read
_HEADER = re.compile(rb"(.*?)\r?\n\r?\n", re.S)
_GOOD_STATUS = re.compile(rb"HTTP/[\d.]+\s+(200|30[12]|401)\b")

_Clients = weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient]
_clients: _Clients = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Request:
    port: str
    timeout: str
    path: str
    agent: bytes
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
    hosts = " ".join(sorted(set(options.args)))
    pattern = options.text("m", "")
    try:
        match = re.compile(os.fsencode(pattern), re.S) if pattern else None
    except re.error as error:
        return Check(1, hosts, f"bad regex for -m {pattern!r}: {error}\n")
    request = Request(
        port=options.text("p", "80"),
        timeout=options.text("t", "30"),
        path=options.text("u", "/"),
        agent=os.fsencode(options.text("a", "mon.d/http.monitor")),
        match=match,
    )
    try:
        if not request.path.startswith("/"):
            raise httpx.InvalidURL("the path must begin with /")
        httpx.URL("http://127.0.0.1" + request.path)
    except httpx.InvalidURL as error:
        # The original sends any text; httpx needs a path from "/" without control characters.
        return Check(1, hosts, f"bad path for -u {request.path!r}: {error}\n")
    client = _client()
    results = await each_host(options.args, lambda host: _get(client, host, request))
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


def _client() -> httpx.AsyncClient:
    """The event loop's client, made on first use. It holds no connections between checks."""
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None:
        client = httpx.AsyncClient(
            transport=OneConnectionTransport(),
            trust_env=False,  # no proxy or netrc from the environment: the host itself is checked
            follow_redirects=False,  # 301 and 302 are good answers, as in the original
            timeout=None,  # the check's own -t deadline covers connect, request and reading
            cookies=http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[])),
        )
        _clients[loop] = client
    return client


async def _get(client: httpx.AsyncClient, host: str, request: Request) -> Result:
    content = bytearray()
    timed_out = False
    try:
        async with asyncio.timeout(seconds(request.timeout, 30)):
            address, port = await resolve_ipv4(host, request.port)
            await _fetch(client, _request(address, port, host, request), content)
    except ConnectError as error:
        # Deviation: the original overwrites this with "HTTP response code failure".
        return Result(False, str(error))
    except TimeoutError:
        timed_out = True
    except httpx.RemoteProtocolError:
        pass  # not HTTP that h11 can read (a TLS port, a banner): judged on what was read
    except (httpx.ConnectError, httpx.ReadError, httpx.WriteError) as error:
        return Result(False, str(error))
    except httpx.LocalProtocolError as error:
        return Result(False, f"bad request: {error}")
    return _judge(bytes(content), request, timed_out)


def _request(address: str, port: int, host: str, request: Request) -> httpx.Request:
    # The original's request, but for the version: Host is the name as given, without port.
    headers = [
        (b"Host", os.fsencode(host)),
        (b"User-Agent", request.agent),
        (b"Connection", b"close"),
    ]
    return httpx.Request("GET", f"http://{address}:{port}{request.path}", headers=headers)


async def _fetch(client: httpx.AsyncClient, request: httpx.Request, content: bytearray) -> None:
    """Status line, headers and body into `content` as they arrive, until the end or MAX_RESPONSE."""
    response = await client.send(request, stream=True)
    try:
        content += _head(response)
        async for chunk in response.aiter_raw():
            content += chunk
            if len(content) >= MAX_RESPONSE:
                del content[MAX_RESPONSE:]
                break
    finally:
        await response.aclose()


def _head(response: httpx.Response) -> bytes:
    """The status line and headers the original's regex reads, rebuilt from what h11 parsed:
    header names keep their case and order; the spacing and line ends become `: ` and CRLF."""
    reason = response.extensions.get("reason_phrase", b"")
    lines = [b"%s %d %s" % (response.http_version.encode("ascii"), response.status_code, reason)]
    lines += [name + b": " + value for name, value in response.headers.raw]
    return b"\r\n".join(lines) + b"\r\n\r\n"


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
