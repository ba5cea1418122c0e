"""``manage.py accounts daily``: memberships whose handover date has come end; idle accounts get a notice, then
are stopped (docs/accounts.md). Safe to run twice the same day."""
from django.core.management.base import BaseCommand

from registry.accounts.daily import run_daily


class Command(BaseCommand):
    help = "End memberships whose end date has come, send idle-account notices and stop idle accounts."

    def add_arguments(self, parser):
        parser.add_argument("task", choices=["daily"])

    def handle(self, *args, **options):
        self.stdout.write(run_daily().as_line())
