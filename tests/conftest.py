"""Shared fixtures: where the shared reference material lives."""

from __future__ import annotations

import os
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
