import datetime

from django.core.management.base import CommandError

from registry.sheets.reader import SheetLayoutError
from registry.sheets.survey.importing import import_survey_file

from ._imports import ImportCommand


def parse_date(text):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"--survey-date must be YYYY-MM-DD, not {text!r}") from error


class Command(ImportCommand):
    help = "Import a survey sheet (xlsx, xls, ods, csv or tsv) for one survey round, all or nothing."
    layout_errors = (SheetLayoutError,)
    failed_counts = "new=0 updated=0 unchanged=0 missing=0 errors=1"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--survey-date", required=True, help="the round's reference date, YYYY-MM-DD")
        parser.add_argument("--conflicts", choices=["sheet", "clerk"], default="",
                            help="which side wins where the sheet changes a base its clerk already answered")

    def run_import(self, content, file_name, user, dry_run, progress=None, *, survey_date, conflicts="", **options):
        return import_survey_file(content, file_name, parse_date(survey_date), user=user, dry_run=dry_run,
                                  conflicts=conflicts, progress=progress)

    def report_details(self, outcome):
        for base in outcome.missing:
            self.stdout.write(f"not reported this round (proposed for closing): {base}")
        for c in outcome.conflicts:
            self.stdout.write(f"row {c.row}: {c.label}: the clerk answered {c.answer}; {c.winner or 'undecided'} wins")
