from django.core.management.base import BaseCommand, CommandError

from registry.management.commands.import_survey import parse_date
from registry.public.opendata.package import write_round
from registry.public.publishing import published_round


class Command(BaseCommand):
    help = "Write a published round's open data (CSV files in UTF-8 and datapackage.json) into a directory."

    def add_arguments(self, parser):
        parser.add_argument("--survey-date", required=True, help="the round's reference date, YYYY-MM-DD")
        parser.add_argument("-o", "--output", required=True, help="directory to write into (created if missing)")

    def handle(self, *args, survey_date, output, **options):
        reference_date = parse_date(survey_date)
        survey_round = published_round(reference_date)
        if survey_round is None:
            raise CommandError(f"no published survey round for {reference_date:%Y-%m-%d}")
        for path in write_round(survey_round, output):
            self.stdout.write(f"wrote {path}")
