"""Processes the harness starts: gunicorn as production runs it, and wrk to drive it."""

import contextlib
import json
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator

from bench.context import Context
from bench.launchers import Gunicorn

# The Dockerfile's command (community.wsgi, 3 sync workers, access log on stdout), behind a TLS proxy:
# HTTPS is on and the proxy's X-Forwarded-Proto header is trusted, as in a deployment.
GUNICORN_WORKERS = 3
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


class LoadToolMissing(Exception):
    pass


def _get(url: str, *, cookie: str = "", timeout: float = 5) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={**PROXY_HEADERS, "Cookie": cookie})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


@contextlib.contextmanager
def gunicorn(context: Context) -> Iterator[str]:
    """bench.launchers.Gunicorn with the Dockerfile's flags only (its default graceful timeout), the
    run's settings behind the proxy; yields the base URL once /healthz answers."""
    server = Gunicorn(
        env=context.env(HTTPS="true", BEHIND_TLS_PROXY="true"),
        log=context.log_path("gunicorn.log"),
        workers=GUNICORN_WORKERS,
        health_headers=PROXY_HEADERS,
    )
    try:
        try:
            server.start(timeout=60, all_workers=False)
        except AssertionError as error:  # exited, or no 200 in time
            raise RuntimeError(f"gunicorn did not start; see {server.log}") from error
        yield server.url
    finally:
        server.stop(timeout=30)


def page_get(url: str, *, cookie: str) -> tuple[int, str]:
    return _get(url, cookie=cookie)


def wrk(context: Context, url: str, *, cookie: str, seconds: int, connections: int = 6) -> dict:
    """Drive one URL with wrk (2 threads) and return its figures: requests/s and latency in ms."""
    tool = shutil.which("wrk")
    if tool is None:
        raise LoadToolMissing("wrk is not installed (scripts/test_services.sh installs it)")
    command = [tool, "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    for name, value in {**PROXY_HEADERS, "Cookie": cookie}.items():
        command += ["-H", f"{name}: {value}"]
    command += ["-s", str(context.root / "bench" / "wrk_report.lua"), url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    line = next(line for line in output.splitlines() if line.startswith("BENCH_JSON "))
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    errors = sum(raw[k] for k in raw if k.startswith("errors_"))
    return {
        "requests": raw["requests"],
        "requests_per_second": raw["requests"] / (raw["duration_us"] / 1e6),
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "mean_ms": raw["mean_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "errors": errors,
        "bytes_per_response": raw["bytes"] / raw["requests"] if raw["requests"] else 0,
    }
