"""The account e-mails (invitation, idle notice), in Japanese, through Django's mail framework.

Messages are sent after the transaction that decided them commits: a rolled-back invitation sends nothing.
"""
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string

SUBJECT_PREFIX = "【海外拠点レジストリ】"


def site_link(path):
    return settings.SITE_URL.rstrip("/") + path


def message(to, subject, template, context):
    body = render_to_string(template, {"site_url": settings.SITE_URL, **context})
    return EmailMessage(SUBJECT_PREFIX + subject, body, to=[to])


def send_after_commit(messages):
    """Send ``messages`` over one connection once the current transaction commits (at once outside one)."""
    messages = list(messages)
    if messages:
        transaction.on_commit(lambda: get_connection().send_messages(messages))
