"""TCP listeners on 127.0.0.1 for the monitor tests: one that accepts, one that never completes a connect."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator

import pytest


@pytest.fixture
def listener() -> Iterator[int]:
    """The port of a listening socket (the kernel completes the connects; nobody accepts)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield sock.getsockname()[1]


@pytest.fixture
def refused_port() -> int:
    """A port nothing listens on: bound, never listened on, so no one else takes it meanwhile."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def black_hole() -> Iterator[int]:
    """A port whose accept queue is full: a new connect's SYN is dropped, so it hangs until its timeout."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(0)
        port: int = sock.getsockname()[1]
        fillers = []
        for _ in range(3):
            filler = socket.socket()
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", port))
            fillers.append(filler)
        time.sleep(0.1)  # let the handshakes that can complete do so
        yield port
        for filler in fillers:
            filler.close()
