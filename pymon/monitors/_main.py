"""The body of every `monitors/NAME.monitor` executable."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import NoReturn

from pymon.monitors._check import Check
from pymon.monitors._registry import BUILTIN

__all__ = ["main"]


async def _run(name: str) -> Check:
    return await BUILTIN[name](sys.argv[1:], os.environ)


def main(name: str) -> NoReturn:
    """Run the built-in monitor `name` as an exec'd script: print its result, exit with its status."""
    check = asyncio.run(_run(name))
    sys.stdout.write(check.output)
    sys.stdout.flush()
    sys.exit(check.exit_status)
