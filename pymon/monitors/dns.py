"""dns.monitor (in progress)."""

from collections.abc import Mapping, Sequence

from pymon.monitors import Check


async def check(argv: Sequence[str], env: Mapping[str, str]) -> Check:
    raise NotImplementedError
