"""Pausing `make simulate` at a step boundary and resuming it in a later process, with the same result as
one uninterrupted run (bench/README.md, "Simulation": running the month in pieces).

What PostgreSQL holds (every row the community and the engine wrote) stays in the simulation's database;
everything else the rest of the run needs is pickled to `var/sim/<SIM_DATABASE>.checkpoint`: the step
reached, the simulated clock, the World, the Activity (its random generator, its queue of rare things,
recent posts, counters), the capture's recorder, the run time so far and each segment's machine. The file
holds two pickles: a small header of plain values (readable before Django starts: run id, step, scale,
secret key) and then the body (whose classes import Django models).

The database and the file are tied by a one-row table `sim_checkpoint(run_id, step, status,
written_at)`: `running` from the moment a segment starts stepping, `paused` with the step number only
once a clean pause has written the file. A process that ended any other way (kill -9, a crash) leaves
`running`: its database is ahead of the last checkpoint, and the run must start over."""

import itertools
import os
import pickle
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path

import psycopg2
from django.db import connection, transaction

FORMAT = 1
RUNNING, PAUSED, FINISHED = "running", "paused", "finished"
_TABLE = (
    "CREATE TABLE IF NOT EXISTS sim_checkpoint (run_id text NOT NULL, step integer NOT NULL,"
    " status text NOT NULL, written_at timestamptz NOT NULL DEFAULT clock_timestamp())"
)
_START_OVER = "start the run over without SIM_RESUME (it recreates the database)"


class CheckpointError(Exception):
    """A resume refused; the message says why and what to do."""


# --- the record inside the simulation's database ----------------------------------------------------------


def record_write(*, run_id: str, step: int, status: str) -> None:
    """Through Django's connection, in one transaction (created with the first write of a run)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_TABLE)
        cursor.execute("DELETE FROM sim_checkpoint")
        cursor.execute(
            "INSERT INTO sim_checkpoint (run_id, step, status) VALUES (%s, %s, %s)", [run_id, step, status]
        )


def record_read(*, config) -> tuple[str, int, str] | None:
    """Before Django starts: (run_id, step, status), or None when the database has no record."""
    try:
        server = psycopg2.connect(config.database_url)
    except psycopg2.OperationalError as error:
        reason = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
        raise CheckpointError(
            f"the database {config.database} cannot be opened ({reason}): {_START_OVER}"
        ) from error
    try:
        with server.cursor() as cursor:
            cursor.execute("SELECT to_regclass('sim_checkpoint') IS NOT NULL")
            if not cursor.fetchone()[0]:
                return None
            cursor.execute("SELECT run_id, step, status FROM sim_checkpoint")
            rows = cursor.fetchall()
    finally:
        server.close()
    return rows[0] if len(rows) == 1 else None


# --- the file ---------------------------------------------------------------------------------------------


def checkpoint_write(*, path: Path, header: dict, body: dict) -> None:
    """A temporary file beside the checkpoint, synced, then renamed over it: a reader finds the old
    checkpoint or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.tmp")
    with temporary.open("wb") as out:
        pickle.dump({"format": FORMAT, **header}, out, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(body, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)


def pause_save(*, config, header: dict, body: dict, recorder) -> None:
    """A clean pause: the file first, then the database's record of it. A crash between the two leaves
    the record at `running`, which a resume refuses."""
    from time_machine import escape_hatch

    checkpoint_write(
        path=config.checkpoint,
        header={
            **header,
            "scale": config.scale(),
            "secret_key": config.secret_key,  # the signed links of the earlier segments must verify
            "database": config.database,
            "segments": len(body["segments"]),
            "written_at": escape_hatch.datetime.datetime.now(tz=UTC),  # the real time, not the clock's
        },
        body={
            **body,
            "activity": activity_state(body["activity"]),
            "recorder": recorder_state(recorder),
        },
    )
    record_write(run_id=header["run_id"], step=header["step"], status=PAUSED)


def checkpoint_header(*, path: Path) -> dict:
    """The header only (plain values: no Django needed)."""
    if not path.exists():
        raise CheckpointError(f"no checkpoint at {path}: nothing to resume; {_START_OVER}")
    with path.open("rb") as source:
        header = pickle.load(source)  # noqa: S301 - our own file, written by checkpoint_write
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise CheckpointError(
            f"{path} is not a checkpoint of this version of bench/simulate.py: {_START_OVER}"
        )
    return header


def checkpoint_body(*, path: Path) -> dict:
    """The body (after django.setup(): the World and the Activity's classes import models)."""
    with path.open("rb") as source:
        pickle.load(source)  # noqa: S301 - the header, read already
        return pickle.load(source)  # noqa: S301 - our own file, written by checkpoint_write


def resume_check(*, header: dict, config, record: tuple[str, int, str] | None) -> None:
    """Refuse (CheckpointError) unless the configured scale is the checkpoint's and the database's record
    is this checkpoint's run and step, left by a clean pause."""
    saved = header["scale"]
    differences = [
        f"{key} {saved.get(key)!r} in the checkpoint, {value!r} now"
        for key, value in config.scale().items()
        if saved.get(key) != value
    ]
    if differences:
        raise CheckpointError(
            "the checkpoint was written for another scale (" + "; ".join(differences) + "): resume with the "
            f"same SIM_* variables as the run that paused, or {_START_OVER}"
        )
    if record is None:
        raise CheckpointError(f"the database {config.database} has no checkpoint record: {_START_OVER}")
    run_id, step, status = record
    if status == RUNNING:
        raise CheckpointError(
            f"the database {config.database} says a process was running from step {step} and never "
            "paused cleanly (killed, or it crashed): the database is ahead of the last checkpoint, so the "
            f"run must start over: {_START_OVER}"
        )
    if status == FINISHED:
        raise CheckpointError(f"the run in {config.database} has finished already: {_START_OVER}")
    if run_id != header["run_id"] or step != header["step"]:
        raise CheckpointError(
            f"the database {config.database} holds run {run_id} at step {step}, the checkpoint "
            f"{header['run_id']} at step {header['step']}: they do not belong together; {_START_OVER}"
        )


def migrations_missing() -> list[str]:
    """Migrations of the code that the database lacks (a resume never migrates: the rows would no longer
    be what the first segment's engine wrote)."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


# --- what is pickled: the Activity without its model instances, the recorder's fields -----------------------


def activity_state(activity) -> dict:
    """The Activity's attributes, with model instances as (label, pk) to fetch again on resume (they
    would pickle, but their rows are what counts) and itertools counters as their next value (pickling
    a counter is deprecated after Python 3.11)."""
    from django.db.models import Model

    state = {}
    for name, value in vars(activity).items():
        if name == "config":  # the configuration of the resuming process is used (checked equal)
            continue
        if isinstance(value, Model):
            state[name] = ("model", value._meta.label, value.pk)
        elif isinstance(value, itertools.count):
            state[name] = ("count", int(repr(value).removeprefix("count(").split(",")[0].rstrip(")")))
        else:
            state[name] = ("value", value)
    return state


def activity_restore(*, state: dict, config):
    from django.apps import apps

    from bench.sim_activity import Activity

    activity = Activity.__new__(Activity)
    for name, (kind, *value) in state.items():
        if kind == "model":
            label, pk = value
            setattr(activity, name, apps.get_model(label).objects.get(pk=pk))
        elif kind == "count":
            setattr(activity, name, itertools.count(value[0]))
        else:
            setattr(activity, name, value[0])
    activity.config = config
    return activity


def recorder_state(recorder) -> dict:
    return {f.name: getattr(recorder, f.name) for f in fields(recorder)}


def recorder_restore(*, recorder, state: dict) -> None:
    """Into the module's RECORDER itself: the capture backend writes to that object."""
    for name, value in state.items():
        setattr(recorder, name, value)


def moment(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S %Z")
