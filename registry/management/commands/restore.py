"""Load a file written by ``backup`` into a new, empty database: the same records and the same history."""
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from registry.core.history import tracked_models


class Command(BaseCommand):
    help = "Restore a backup into an empty database (migrates it first); adds no history entries."

    def add_arguments(self, parser):
        parser.add_argument("backup", help="a file written by manage.py backup")

    def handle(self, *args, backup, **options):
        call_command("migrate", interactive=False, verbosity=0)
        holding = [model._meta.label for model in [*tracked_models(), apps.get_model("auth", "User")]
                   if model._default_manager.exists()]
        if holding:
            raise CommandError(
                "The database already holds records (" + ", ".join(holding) + "): restore into a new, empty "
                "database (a new SQLite file or a new PostgreSQL database)."
            )
        with transaction.atomic():
            call_command("loaddata", backup, verbosity=0)
        self.stdout.write(f"restored {backup}")
