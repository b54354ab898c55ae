"""`python -m bench.run` (what `make bench` calls): recreate the bench database, migrate, seed, measure
every figure, print the table and write the JSON. Exits 1 when a figure could not be computed (an
error, not a missed target: targets are information)."""

import importlib
import logging
import os
import sys
import time
import traceback

FIGURES = [
    # P2 first: it rolls its fixture back. P5 last: it deletes seeded rows.
    "bench.figures.p2_query_counts",
    "bench.figures.p1_feed_throughput",
    "bench.figures.p3_planning",
    "bench.figures.p4_dispatch_rate",
    "bench.figures.p6_digests",
    "bench.figures.p7_dashboard_admin",
    "bench.figures.p5_retention",
]

logger = logging.getLogger("bench")


def _say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def _figure_failed(module: str, error: BaseException):
    from bench.report import Figure

    name = module.rsplit(".", 1)[-1]
    return Figure(
        id=name.split("_", 1)[0].upper(),
        what=name,
        note=f"failed: {type(error).__name__}: {error}"[:300],
    )


def main() -> int:
    from bench.config import BenchConfig, ConfigError

    try:
        config = BenchConfig.from_env()
    except ConfigError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    os.environ.update(config.environment())  # before Django reads its settings
    from bench.database import database_drop, database_recreate

    _say(f"scale {config.scale.name}: database {config.database}, redis {config.redis_url}")
    if not config.reuse:
        database_recreate(config=config)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from bench.context import Context
    from bench.machine import machine_describe
    from bench.report import results_write, table_format
    from bench.seed import community_seed, community_seeded

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # the hashed names production serves
    _say(f"migrated and collected static files in {time.monotonic() - started:.1f}s; seeding")
    seeded = community_seeded(scale=config.scale) if config.reuse else None
    if seeded is not None:
        _say(f"reusing the database seeded by an earlier run: {seeded.rows}")
    else:
        seeded = community_seed(scale=config.scale)
        _say(f"seeded in {seeded.seconds:.1f}s: {seeded.rows}")
    context = Context(config=config, seeded=seeded)
    machine = machine_describe()

    # BENCH_ONLY=p2,p3 measures only those figures (while working on one)
    only = {name.strip().lower() for name in os.environ.get("BENCH_ONLY", "").split(",") if name.strip()}
    figures = []
    failed = False
    for module_name in FIGURES:
        if only and module_name.rsplit(".", 1)[-1].split("_", 1)[0] not in only:
            continue
        _say(f"measuring {module_name.rsplit('.', 1)[-1]}")
        started = time.monotonic()
        try:
            figures += importlib.import_module(module_name).measure(context)
        except Exception as error:
            traceback.print_exc()
            failed = True
            figures.append(_figure_failed(module_name, error))
        _say(f"  done in {time.monotonic() - started:.1f}s")

    scale = {
        "name": config.scale.name,
        "members": config.scale.members,
        "posts": config.scale.posts,
        "spaces": config.scale.spaces,
        "comments": config.scale.comments,
        "reactions": config.scale.reactions,
        "events": config.scale.events,
    }
    results_write(
        path=config.results,
        machine=machine,
        scale=scale,
        seed={"seconds": round(seeded.seconds, 1), "rows": seeded.rows},
        figures=figures,
    )
    print()
    print(
        f"Benchmarks at scale {config.scale.name} ({config.scale.members:,} members, "
        f"{config.scale.posts:,} posts) on {machine['cpu_model']}, {machine['cores']} cores, "
        f"{machine['ram_gib']} GiB, PostgreSQL {machine['postgresql']}"
    )
    print(table_format(figures))
    print(f"\nwritten: {config.results}")
    connections.close_all()
    if config.drop_after:
        database_drop(config=config)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
