from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from registry.models import Agreement, Organization
from registry.sheets.agreements.resource import export_agreements_xlsx


class Command(BaseCommand):
    help = "Write the partnership agreements as an xlsx sheet in the import layout, for all organizations or one."

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", required=True, help="path of the .xlsx file to write")
        parser.add_argument("--organization", help="6-digit organization code: only its agreements")

    def handle(self, *args, output, organization, **options):
        agreements = Agreement.objects.all()
        if organization:
            owner = Organization.objects.filter(code=organization).first()
            if owner is None:
                raise CommandError(f"no organization with code {organization}")
            agreements = agreements.filter(organization=owner)
        Path(output).write_bytes(export_agreements_xlsx(agreements))
        self.stdout.write(f"wrote {agreements.count()} agreements to {output}")
