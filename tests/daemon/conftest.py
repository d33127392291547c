"""The `daemon` fixture: start real pymon daemons in tmp_path, stop them afterwards."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .harness import AUTH_ALL, Daemon


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Callable[..., Daemon]]:
    started: list[Daemon] = []

    def start(config: str, *flags: str, alerts: dict[str, str] | None = None, auth: str = AUTH_ALL) -> Daemon:
        d = Daemon(tmp_path / f"d{len(started)}", config, flags, alerts or {}, auth)
        started.append(d)
        return d

    yield start
    for d in started:
        d.stop()
