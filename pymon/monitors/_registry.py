"""BUILTIN: pymon's own monitors, by script name.

Every public module `pymon/monitors/NAME.py` is the monitor `NAME.monitor` and
exposes `async def check(argv, env) -> Check`; helper modules are private
(`_name.py`). A module is imported only when its monitor is first asked for,
so one executable does not pay for the others' imports.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator, Mapping
from pathlib import Path

from pymon.monitors._check import MonitorFunc

__all__ = ["BUILTIN", "SUFFIX"]

SUFFIX = ".monitor"


class _Builtin(Mapping[str, MonitorFunc]):
    def __init__(self) -> None:
        here = [str(Path(__file__).parent)]
        self._names = tuple(sorted(m.name for m in pkgutil.iter_modules(here) if not m.name.startswith("_")))

    def __getitem__(self, name: str) -> MonitorFunc:
        stem = name.removesuffix(SUFFIX)
        if not name.endswith(SUFFIX) or stem not in self._names:
            raise KeyError(name)
        module = importlib.import_module(f"pymon.monitors.{stem}")
        check: MonitorFunc = module.check
        return check

    def __iter__(self) -> Iterator[str]:
        return (name + SUFFIX for name in self._names)

    def __len__(self) -> int:
        return len(self._names)


BUILTIN: Mapping[str, MonitorFunc] = _Builtin()
