from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from registry.importers.agreements import SheetLayoutError
from registry.importers.reader import SheetReadError
from registry.resources_agreements import import_agreement_file


class Command(BaseCommand):
    help = "Import a partnership agreement sheet (xlsx, csv or tsv), all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--dry-run", action="store_true", help="show what would change and write nothing")
        parser.add_argument("--user", help="the user the changes are recorded under (and whose scope applies)")

    def handle(self, *args, path, dry_run, user, **options):
        actor = self.find_user(user)
        file_path = Path(path)
        if not file_path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            outcome = import_agreement_file(file_path.read_bytes(), file_path.name, user=actor, dry_run=dry_run)
        except (SheetReadError, SheetLayoutError) as error:
            self.stderr.write(f"row -, column -: {error}")
            self.stdout.write("new=0 updated=0 unchanged=0 errors=1")
            raise SystemExit(1)
        self.stdout.write(f"read as {outcome.source_description}")
        for line in outcome.report_lines():
            self.stdout.write(line)
        if not outcome.errors:
            for number, label, changes in outcome.updated_rows:
                described = "; ".join(f"{field}: {before} → {after}" for field, before, after in changes)
                self.stdout.write(f"row {number}: {label}: {described}")
        if not outcome.errors and not dry_run and not outcome.changed_anything:
            self.stdout.write("nothing changed: the registry already holds this sheet")
        self.stdout.write(outcome.summary_line)
        if outcome.errors:
            raise SystemExit(1)

    def find_user(self, username):
        if not username:
            return None
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist as error:
            raise CommandError(f"no user {username!r}") from error
