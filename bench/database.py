"""Creating and dropping the bench database on the server of DATABASE_URL (before Django starts)."""

import psycopg2
from psycopg2 import sql

from bench.config import BenchConfig


def _server(config: BenchConfig):
    connection = psycopg2.connect(f"{config.server_url}/postgres")
    connection.autocommit = True
    return connection


def database_recreate(*, config: BenchConfig) -> None:
    """A fresh, empty database each run, so every figure starts from the same seed. FORCE ends the
    connections a crashed earlier run may have left."""
    connection = _server(config)
    try:
        with connection.cursor() as cursor:
            name = sql.Identifier(config.database)
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(name))
    finally:
        connection.close()


def database_drop(*, config: BenchConfig) -> None:
    connection = _server(config)
    try:
        with connection.cursor() as cursor:
            name = sql.Identifier(config.database)
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
    finally:
        connection.close()
