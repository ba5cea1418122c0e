import json

from django.core.management.base import BaseCommand, CommandError

from registry.management.commands.import_survey import parse_date
from registry.models import SurveyRound
from registry.survey.summary import survey_summary


class Command(BaseCommand):
    help = "Print a survey round's summary table, counted by the survey's own rules."

    def add_arguments(self, parser):
        parser.add_argument("--survey-date", required=True)
        parser.add_argument("--json", action="store_true", help="one JSON object (the default prints a table)")

    def handle(self, *args, survey_date, json: bool, **options):
        reference_date = parse_date(survey_date)
        survey_round = SurveyRound.objects.filter(reference_date=reference_date).first()
        if survey_round is None:
            raise CommandError(f"no survey round for {reference_date:%Y-%m-%d}")
        write_report(self.stdout, survey_summary(survey_round), as_json=json)


def write_report(stdout, report, as_json):
    """A command's figures: one JSON object, or one ``key: value`` line each."""
    if as_json:
        stdout.write(json_dumps(report))
        return
    for key, value in report.items():
        stdout.write(f"{key}: {value}")


def json_dumps(data):
    return json.dumps(data, ensure_ascii=False, sort_keys=False)
