"""Set-based inserts for the seed and the figures' fixtures: `INSERT … SELECT` computed by PostgreSQL,
never the ORM row by row."""

from django.db import connection, models


class SeedError(Exception):
    pass


def _default_sql(field: models.Field, params: dict) -> str:
    """A NOT NULL column the caller did not give: the model's own default, so a field added later
    with a default does not break the seed."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return "now()"
    if field.has_default():
        name = f"default_{field.column}"
        params[name] = field.get_db_prep_save(field.get_default(), connection)
        return f"%({name})s"
    if field.blank and isinstance(field, models.CharField | models.TextField | models.FileField):
        return "''"
    raise SeedError(f"{field.model._meta.db_table}.{field.column} needs a value in the seed")


def insert_select(
    model: type[models.Model], columns: dict[str, str], source: str = "", params: dict | None = None
) -> int:
    """INSERT INTO model's table (columns as SQL expressions over `source`, a FROM clause and what
    follows). Expressions and source take named parameters, %(members)s; write %% for a percent sign.
    Returns the number of rows inserted."""
    params = dict(params or {})
    expressions = dict(columns)
    for field in model._meta.concrete_fields:
        if field.column in expressions or field.null or field.primary_key:
            continue
        expressions[field.column] = _default_sql(field, params)
    names = ", ".join(connection.ops.quote_name(column) for column in expressions)
    select = ", ".join(expressions.values())
    statement = f"INSERT INTO {model._meta.db_table} ({names}) SELECT {select} {source}"
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def sequence_reset(model: type[models.Model]) -> None:
    """After rows with explicit ids, the next id the application takes must follow them."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, 'id'), coalesce((SELECT max(id) FROM {table}), 1))",  # noqa: S608
            [table],
        )


def execute(statement: str, params: dict | list | tuple = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def scalar(statement: str, params: dict | list | tuple = ()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
    return row[0] if row else None
