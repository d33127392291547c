"""The rhythm of a busy daemon: wake-ups that can wait a little fall on multiples of TICK.

A wake-up of the event loop costs more CPU than the monitor start or exit it is
for (docs/performance.md). So the scheduler starts together every monitor due
within one tick, and monitor exits that come just after others are collected
at the next tick. Both timers fall on the same multiples of TICK on the event
loop's clock, and asyncio runs timers due at the same moment in one wake-up.
"""

from __future__ import annotations

import math
from typing import Final

__all__ = ["TICK", "tick_after", "tick_at_or_before"]

TICK: Final = 0.050  # seconds


def tick_at_or_before(when: float) -> float:
    """The last multiple of TICK not after `when`."""
    return math.floor(when / TICK) * TICK


def tick_after(when: float) -> float:
    """The first multiple of TICK after `when`."""
    return (math.floor(when / TICK) + 1) * TICK
