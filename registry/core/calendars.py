"""iCalendar files (made with the ``icalendar`` package): the calendars the staff feed (registry.staff.calendar_feed)
and the portal's public feed (registry.public.portal.calendar) are written with. Every event is all-day."""
import datetime

from django.http import HttpResponse
from django.utils import timezone
from icalendar import Calendar, Event as CalendarEvent


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


ICS_TYPE = "text/calendar; charset=utf-8"


def ics_response(calendar, file_name):
    response = HttpResponse(calendar.to_ical(), content_type=ICS_TYPE)
    response["Content-Disposition"] = f'inline; filename="{file_name}"'
    response["Cache-Control"] = "private, no-store"
    return response
