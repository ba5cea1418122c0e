"""The header's 通知 count is asked on every staff page: it reads the newest unread notifications only, and says
「99+」 beyond, however many a user leaves unread."""
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry.models import Notification
from registry.core.permissions import Role
from tests.support.roles import make_user

pytestmark = pytest.mark.django_db


def unread_reminders(user, count):
    first = Notification.objects.filter(user=user).count()
    Notification.objects.bulk_create(
        Notification(user=user, kind=Notification.Kind.REMINDER, text=f"お知らせ {n}", reminder_key=f"test-{n}")
        for n in range(first, first + count))


def header_count(client):
    page = client.get("/").content.decode()
    shown = re.search(r'<a id="header-notifications"[^>]*>([^<]*)</a>', page).group(1)
    return shown, page


@pytest.mark.parametrize("unread, shown", [(0, "通知"), (3, "通知 (3)"), (99, "通知 (99)"), (100, "通知 (99+)"),
                                           (250, "通知 (99+)")])
def test_the_header_counts_unread_notifications_up_to_99(client, unread, shown):
    clerk = make_user(Role.CLERK, "大阪府")
    unread_reminders(clerk, unread)
    client.force_login(clerk)
    assert header_count(client)[0] == shown


def test_the_headers_count_reads_no_more_rows_for_more_unread(client):
    clerk = make_user(Role.CLERK, "大阪府")
    client.force_login(clerk)
    unread_reminders(clerk, 120)
    with CaptureQueriesContext(connection) as few:
        header_count(client)
    unread_reminders(clerk, 1000)  # more unread: the same queries, none fetching more rows
    with CaptureQueriesContext(connection) as many:
        header_count(client)
    assert len(many) == len(few)
    unread = [query["sql"] for query in many if "registry_notification" in query["sql"] and "read_at" in query["sql"]]
    assert unread and all("LIMIT 100" in sql for sql in unread), unread
