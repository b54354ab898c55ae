"""Real processes for fault tests: Celery workers with their own settings, a private Redis server that
a test may stop and start, and the mail those workers wrote to a folder."""

import email
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import connection

from content.models import SpaceMembership
from members.models import Member

SEPARATOR = b"-" * 79  # what Django's file email backend writes after each message


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def midday_zone() -> str:
    """A fixed-offset zone where it is about noon now, so quiet hours never hold an email back."""
    offset = 12 - datetime.now(tz=UTC).hour
    return "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"


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


class RedisServer:
    """A redis-server of our own on a free port, without persistence, that a test can stop."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, timeout=10, what="redis-server start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


class Worker:
    """`celery worker` in its own process (solo pool), on a given broker, writing mail to a folder."""

    def __init__(self, *, broker: str, mail_dir: Path, env: dict[str, str] | None = None) -> None:
        celery = Path(sys.executable).with_name("celery")
        self.log = mail_dir.parent / f"worker-{uuid.uuid4().hex[:8]}.log"
        self._log_file = self.log.open("w")
        self.process = subprocess.Popen(
            [
                str(celery),
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
            ],
            cwd=settings.BASE_DIR,
            env={
                **os.environ,
                "DATABASE_URL": database_url(),
                "CELERY_BROKER_URL": broker,
                "REDIS_URL": broker,
                # relative to the project: django-environ drops the leading slash of a file URL
                "EMAIL_URL": f"filemail:///{mail_dir.relative_to(settings.BASE_DIR)}",
                **(env or {}),
            },
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        """kill -9: no cleanup, no acknowledgement, rows left `sending` with their lease."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self._log_file.close()

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log_file.close()
        return self.log.read_text()


def bulk_members(*, space, count: int, prefix: str) -> list[int]:
    """`count` verified members of `space` at notification level "all", in three bulk INSERTs."""
    zone = midday_zone()
    members = Member.objects.bulk_create(
        [
            Member(
                email=f"{prefix}{n}@example.org",
                display_name=f"Reader {n}",
                password="!",
                timezone=zone,
                email_daily_cap=20,
            )
            for n in range(count)
        ]
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user_id=m.pk, email=m.email, primary=True, verified=True) for m in members]
    )
    SpaceMembership.objects.bulk_create(
        [
            SpaceMembership(
                space=space, member_id=m.pk, role="member", status="active", notification_level="all"
            )
            for m in members
        ]
    )
    return [m.pk for m in members]


def read_mail(mail_dir: Path) -> list[Message]:
    """Every message the workers wrote, including one cut short by a kill (its headers come first)."""
    messages = []
    for path in sorted(mail_dir.glob("*.log")):
        for chunk in path.read_bytes().split(SEPARATOR):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk.strip()))
    return [m for m in messages if m["To"] and m["Message-ID"]]
