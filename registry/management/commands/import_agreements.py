from registry.sheets.agreements.plan import import_agreement_file
from registry.sheets.reader import SheetLayoutError

from ._imports import ImportCommand


class Command(ImportCommand):
    help = "Import a partnership agreement sheet (xlsx, xls, ods, csv or tsv), all or nothing."
    layout_errors = (SheetLayoutError,)

    def run_import(self, content, file_name, user, dry_run, progress=None, **options):
        return import_agreement_file(content, file_name, user=user, dry_run=dry_run, progress=progress)

    def report_details(self, outcome):
        for number, label, changes in outcome.updated_rows:
            described = "; ".join(f"{field}: {before} → {after}" for field, before, after in changes)
            self.stdout.write(f"row {number}: {label}: {described}")
