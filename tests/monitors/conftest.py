"""Fixtures the monitor tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .servers import Loop, event_loop


@pytest.fixture(scope="module")
def loop() -> Iterator[Loop]:
    """One event loop per test module for its servers (a module may define its own `loop`)."""
    with event_loop() as running:
        yield running
