from django.core.management.base import BaseCommand

from content.search import DEFAULT_BATCH_SIZE, SPECS, search_reindex


class Command(BaseCommand):
    help = "Rebuild the full-text search index of posts, comments and events, in batches."

    def add_arguments(self, parser):
        parser.add_argument(
            "--kind", choices=sorted(SPECS), action="append", help="Only this kind (repeatable)."
        )
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
        parser.add_argument(
            "--only-missing", action="store_true", help="Only rows that have never been indexed."
        )

    def handle(self, *args, kind=None, batch_size=DEFAULT_BATCH_SIZE, only_missing=False, **options):
        counts = search_reindex(
            kinds=kind or tuple(SPECS), batch_size=max(1, batch_size), only_missing=only_missing
        )
        for name, count in counts.items():
            self.stdout.write(f"{name}: {count} indexed")
