"""Celery tasks of the community app: take ids, call a service, nothing else."""

from celery import shared_task

from community.idempotency import idempotency_records_purge


@shared_task(name="community.purge_idempotency_records", ignore_result=True)
def purge_idempotency_records() -> int:
    return idempotency_records_purge()
