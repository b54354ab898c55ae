"""Where the benchmark runs and how big it is, read from the environment before Django starts.

The harness never touches the project's own or test databases: it derives its database from
DATABASE_URL's server and credentials with its own name (BENCH_DATABASE, default `bench`), and its
Redis database from REDIS_URL's server with its own number (BENCH_REDIS_DB, default 15).
"""

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Scale:
    name: str
    members: int
    posts: int
    spaces: int
    # P3: the members of the broadcast space a post is planned to (every member at this scale)
    # P4: emails sent through the global bucket; P1: seconds wrk drives each URL
    emails: int
    load_seconds: int

    @property
    def comments(self) -> int:
        return self.posts

    @property
    def reactions(self) -> int:
        return self.posts

    @property
    def events(self) -> int:
        return max(20, self.posts // 50)

    @property
    def inbox_items(self) -> int:
        return self.posts // 2


SCALES = {
    # CI: proves the harness still runs, in seconds; its numbers mean little
    "tiny": Scale("tiny", members=500, posts=2_000, spaces=10, emails=120, load_seconds=1),
    "small": Scale("small", members=10_000, posts=100_000, spaces=40, emails=3_000, load_seconds=10),
    "large": Scale("large", members=100_000, posts=1_000_000, spaces=40, emails=6_000, load_seconds=20),
}

_NAME = re.compile(r"^bench[a-z0-9_]{0,40}$")


class ConfigError(Exception):
    pass


@dataclass(frozen=True)
class BenchConfig:
    scale: Scale
    server_url: str  # postgres://user:password@host:port (no database)
    database: str
    redis_url: str
    var_dir: Path
    results: Path
    drop_after: bool
    reuse: bool  # BENCH_REUSE=1: measure on the database an earlier run of the same scale seeded
    rate: int  # P4's global limit, emails per second
    secret_key: str

    @property
    def database_url(self) -> str:
        return f"{self.server_url}/{self.database}"

    @classmethod
    def from_env(cls) -> "BenchConfig":
        scale_name = os.environ.get("BENCH_SCALE", "small").strip() or "small"
        if scale_name not in SCALES:
            raise ConfigError(f"BENCH_SCALE={scale_name!r}: choose one of {', '.join(SCALES)}")
        database_url = os.environ.get("DATABASE_URL", "")
        if not database_url.startswith(("postgres://", "postgresql://")):
            raise ConfigError("DATABASE_URL must name the PostgreSQL server (run through `make bench`)")
        parts = urlsplit(database_url)
        server_url = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        database = os.environ.get("BENCH_DATABASE", "bench").strip()
        # never a project or test database: the harness drops and recreates its database
        if not _NAME.match(database):
            raise ConfigError(f"BENCH_DATABASE={database!r} must start with 'bench' (lower case, digits, _)")
        redis_url = os.environ.get("BENCH_REDIS_URL") or _redis_with_db(
            os.environ.get("REDIS_URL", ""), os.environ.get("BENCH_REDIS_DB", "15")
        )
        var_dir = Path(os.environ.get("BENCH_VAR_DIR") or ROOT / "var" / "bench")
        results = Path(os.environ.get("BENCH_RESULTS") or ROOT / "bench" / "results" / "latest.json")
        return cls(
            scale=SCALES[scale_name],
            server_url=server_url,
            database=database,
            redis_url=redis_url,
            var_dir=var_dir,
            results=results,
            drop_after=os.environ.get("BENCH_DROP", "") == "1",
            reuse=os.environ.get("BENCH_REUSE", "") == "1",
            rate=int(os.environ.get("BENCH_RATE", "200")),
            secret_key=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(40),
        )

    def environment(self) -> dict[str, str]:
        """The variables of a production-like deployment pointed at the bench database; the harness,
        gunicorn and the dispatch workers all run with them."""
        return {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "CELERY_BROKER_URL": self.redis_url,
            "DEBUG": "false",
            "HTTPS": "false",  # the in-process test client; gunicorn runs with HTTPS behind a "proxy"
            "STATIC_MANIFEST": "true",
            "VAR_DIR": str(self.var_dir),
            "SECRET_KEY": self.secret_key,
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "SITE_URL": "https://127.0.0.1",
            "EMAIL_URL": "consolemail://",
            "LOG_LEVEL": "WARNING",
            "DELIVERY_RATE": f"{self.rate}/second",
        }


def _redis_with_db(url: str, number: str) -> str:
    if not url.startswith("redis://"):
        raise ConfigError("REDIS_URL must name the Redis server (run through `make bench`)")
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{int(number)}", "", ""))
