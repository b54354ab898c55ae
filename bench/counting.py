"""Counting the SQL statements a piece of code sends, cheaply: nothing of the SQL is kept, unlike
CaptureQueriesContext, so counting a hundred thousand statements costs neither time nor memory."""

from contextlib import contextmanager

from django.db import connection


def planner_batch_starts(sql: str) -> bool:
    """Whether the statement is the planner's lock of its outbox row, which opens each batch."""
    return "FOR UPDATE" in sql and '"content_outbox"' in sql


@contextmanager
def statements_counted():
    """{"n": statements, "batches": statements per planner batch}. A planner batch starts when the
    planner locks its outbox row; the final `planned_at` update belongs to no batch."""
    counter = {"n": 0, "batches": []}

    def count(execute, sql, params, many, context):
        counter["n"] += 1
        if planner_batch_starts(sql):
            counter["batches"].append(0)
        if counter["batches"] and not sql.startswith('UPDATE "content_outbox"'):
            counter["batches"][-1] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        yield counter
