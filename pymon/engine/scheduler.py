"""When each service's monitor starts (SCHED-02..06, 13): a timer per service.

mon counts every service's `_timer` down once per one-second pass. pymon keeps
mon's arithmetic but keeps each service's due time in a queue and wakes the
event loop at the earliest one, so a monitor starts within milliseconds of it.
When a busy daemon has more services due within the same tick (tick.py), they
all start at the tick's start, in one wake-up: up to a tick early, never late.
The rest is mon's:

* first run one interval after start, or a random time within randstart (SCHED-03);
* fixed rate: each start advances `next_check` by the interval, and after the
  monitor exits the next run is due at `next_check` (or one interval from now if
  that has passed) (SCHED-04); with randskew, interval +- a random skew (SCHED-05);
* never two runs of a service at once: a service is re-armed only when its
  monitor has exited (SCHED-06);
* a service without an interval is never scheduled (SVC-02);
* while stopped, the timers are frozen (SCHED-10).

What happens when a timer fires is the caller's: `launch(key)` says whether the
monitor started, must wait for a free process slot (maxprocs), or should be
tried again shortly (exclude_period, a dependency, a missing monitor: mon keeps
trying every pass, SCHED-02), or was skipped until the next interval (MONI-04).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from pymon.engine.tick import tick_after, tick_at_or_before

__all__ = ["RETRY_DELAY", "Key", "Launch", "Scheduler"]

Key = tuple[str, str]  # (group, service)
RETRY_DELAY = 1.0  # mon retries a skipped start on its next pass, one second later


class Launch(Enum):
    STARTED = "started"  # the monitor runs; `finished` re-arms the timer
    BUSY = "busy"  # it is still running from before; `finished` re-arms the timer
    THROTTLED = "throttled"  # maxprocs reached: try again when a monitor exits (SCHED-07)
    RETRY = "retry"  # try again in RETRY_DELAY
    SKIPPED = "skipped"  # not run this time; next try one interval from now (MONI-04)


@dataclass
class _Timer:
    interval: float
    randskew: float
    due: float  # wall-clock time the timer expires
    next_check: float | None = None  # mon's _next_check, the fixed-rate anchor (None: 0)
    frozen_left: float | None = None  # seconds left when the scheduler was stopped
    armed: int | None = None  # the number of its entry in the scheduler's queue, while armed


class Scheduler:
    def __init__(
        self,
        launch: Callable[[Key], Launch],
        *,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self._launch = launch
        self._clock = clock
        self._rng = rng or random.Random()
        self._timers: dict[Key, _Timer] = {}
        self._throttled: list[Key] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        # Every armed timer is an entry (due, number, key) here, and the event loop
        # holds one timer, for the earliest: a loop timer per service costs a handle
        # and Python-level comparisons in the loop's heap at every run.
        self._queue: list[tuple[float, int, Key]] = []
        self._numbers = itertools.count()
        self._wakeup: asyncio.TimerHandle | None = None
        self.stopped = False

    # --- set-up and control ------------------------------------------------------

    def add(
        self, key: Key, interval: float | None, *, randskew: float = 0.0, randstart: float | None = None
    ) -> None:
        """SCHED-03: the first run one interval from now, or at random within randstart."""
        if not interval:
            return  # SVC-02: no interval, never scheduled
        # mon draws whole seconds (int(rand(N))), which makes every service due
        # at the same instants; a fraction spreads the starts and no one sees it.
        first = self._rng.random() * randstart if randstart else interval
        self._timers[key] = _Timer(interval, randskew, self._clock() + first)

    def begin(self, loop: asyncio.AbstractEventLoop, *, stopped: bool = False) -> None:
        """Arm every timer (frozen instead when starting stopped, `-S`)."""
        self._loop = loop
        if stopped:
            self.stop()
        for key in self._timers:
            self._arm(key)

    def stop(self) -> None:
        """SCHED-10: freeze every timer where it is."""
        if self.stopped:
            return
        self.stopped = True
        now = self._clock()
        for timer in self._timers.values():
            timer.frozen_left = max(0.0, timer.due - now)
            self._cancel(timer)

    def start(self) -> None:
        if not self.stopped:
            return
        self.stopped = False
        now = self._clock()
        for key, timer in self._timers.items():
            if timer.frozen_left is not None:
                timer.due, timer.frozen_left = now + timer.frozen_left, None
            self._arm(key)

    def close(self) -> None:
        for timer in self._timers.values():
            self._cancel(timer)
        self._queue.clear()
        if self._wakeup is not None:
            self._wakeup.cancel()
            self._wakeup = None
        self._loop = None

    def trigger(self, key: Key) -> bool:
        """SCHED-13 `test monitor`: due now, and the fixed-rate anchor restarts."""
        timer = self._timers.get(key)
        if timer is None:
            return False
        timer.due, timer.next_check = self._clock(), None
        if timer.frozen_left is not None:
            timer.frozen_left = 0.0
        self._arm(key)
        return True

    def reset(self, key: Key) -> None:
        """SCHED-14 `clear timers`: the next run one interval from now."""
        timer = self._timers.get(key)
        if timer is None:
            return
        timer.due = self._clock() + timer.interval
        if timer.frozen_left is not None:
            timer.frozen_left = timer.interval
        if timer.armed is not None:
            self._arm(key)

    # --- what the runner reports -------------------------------------------------

    def started(self, key: Key, interval: float | None) -> None:
        """SCHED-04: `_next_check = now + interval` on the first run, `+= interval` after."""
        timer = self._timers[key]
        timer.interval = interval or timer.interval
        if timer.next_check is None:
            timer.next_check = self._clock() + timer.interval
        else:
            timer.next_check += timer.interval

    def finished(self, key: Key, interval: float | None, *, restart: bool = False) -> None:
        """mon's reset_timer, after the monitor exited and its result was processed."""
        timer = self._timers[key]
        now = self._clock()
        timer.interval = interval or timer.interval
        if restart:  # SCHED-11: the interval changed; mon's `_next_check = 0`
            timer.next_check = None
        if not timer.interval:
            timer.due = float("inf")  # run once by `test monitor`, never scheduled
        elif timer.randskew:  # SCHED-05
            skew = int(self._rng.random() * timer.randskew) + 1
            timer.due = now + timer.interval + (skew if self._rng.random() < 0.5 else -skew)
        else:
            left = (timer.next_check or 0.0) - now
            timer.due = now + (left if left >= 0 else timer.interval)
        self._arm(key)
        self._release_throttled()

    def seconds_left(self, key: Key) -> int | None:
        """`timer=` of `list opstatus`: whole seconds until the next run; None if unscheduled."""
        timer = self._timers.get(key)
        if timer is None or timer.due == float("inf"):
            return None
        left = timer.frozen_left if timer.frozen_left is not None else timer.due - self._clock()
        return max(0, int(left))

    # --- timers ------------------------------------------------------------------

    def _arm(self, key: Key) -> None:
        timer = self._timers[key]
        self._cancel(timer)
        if self._loop is None or self.stopped or timer.due == float("inf"):
            return
        timer.armed = next(self._numbers)
        heapq.heappush(self._queue, (timer.due, timer.armed, key))
        if self._queue[0][1] == timer.armed:  # the earliest now
            self._wake_at_first()

    @staticmethod
    def _cancel(timer: _Timer) -> None:
        timer.armed = None  # its queue entry is dropped when it comes up

    def _wake_at_first(self) -> None:
        if self._wakeup is not None:
            self._wakeup.cancel()
            self._wakeup = None
        if self._queue and self._loop is not None:
            # The earliest timer, on the loop's clock: alone in its tick, it fires on
            # time; sharing its tick (tick.py) with the next one, they all fire at the
            # tick's start, in one wake-up.
            to_loop = self._loop.time() - self._clock()
            when = max(self._queue[0][0] + to_loop, self._loop.time())
            following = min((entry[0] for entry in self._queue[1:3]), default=float("inf"))
            if following + to_loop < tick_after(when):
                when = tick_at_or_before(when)
            self._wakeup = self._loop.call_at(when, self._run_due)

    def _run_due(self) -> None:
        """Fire every timer that is due before the end of this tick."""
        assert self._loop is not None
        self._wakeup = None
        now = self._loop.time()
        limit = self._clock() + tick_after(now) - now
        while self._queue and self._queue[0][0] <= limit:
            _, number, key = heapq.heappop(self._queue)
            if self._timers[key].armed == number:
                self._fire(key)
        if self._wakeup is None:
            self._wake_at_first()

    def _fire(self, key: Key) -> None:
        timer = self._timers[key]
        timer.armed = None
        if self.stopped:
            return
        result = self._launch(key)
        if result is Launch.THROTTLED:
            if key not in self._throttled:
                self._throttled.append(key)
        elif result is Launch.RETRY:
            timer.due = self._clock() + RETRY_DELAY
            self._arm(key)
        elif result is Launch.SKIPPED:
            timer.due = self._clock() + (timer.interval or RETRY_DELAY)
            self._arm(key)

    def _release_throttled(self) -> None:
        """A monitor exited: the services waiting for a process slot try again, oldest first."""
        waiting, self._throttled = self._throttled, []
        for key in waiting:
            if self._loop is not None:
                self._loop.call_soon(self._fire, key)
