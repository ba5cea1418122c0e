"""Prepare a demo database: local governments, the 2017 survey round and one user per role."""
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from registry.demo import create_demo_users

SURVEY_2017 = Path(settings.BASE_DIR) / "fixtures" / "clair_overseas_bases_2017-09.tsv"


class Command(BaseCommand):
    help = "Load reference data, the 2017 survey and demo users (safe to run again)."

    def handle(self, *args, **options):
        call_command("load_local_governments", stdout=self.stdout)
        create_demo_users(self.stdout)
