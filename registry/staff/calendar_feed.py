"""iCalendar feeds (made with the ``icalendar`` package): a user's private feed and the portal's public one.

A user's feed holds the events of 今後の予定 in their scope (registry/staff/coming_up.py), endings a year ahead;
its address carries the user's secret key (``NotificationSettings.feed_token``), renewed from the settings page.
The public feed holds the published rounds' dates. Every event is all-day (dates, not times).
"""
import datetime

from django.utils import timezone
from django.utils.translation import gettext
from icalendar import Calendar, Event as CalendarEvent

from registry.staff.coming_up import coming_up
from registry.models import SurveyRound

FEED_ENDING_DAYS = 365
UID_DOMAIN = "overseas-base-registry"


def new_calendar(name):
    calendar = Calendar()
    calendar.add("prodid", "-//Overseas Base Registry//JA")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    return calendar


def all_day(uid, summary, first_day, last_day=None, url=""):
    """An all-day event from ``first_day`` to ``last_day`` (inclusive; DTEND is the day after)."""
    event = CalendarEvent()
    event.add("uid", f"{uid}@{UID_DOMAIN}")
    event.add("summary", summary)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", first_day)
    event.add("dtend", (last_day or first_day) + datetime.timedelta(days=1))
    if url:
        event.add("url", url)
    return event


def user_calendar(user, base_url=""):
    """The user's coming events, as they may see them."""
    calendar = new_calendar(gettext("Overseas Base Registry: coming up"))
    for event in coming_up(user, ending_days=FEED_ENDING_DAYS):
        summary = f"{event.title}（{event.date_display}）" if event.precision != "day" else event.title
        calendar.add_component(all_day(event.uid, summary, event.date, url=base_url + event.link if event.link else ""))
    return calendar


def public_calendar():
    """The published rounds: their reference date and the day they were published."""
    calendar = new_calendar(gettext("Overseas Base Registry: published surveys"))
    for survey_round in SurveyRound.objects.published().order_by("reference_date"):
        calendar.add_component(all_day(f"round-{survey_round.reference_date}-reference",
                                       gettext("%(round)s: reference date") % {"round": survey_round},
                                       survey_round.reference_date))
        if survey_round.published_at:
            day = timezone.localdate(survey_round.published_at)
            calendar.add_component(all_day(f"round-{survey_round.reference_date}-published",
                                           gettext("%(round)s: published") % {"round": survey_round}, day))
    return calendar
