"""The accounts' daily task on the tasks worker (django-tasks): enqueued by the first sign-in of each day, so a
registry without cron still ends handovers and stops idle accounts; ``manage.py accounts daily`` from cron does
the same (running both is harmless: the task is safe to run twice)."""
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.db import connection, transaction
from django.dispatch import receiver
from django.utils import timezone
from django_tasks import task

from registry.accounts.daily import run_daily


@task(queue_name=settings.IMPORT_TASKS_QUEUE)
def accounts_daily():
    return run_daily().as_line()


def enqueued_key(today):
    return f"accounts:daily:{connection.vendor}:{connection.settings_dict['NAME']}:{today:%Y-%m-%d}"


def enqueue_daily(today=None):
    """Enqueue today's run unless it was enqueued today already; returns the task's result handle or None."""
    if not cache.add(enqueued_key(today or timezone.localdate()), True, 26 * 60 * 60):
        return None
    return accounts_daily.enqueue()


@receiver(user_logged_in)
def enqueue_on_first_sign_in(sender, request, user, **kwargs):
    transaction.on_commit(lambda: _enqueue_quietly(), robust=True)


def _enqueue_quietly():
    try:
        enqueue_daily()
    except Exception:  # a worker that cannot be reached never stops a sign-in
        cache.delete(enqueued_key(timezone.localdate()))
