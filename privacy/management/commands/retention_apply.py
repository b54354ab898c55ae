from django.core.management.base import BaseCommand, CommandError

from privacy.deletion import DeletionsFailed, deletions_complete_due
from privacy.models import RetentionCategory
from privacy.registry import CATEGORIES
from privacy.retention import BATCH_SIZE, RetentionFailed, retention_apply, retention_apply_category

ACCOUNTS = "deleted_accounts"


class Command(BaseCommand):
    help = (
        "The retention job by hand (LEGAL L9, L11, L12), what the privacy.complete_deletions and "
        "privacy.apply_retention tasks do: accounts whose 7-day grace period has passed are erased (the "
        "schedule's deleted_accounts line), then every category of the schedule is applied. Safe to run "
        "at any time and again: a run killed midway is finished by the next, and a run with nothing due "
        "changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--category", choices=CATEGORIES, action="append", help="Only this category (repeatable)."
        )
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)

    def handle(self, *args, category=None, batch_size=BATCH_SIZE, **options):
        batch_size = max(1, batch_size)
        failed = []
        if category is None or ACCOUNTS in category:
            try:
                erased = deletions_complete_due()
            except DeletionsFailed as error:
                failed.append(f"{ACCOUNTS} (requests {error})")
            else:
                self.stdout.write(f"{ACCOUNTS}: {erased} accounts erased")
        if category is None:
            try:
                runs = retention_apply(batch_size=batch_size)
            except RetentionFailed as error:
                failed.append(str(error))
                runs = []
        else:
            runs = []
            for row in RetentionCategory.objects.filter(key__in=category).order_by("key"):
                try:
                    run = retention_apply_category(category=row, batch_size=batch_size)
                except Exception as error:
                    failed.append(f"{row.key} ({type(error).__name__})")
                    continue
                if run is not None:
                    runs.append(run)
        for run in runs:
            counts = f"{run.rows_affected} rows {run.action}, {run.rows_held} held"
            self.stdout.write(f"{run.category.key}: {counts} (run {run.pk})")
        if failed:
            raise CommandError(f"retention failed: {', '.join(failed)}")
