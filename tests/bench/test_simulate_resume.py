"""`make simulate` runs in pieces (bench/sim_checkpoint.py): a tiny month paused three times (twice after a
number of steps, once by SIGTERM) and resumed to the end reports exactly what the same month run in one
go reports; a resume with another scale, without a checkpoint, or after a process was killed without a
clean pause, is refused (exit 2) with a message saying why.

Databases of their own (the uninterrupted run, the run in pieces, and a copy of the latter to kill),
named after this test run's database so concurrent runs do not collide; the first two are migrated at
the same time (a fresh database's migrate is most of the time here), the third is copied."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest
from django.conf import settings

from bench.database import database_drop

STEPS = 3 * 96  # SIM_DAYS=2 and SIM_DRAIN_DAYS=1 of 15-minute steps
SCALE = {
    "SIM_MEMBERS": "60",
    "SIM_DAYS": "2",
    "SIM_DRAIN_DAYS": "1",
    "SIM_PROMOTIONS_PER_WEEK": "14",
    "SIM_EVENTS_PER_WEEK": "14",
}
# what must not differ between the run in one go and the run in pieces: everything but when and where
# it ran (generated_at, machine, run)
SAME = [
    "scale",
    "figures",
    "all_targets_met",
    "per_member_day",
    "promotions",
    "headers",
    "accounting",
    "naive_baseline",
    "wire",
    "activity",
    "members",
]


def _database(suffix: str) -> str:
    test_name = settings.DATABASES["default"]["TEST"]["NAME"]  # differs between concurrent runs
    return f"bench_simr_{re.sub(r'[^a-z0-9_]', '_', test_name.lower())[:24]}_{suffix}"


def _server_url() -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def _checkpoint(database: str) -> Path:
    return Path(settings.BASE_DIR) / "var" / "sim" / f"{database}.checkpoint"


def _record(database: str) -> tuple:
    connection = psycopg2.connect(f"{_server_url()}/{database}")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT run_id, step, status FROM sim_checkpoint")
            return cursor.fetchone()
    finally:
        connection.close()


def _start(database: str, **variables: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIM_")}
    env |= SCALE | {"SIM_DATABASE": database, "SIM_REDIS_URL": settings.CACHES["default"]["LOCATION"]}
    env |= variables
    return subprocess.Popen(
        [sys.executable, "-m", "bench.simulate"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(process: subprocess.Popen) -> SimpleNamespace:
    stdout, stderr = process.communicate(timeout=600)
    return SimpleNamespace(returncode=process.returncode, stdout=stdout, stderr=stderr)


def _run(database: str, **variables: str) -> SimpleNamespace:
    return _finish(_start(database, **variables))


def _failed(run: SimpleNamespace) -> str:
    return run.stdout[-3000:] + run.stderr[-3000:]


def _killed_copy(*, of: str, database: str) -> dict:
    """A copy of a paused run (its database, as a template, and its checkpoint) resumed and killed with
    SIGKILL once stepping, then resumed again. The copy saves this module a migrate."""
    server = psycopg2.connect(f"{_server_url()}/postgres")
    server.autocommit = True
    try:
        with server.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{database}" TEMPLATE "{of}"')
    finally:
        server.close()
    shutil.copyfile(_checkpoint(of), _checkpoint(database))
    process = _start(database, SIM_RESUME="1")
    deadline = time.monotonic() + 120
    while (record := _record(database))[2] != "running":  # stepping: past the checkpoint from now on
        assert process.poll() is None and time.monotonic() < deadline, _failed(_finish(process))
        time.sleep(0.02)
    process.kill()  # SIGKILL: no pause, no checkpoint
    _finish(process)
    return {"record_at_the_kill": record, "after_the_kill": _run(database, SIM_RESUME="1")}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("simulate_resume")
    whole_db, parts_db, kill_db = _database("whole"), _database("parts"), _database("kill")
    out = {}
    try:
        whole = _start(whole_db, SIM_RESULTS=str(folder / "whole.json"), SIM_DROP="1")
        first = _run(parts_db, SIM_PAUSE_AFTER_STEPS="70")
        out["first"] = first
        assert first.returncode == 3, _failed(first)
        out["record_after_first"] = _record(parts_db)
        out["killed"] = _killed_copy(of=parts_db, database=kill_db)
        out["other_scale"] = _run(parts_db, SIM_RESUME="1", SIM_MEMBERS="61")
        second = _run(parts_db, SIM_RESUME="1", SIM_PAUSE_AFTER_STEPS="100")
        assert second.returncode == 3, _failed(second)
        # SIGTERM once the third segment has started: it pauses at the end of its first step
        third = _start(parts_db, SIM_RESUME="1")
        head = third.stdout.readline()  # said once the handlers are installed, before Django starts
        third.send_signal(signal.SIGTERM)
        rest, errors = third.stdout.read(), third.stderr.read()  # stderr: a line or two
        third.wait(timeout=600)
        third.stdout.close()
        third.stderr.close()
        out["third"] = SimpleNamespace(returncode=third.returncode, stdout=head + rest, stderr=errors)
        assert out["third"].returncode == 3, _failed(out["third"])
        last = _run(parts_db, SIM_RESUME="1", SIM_RESULTS=str(folder / "parts.json"), SIM_DROP="1")
        assert last.returncode == 0, _failed(last)
        out["checkpoint_left"] = _checkpoint(parts_db).exists()
        out["no_checkpoint"] = _run(parts_db, SIM_RESUME="1")
        finished = _finish(whole)
        assert finished.returncode == 0, _failed(finished)
        out["whole"] = json.loads((folder / "whole.json").read_text())
        out["parts"] = json.loads((folder / "parts.json").read_text())
        yield out
    finally:
        for database in (whole_db, parts_db, kill_db):
            database_drop(config=SimpleNamespace(server_url=_server_url(), database=database))
            _checkpoint(database).unlink(missing_ok=True)


def test_a_month_paused_three_times_and_resumed_reports_what_the_month_in_one_go_reports(runs):
    whole, parts = runs["whole"], runs["parts"]
    assert whole["activity"]["promotions"] > 0 and whole["activity"]["events"] > 0
    assert whole["wire"]["emails"] > 0 and whole["accounting"]["owed"] > 0
    assert {key: parts[key] for key in SAME} == {key: whole[key] for key in SAME}
    assert parts["run"]["segments"] == 4
    assert whole["run"]["segments"] == 1
    assert len(parts["run"]["seconds_by_segment"]) == 4
    # migrate and seed happen once; the total is the segments' sum
    assert parts["run"]["seconds"]["total"] == pytest.approx(sum(parts["run"]["seconds_by_segment"]), abs=0.5)
    assert parts["run"]["seconds"]["migrate"] > 0
    assert len(parts["machine"]["load_average_at_start_of_each_segment"]) == 4


def test_a_pause_exits_3_saying_where_it_stopped_and_how_to_go_on(runs):
    first, third = runs["first"], runs["third"]
    assert f"after step 70 of {STEPS}" in first.stdout
    assert "resume with: SIM_RESUME=1 " in first.stdout and "make simulate" in first.stdout
    assert "SIM_MEMBERS=60" in first.stdout
    run_id, step, status = runs["record_after_first"]
    assert (step, status) == (70, "paused") and re.fullmatch(r"[0-9a-f]{32}", run_id)
    assert "resuming at step 170 " in third.stdout
    assert "paused (SIGTERM) after step 171 " in third.stdout  # 70 + 100, then one step
    assert runs["checkpoint_left"] is False  # a finished run leaves nothing to resume


def test_a_resume_with_another_scale_is_refused(runs):
    refused = runs["other_scale"]
    assert refused.returncode == 2
    assert "cannot resume" in refused.stderr and "members 60 in the checkpoint, 61 now" in refused.stderr


def test_a_resume_without_a_checkpoint_is_refused(runs):
    refused = runs["no_checkpoint"]
    assert refused.returncode == 2
    assert "no checkpoint at" in refused.stderr and "without SIM_RESUME" in refused.stderr


def test_a_resume_after_a_process_was_killed_without_a_clean_pause_is_refused(runs):
    killed = runs["killed"]
    run_id, step, status = killed["record_at_the_kill"]  # the copy did resume, from the first pause
    assert (run_id, step, status) == (runs["record_after_first"][0], 70, "running")
    refused = killed["after_the_kill"]
    assert refused.returncode == 2
    assert "never paused cleanly" in refused.stderr and "must start over" in refused.stderr
