"""The 2017 round as the public sees it: imported, closed and published (公表), with the demo ties."""
import datetime

from django.core.management import call_command

from registry.models import SurveyRound
from registry.survey import lifecycle
from registry.sheets.survey.importing import import_survey_file
from tests.conftest import SURVEY_2017

DAY_2017 = datetime.date(2017, 9, 30)


def publish(survey_round):
    lifecycle.close_round(survey_round)
    lifecycle.publish_round(survey_round)
    return survey_round


def load_2017(published=True, before_closing=None):
    """Import the 2017 sheet and the demo ties; ``before_closing()`` runs while the round is still open."""
    outcome = import_survey_file(SURVEY_2017.read_bytes(), SURVEY_2017.name, DAY_2017)
    assert not outcome.errors, outcome.report_lines()
    call_command("import_agreements", SURVEY_2017.with_name("partnership_agreements.tsv"),
                 stdout=open("/dev/null", "w"))
    survey_round = SurveyRound.objects.get(reference_date=DAY_2017)
    if before_closing is not None:
        before_closing()
    return publish(survey_round) if published else survey_round
