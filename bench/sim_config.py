"""How big the simulation is and where it runs, read from the environment before Django starts.

Like the benchmarks (bench/config.py) it never touches the project's or a test database: it recreates
its own database (SIM_DATABASE, default `bench_sim`, on the server of DATABASE_URL) and uses its own
Redis database (SIM_REDIS_DB, default 14, on the server of REDIS_URL)."""

import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.config import _NAME, ROOT, ConfigError, _redis_with_db

# the community: 10k members writing ~300 posts and ~2,000 comments a day. A smaller run keeps
# the same rates per member, so each member's mailbox looks the same whatever the scale.
POSTS_PER_MEMBER_DAY = 300 / 10_000
COMMENTS_PER_MEMBER_DAY = 2_000 / 10_000
# 2027-03-01 is a Monday (weekly digests go out on Mondays); Europe and America change to summer
# time during the month, so the members' local days are not all 24 hours long
START = datetime(2027, 3, 1, tzinfo=UTC)


def _int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name, "").strip()
    try:
        value = int(raw) if raw else default
    except ValueError as error:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from error
    if value < minimum:
        raise ConfigError(f"{name}={value} must be at least {minimum}")
    return value


def _minutes(name: str) -> float | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError as error:
        raise ConfigError(f"{name}={raw!r} is not a number of minutes") from error
    if value <= 0:
        raise ConfigError(f"{name}={raw} must be more than 0")
    return value


@dataclass(frozen=True)
class SimConfig:
    members: int
    days: int
    drain_days: int  # quiet days after the last post, so every digest (weekly ones too) goes out
    step_minutes: int
    posts_per_day: int
    comments_per_day: int
    events_per_week: int
    promotions_per_week: int
    spaces: int
    seed: int
    server_url: str
    database: str
    redis_url: str
    results: Path
    drop_after: bool
    secret_key: str
    start: datetime = START
    # running the month in pieces (bench/sim_checkpoint.py): not part of the scale
    resume: bool = False  # SIM_RESUME=1: continue from the checkpoint instead of starting over
    pause_after_minutes: float | None = None  # pause at the first step boundary after this long
    pause_after_steps: int | None = None  # for tests: pause after this many steps of this process

    @property
    def checkpoint(self) -> Path:
        return ROOT / "var" / "sim" / f"{self.database}.checkpoint"

    @property
    def database_url(self) -> str:
        return f"{self.server_url}/{self.database}"

    @classmethod
    def from_env(cls) -> "SimConfig":
        members = _int("SIM_MEMBERS", 10_000, minimum=50)
        database_url = os.environ.get("DATABASE_URL", "")
        if not database_url.startswith(("postgres://", "postgresql://")):
            raise ConfigError("DATABASE_URL must name the PostgreSQL server (run through `make simulate`)")
        parts = urlsplit(database_url)
        database = os.environ.get("SIM_DATABASE", "bench_sim").strip()
        if not _NAME.match(database):  # the simulation drops and recreates it
            raise ConfigError(f"SIM_DATABASE={database!r} must start with 'bench' (lower case, digits, _)")
        redis_url = os.environ.get("SIM_REDIS_URL") or _redis_with_db(
            os.environ.get("REDIS_URL", ""), os.environ.get("SIM_REDIS_DB", "14")
        )
        step = _int("SIM_STEP_MINUTES", 15, minimum=1)
        if 60 % step:
            raise ConfigError(
                f"SIM_STEP_MINUTES={step} must divide an hour (digests are composed on the hour)"
            )
        return cls(
            members=members,
            days=_int("SIM_DAYS", 30, minimum=1),
            drain_days=_int("SIM_DRAIN_DAYS", 8),
            step_minutes=step,
            posts_per_day=_int("SIM_POSTS_PER_DAY", max(3, round(members * POSTS_PER_MEMBER_DAY)), 1),
            comments_per_day=_int(
                "SIM_COMMENTS_PER_DAY", max(20, round(members * COMMENTS_PER_MEMBER_DAY)), 0
            ),
            events_per_week=_int("SIM_EVENTS_PER_WEEK", 3),
            promotions_per_week=_int("SIM_PROMOTIONS_PER_WEEK", 2),
            spaces=_int("SIM_SPACES", 15, minimum=2),
            seed=_int("SIM_SEED", 20261130),
            server_url=urlunsplit((parts.scheme, parts.netloc, "", "", "")),
            database=database,
            redis_url=redis_url,
            results=Path(os.environ.get("SIM_RESULTS") or ROOT / "bench" / "results" / "simulate.json"),
            drop_after=os.environ.get("SIM_DROP", "") == "1",
            secret_key=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(40),
            resume=os.environ.get("SIM_RESUME", "") == "1",
            pause_after_minutes=_minutes("SIM_PAUSE_AFTER_MINUTES"),
            pause_after_steps=_int("SIM_PAUSE_AFTER_STEPS", 0, minimum=0) or None,
        )

    def environment(self) -> dict[str, str]:
        """The project's settings pointed at the simulation's database and Redis, with the capture
        email backend (bench/sim_settings.py)."""
        return {
            "DJANGO_SETTINGS_MODULE": "bench.sim_settings",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "CELERY_BROKER_URL": self.redis_url,
            "DEBUG": "false",
            "HTTPS": "false",
            "SECRET_KEY": self.secret_key,
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "SITE_URL": "https://community.example",
            "LOG_LEVEL": "WARNING",
            # the provider's send rate is not what this measures (make bench's P4 does): a bucket no
            # step can empty, so a frozen clock never makes the dispatcher wait for a token
            "DELIVERY_RATE": "100000/second",
        }

    def scale(self) -> dict:
        return {
            "members": self.members,
            "days": self.days,
            "drain_days": self.drain_days,
            "step_minutes": self.step_minutes,
            "posts_per_day": self.posts_per_day,
            "comments_per_day": self.comments_per_day,
            "events_per_week": self.events_per_week,
            "promotions_per_week": self.promotions_per_week,
            "spaces": self.spaces,
            "seed": self.seed,
            "start": self.start.isoformat(),
        }
