"""`make simulate` cannot rot, and its invariants hold: the simulation runs end to end at a tiny scale
(300 members, 3 busy days and 6 quiet ones, with a promotion or two a day so the consent and weekly
rules are exercised), in its own database and this test run's Redis database. What is asserted are
counts the delivery engine promises whatever the load; never a time, and not the reduction factor,
which grows with the size of the spaces and is information at this scale."""

import json
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings


def _sim_database() -> str:
    test_name = settings.DATABASES["default"]["TEST"]["NAME"]  # differs between concurrent runs
    return "bench_sim_ci_" + re.sub(r"[^a-z0-9_]", "_", test_name.lower())[:30]


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    results = tmp_path_factory.mktemp("simulate") / "simulate.json"
    env = {
        **os.environ,
        "SIM_MEMBERS": "300",
        "SIM_DAYS": "3",
        "SIM_DRAIN_DAYS": "6",  # past the next Monday: the weekly digests go out too
        "SIM_PROMOTIONS_PER_WEEK": "14",
        "SIM_EVENTS_PER_WEEK": "7",
        "SIM_DATABASE": _sim_database(),
        "SIM_REDIS_URL": settings.CACHES["default"]["LOCATION"],
        "SIM_RESULTS": str(results),
        "SIM_DROP": "1",
    }
    run = subprocess.run(
        [sys.executable, "-m", "bench.simulate"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    return json.loads(results.read_text()), run.stdout


def test_the_tiny_simulation_prints_its_table_and_writes_every_figure(simulated):
    document, stdout = simulated
    assert document["scale"]["members"] == 300
    assert document["machine"]["postgresql"]
    assert {f["id"] for f in document["figures"]} == {
        "S1.median",
        "S1.p95",
        "S1.max",
        "S2",
        "S3",
        "S4",
        "S5",
        "S6",
    }
    assert all(f["measured"] for f in document["figures"])
    assert "S5" in stdout and "deliveries owed but lost" in stdout
    activity = document["activity"]
    assert activity["posts"] > 0 and activity["comments"] > 0 and activity["events"] > 0
    assert activity["promotions"] > 0


@pytest.mark.legal("L13")
def test_no_promotional_email_reaches_a_member_without_marketing_consent(simulated):
    promotions = simulated[0]["promotions"]
    assert promotions["promotional_emails"] > 0  # the rule was exercised, not vacuously true
    assert promotions["without_consent"] == 0, promotions["without_consent_examples"]


@pytest.mark.legal("L13")
def test_no_member_gets_more_than_one_promotional_email_in_any_seven_days(simulated):
    promotions = simulated[0]["promotions"]
    assert (
        simulated[0]["accounting"]["not_queued_by_the_planner"].get("one promotional message a week", 0) > 0
    )
    assert promotions["most_in_7_days"] <= 1, promotions["closest_two"]


@pytest.mark.legal("L14")
def test_every_non_transactional_email_carries_both_rfc_8058_headers_naming_its_recipient(simulated):
    headers = simulated[0]["headers"]
    assert headers["non_transactional"] > 0
    assert headers["both_headers"] == headers["non_transactional"]
    assert headers["link_for_recipient"] == headers["non_transactional"]


def test_nothing_owed_is_lost_and_every_email_sent_is_recorded_once(simulated):
    accounting, wire = simulated[0]["accounting"], simulated[0]["wire"]
    assert accounting["owed"] > 0
    assert accounting["lost"] == 0, accounting["outcomes"]
    assert accounting["left_out_unexplained"] == 0
    assert wire["captured_twice"] == 0
    assert wire["captured_but_not_marked_sent"] == 0
    assert wire["marked_sent_but_not_captured"] == 0
    assert wire["unknown_messages"] == 0


def test_no_member_day_exceeds_the_members_own_cap_plus_one_digest(simulated):
    days = simulated[0]["per_member_day"]
    assert days["over_cap_member_days"] == 0, days["worst"]
    assert days["most_digests_in_a_day"] <= 1
