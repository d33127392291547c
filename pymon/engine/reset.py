"""`reset`: rebuild the engine from a re-read config (PROTO-41, MONI-13, STATE-05..07).

The caller reads the config first: a config that does not load is refused
before anything changes, and the old engine keeps running. Otherwise: build
the services afresh and carry over what survives (`pymon.engine.carry`), then
stop the old engine and its monitors, write the downtime log header, re-read
historicfile, arm the timers, and send startup alerts if
`startupalerts_on_reset` is set. (mon stops the monitors first; nothing
observable depends on the order, and this way a failure leaves the old
engine untouched.)
"""

from __future__ import annotations

import asyncio
import time

from pymon.config import LoadedConfig
from pymon.engine.carry import carry_over
from pymon.engine.engine import Engine

__all__ = ["reset_engine"]


def reset_engine(
    old: Engine, loaded: LoadedConfig, *, keepstate: bool, loop: asyncio.AbstractEventLoop
) -> Engine:
    """The running engine built from `loaded`; `old` is retired (its monitors stopped)."""
    g = loaded.config.globals
    old.log("info", f"resetting, and re-reading configuration {loaded.config.path}")
    for warning in loaded.config.mon_warnings:
        old.log("stderr", warning)
    for problem in loaded.problems:
        old.log("err", problem)
    new = Engine(loaded, old.log)
    carry_over(old, new, keepstate=keepstate)
    # nothing above changed `old`: if it failed, the old engine runs on
    old.retire()
    new.adopt(old)
    new.journal.start_dtlog()
    new.journal.load_history(int(time.time()), g.historictime)
    new.begin(loop, startup_alerts=g.startupalerts_on_reset)
    return new
