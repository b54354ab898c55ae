from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from content.models import InboxItem, Post, PostRevision
from members.models import Member
from privacy.admin import RetentionCategoryForm
from privacy.models import LegalHold, RetentionCategory, RetentionRun
from privacy.retention import retention_apply, retention_apply_category
from privacy.tasks import apply_retention
from tests.factories import CommentFactory, EventFactory, MemberFactory, PostFactory

pytestmark = pytest.mark.django_db


def days_ago(days: int):
    return timezone.now() - timedelta(days=days)


def category(key: str) -> RetentionCategory:
    return RetentionCategory.objects.get(key=key)


def inbox_item(member, *, age_days: int) -> InboxItem:
    item = InboxItem.objects.create(recipient=member, kind="reply", url="/x", data={"title": "Hi"})
    InboxItem.objects.filter(pk=item.pk).update(created_at=days_ago(age_days))
    return item


def deleted_post(*, age_days: int, author=None) -> Post:
    post = PostFactory(author=author or MemberFactory())
    Post.objects.filter(pk=post.pk).update(deleted_at=days_ago(age_days))
    return post


@pytest.mark.legal("L11")
def test_the_schedule_holds_the_law_table_with_its_floors():
    rows = {c.key: (c.keep_days, c.floor_days) for c in RetentionCategory.objects.all()}
    assert rows["access_logs"] == (190, 183)
    assert rows["deleted_content_records"] == (190, 60)
    assert rows["staff_access_logs"] == (1095, 1095)
    assert rows["delivery_records"] == (90, 0)
    assert rows["unverified_signups"] == (7, 0)
    assert rows["export_archives"] == (7, 0)
    assert rows["ban_identifiers"] == (None, 0)
    assert len(rows) == 11


@pytest.mark.legal("L11")
def test_admin_form_refuses_a_keep_period_under_the_floor():
    instance = category("access_logs")
    form = RetentionCategoryForm(
        data={
            "label": instance.label,
            "description": "",
            "keep_days": 30,
            "counted_from": "recorded",
            "action": "delete",
        },
        instance=instance,
    )
    assert not form.is_valid()
    assert "183" in str(form.errors["keep_days"])
    form = RetentionCategoryForm(
        data={
            "label": instance.label,
            "description": "",
            "keep_days": 200,
            "counted_from": "recorded",
            "action": "delete",
        },
        instance=instance,
    )
    assert form.is_valid(), form.errors
    form.save()
    assert category("access_logs").keep_days == 200


@pytest.mark.legal("L11")
def test_the_database_refuses_a_keep_period_under_the_floor_too():
    with pytest.raises(IntegrityError):
        RetentionCategory.objects.filter(key="access_logs").update(keep_days=10)


@pytest.mark.legal("L11")
def test_old_inbox_items_are_deleted_and_recent_ones_kept(member):
    old = inbox_item(member, age_days=91)
    recent = inbox_item(member, age_days=89)
    run = retention_apply_category(category=category("delivery_records"))
    assert not InboxItem.objects.filter(pk=old.pk).exists()
    assert InboxItem.objects.filter(pk=recent.pk).exists()
    assert run.rows_affected == 1


@pytest.mark.legal("L12")
def test_every_run_leaves_proof_without_personal_data(member):
    inbox_item(member, age_days=100)
    before = timezone.now()
    run = retention_apply_category(category=category("delivery_records"))
    assert run.category.key == "delivery_records"
    assert run.action == "delete"
    assert run.rows_affected == 1
    assert before <= run.started_at <= run.finished_at
    assert abs((run.cutoff - (before - timedelta(days=90))).total_seconds()) < 60
    # The proof's own columns: counts, times and the category; nothing that names a person.
    assert {f.name for f in RetentionRun._meta.concrete_fields} == {
        "id", "category", "action", "cutoff", "rows_affected", "rows_held", "started_at", "finished_at",
    }  # fmt: skip


@pytest.mark.legal("L11")
def test_a_second_run_changes_nothing(member):
    inbox_item(member, age_days=100)
    deleted_post(age_days=200)
    first = {run.category.key: run.rows_affected for run in retention_apply()}
    assert first["delivery_records"] == 1
    assert first["deleted_content_records"] == 1
    second = {run.category.key: run.rows_affected for run in retention_apply()}
    assert set(second.values()) == {0}


@pytest.mark.legal("L11")
def test_deleted_posts_are_anonymised_after_the_keep_period_and_the_row_kept():
    old = deleted_post(age_days=191)
    PostRevision.objects.create(post=old, title="Old title", body="Old body")
    young = deleted_post(age_days=100)
    live = PostFactory()
    retention_apply_category(category=category("deleted_content_records"))
    old.refresh_from_db()
    assert (old.title, old.body, old.body_html, old.body_fingerprint) == ("", "", "", "")
    assert not PostRevision.objects.filter(post=old).exists()
    young.refresh_from_db()
    live.refresh_from_db()
    assert young.body and live.body


@pytest.mark.legal("L11")
def test_deleted_comments_and_events_are_anonymised_too():
    comment = CommentFactory()
    event = EventFactory(location="Café Rouge")
    type(comment).objects.filter(pk=comment.pk).update(deleted_at=days_ago(200))
    type(event).objects.filter(pk=event.pk).update(deleted_at=days_ago(200))
    retention_apply_category(category=category("deleted_content_records"))
    comment.refresh_from_db()
    event.refresh_from_db()
    assert comment.body == "" and comment.body_html == ""
    assert (event.title, event.description, event.location) == ("", "", "")


@pytest.mark.legal("L11")
def test_a_category_without_a_fixed_keep_period_is_not_run():
    post = deleted_post(age_days=61)
    RetentionCategory.objects.filter(key="deleted_content_records").update(keep_days=None)
    assert retention_apply_category(category=category("deleted_content_records")) is None
    post.refresh_from_db()
    assert post.body


@pytest.mark.legal("L11")
def test_a_legal_hold_on_a_member_keeps_their_rows_and_is_counted(member, other_member):
    held = deleted_post(age_days=200, author=member)
    free = deleted_post(age_days=200, author=other_member)
    LegalHold.objects.create(
        category=category("deleted_content_records"), member_id_held=member.pk, reason="Court order 12/2026"
    )
    run = retention_apply_category(category=category("deleted_content_records"))
    held.refresh_from_db()
    free.refresh_from_db()
    assert held.body and not free.body
    assert (run.rows_affected, run.rows_held) == (1, 1)


@pytest.mark.legal("L11")
def test_a_hold_on_one_object_keeps_it_and_an_ended_hold_does_not():
    held = deleted_post(age_days=200)
    ended = deleted_post(age_days=200)
    cat = category("deleted_content_records")
    LegalHold.objects.create(category=cat, object_id=str(held.pk), reason="Police request")
    LegalHold.objects.create(category=cat, object_id=str(ended.pk), reason="Closed case", until=days_ago(1))
    retention_apply_category(category=cat)
    held.refresh_from_db()
    ended.refresh_from_db()
    assert held.body and not ended.body


@pytest.mark.legal("L11")
def test_unverified_signups_go_through_members_own_service_after_seven_days():
    stale = MemberFactory(verified=False)
    fresh = MemberFactory(verified=False)
    verified = MemberFactory()
    Member.objects.filter(pk__in=[stale.pk, verified.pk]).update(date_joined=days_ago(8))
    Member.objects.filter(pk=fresh.pk).update(date_joined=days_ago(6))
    run = retention_apply_category(category=category("unverified_signups"))
    assert run.rows_affected == 1
    assert set(
        Member.objects.filter(pk__in=[stale.pk, fresh.pk, verified.pk]).values_list("pk", flat=True)
    ) == {
        fresh.pk,
        verified.pk,
    }


@pytest.mark.legal("L11")
def test_any_hold_pauses_a_handler_that_cannot_skip_single_rows():
    stale = MemberFactory(verified=False)
    Member.objects.filter(pk=stale.pk).update(date_joined=days_ago(8))
    LegalHold.objects.create(
        category=category("unverified_signups"), member_id_held=stale.pk, reason="Fraud case"
    )
    run = retention_apply_category(category=category("unverified_signups"))
    assert run.rows_affected == 0
    assert Member.objects.filter(pk=stale.pk).exists()


def test_work_is_done_in_batches_until_nothing_is_left(member):
    for _ in range(5):
        inbox_item(member, age_days=120)
    run = retention_apply_category(category=category("delivery_records"), batch_size=2)
    assert run.rows_affected == 5
    assert not InboxItem.objects.exists()


def test_anonymising_in_batches_visits_each_row_once():
    posts = [deleted_post(age_days=200) for _ in range(5)]
    run = retention_apply_category(category=category("deleted_content_records"), batch_size=2)
    assert run.rows_affected == 5
    assert not Post.objects.filter(pk__in=[p.pk for p in posts]).exclude(body="").exists()


def test_categories_without_a_registered_handler_leave_no_run():
    runs = retention_apply()
    assert {run.category.key for run in runs} == {
        "access_logs",
        "consent_ledger",
        "delivery_records",
        "deleted_content_records",
        "export_archives",
        "moderation_records",
        "staff_access_logs",
        "unverified_signups",
    }


def test_the_task_runs_the_engine_and_returns_the_rows_affected(member):
    inbox_item(member, age_days=100)
    assert apply_retention() == 1
    assert RetentionRun.objects.filter(category__key="delivery_records").count() == 1


def test_a_failing_handler_does_not_stop_the_other_categories(member, monkeypatch):
    from privacy import registry
    from privacy.retention import RetentionFailed

    def broken(cutoff):
        raise RuntimeError("boom")

    handler = registry.RetentionHandler(category="staff_access_logs", name="broken", expired=broken)
    monkeypatch.setitem(registry._handlers, ("staff_access_logs", "broken"), handler)
    inbox_item(member, age_days=100)
    with pytest.raises(RetentionFailed, match="staff_access_logs"):
        retention_apply()
    assert not InboxItem.objects.exists()
    assert RetentionRun.objects.filter(category__key="delivery_records", rows_affected=1).exists()
    assert not RetentionRun.objects.filter(category__key="staff_access_logs").exists()


class _Killed(BaseException):
    """What a SIGKILL looks like from inside: the process stops between two batches."""


@pytest.mark.legal("L11")
@pytest.mark.legal("L12")
def test_a_run_killed_in_the_middle_of_a_category_is_finished_by_the_next_and_a_third_changes_nothing(
    monkeypatch,
):
    import dataclasses

    from privacy import registry

    posts = [deleted_post(age_days=200) for _ in range(5)]
    key = ("deleted_content_records", "content.posts")
    real = registry._handlers[key]
    batches = []

    def dies_after_the_first_batch(ids):
        if batches:
            raise _Killed
        batches.append(ids)
        return real.anonymize(ids)

    monkeypatch.setitem(
        registry._handlers, key, dataclasses.replace(real, anonymize=dies_after_the_first_batch)
    )
    with pytest.raises(_Killed):
        retention_apply_category(category=category("deleted_content_records"), batch_size=2)
    # every batch is its own transaction: the first two are done, the rest untouched, none half-done
    bodies = dict(Post.objects.filter(pk__in=[p.pk for p in posts]).values_list("pk", "body"))
    assert sorted(body == "" for body in bodies.values()) == [False, False, False, True, True]

    monkeypatch.setitem(registry._handlers, key, real)
    second = retention_apply_category(category=category("deleted_content_records"), batch_size=2)
    third = retention_apply_category(category=category("deleted_content_records"), batch_size=2)

    assert second.rows_affected == 3
    assert third.rows_affected == 0
    assert not Post.objects.filter(pk__in=[p.pk for p in posts]).exclude(body="").exists()


# --- the purge services report each batch (R5: a run killed inside one proves what is gone) ----------


class Reports:
    """An on_batch that notes each report and whether it came inside the batch's own transaction (one
    savepoint deeper than the caller, in a test that runs inside a transaction of its own)."""

    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        self.outside = len(connection.savepoint_ids)
        self.counts: list[int] = []

    def __call__(self, rows: int) -> None:
        assert self.connection.in_atomic_block
        assert len(self.connection.savepoint_ids) == self.outside + 1, "not inside the batch's transaction"
        self.counts.append(rows)


def stale_signups(count: int) -> list[int]:
    members = [MemberFactory(verified=False) for _ in range(count)]
    ids = [m.pk for m in members]
    Member.objects.filter(pk__in=ids).update(date_joined=days_ago(8))
    return ids


def archives_past(member, count: int) -> list[int]:
    """Failed export archives past the 7 days: the export purge deletes their rows."""
    from privacy.models import ExportArchive

    ids = [ExportArchive.objects.create(member=member, status="failed").pk for _ in range(count)]
    ExportArchive.objects.filter(pk__in=ids).update(created_at=days_ago(20))
    return ids


def access_rows(member_ref: int, *, at, n: int) -> None:
    from privacy.models import AccessLog

    AccessLog.objects.bulk_create(
        AccessLog(member_ref=member_ref, method="GET", path="/", status=200, time=at + timedelta(seconds=i))
        for i in range(n)
    )


def refuse_delete(table: str, row_id: int) -> None:
    """The database refuses to delete this one row (a trigger raising), as a failure inside a batch.
    Rolled back with the test's transaction."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_refuse_delete() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER test_refuse_delete BEFORE DELETE ON {table} FOR EACH ROW "
            f"WHEN (OLD.id = {int(row_id)}) EXECUTE FUNCTION test_refuse_delete()"
        )


@pytest.mark.legal("L12")
def test_the_unverified_signup_purge_reports_each_batch_inside_it_and_the_reports_add_up():
    from members.services import member_purge_unverified_signups

    stale = stale_signups(5)
    reports = Reports()
    removed = member_purge_unverified_signups(joined_before=days_ago(7), batch_size=2, on_batch=reports)
    assert reports.counts == [2, 2, 1]
    assert removed == sum(reports.counts) == 5
    assert not Member.objects.filter(pk__in=stale).exists()
    # still usable without the callback
    stale_signups(3)
    assert member_purge_unverified_signups(joined_before=days_ago(7), batch_size=2) == 3


@pytest.mark.legal("L12")
def test_the_export_purge_reports_each_batch_of_rows_inside_it_and_the_reports_add_up(member):
    from privacy.export import exports_purge
    from privacy.models import ExportArchive

    past = archives_past(member, 5)
    live = ExportArchive.objects.create(member=member, status="ready", expires_at=days_ago(-3))
    reports = Reports()
    removed = exports_purge(days_ago(7), on_batch=reports, batch_size=2)
    assert reports.counts == [2, 2, 1]
    assert removed == sum(reports.counts) == 5
    assert list(ExportArchive.objects.filter(pk__in=[*past, live.pk]).values_list("pk", flat=True)) == [
        live.pk
    ]
    # still usable without the callback
    archives_past(member, 3)
    assert exports_purge(days_ago(7), batch_size=2) == 3


@pytest.mark.legal("L12")
def test_the_access_log_purge_reports_each_dropped_month_and_each_batch_inside_it_and_they_add_up(
    member, other_member, monkeypatch
):
    from privacy import access_log
    from privacy.models import AccessLog
    from privacy.services import account_closure_record

    monkeypatch.setattr(access_log, "DELETE_BATCH", 2)
    old = days_ago(260)
    access_log.access_log_partitions_ensure(since=old.date())
    access_rows(member.pk, at=old, n=3)  # a month wholly past the cutoff: dropped whole
    account_closure_record(member_id=other_member.pk)
    access_rows(other_member.pk, at=days_ago(185), n=5)  # a closed account's, past the floor: batches
    access_rows(member.pk, at=days_ago(20), n=2)  # kept
    reports = Reports()
    removed = access_log.access_log_purge(days_ago(190), floor_cutoff=days_ago(183), on_batch=reports)
    # (months without rows, and the batch that finds nothing left, report 0)
    assert [n for n in reports.counts if n] == [3, 2, 2, 1]
    assert removed == sum(reports.counts) == 8
    assert AccessLog.objects.count() == 2
    # still usable without the callback
    access_rows(other_member.pk, at=days_ago(185), n=3)
    assert access_log.access_log_purge(days_ago(190), floor_cutoff=days_ago(183)) == 3


def _runs(key: str) -> list[tuple[int, bool]]:
    return [
        (run.rows_affected, run.finished_at is not None)
        for run in RetentionRun.objects.filter(category__key=key).order_by("pk")
    ]


@pytest.mark.legal("L12")
def test_a_failure_in_the_second_batch_of_the_unverified_signup_purge_leaves_the_first_counted(monkeypatch):
    from functools import partial

    from django.db import DatabaseError

    from members import services

    monkeypatch.setattr(
        services,
        "member_purge_unverified_signups",
        partial(services.member_purge_unverified_signups, batch_size=2),
    )
    stale = stale_signups(5)
    refuse_delete(Member._meta.db_table, stale[2])  # the first row of the second batch
    with pytest.raises(DatabaseError, match="refused by the test"):
        retention_apply_category(category=category("unverified_signups"))
    assert list(Member.objects.filter(pk__in=stale).values_list("pk", flat=True).order_by("pk")) == stale[2:]
    assert _runs("unverified_signups") == [(2, False)]  # the killed-midway proof: batch 1, unfinished


@pytest.mark.legal("L12")
def test_a_failure_in_the_second_batch_of_the_export_purge_leaves_the_first_counted(member, monkeypatch):
    import dataclasses
    from functools import partial

    from django.db import DatabaseError

    from privacy import registry
    from privacy.models import ExportArchive

    key = ("export_archives", "privacy.exports")
    real = registry._handlers[key]
    monkeypatch.setitem(
        registry._handlers, key, dataclasses.replace(real, purge=partial(real.purge, batch_size=2))
    )
    past = archives_past(member, 5)
    refuse_delete(ExportArchive._meta.db_table, past[3])
    with pytest.raises(DatabaseError, match="refused by the test"):
        retention_apply_category(category=category("export_archives"))
    assert (
        list(ExportArchive.objects.filter(pk__in=past).values_list("pk", flat=True).order_by("pk"))
        == past[2:]
    )
    assert _runs("export_archives") == [(2, False)]


@pytest.mark.legal("L12")
def test_a_failure_in_the_second_batch_of_the_access_log_purge_leaves_the_first_counted(
    other_member, monkeypatch
):
    from django.db import DatabaseError

    from privacy import access_log
    from privacy.models import AccessLog
    from privacy.services import account_closure_record

    monkeypatch.setattr(access_log, "DELETE_BATCH", 2)
    account_closure_record(member_id=other_member.pk)
    access_rows(other_member.pk, at=days_ago(185), n=5)
    rows = list(AccessLog.objects.order_by("time").values_list("pk", flat=True))
    refuse_delete(AccessLog._meta.db_table, rows[2])
    with pytest.raises(DatabaseError, match="refused by the test"):
        retention_apply_category(category=category("access_logs"))
    assert list(AccessLog.objects.order_by("time").values_list("pk", flat=True)) == rows[2:]
    assert _runs("access_logs") == [(2, False)]


def test_a_purge_that_removed_nothing_before_failing_leaves_no_proof(monkeypatch):
    from functools import partial

    from django.db import DatabaseError

    from members import services

    monkeypatch.setattr(
        services,
        "member_purge_unverified_signups",
        partial(services.member_purge_unverified_signups, batch_size=2),
    )
    stale = stale_signups(3)
    refuse_delete(Member._meta.db_table, stale[0])
    with pytest.raises(DatabaseError, match="refused by the test"):
        retention_apply_category(category=category("unverified_signups"))
    assert _runs("unverified_signups") == []
    assert Member.objects.filter(pk__in=stale).count() == 3


def test_reporting_a_batch_costs_one_query_and_every_batch_the_same(monkeypatch):
    from functools import partial

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from members import services

    real = services.member_purge_unverified_signups
    monkeypatch.setattr(services, "member_purge_unverified_signups", partial(real, batch_size=2))

    def engine(batches: int) -> list[str]:
        stale_signups(2 * batches)
        with CaptureQueriesContext(connection) as queries:
            run = retention_apply_category(category=category("unverified_signups"))
        assert run.rows_affected == 2 * batches
        return [q["sql"] for q in queries.captured_queries]

    def alone(batches: int) -> int:
        stale_signups(2 * batches)
        with CaptureQueriesContext(connection) as queries:
            assert real(joined_before=days_ago(7), batch_size=2) == 2 * batches
        return len(queries.captured_queries)

    one, three = engine(1), engine(3)
    per_batch = (len(three) - len(one)) // 2
    assert len(three) - len(one) == 2 * per_batch  # every batch the same number of queries
    assert len(engine(5)) - len(three) == 2 * per_batch
    # ...one more than the service's own batch: the UPDATE that adds it to the proof
    assert per_batch == (alone(3) - alone(1)) // 2 + 1
    proof_updates = [q for q in three if q.startswith(f'UPDATE "{RetentionRun._meta.db_table}"')]
    assert len(proof_updates) == 3 + 1  # one per batch, and the one that finishes the run
