"""What is coming (今後の予定): anniversaries of ties, ties and contracted desks ending, the open round's due date.

One list of ``Event``s per user, in their scope, feeds the coming-up page and the home page, the calendar feed
(registry/staff/calendar_feed.py) and the daily reminders (registry/staff/notifications.py).
"""
import datetime
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy as _

from registry.models import Agreement, Base, OperatingForm, SurveyRound
from registry.parsing.dates import (
    Precision,
    add_years,
    format_partial_date_noting_unknown,
    period_end,
    period_start,
)
from registry.parsing.eras import era_year_name
from registry.core.permissions import has_model_permission
from registry.survey.progress import current_round

MILESTONES = (10, 20, 25, 30, 40, 50)  # the anniversaries (周年) that are celebrated
ANNIVERSARY_YEARS_AHEAD = 1  # anniversaries in the next 12 months
ENDING_DAYS_AHEAD = 90  # ties and contracted desks ending in the next 90 days

ANNIVERSARY, ENDING, DEADLINE = "anniversary", "ending", "deadline"
KIND_CHOICES = [
    (ANNIVERSARY, _("Anniversaries of ties")),
    (ENDING, _("Ties and contracted desks ending")),
    (DEADLINE, _("Survey due date")),
]


@dataclass
class Event:
    kind: str
    date: datetime.date  # the first day it may fall on (a year-precision anniversary: 1 January)
    precision: str
    title: str
    uid: str  # stable: the calendar feed's UID and the reminders' key
    organization: object = None
    link: str = ""
    years: int = None  # an anniversary's count
    agreement_id: int = None  # the tie it is about, if any

    @property
    def last_day(self):
        return period_end(self.date, self.precision)

    @property
    def date_display(self):
        return format_partial_date_noting_unknown(self.date, self.precision)

    @property
    def era_display(self):
        on = self.date if self.precision == Precision.DAY else None
        return era_year_name(self.date.year, on)

    @property
    def kind_label(self):
        return dict(KIND_CHOICES)[self.kind]


def anniversaries_of(agreement, today, until):
    """(count, first day) of the tie's milestone anniversaries whose period overlaps [today, until)."""
    if agreement.signed_on is None or agreement.signed_precision == Precision.UNKNOWN:
        return
    signed = period_start(agreement.signed_on, agreement.signed_precision)
    for years in MILESTONES:
        start = add_years(signed, years)
        if start < until and period_end(start, agreement.signed_precision) >= today:
            yield years, start


def anniversary_events(agreements, today):
    until = add_years(today, ANNIVERSARY_YEARS_AHEAD)
    for agreement in agreements.filter(signed_on__isnull=False).select_related("organization", "partner"):
        for years, start in anniversaries_of(agreement, today, until):
            title = gettext("%(organization)s – %(partner)s: %(years)s years (%(type)s)") % {
                "organization": agreement.organization.name, "partner": agreement.partner, "years": years,
                "type": agreement.get_agreement_type_display()}
            yield Event(ANNIVERSARY, start, agreement.signed_precision, title, f"anniversary-{agreement.pk}-{years}",
                        agreement.organization, reverse("admin:registry_agreement_change", args=[agreement.pk]),
                        years, agreement.pk)


def ending_events(agreements, bases, today, days):
    until = today + datetime.timedelta(days=days)
    ending = agreements.in_force(on=today).filter(end_date__lte=until).select_related("organization", "partner")
    for agreement in ending:
        title = gettext("%(organization)s – %(partner)s ends (%(type)s)") % {
            "organization": agreement.organization.name, "partner": agreement.partner,
            "type": agreement.get_agreement_type_display()}
        yield Event(ENDING, agreement.end_date, Precision.DAY, title, f"ending-agreement-{agreement.pk}-"
                    f"{agreement.end_date:%Y%m%d}", agreement.organization,
                    reverse("admin:registry_agreement_change", args=[agreement.pk]), agreement_id=agreement.pk)
    desks = bases.filter(form=OperatingForm.CONTRACTED, closed_on__gte=today, closed_on__lte=until)
    for base in desks.select_related("organization"):
        title = gettext("%(base)s: the contracted desk ends") % {"base": base}
        yield Event(ENDING, base.closed_on, Precision.DAY, title, f"ending-base-{base.pk}-{base.closed_on:%Y%m%d}",
                    base.organization, reverse("admin:registry_base_change", args=[base.pk]))


def deadline_events(user, today):
    """The open round's due date, passed or not: while the round is open its answers are still owed, and a
    subscribed calendar keeps the day."""
    survey_round = current_round()
    if survey_round is None or survey_round.due_date is None:
        return
    if not has_model_permission(user, SurveyRound, "view"):
        return
    title = gettext("%(round)s: due date for answers") % {"round": survey_round}
    yield Event(DEADLINE, survey_round.due_date, Precision.DAY, title, f"deadline-{survey_round.reference_date}",
                link=reverse("registry:survey_review", args=[survey_round.reference_date]))


def coming_up(user, today=None, kinds=(ANNIVERSARY, ENDING, DEADLINE), organization=None,
              ending_days=ENDING_DAYS_AHEAD):
    """The user's coming events, soonest first: only ties and bases the user may see (``restrict``)."""
    today = today or datetime.date.today()
    agreements = Agreement.objects.restrict(user, "view")
    bases = Base.objects.restrict(user, "view")
    if organization is not None:
        agreements, bases = agreements.filter(organization=organization), bases.filter(organization=organization)
    events = []
    if ANNIVERSARY in kinds:
        events += anniversary_events(agreements, today)
    if ENDING in kinds:
        events += ending_events(agreements, bases, today, ending_days)
    if DEADLINE in kinds and organization is None:
        events += deadline_events(user, today)
    return sorted(events, key=lambda event: (max(event.date, today), event.uid))
