"""An httpx transport that opens a fresh connection for each request and closes it after.

http.monitor's checks never share a connection: Debian's original opens one per host and
reads it to the end, and a check must see the server as a new client does. httpx's own
AsyncHTTPTransport keeps a connection pool for reuse, which then only costs CPU: the pool
scans every open connection each time a request starts or a response ends, and its anyio
network layer adds task groups and cancel scopes to each connect and read. This transport
keeps httpx's HTTP/1.1 engine (httpcore's connection, h11 underneath) and puts it straight
on an asyncio stream, connected the way the other monitors connect (IPv4, the C library's
error words). A bound on open connections per event loop replaces the pool's limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx

from pymon.monitors._network import ConnectError, describe, open_tcp

MAX_CONNECTIONS = 512  # open at once on one event loop, over every http.monitor run


class OneConnectionTransport(httpx.AsyncBaseTransport):
    """handle_async_request: connect, send one HTTP/1.1 request, hand back the streaming response."""

    def __init__(self, max_connections: int = MAX_CONNECTIONS) -> None:
        self._slots = asyncio.Semaphore(max_connections)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        await self._slots.acquire()
        try:
            try:
                reader, writer = await open_tcp(url.host, str(url.port or 80))
            except ConnectError as error:
                raise httpx.ConnectError(str(error), request=request) from None
            port = url.port or 80
            origin = httpcore.Origin(url.raw_scheme, url.raw_host, port)
            connection = httpcore.AsyncHTTP11Connection(origin, _Stream(reader, writer))
            core_request = httpcore.Request(
                method=request.method,
                url=httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=port, target=url.raw_path),
                headers=request.headers.raw,
                content=request.stream,
                extensions=request.extensions,
            )
            try:
                with _mapped(request):
                    response = await connection.handle_async_request(core_request)
            except BaseException:
                await connection.aclose()
                raise
        except BaseException:
            self._slots.release()
            raise
        assert isinstance(response.stream, AsyncIterable)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Body(response.stream, connection, self._slots, request),
            extensions=response.extensions,
        )


class _Body(httpx.AsyncByteStream):
    """The response body as httpcore reads it; closing it closes the connection and frees its slot."""

    def __init__(
        self,
        chunks: AsyncIterable[bytes],
        connection: httpcore.AsyncHTTP11Connection,
        slots: asyncio.Semaphore,
        request: httpx.Request,
    ) -> None:
        self._chunks = chunks
        self._connection = connection
        self._slots: asyncio.Semaphore | None = slots
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _mapped(self._request):
            async for chunk in self._chunks:
                yield chunk

    async def aclose(self) -> None:
        try:
            await self._connection.aclose()
        finally:
            if self._slots is not None:
                self._slots.release()
                self._slots = None


class _Stream(httpcore.AsyncNetworkStream):
    """httpcore's view of an asyncio stream. No timeouts here: the monitor bounds the whole check."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            return await self._reader.read(max_bytes)
        except OSError as error:
            raise httpx.ReadError(f"read: {describe(error)}") from None

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        try:
            self._writer.write(buffer)
            await self._writer.drain()
        except OSError as error:
            raise httpx.WriteError(f"write: {describe(error)}") from None

    async def aclose(self) -> None:
        self._writer.close()

    def get_extra_info(self, info: str) -> Any:
        return self._writer.get_extra_info(info)


@contextmanager
def _mapped(request: httpx.Request) -> Iterator[None]:
    """httpcore's protocol errors as httpx's, as httpx's own transport raises them."""
    try:
        yield
    except httpcore.RemoteProtocolError as error:
        raise httpx.RemoteProtocolError(str(error), request=request) from error
    except httpcore.LocalProtocolError as error:
        raise httpx.LocalProtocolError(str(error), request=request) from error
