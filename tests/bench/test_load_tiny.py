"""`make load` cannot rot: the load harness runs end to end at the tiny scale for a few seconds with 5
simulated members (readers, a writer, a moderator), in its own database and this test run's Redis
database. Checked: it produced numbers for every process and endpoint, and no request failed (failures
are correctness: a 5xx, a refused CSRF token, a form shown again). Nothing about time or memory growth,
which are information."""

import json
import os
import re
import subprocess
import sys

from django.conf import settings


def _load_database() -> str:
    test_name = settings.DATABASES["default"]["TEST"]["NAME"]  # differs between concurrent runs
    return "bench_load_ci_" + re.sub(r"[^a-z0-9_]", "_", test_name.lower())[:25]


def test_a_tiny_load_run_produces_figures_and_no_failures(tmp_path):
    results = tmp_path / "load.json"
    env = {
        **os.environ,
        "BENCH_SCALE": "tiny",
        "BENCH_DATABASE": _load_database(),
        "BENCH_REDIS_URL": settings.CACHES["default"]["LOCATION"],
        "BENCH_VAR_DIR": str(tmp_path / "var"),
        "BENCH_DROP": "1",
        "LOAD_RESULTS": str(results),
        "LOAD_USERS": "5",
        "LOAD_SECONDS": "10",
        "LOAD_RAMP": "2",
        "LOAD_SAMPLE_SECONDS": "2",
    }
    env.pop("LOAD_REUSE", None)
    run = subprocess.run(
        [sys.executable, "-m", "bench.load"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    document = json.loads(results.read_text())
    assert document["settings"]["cast"] == {"readers": 3, "writers": 1, "moderators": 1}
    total = document["total"]
    assert total["requests"] > 0
    assert total["failures"] == 0, document["failures"]
    assert document["failures"] == []
    assert all(isinstance(row["p50_ms"], int | float) for row in document["endpoints"])
    # 10 s on a busy machine is a few dozen requests: only the home page (each reader's first) is sure
    assert "home" in {row["name"] for row in document["endpoints"]}
    assert "5xx" not in document["access_log_statuses"]
    memory = document["memory"]
    kinds = {p["process"].split()[0] for p in memory["processes"]}
    assert kinds == {"gunicorn", "celery"}
    assert all(p["start_kib"] > 0 and p["end_kib"] > 0 for p in memory["processes"])
    assert "total" in run.stdout  # the table was printed
