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

The month can run in pieces (bench/sim_checkpoint.py): on SIGTERM or SIGINT, or after
SIM_PAUSE_AFTER_MINUTES, the run pauses at the end of the step under way, writes a checkpoint and exits
with code 3; `SIM_RESUME=1 make simulate` (the same other SIM_* variables) goes on from the next step.
Exit code 2: a configuration or a resume refused.
"""

import dataclasses
import os
import random
import shlex
import signal
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

_BEGAN = time.monotonic()  # time-machine moves wall-clock time, never the monotonic clock
PAUSED = 3  # the exit code of a clean pause (2: refused, 0: the run is complete)


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


class Pause:
    """When to pause: SIGTERM or SIGINT (a flag; the step under way always finishes), or after
    SIM_PAUSE_AFTER_MINUTES since this process started, or SIM_PAUSE_AFTER_STEPS steps of it."""

    def __init__(self, *, config) -> None:
        self.config = config
        self.signal: str | None = None

    def install(self) -> None:
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, self._received)

    def _received(self, number, _frame) -> None:
        if self.signal is not None and number == signal.SIGINT:
            raise KeyboardInterrupt  # a second Ctrl-C stops at once (the run must then start over)
        self.signal = signal.Signals(number).name
        os.write(2, f"\n[simulate] {self.signal}: pausing at the end of this step\n".encode())

    def reason(self, *, steps_here: int) -> str | None:
        if self.signal:
            return self.signal
        minutes = self.config.pause_after_minutes
        if minutes is not None and time.monotonic() - _BEGAN >= minutes * 60:
            return f"SIM_PAUSE_AFTER_MINUTES={minutes:g}"
        if self.config.pause_after_steps is not None and steps_here >= self.config.pause_after_steps:
            return f"SIM_PAUSE_AFTER_STEPS={self.config.pause_after_steps}"
        return None


def _resume_command() -> str:
    """What to type to go on: the same SIM_* variables (the scale must match), with SIM_RESUME=1."""
    names = sorted(k for k in os.environ if k.startswith("SIM_") and k != "SIM_RESUME")
    variables = ["SIM_RESUME=1", *(f"{k}={shlex.quote(os.environ[k])}" for k in names)]
    return " ".join(variables) + " make simulate"


def _step(number: int, *, config, activity, clock, timings: dict) -> None:
    """One step of SIM_STEP_MINUTES: its content, each thing planned and dispatched as it happens, then
    what beat runs at the end of it."""
    from django.utils import timezone

    from content.delivery.digest import digests_compose
    from content.delivery.reminders import reminders_schedule

    step = timedelta(minutes=config.step_minutes)
    begin = config.start + number * step
    end = begin + step
    tick = time.monotonic()
    moments = (
        activity.stream(start=begin, end=end) if begin < config.start + timedelta(days=config.days) else []
    )
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


def main() -> int:
    from bench.config import ConfigError
    from bench.sim_config import SimConfig

    try:
        config = SimConfig.from_env()
    except ConfigError as error:
        print(f"simulate: {error}", file=sys.stderr)
        return 2
    from bench import sim_checkpoint as checkpoints

    header = None
    if config.resume:
        try:
            header = checkpoints.checkpoint_header(path=config.checkpoint)
            record = checkpoints.record_read(config=config)
            checkpoints.resume_check(header=header, config=config, record=record)
        except checkpoints.CheckpointError as error:
            print(f"simulate: cannot resume: {error}", file=sys.stderr)
            return 2
        # the signed links and tokens of the earlier segments must still verify
        config = dataclasses.replace(config, secret_key=header["secret_key"])
    else:
        config.checkpoint.unlink(missing_ok=True)  # a stale checkpoint of an earlier run of this database
    os.environ.update(config.environment())  # before Django reads its settings
    from bench.database import database_drop, database_recreate

    pause = Pause(config=config)
    pause.install()
    _say(
        f"{config.members:,} members, {config.days} days (+{config.drain_days} quiet): database "
        f"{config.database}, redis {config.redis_url}"
        + (f"; resuming at step {header['step']} ({header['now']})" if header else "")
    )
    if header is None:
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

    timings = {"migrate": 0.0, "seed": 0.0, "content": 0.0, "planner": 0.0}
    timings |= {"reminders": 0.0, "digests": 0.0, "dispatcher": 0.0, "report": 0.0}
    if header is None:
        started = time.monotonic()
        call_command("migrate", verbosity=0)
        timings["migrate"] = time.monotonic() - started
        run_id, first, origin, segments = uuid.uuid4().hex, 0, config.start - timedelta(hours=1), []
    else:
        missing = checkpoints.migrations_missing()
        if missing:
            print(
                f"simulate: cannot resume: the code has migrations the database {config.database} lacks "
                f"({', '.join(missing)}); a resume never migrates: start the run over without SIM_RESUME",
                file=sys.stderr,
            )
            return 2
        body = checkpoints.checkpoint_body(path=config.checkpoint)
        run_id, first, origin, segments = header["run_id"], header["step"], header["now"], body["segments"]
        timings = body["timings"]
        world = body["world"]
        activity = checkpoints.activity_restore(state=body["activity"], config=config)
        checkpoints.recorder_restore(recorder=RECORDER, state=body["recorder"])
    segments.append({"started_at": datetime.now(tz=UTC).isoformat(timespec="seconds"), **machine_describe()})
    # the planner and dispatcher are called directly below, as their Celery tasks would call them
    content.delivery.outbox.outbox_kick = lambda *, outbox_id: True
    content.delivery.outbox.dispatcher_kick = lambda: True

    step = timedelta(minutes=config.step_minutes)
    steps = int(timedelta(days=config.days + config.drain_days) / step)
    content_steps = int(timedelta(days=config.days) / step)
    steps_a_day = int(timedelta(days=1) / step)
    with time_machine.travel(origin, tick=False) as clock:
        if header is None:
            started = time.monotonic()
            world = world_seed(members=config.members, spaces=config.spaces, seed=config.seed)
            RECORDER.member_of.update(world.address)
            activity = Activity(world=world, config=config, rng=random.Random(config.seed + 1))  # noqa: S311
            activity.plan_weeks(start=config.start, days=config.days)
            timings["seed"] = time.monotonic() - started
            _say(f"seeded {config.members:,} members in {timings['seed']:.1f}s, clock at {config.start}")
        # from here the database moves past any checkpoint: only a clean pause says where it stopped
        checkpoints.record_write(run_id=run_id, step=first, status=checkpoints.RUNNING)

        for number in range(first, steps):
            _step(number, config=config, activity=activity, clock=clock, timings=timings)
            if (number + 1) % steps_a_day == 0:
                day = (number + 1) * step / timedelta(days=1)
                _say(
                    f"day {day:.0f}{' (quiet)' if number >= content_steps else ''}: "
                    f"{dict(activity.counts)}; {len(RECORDER):,} emails so far"
                )
            reason = pause.reason(steps_here=number + 1 - first) if number + 1 < steps else None
            if reason:
                segments[-1]["seconds"] = round(time.monotonic() - _BEGAN, 1)
                reached = {"run_id": run_id, "step": number + 1, "steps": steps, "now": timezone.now()}
                body = {"world": world, "activity": activity, "timings": timings, "segments": segments}
                checkpoints.pause_save(config=config, header=reached, body=body, recorder=RECORDER)
                connections.close_all()
                print(
                    f"simulate: paused ({reason}) after step {number + 1:,} of {steps:,} (day "
                    f"{(number + 1) // steps_a_day + 1}, {(number + 1) % steps_a_day} of its {steps_a_day} "
                    f"steps done; simulated {checkpoints.moment(reached['now'])}), segment {len(segments)}; "
                    f"checkpoint {config.checkpoint}; resume with: {_resume_command()}",
                    flush=True,
                )
                return PAUSED

        started = time.monotonic()
        report = report_build(config=config, world=world, activity=activity, recorder=RECORDER)
        timings["report"] = time.monotonic() - started
        checkpoints.record_write(run_id=run_id, step=steps, status=checkpoints.FINISHED)
    segments[-1]["seconds"] = round(time.monotonic() - _BEGAN, 1)
    timings["total"] = sum(segment["seconds"] for segment in segments)
    report["run"] = {
        "segments": len(segments),
        "seconds": {k: round(v, 1) for k, v in timings.items()},
        "seconds_by_segment": [segment["seconds"] for segment in segments],
    }
    machine = {
        **{k: v for k, v in segments[0].items() if k not in {"seconds", "started_at"}},
        "load_average_at_start_of_each_segment": [s["load_average_at_start"] for s in segments],
        "segments": [
            {k: s[k] for k in ("started_at", "load_average_at_start", "git_commit", "seconds")}
            for s in segments
        ],
    }
    report_write(path=config.results, config=config, machine=machine, report=report)
    report_print(config=config, machine=machine, report=report)
    print(f"\nwritten: {config.results}")
    config.checkpoint.unlink(missing_ok=True)  # the run is whole: nothing left to resume
    connections.close_all()
    if config.drop_after:
        database_drop(config=config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
