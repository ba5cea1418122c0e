"""Prepare a demo database: local governments, the 2017 survey round and one user per role."""
import datetime
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from registry.demo import create_demo_users
from registry.sheets.survey.importing import import_survey_file

SURVEY_2017 = Path(settings.BASE_DIR) / "fixtures" / "clair_overseas_bases_2017-09.tsv"
SURVEY_2017_DATE = datetime.date(2017, 9, 30)


class Command(BaseCommand):
    help = "Load reference data, the 2017 survey and demo users (safe to run again)."

    def handle(self, *args, **options):
        call_command("load_local_governments", stdout=self.stdout)
        outcome = import_survey_file(SURVEY_2017.read_bytes(), SURVEY_2017.name, SURVEY_2017_DATE)
        self.stdout.write(f"2017 survey: {outcome.summary_line}")
        create_demo_users(self.stdout)
        call_command("import_agreements", SURVEY_2017.with_name("partnership_agreements.tsv"), stdout=self.stdout)
        call_command("geocode_places", stdout=self.stdout)
