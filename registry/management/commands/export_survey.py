from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from registry.management.commands.import_survey import parse_date
from registry.models import Organization
from registry.sheets.survey.export import export_survey_xlsx, survey_export_queryset


class Command(BaseCommand):
    help = "Write the survey sheet (xlsx) pre-filled with the registry's bases, for all organizations or one."

    def add_arguments(self, parser):
        parser.add_argument("--survey-date", required=True, help="the reference date printed in the title")
        parser.add_argument("-o", "--output", required=True, help="path of the .xlsx file to write")
        parser.add_argument("--organization", help="6-digit organization code: only its bases")

    def handle(self, *args, survey_date, output, organization, **options):
        reference_date = parse_date(survey_date)
        owner = None
        if organization:
            owner = Organization.objects.filter(code=organization).first()
            if owner is None:
                raise CommandError(f"no organization with code {organization}")
        bases = survey_export_queryset(owner)
        Path(output).write_bytes(export_survey_xlsx(bases, reference_date))
        self.stdout.write(f"wrote {bases.count()} bases to {output}")
