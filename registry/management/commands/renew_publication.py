"""Give what is published a new stamp, so nothing cached before is served (run it when new code is deployed)."""
from django.core.management.base import BaseCommand

from registry.public.publishing import renew_publication


class Command(BaseCommand):
    help = "Renew the stamp of the published data: public pages and API answers are built again."

    def handle(self, *args, **options):
        renew_publication(live=True)
