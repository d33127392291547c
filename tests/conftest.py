"""Shared fixtures: where the shared reference material lives."""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent


def shared_dir() -> Path | None:
    """`../shared` beside the checkout (as in CI), or $PYMON_SHARED."""
    candidates = [os.environ.get("PYMON_SHARED", ""), str(REPO.parent / "shared")]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


@pytest.fixture
def shared() -> Path:
    found = shared_dir()
    if found is None:
        pytest.skip("../shared is not beside this checkout")
    return found


@pytest.fixture(scope="module")
def perl() -> Iterator[Any]:
    """The Perl reference of the protocol tests (tests/server/perlref.py): one perl per module."""
    from perlref import PerlReference  # tests/server is on sys.path for the modules that use it

    try:
        reference = PerlReference()
    except FileNotFoundError:
        pytest.skip("perl is not installed")
    yield reference
    reference.close()


# --- TCP ports on 127.0.0.1 for the monitor tests ------------------------------------


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
