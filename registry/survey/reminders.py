"""Reminders to the organizations that have not completed a round: e-mail to their clerks, each one logged.

Mail goes through Django's mail framework: the console backend unless ``EMAIL_HOST`` is set (see settings).
"""
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse

from registry.models import RoundReminder
from registry.core.permissions import Role

from registry.survey.progress import round_progress
from registry.survey.records import require_open

SUBJECT = "【海外拠点レジストリ】{round} の回答のお願い"
BODY = """{organization} ご担当者様

{round} の回答がまだ完了していません（未確認 {not_reviewed} 件）。
回答期限: {due}

拠点ごとに「変更なし」「編集」「廃止を提案」のいずれかを行い、最後に「回答完了」を押してください。
{url}
"""


@dataclass
class ReminderResult:
    organizations: int
    mails: int
    unreachable: list = field(default_factory=list)  # organizations with no clerk address: nobody was reminded

    @property
    def line(self):
        return f"organizations={self.organizations} mails={self.mails}"


@dataclass
class Recipient:
    """An organization not yet 回答完了 and the addresses of its clerks (none: a reminder reaches nobody)."""

    progress: object
    addresses: list

    @property
    def organization(self):
        return self.progress.organization


def clerk_addresses(organization):
    users = get_user_model().objects.filter(
        is_active=True, memberships__organization=organization, groups__name=Role.GROUP_NAMES[Role.CLERK]
    ).exclude(email="").order_by("username")
    return sorted({user.email for user in users})


def reminder_recipients(survey_round, user=None, organization=None):
    """Who a reminder would go to now: the organizations in the user's scope not yet 回答完了 (or ``organization``
    only). The confirmation page shows it before anything is sent."""
    return [Recipient(row, clerk_addresses(row.organization))
            for row in round_progress(survey_round, user) if not row.done
            and (organization is None or row.organization.pk == organization.pk)]


def remind_round(survey_round, user=None, *, base_url="", organization=None):
    """E-mail the clerks of every organization not yet 回答完了 (or of ``organization`` only); one RoundReminder
    per organization."""
    require_open(survey_round)
    recipients = reminder_recipients(survey_round, user, organization)
    sender = user.get_username() if user else "command"
    link = base_url + reverse("registry:survey_review", args=[survey_round.reference_date])
    messages = []
    with transaction.atomic():
        for recipient in recipients:
            row, addresses = recipient.progress, recipient.addresses
            RoundReminder.objects.create(
                survey_round=survey_round, organization=row.organization, sent_by=sender,
                recipients=", ".join(addresses),
            )
            if addresses:
                body = BODY.format(
                    organization=row.organization.name, round=survey_round, not_reviewed=row.not_reviewed,
                    due=f"{survey_round.due_date:%Y-%m-%d}" if survey_round.due_date else "-", url=link,
                )
                messages.append(EmailMessage(SUBJECT.format(round=survey_round), body, to=addresses))
    if messages:
        get_connection().send_messages(messages)
    unreachable = [recipient.organization for recipient in recipients if not recipient.addresses]
    return ReminderResult(organizations=len(recipients), mails=len(messages), unreachable=unreachable)
