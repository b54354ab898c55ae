"""The project's own processes, started the way the Dockerfile runs them: gunicorn (`community.wsgi`,
sync workers, access log on stdout) and a Celery worker (solo pool), each writing its stdout and stderr
to a log file of its own, run from the project folder, stopped gracefully and killed when that fails.

One launcher for the bench harness (bench/servers.py, bench/load.py) and the fault tests
(tests/reliability/processes.py, tests/security/servers.py): bench never imports tests, so it lives
here. The standard library only: importing it sets nothing up (no Django, no bench configuration).
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent  # the project (settings.BASE_DIR): every process's cwd


def console_script(name: str) -> str:
    """A console script of this virtualenv (gunicorn, celery)."""
    return str(Path(sys.executable).with_name(name))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str, every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(every)


def process_stop(process: subprocess.Popen, *, timeout: float) -> None:
    """SIGTERM (gracefully: gunicorn's master stops its workers), SIGKILL when not ended in `timeout` s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def children_of(pid: int) -> set[int]:
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while we looked
        if int(fields[1]) == pid:
            children.add(int(stat.parent.name))
    return children


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 3xx is the answer


NO_REDIRECTS = urllib.request.build_opener(_KeepRedirects)  # an opener that follows no redirect


def _answers_200(url: str, *, headers: dict[str, str], timeout: float) -> bool:
    """One GET, no redirect followed: 200 or not; a refused or dropped connection raises OSError."""
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http://127.0.0.1 only
    try:
        with NO_REDIRECTS.open(request, timeout=timeout) as response:
            return response.status == 200
    except urllib.error.HTTPError as error:
        with error:
            return False


class Gunicorn:
    """`gunicorn community.wsgi:application` on a free port of 127.0.0.1 with `workers` sync workers,
    the given environment, optionally `--graceful-timeout`, a `--config` file and `--preload`; start()
    returns once /healthz answers 200 (asked with `health_headers`) and every worker is up."""

    def __init__(
        self,
        *,
        env: dict[str, str],
        log: Path,
        workers: int = 1,
        graceful_timeout: int | None = None,
        config: Path | None = None,
        preload: bool = False,
        health_headers: dict[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        self.env = env
        self.log = log
        self.workers = workers
        self.graceful_timeout = graceful_timeout
        self.config = config
        self.preload = preload  # load Django in the master, so a worker answers its very first request
        self.health_headers = health_headers or {}
        self.process: subprocess.Popen | None = None
        self._log_file: IO[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        command = [
            console_script("gunicorn"),
            "community.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
        ]
        if self.graceful_timeout is not None:
            command += ["--graceful-timeout", str(self.graceful_timeout)]
        command += ["--access-logfile", "-"]
        if self.config is not None:
            command += ["--config", str(self.config)]
        if self.preload:
            command.append("--preload")
        return command

    def start(self, *, timeout: float = 60, healthy: bool = True, all_workers: bool = True) -> None:
        """Starts the master; waits (healthy=True) for /healthz to answer 200 and (all_workers=True) for
        all its workers. AssertionError when it exits or is not there within `timeout` seconds."""
        self._log_file = self.log.open("w")
        self.process = subprocess.Popen(  # noqa: S603 - our own virtualenv's gunicorn
            self.command(), cwd=ROOT, env=self.env, stdout=self._log_file, stderr=subprocess.STDOUT
        )

        def answers() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited with {self.process.returncode}:\n{self.log_text()}")
            try:
                return _answers_200(f"{self.url}/healthz", headers=self.health_headers, timeout=2)
            except OSError:
                return False

        if healthy:
            wait_until(answers, timeout=timeout, what="gunicorn answering /healthz")
        if all_workers:
            wait_until(
                lambda: len(self.worker_pids()) == self.workers, timeout=timeout, what="gunicorn workers"
            )

    def worker_pids(self) -> set[int]:
        return children_of(self.process.pid) if self.process is not None else set()

    def log_text(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def stop(self, *, timeout: float = 20) -> str:
        """Stops the master (and so its workers) as process_stop does; the log."""
        if self.process is not None:
            process_stop(self.process, timeout=timeout)
            self.process = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        return self.log_text()


def celery_worker_command() -> list[str]:
    """`celery worker` on the default queue, one task at a time in its own process (solo pool), without
    the chatter between workers (heartbeat, gossip, mingle)."""
    return [
        console_script("celery"),
        "-A",
        "community",
        "worker",
        "--pool=solo",
        "-Q",
        "celery",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        "--loglevel=INFO",
    ]


class CeleryWorker:
    """celery_worker_command() in its own process, started at once, with the given environment."""

    def __init__(self, *, env: dict[str, str], log: Path) -> None:
        self.log = log
        self._log_file = log.open("w")
        self.process = subprocess.Popen(  # noqa: S603 - our own virtualenv's celery
            celery_worker_command(), cwd=ROOT, env=env, stdout=self._log_file, stderr=subprocess.STDOUT
        )

    def log_text(self) -> str:
        return self.log.read_text()

    def kill(self) -> None:
        """kill -9: no cleanup, no acknowledgement (a task it held is left to its lease)."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self._log_file.close()

    def stop(self, *, timeout: float = 20) -> str:
        """Stops it as process_stop does; the log."""
        process_stop(self.process, timeout=timeout)
        self._log_file.close()
        return self.log_text()
