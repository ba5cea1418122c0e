"""Write every record, its history and the access log to one file that ``restore`` loads into a new database."""
from django.core.management import call_command
from django.core.management.base import BaseCommand

# Rebuilt by ``migrate`` (content types, permissions) or not worth keeping (sessions).
NOT_BACKED_UP = ["contenttypes", "auth.permission", "sessions"]


class Command(BaseCommand):
    help = "Back up the whole registry (records, history, users, roles, access log) as JSON (.json, .json.gz …)."

    def add_arguments(self, parser):
        parser.add_argument("output", help="file to write; .gz, .bz2, .xz or .zip compress it")

    def handle(self, *args, output, **options):
        call_command(
            "dumpdata", exclude=NOT_BACKED_UP, natural_foreign=True, natural_primary=True, output=output,
            indent=None, verbosity=0,
        )
        self.stdout.write(f"backed up to {output}")
