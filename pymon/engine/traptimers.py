"""The two timers a trap service keeps: traptimeout (TRAP-10) and trapduration (TRAP-11).

Both run on `Scheduler`s, so they freeze while the scheduler is stopped, as mon's
per-pass countdowns do (SCHED-10):

* traptimeout: due one traptimeout after start or after the latest trap; when it
  fires the engine raises a traptimeout event, and it is due again one
  traptimeout later, for as long as no trap arrives;
* trapduration: armed by each trap; when it fires the engine sets the status back
  to OK. A service whose duration is not armed skips its turn.

What happens when one fires is the engine's: its callbacks answer with a
`Launch` (SKIPPED: done, due again one period later; RETRY: try again shortly).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from pymon.config import Service
from pymon.engine.scheduler import Key, Launch, Scheduler

__all__ = ["TrapTimers"]


class TrapTimers:
    def __init__(
        self,
        services: Iterable[Service],
        on_timeout: Callable[[Key], Launch],
        on_duration_end: Callable[[Key], Launch],
    ) -> None:
        self._on_duration_end = on_duration_end
        self._timeouts = Scheduler(on_timeout)
        self._durations = Scheduler(self._duration_fired)
        self._armed: set[Key] = set()  # services whose trapduration runs
        for service in services:
            key = (service.group, service.name)
            if service.traptimeout:
                self._timeouts.add(key, service.traptimeout)
            if service.trapduration:
                self._durations.add(key, service.trapduration)

    def begin(self, loop: asyncio.AbstractEventLoop, *, stopped: bool = False) -> None:
        self._timeouts.begin(loop, stopped=stopped)
        self._durations.begin(loop, stopped=stopped)

    def stop(self) -> None:
        self._timeouts.stop()
        self._durations.stop()

    def start(self) -> None:
        self._timeouts.start()
        self._durations.start()

    def close(self) -> None:
        self._timeouts.close()
        self._durations.close()

    def trap_arrived(self, key: Key) -> None:
        """TRAP-08: the heartbeat starts over and the trap's duration begins."""
        self._timeouts.reset(key)
        if self._durations.seconds_left(key) is not None:
            self._armed.add(key)
            self._durations.reset(key)

    def _duration_fired(self, key: Key) -> Launch:
        if key not in self._armed:
            return Launch.SKIPPED
        result = self._on_duration_end(key)
        if result is not Launch.RETRY:
            self._armed.discard(key)
        return result
