"""The TCP 2583 server: many clients at once, each in its own task (PROTO-00a..f).

A request is a line ending at the first CR or LF; runs of CR/LF end it
(PROTO-00b), and every complete line is answered in order (the compatible
superset of PROTO-00c). A slow or silent client only ever waits in its own
task: replies are written with a deadline, and a client that sends nothing for
`cltimeout` seconds is closed (PROTO-00e). A line longer than `line_limit` is
answered with a 520 line and the connection closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
from collections.abc import Callable

from pymon.engine.records import Level
from pymon.server import protocol
from pymon.server.commands import Commands, Reply

__all__ = ["LINE_LIMIT", "MonServer", "client_allowed"]

LINE_LIMIT = 64 * 1024
_TOO_LONG = "520 line too long\n"
_LINE = re.compile(rb"^([^\r\n]*)[\r\n]+")

Logger = Callable[[Level, str], None]


def client_allowed(address: str, clientallow: str) -> bool:
    """PROTO-00d: the peer's address matches `^PATTERN$` for one of the patterns.

    As in mon, a `.` is made literal only when a character other than `[` or
    `\\` comes before it (so a leading `.` stays a wildcard, and of `..` only the
    first is escaped), and `^`/`$` bind to the outer alternatives of `a|b`.
    """
    for pattern in clientallow.split():
        literal = re.sub(r"([^\[\\])\.", r"\1\\.", pattern)
        try:
            if re.search(f"^{literal}$", address):
                return True
        except re.error:
            continue
    return False


def _no_delay(writer: asyncio.StreamWriter) -> None:
    """Send each reply at once. asyncio turns Nagle off only for sockets made with proto
    IPPROTO_TCP, not for those a plain listening socket accepts; with Nagle on, a client
    that sends two lines at once gets the second reply only after its delayed ACK (40 ms)."""
    sock = writer.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class MonServer:
    def __init__(
        self,
        commands: Commands,
        log: Logger,
        *,
        cltimeout: float = 30.0,
        clientallow: str = r"\d+.\d+.\d+.\d+",
        on_terminate: Callable[[], None] = lambda: None,
        line_limit: int = LINE_LIMIT,
    ) -> None:
        self.commands = commands
        self.log = log
        self.cltimeout = cltimeout
        self.clientallow = clientallow
        self.on_terminate = on_terminate
        self.line_limit = line_limit
        self._server: asyncio.Server | None = None

    async def serve(self, sock: socket.socket) -> None:
        """Start accepting on an already bound, listening socket."""
        # asyncio listens again on the socket, with a backlog of 100 unless told: a burst of
        # connections beyond it has its SYNs dropped and retried a second later.
        self._server = await asyncio.start_server(
            self._client, sock=sock, limit=self.line_limit, backlog=socket.SOMAXCONN
        )

    def close(self) -> None:
        if self._server is not None:
            self._server.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername") or ("?", 0)
        address = str(peer[0])
        if not client_allowed(address, self.clientallow):
            self.log("notice", f"closing unwanted client: {address}")
            writer.close()
            return
        self.log("info", f"client connection from {address}:{peer[1]}")
        _no_delay(writer)
        try:
            await self._converse(reader, writer, address)
        except (TimeoutError, ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def _converse(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer: str
    ) -> None:
        session = protocol.Session(host=peer)
        buffer = b""
        while True:
            try:
                # asyncio.timeout, not wait_for: wait_for wraps every read in a new task
                async with asyncio.timeout(self.cltimeout):
                    chunk = await reader.read(65536)
            except TimeoutError:
                self.log("info", f"closing client {peer}: timeout after {self.cltimeout:g}s")
                return
            if not chunk:
                return
            buffer += chunk
            while (match := _LINE.match(buffer)) is not None:
                buffer = buffer[match.end() :]
                line = match.group(1)
                if len(line) > self.line_limit:
                    await self._send(writer, Reply(_TOO_LONG))
                    return
                reply, session = await self._answer(line.decode("utf-8", "surrogateescape"), session)
                await self._send(writer, reply)
                if reply.terminate:
                    self.on_terminate()
                if reply.close:
                    return
            if len(buffer) > self.line_limit:
                limit = self.line_limit
                self.log("notice", f"closing client {peer}: request line over {limit} bytes")
                await self._send(writer, Reply(_TOO_LONG))
                return

    async def _answer(self, line: str, session: protocol.Session) -> tuple[Reply, protocol.Session]:
        request = protocol.parse_request(line)
        if request.logged:  # PROTO-00g
            self.log("info", f'client command "{line}"')
        try:
            if isinstance(request.action, protocol.Login):
                # Password checks block (PAM waits seconds after a failure): not in the event loop.
                reply, session = await asyncio.to_thread(self.commands.handle, request, session)
            else:
                reply, session = self.commands.handle(request, session)
        except Exception as error:  # a bug answers this request, never kills the daemon
            self.log("err", f'internal error on client command "{line}": {error!r}')
            reply = Reply("520 internal error\n")
        if request.logged:
            self.log("debug", f'finished client command "{line}"')
        return reply, session

    async def _send(self, writer: asyncio.StreamWriter, reply: Reply) -> None:
        writer.write(reply.text.encode("utf-8", "surrogateescape"))
        async with asyncio.timeout(self.cltimeout):
            await writer.drain()
