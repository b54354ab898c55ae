"""Processes the harness starts: gunicorn as production runs it, and wrk to drive it."""

import contextlib
import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

from bench.context import Context, free_port

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
    port = free_port()
    log = context.log_path("gunicorn.log").open("w")
    process = subprocess.Popen(  # noqa: S603
        [
            context.executable("gunicorn"),
            "community.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(GUNICORN_WORKERS),
            "--access-logfile",
            "-",
        ],
        cwd=context.root,
        env=context.env(HTTPS="true", BEHIND_TLS_PROXY="true"),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(f"{base}/healthz", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start; see {log.name}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


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
