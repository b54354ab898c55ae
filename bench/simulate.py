"""`python -m bench.simulate` (what `make simulate` calls): 30 days of a busy community on a fake clock,
through the real delivery engine, then what the members received (bench/sim_report.py).

Each step of SIM_STEP_MINUTES (15) of simulated time:
1. the step's posts and comments, and its scheduled events, RSVPs, promotions and consent changes, are
   created each at its own moment; the planner (content.delivery.planner.deliveries_plan) runs on
   every new outbox row right away, as the after-commit kick's Celery task would, and the dispatcher
   (deliveries_dispatch, claim rounds until nothing is due) right after it, as the planner's kick would;
2. at the end of the step the periodic work runs as beat would run it: event reminders
   (reminders_schedule, then planning their rows), digests (digests_compose) and the dispatcher.
After the last day, SIM_DRAIN_DAYS (8) quiet days let every waiting item reach its digest (a weekly
one too), so "owed vs delivered" is settled rather than cut off.

The clock is time-machine's, not moving between moves (tick=False): every timezone.now() deep in the
engine (budgets, quiet hours, digest hours, auto_now_add) reads simulated time; PostgreSQL's own now()
is never used by the engine. The Celery kicks are replaced by the calls above (the broker is not
involved), and emails go to bench/sim_capture.py's backend.
"""

import os
import random
import sys
import time
from datetime import timedelta

_BEGAN = time.monotonic()  # time-machine moves wall-clock time, never the monotonic clock


def _say(message: str) -> None:
    print(f"[simulate +{time.monotonic() - _BEGAN:,.0f}s] {message}", flush=True)


def _plan_new() -> int:
    """What plan_deliveries does for every outbox row not planned yet (the kick of each)."""
    from content.delivery.models import Outbox
    from content.delivery.planner import deliveries_plan

    planned = 0
    for outbox_id in (
        Outbox.objects.filter(planned_at__isnull=True).order_by("id").values_list("id", flat=True)
    ):
        deliveries_plan(outbox_id=outbox_id)
        planned += 1
    return planned


def _dispatch_all(clock) -> int:
    """Dispatch until no email is due, a second of simulated time per call (a worker's pace): the
    frozen clock must not keep every send of a busy morning in the same instant forever."""
    from django.db.models import Q
    from django.utils import timezone

    from content.delivery.dispatcher import deliveries_dispatch
    from content.delivery.models import Channel, Delivery, DeliveryStatus

    def due() -> bool:  # the claim's own condition, on its partial index: idle steps cost one query
        now = timezone.now()
        return (
            Delivery.objects.filter(channel=Channel.EMAIL)
            .filter(
                Q(status=DeliveryStatus.PENDING, due_at__lte=now)
                | Q(status=DeliveryStatus.SENDING, lease_until__lt=now)
            )
            .exists()
        )

    sent = 0
    for _call in range(100_000):
        if not due():
            break
        sent += deliveries_dispatch(limit=100, rounds=10)
        clock.shift(timedelta(seconds=1))
    return sent


def main() -> int:
    from bench.config import ConfigError
    from bench.sim_config import SimConfig

    try:
        config = SimConfig.from_env()
    except ConfigError as error:
        print(f"simulate: {error}", file=sys.stderr)
        return 2
    os.environ.update(config.environment())  # before Django reads its settings
    from bench.database import database_drop, database_recreate

    wall = time.monotonic()
    _say(
        f"{config.members:,} members, {config.days} days (+{config.drain_days} quiet): database "
        f"{config.database}, redis {config.redis_url}"
    )
    database_recreate(config=config)

    import django

    django.setup()
    import time_machine
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone

    import content.delivery.outbox
    from bench.machine import machine_describe
    from bench.sim_activity import Activity
    from bench.sim_capture import RECORDER
    from bench.sim_report import report_build, report_print, report_write
    from bench.sim_world import world_seed
    from content.delivery.digest import digests_compose
    from content.delivery.reminders import reminders_schedule

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    migrate_seconds = time.monotonic() - started
    machine = machine_describe()
    # the planner and dispatcher are called directly below, as their Celery tasks would call them
    content.delivery.outbox.outbox_kick = lambda *, outbox_id: True
    content.delivery.outbox.dispatcher_kick = lambda: True

    step = timedelta(minutes=config.step_minutes)
    timings = {"migrate": migrate_seconds, "seed": 0.0, "content": 0.0, "planner": 0.0}
    timings |= {"reminders": 0.0, "digests": 0.0, "dispatcher": 0.0, "report": 0.0}
    with time_machine.travel(config.start - timedelta(hours=1), tick=False) as clock:
        started = time.monotonic()
        world = world_seed(members=config.members, spaces=config.spaces, seed=config.seed)
        RECORDER.member_of.update(world.address)
        activity = Activity(world=world, config=config, rng=random.Random(config.seed + 1))  # noqa: S311
        activity.plan_weeks(start=config.start, days=config.days)
        timings["seed"] = time.monotonic() - started
        _say(f"seeded {config.members:,} members in {timings['seed']:.1f}s; the clock starts {config.start}")

        steps = int(timedelta(days=config.days + config.drain_days) / step)
        content_steps = int(timedelta(days=config.days) / step)
        for number in range(steps):
            begin = config.start + number * step
            end = begin + step
            tick = time.monotonic()
            moments = activity.stream(start=begin, end=end) if number < content_steps else []
            scheduled = activity.due(end)
            for at, kind in sorted(moments + [(item.at, item) for item in scheduled], key=lambda x: x[0]):
                clock.move_to(max(at, timezone.now()))  # a dispatch may have moved it a few seconds on
                if kind == "post":
                    activity.post(at)
                elif kind == "comment":
                    activity.comment(at)
                else:
                    activity.run(kind)
                t = time.monotonic()
                timings["content"] += t - tick
                _plan_new()
                tick = time.monotonic()
                timings["planner"] += tick - t
                # the planner's task kicks the dispatcher: what is due goes out (or rolls over) now
                _dispatch_all(clock)
                t, tick = tick, time.monotonic()
                timings["dispatcher"] += tick - t
            clock.move_to(max(end, timezone.now()))
            t = time.monotonic()
            reminders_schedule()
            _plan_new()
            timings["reminders"] += time.monotonic() - t
            if end.minute % 15 == 0:  # beat composes every quarter hour
                t = time.monotonic()
                digests_compose()
                timings["digests"] += time.monotonic() - t
            t = time.monotonic()
            _dispatch_all(clock)
            timings["dispatcher"] += time.monotonic() - t
            if (number + 1) % int(timedelta(days=1) / step) == 0:
                day = (number + 1) * step / timedelta(days=1)
                _say(
                    f"day {day:.0f}{' (quiet)' if number >= content_steps else ''}: "
                    f"{dict(activity.counts)}; {len(RECORDER):,} emails so far"
                )

        started = time.monotonic()
        report = report_build(config=config, world=world, activity=activity, recorder=RECORDER)
        timings["report"] = time.monotonic() - started
    timings["total"] = time.monotonic() - wall
    report["run"] = {"seconds": {k: round(v, 1) for k, v in timings.items()}}
    report_write(path=config.results, config=config, machine=machine, report=report)
    report_print(config=config, machine=machine, report=report)
    print(f"\nwritten: {config.results}")
    connections.close_all()
    if config.drop_after:
        database_drop(config=config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
