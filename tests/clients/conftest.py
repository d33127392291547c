"""Fixtures for the client tests: the real mon and pymon on the same config."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from . import servers


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., servers.Server]]:
    """start_server(kind, config, auth=..., flags=()) -> a running server, stopped after the test."""
    started: list[servers.Server] = []

    def start(
        kind: str, config: str, auth: str = servers.AUTH_ALL, flags: tuple[str, ...] = ()
    ) -> servers.Server:
        if not servers.available(kind):
            pytest.skip("the real mon (/usr/sbin/mon) is not installed")
        server = servers.start(kind, tmp_path / f"{kind}{len(started)}", config, auth, flags)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
