"""Delete old import jobs and fail the ones a stopped worker left (registry/sheets/jobs.py ``prune_jobs``)."""
from django.core.management.base import BaseCommand

from registry.sheets.jobs import prune_jobs


class Command(BaseCommand):
    help = ("Delete finished and failed import jobs older than IMPORT_JOB_RETENTION_DAYS, and mark failed the "
            "unfinished ones not heard from for an hour. Starting a job does the same.")

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, help="keep finished jobs this many days (default: the setting)")

    def handle(self, *args, days=None, **options):
        deleted, failed = prune_jobs(days)
        self.stdout.write(f"deleted {deleted} finished import jobs; marked {failed} stale import jobs failed")
