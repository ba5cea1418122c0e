"""``manage.py notifications daily``: reminders of anniversaries and endings, then the daily digests.

Run it once a day (cron, a systemd timer); running it twice the same day sends nothing twice (docs/notifications.md).
"""
from django.core.management.base import BaseCommand

from registry.staff.notifications import run_daily


class Command(BaseCommand):
    help = "Send the daily notification digests and the reminders of anniversaries and endings of ties."

    def add_arguments(self, parser):
        parser.add_argument("task", choices=["daily"])

    def handle(self, *args, **options):
        reminders, mails = run_daily()
        self.stdout.write(f"reminders={reminders} digests={mails}")
