"""Prepare a demo database: local governments, the 2017 survey round and one user per role."""
import datetime
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from registry.accounts.demo import create_demo_accounts, create_demo_users
from registry.core.history import Source, change_context
from registry.models import RoundStatus, SurveyRound
from registry.survey import lifecycle
from registry.sheets.survey.importing import import_survey_file

SURVEY_2017 = Path(settings.BASE_DIR) / "fixtures" / "clair_overseas_bases_2017-09.tsv"
SURVEY_2017_DATE = datetime.date(2017, 9, 30)
ROUND_2018_DATE = datetime.date(2018, 9, 30)
ROUND_2018_DUE = datetime.date(2018, 11, 30)


class Command(BaseCommand):
    help = "Load reference data, the 2017 survey and demo users (safe to run again)."

    def handle(self, *args, **options):
        call_command("load_local_governments", stdout=self.stdout)
        create_demo_users(self.stdout)
        create_demo_accounts(self.stdout)
        self.set_up_rounds()
        call_command("import_agreements", SURVEY_2017.with_name("partnership_agreements.tsv"), stdout=self.stdout)
        call_command("geocode_places", stdout=self.stdout)

    def set_up_rounds(self):
        """The 2017 round published as CLAIR printed it, and the 2018 round open for the clerks."""
        with change_context(source=Source.COMMAND, actor_name="setup_demo"):
            round_2017 = SurveyRound.objects.filter(reference_date=SURVEY_2017_DATE).first()
            if round_2017 is None or round_2017.is_open:
                outcome = import_survey_file(SURVEY_2017.read_bytes(), SURVEY_2017.name, SURVEY_2017_DATE)
                self.stdout.write(f"2017 survey: {outcome.summary_line}")
                round_2017 = SurveyRound.objects.get(reference_date=SURVEY_2017_DATE)
            if round_2017.is_open:
                lifecycle.close_round(round_2017)
            if round_2017.status == RoundStatus.CLOSED:
                lifecycle.publish_round(round_2017)
            self.stdout.write(f"2017 round: {round_2017.get_status_display()}")
            round_2018 = SurveyRound.objects.filter(reference_date=ROUND_2018_DATE).first()
            if round_2018 is None or round_2018.status == RoundStatus.PREPARING:
                result = lifecycle.open_round(ROUND_2018_DATE, ROUND_2018_DUE)
                self.stdout.write(f"2018 round: {result.line}")
