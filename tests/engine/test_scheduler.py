"""The scheduler's arithmetic (SCHED-03..06, 10, 13) on a fake clock, and its timers on a real loop."""

from __future__ import annotations

import asyncio
import random
import time

import pytest

from pymon.engine.scheduler import Key, Launch, Scheduler
from pymon.engine.tick import TICK, tick_after

KEY: Key = ("g", "s")
OTHER: Key = ("g", "other")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(interval: float | None = 10.0, **kwargs: float) -> tuple[Scheduler, Clock]:
    clock = Clock()
    scheduler = Scheduler(lambda key: Launch.STARTED, clock=clock, rng=random.Random(1))
    scheduler.add(KEY, interval, **kwargs)
    return scheduler, clock


def test_first_run_one_interval_after_start():
    scheduler, _ = make(10.0)
    assert scheduler.seconds_left(KEY) == 10


def test_randstart_spreads_the_first_run():
    scheduler, _ = make(10.0, randstart=5.0)
    assert 0 <= (scheduler.seconds_left(KEY) or 0) < 5


def test_randstart_keeps_the_fraction_of_a_second_unlike_mon():
    # mon draws int(rand(N)): every service due on the same whole seconds. pymon
    # keeps the fraction, so the starts spread over each second (docs/compatibility.md).
    scheduler = Scheduler(lambda key: Launch.STARTED, clock=Clock(), rng=random.Random(1))
    for n in range(20):
        scheduler.add(("g", f"s{n}"), 10.0, randstart=5.0)
    firsts = [timer.due - 1000.0 for timer in scheduler._timers.values()]
    assert all(0 <= first < 5 for first in firsts)
    assert len({round(first % 1, 6) for first in firsts}) == 20


def test_no_interval_is_never_scheduled():
    scheduler, _ = make(None)
    assert scheduler.seconds_left(KEY) is None
    assert not scheduler.trigger(KEY)


def test_fixed_rate_anchored_to_the_first_start():
    scheduler, clock = make(10.0)
    clock.now += 10
    scheduler.started(KEY, 10.0)  # next_check = 1020
    clock.now += 3  # the monitor took 3 s
    scheduler.finished(KEY, 10.0)
    assert scheduler.seconds_left(KEY) == 7
    clock.now += 7
    scheduler.started(KEY, 10.0)  # next_check = 1030
    clock.now += 15  # overran its next slot: one interval from now
    scheduler.finished(KEY, 10.0)
    assert scheduler.seconds_left(KEY) == 10


def test_restart_after_an_interval_change():
    scheduler, clock = make(10.0)
    scheduler.started(KEY, 10.0)
    clock.now += 1
    scheduler.finished(KEY, 2.0, restart=True)  # failure_interval took over (SCHED-11)
    assert scheduler.seconds_left(KEY) == 2


def test_randskew():
    scheduler, _ = make(10.0, randskew=3.0)
    scheduler.started(KEY, 10.0)
    scheduler.finished(KEY, 10.0)
    left = scheduler.seconds_left(KEY) or 0
    assert 6 <= left <= 13 and left != 10


def test_stopped_timers_are_frozen():
    scheduler, clock = make(10.0)
    clock.now += 4
    scheduler.stop()
    clock.now += 100
    assert scheduler.seconds_left(KEY) == 6
    scheduler.start()
    assert scheduler.seconds_left(KEY) == 6


@pytest.mark.parametrize("result", list(Launch))
def test_timers_fire_on_a_real_loop(result: Launch):
    async def scenario() -> list[Key]:
        fired: list[Key] = []
        done = asyncio.Event()

        def launch(key: Key) -> Launch:
            fired.append(key)
            done.set()
            return result

        scheduler = Scheduler(launch)
        scheduler.add(KEY, 0.05)
        scheduler.add(OTHER, 3600.0)
        scheduler.begin(asyncio.get_running_loop())
        await asyncio.wait_for(done.wait(), 5)
        if result is Launch.THROTTLED:  # a monitor's exit releases the throttled services
            done.clear()
            scheduler.started(OTHER, None)
            scheduler.finished(OTHER, None)
            await asyncio.wait_for(done.wait(), 5)
        scheduler.close()
        return fired

    fired = asyncio.run(scenario())
    assert fired[0] == KEY
    if result is Launch.THROTTLED:
        assert fired == [KEY, KEY]


def test_trigger_runs_now_and_a_stopped_scheduler_runs_nothing():
    async def scenario() -> list[Key]:
        fired: list[Key] = []
        scheduler = Scheduler(lambda key: fired.append(key) or Launch.STARTED)
        scheduler.add(KEY, 3600.0)
        scheduler.begin(asyncio.get_running_loop(), stopped=True)
        await asyncio.sleep(0)
        scheduler.start()
        assert scheduler.trigger(KEY)
        for _ in range(100):
            if fired:
                break
            await asyncio.sleep(0.01)
        scheduler.close()
        return fired

    assert asyncio.run(scenario()) == [KEY]


def test_services_due_within_one_tick_start_in_one_wake_up_at_its_start_never_later():
    # Every service due within one tick starts in one wake-up of the loop, at the
    # tick's start (a multiple of TICK on the loop's clock): none later than due,
    # none more than one tick early. A service alone in its tick starts on time.
    async def scenario() -> tuple[dict[Key, float], dict[Key, float], float]:
        loop = asyncio.get_running_loop()
        started: dict[Key, float] = {}
        scheduler = Scheduler(lambda key: started.setdefault(key, loop.time()) and Launch.STARTED)
        scheduler.begin(loop)
        tick = tick_after(loop.time() + 0.1)
        offsets = {("g", "s0"): 0.1, ("g", "s1"): 0.4, ("g", "s2"): 0.8, ("g", "later"): 1.3}
        due = {key: tick + share * TICK for key, share in offsets.items()}
        wall = time.time() - loop.time()  # the scheduler's due times are wall-clock times
        for key, when in due.items():
            scheduler.add(key, 3600.0)
            scheduler._timers[key].due = wall + when
            scheduler._arm(key)
        await asyncio.sleep(tick + 2 * TICK - loop.time())
        scheduler.close()
        return started, due, tick

    started, due, tick = asyncio.run(scenario())
    assert all(-TICK <= started[key] - due[key] <= 0.05 for key in due)
    firsts = [started["g", f"s{n}"] for n in range(3)]
    assert max(firsts) - min(firsts) < 0.002  # one wake-up
    assert tick - 0.001 <= min(firsts) < tick + 0.02  # at the tick's start
    assert 0 <= started["g", "later"] - due["g", "later"] < 0.02  # alone: on time
