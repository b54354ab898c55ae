"""Real processes for fault tests: Celery workers with their own settings, a private Redis server that
a test may stop and start, gunicorn, a PostgreSQL cluster of a test's own, and the mail those workers
wrote to a folder. Gunicorn and the Celery worker are bench/launchers.py's (the bench harness starts
them the same way); what is here is how the fault tests configure them."""

import email
import hashlib
import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import connection
from django.db.models import F

from bench import launchers
from bench.launchers import NO_REDIRECTS, CeleryWorker, free_port, wait_until
from content.models import Space, SpaceMembership
from members.models import Member

SEPARATOR = b"-" * 79  # what Django's file email backend writes after each message


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def midday_zone() -> str:
    """A fixed-offset zone where it is about noon now, so quiet hours never hold an email back."""
    offset = 12 - datetime.now(tz=UTC).hour
    return "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"


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


class Worker(CeleryWorker):
    """`celery worker` in its own process (solo pool), on a given broker, writing mail to a folder."""

    def __init__(self, *, broker: str, mail_dir: Path, env: dict[str, str] | None = None) -> None:
        super().__init__(
            env={
                **os.environ,
                "DATABASE_URL": database_url(),
                "CELERY_BROKER_URL": broker,
                "REDIS_URL": broker,
                # relative to the project: django-environ drops the leading slash of a file URL
                "EMAIL_URL": f"filemail:///{mail_dir.relative_to(settings.BASE_DIR)}",
                **(env or {}),
            },
            log=mail_dir.parent / f"worker-{uuid.uuid4().hex[:8]}.log",
        )


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
    # the space's member count as the membership service keeps it (deleting one of these accounts
    # decrements it, and it may not go below zero)
    Space.objects.filter(pk=space.pk).update(member_count=F("member_count") + count)
    return [m.pk for m in members]


def read_mail(mail_dir: Path) -> list[Message]:
    """Every message the workers wrote, including one cut short by a kill (its headers come first)."""
    messages = []
    for path in sorted(mail_dir.glob("*.log")):
        for chunk in path.read_bytes().split(SEPARATOR):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk.strip()))
    return [m for m in messages if m["To"] and m["Message-ID"]]


# --- Web processes, a PostgreSQL cluster of a test's own, and a member's browser over HTTP ----------


def project_env(**overrides: str) -> dict[str, str]:
    """The environment of a process started from the project: the test run's own settings (SECRET_KEY,
    DEBUG=false, HTTPS=false, STATIC_MANIFEST=false from var/test.env) with these overrides."""
    if not os.environ.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY is not set: load var/test.env first (set -a && . var/test.env)")
    return {
        **os.environ,
        "DEBUG": "false",
        "HTTPS": "false",
        "STATIC_MANIFEST": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        **overrides,
    }


class Gunicorn(launchers.Gunicorn):
    """`gunicorn community.wsgi` as the Dockerfile runs it (sync workers), on a free port, with a given
    environment and optionally a `--config` file; start() returns once /healthz answers 200. Stopped
    within 5 s (--graceful-timeout 5); its log is a file of its own in `log_dir`."""

    def __init__(
        self,
        *,
        env: dict[str, str],
        log_dir: Path,
        workers: int = 1,
        config: Path | None = None,
        preload: bool = False,
    ) -> None:
        super().__init__(
            env=env,
            log=log_dir / f"gunicorn-{uuid.uuid4().hex[:8]}.log",
            workers=workers,
            graceful_timeout=5,
            config=config,
            preload=preload,
        )


class PostgresServer:
    """A throwaway PostgreSQL cluster of a test's own (RECIPES.md, "PostgreSQL without systemd"): data,
    socket and log in one folder owned by `postgres`, durability off, a free port; a test may stop and
    start it without disturbing anyone else's database. cleanup() stops it and removes the folder."""

    USER = "faults"
    PASSWORD = "faults-test"  # a throwaway cluster on 127.0.0.1
    NAME = "faults"

    def __init__(self) -> None:
        versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
        if not versions:
            raise RuntimeError("PostgreSQL's server binaries are missing (apt-get install postgresql-15)")
        self.bin = versions[-1].parent
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="pgfaults-"))  # short: the socket path has a length limit
        shutil.chown(self.dir, "postgres", "postgres")
        self.dir.chmod(0o755)
        self.data = self.dir / "data"

    @property
    def url(self) -> str:
        return f"postgres://{self.USER}:{self.PASSWORD}@127.0.0.1:{self.port}/{self.NAME}"

    def _as_postgres(self, *command: str, stdin: str | None = None, check: bool = True):
        result = subprocess.run(
            ["runuser", "-u", "postgres", "--", *command],
            cwd="/",  # postgres may not enter the caller's folder
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"{command[0]} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
        return result

    def init(self) -> None:
        """initdb, start, and a login role owning its database."""
        self._as_postgres(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth-local=peer",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        self.start()
        self._as_postgres(
            str(self.bin / "psql"),
            "-h",
            str(self.dir),
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            stdin=(
                f"CREATE ROLE {self.USER} LOGIN CREATEDB PASSWORD '{self.PASSWORD}';\n"
                f"CREATE DATABASE {self.NAME} OWNER {self.USER};\n"
            ),
        )

    def init_migrated(self, *, env: dict[str, str]) -> None:
        """A cluster whose database has every migration applied: a copy of a migrated template kept in
        var/faults (migrating from scratch takes most of a minute here; copying a cluster under a second).
        The template is rebuilt whenever a migration, the locked requirements or PostgreSQL change."""
        template = _migrated_template(self.bin, env=env)
        shutil.rmtree(self.data, ignore_errors=True)
        subprocess.run(["cp", "-a", str(template), str(self.data)], check=True, timeout=120)  # keeps owners
        self.start()

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
            # a throwaway cluster: durability off for speed, never for real data
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._as_postgres(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.dir / "log"),
            "-w",
            "-o",
            options,
            "start",
        )

    def stop(self, *, mode: str = "fast") -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        status = self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "status", check=False)
        return status.returncode == 0

    def log_text(self) -> str:
        path = self.dir / "log"
        return path.read_text(errors="replace") if path.exists() else ""

    def cleanup(self) -> None:
        try:
            if (self.data / "PG_VERSION").exists() and self.running():
                self.stop(mode="immediate")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def _migrated_template(pg_bin: Path, *, env: dict[str, str]) -> Path:
    """The data folder of a stopped cluster with the project fully migrated, built once per set of
    migrations (and kept by name of their digest; built under a temporary name, then renamed, so two
    runs at once never see half a template)."""
    root = Path(settings.BASE_DIR)
    digest = hashlib.sha256(str(pg_bin).encode())
    for path in [*sorted(root.glob("*/migrations/*.py")), root / "requirements.lock"]:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes() if path.exists() else b"")
    folder = root / "var" / "faults" / "pg-templates"
    template = folder / digest.hexdigest()[:16]
    if (template / "PG_VERSION").exists():
        return template
    folder.mkdir(parents=True, exist_ok=True)
    builder = PostgresServer()
    try:
        builder.init()
        manage("migrate", "--noinput", "-v", "0", env={**env, "DATABASE_URL": builder.url})
        builder.stop()
        for stale in folder.iterdir():  # templates of older migrations
            if not stale.name.startswith("building-"):
                shutil.rmtree(stale, ignore_errors=True)
        building = folder / f"building-{uuid.uuid4().hex[:8]}"
        shutil.move(str(builder.data), building)
        try:
            building.rename(template)
        except OSError:  # another run built it at the same moment
            shutil.rmtree(building, ignore_errors=True)
    finally:
        builder.cleanup()
    return template


def manage(*args: str, env: dict[str, str], timeout: float = 300) -> str:
    """`manage.py <args>` in a process of its own (e.g. against another DATABASE_URL); its stdout."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise AssertionError(f"manage.py {args[0]} failed ({result.returncode}):\n{result.stderr[-4000:]}")
    return result.stdout


@dataclass
class Answer:
    status: int
    headers: Message
    body: str
    url: str
    seconds: float


def _answer(response, started: float) -> Answer:
    return Answer(
        status=response.status,
        headers=response.headers,
        body=response.read().decode(errors="replace"),
        url=response.geturl(),
        seconds=time.monotonic() - started,
    )


def http_get(url: str, *, headers: dict[str, str] | None = None, timeout: float = 3.0) -> Answer:
    """One GET without cookies or redirects followed; a 4xx/5xx is an Answer, a dropped or refused
    connection or a timeout raises OSError."""
    started = time.monotonic()
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - http://127.0.0.1 only
    try:
        with NO_REDIRECTS.open(request, timeout=timeout) as response:
            return _answer(response, started)
    except urllib.error.HTTPError as error:
        with error:
            return _answer(error, started)


class _Inputs(HTMLParser):
    """The named <input>s of a page and their values (hidden ones: CSRF and one-time tokens)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "input" and named.get("name"):
            self.values.setdefault(named["name"], named.get("value") or "")


class SiteClient:
    """A member's browser over real HTTP: keeps cookies, follows redirects, sends forms with the CSRF
    token the page carried (over plain HTTP Django needs no Referer)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(self, path: str, *, data: dict[str, str] | None = None, timeout: float = 10.0) -> Answer:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(f"{self.base}{path}", data=body)  # noqa: S310 - http://127.0.0.1
        started = time.monotonic()
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return _answer(response, started)
        except urllib.error.HTTPError as error:
            with error:
                return _answer(error, started)

    def get(self, path: str, *, timeout: float = 10.0) -> Answer:
        return self.request(path, timeout=timeout)

    def form_fields(self, path: str) -> dict[str, str]:
        page = self.get(path)
        assert page.status == 200, (path, page.status, page.body[:500])
        parser = _Inputs()
        parser.feed(page.body)
        assert "csrfmiddlewaretoken" in parser.values, f"no CSRF token on {path}"
        return parser.values

    def submit(self, path: str, fields: dict[str, str], *, timeout: float = 10.0) -> Answer:
        """GET the form at `path`, then POST its hidden fields with `fields`, as a browser would."""
        hidden = self.form_fields(path)
        keep = {"csrfmiddlewaretoken", "submission_token", "next"}
        return self.request(
            path, data={**{k: v for k, v in hidden.items() if k in keep}, **fields}, timeout=timeout
        )

    def sign_in(self, *, email: str, password: str) -> None:
        """Through allauth's login form (fields `login` and `password`)."""
        answer = self.submit("/accounts/login/", {"login": email, "password": password})
        assert answer.status == 200 and not answer.url.endswith("/accounts/login/"), (
            f"sign-in failed: {answer.status} {answer.url}\n{answer.body[:2000]}"
        )
        assert self.cookie("sessionid"), "no session cookie after signing in"

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.jar if c.name == name), "")

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


@dataclass
class Sample:
    """One request of a Load: when it started and ended (seconds on the monotonic clock), what came back
    (status None: no HTTP answer at all, `error` says why)."""

    path: str
    started: float
    ended: float
    status: int | None
    content_type: str = ""
    retry_after: str = ""
    body: str = ""
    error: str = ""

    @property
    def seconds(self) -> float:
        return self.ended - self.started


class Load:
    """One thread per path, each asking its path again and again (with its own headers: a session
    cookie, an API token) until stop(), every request with a client timeout; keeps every Sample."""

    def __init__(self, *, base: str, paths: dict[str, dict[str, str]], timeout: float = 3.0) -> None:
        self.base = base
        self.paths = paths
        self.timeout = timeout
        self.samples: list[Sample] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, args=(path, headers), daemon=True, name=f"load {path}")
            for path, headers in paths.items()
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> list[Sample]:
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout=self.timeout + 5)
        with self._lock:
            return list(self.samples)

    def snapshot(self) -> list[Sample]:
        with self._lock:
            return list(self.samples)

    def _run(self, path: str, headers: dict[str, str]) -> None:
        while not self._stopping.is_set():
            started = time.monotonic()
            try:
                answer = http_get(f"{self.base}{path}", headers=headers, timeout=self.timeout)
            except (OSError, http.client.HTTPException) as error:
                sample = Sample(
                    path, started, time.monotonic(), None, error=f"{type(error).__name__}: {error}"
                )
            else:
                sample = Sample(
                    path,
                    started,
                    started + answer.seconds,
                    answer.status,
                    content_type=answer.headers.get("Content-Type", ""),
                    retry_after=answer.headers.get("Retry-After", ""),
                    body=answer.body[:2000],
                )
            with self._lock:
                self.samples.append(sample)
            self._stopping.wait(0.05)


class SilentDatabase:
    """A TCP port that completes the handshake and then never says a word: a database host that hangs
    (frozen, overloaded, or a proxy in front of one that is gone). Nothing is ever accepted, so every
    client waits on its own timeouts."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)  # the kernel completes the handshakes into this backlog
        self.port = self.socket.getsockname()[1]

    def url(self, query: str = "") -> str:
        return f"postgres://faults:faults-test@127.0.0.1:{self.port}/faults{query}"

    def close(self) -> None:
        self.socket.close()
