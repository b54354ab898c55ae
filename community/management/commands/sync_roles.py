"""Create or update the staff roles (operator, moderator, privacy officer) from community/roles.py.

`migrate` already does this after every run; this command is for a role table changed without a
migration. Safe to run again: the groups end with exactly the permissions the table gives them."""

from django.core.management.base import BaseCommand, CommandParser
from django.db import DEFAULT_DB_ALIAS

from community.roles import ROLES, roles_sync


class Command(BaseCommand):
    help = "Create the staff roles and set their permissions from community/roles.py. Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: object, **options: object) -> None:
        result = roles_sync(using=str(options["database"]))
        self.stdout.write(f"Roles in sync: {', '.join(ROLES)} ({result.groups_created} created).")
        if result.permissions_missing:
            self.stdout.write(
                "Not found (their models do not exist yet), skipped: " + ", ".join(result.permissions_missing)
            )
