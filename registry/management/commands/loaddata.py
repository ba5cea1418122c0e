"""Django's loaddata, loading records as they were: no new history entries and no access-log lines.

The loaded rows bring their own history (and RoleChange log); simple-history would
otherwise record the many-to-many links and role groups being set as changes made today.
"""
from django.core.management.commands import loaddata

from registry.core.history import loading_recorded_data


class Command(loaddata.Command):
    def handle(self, *fixture_labels, **options):
        with loading_recorded_data():
            return super().handle(*fixture_labels, **options)
