"""A user's private calendar feed: the events of 今後の予定 in their scope (registry/staff/coming_up.py), endings a
year ahead; its address carries the user's secret key (``NotificationSettings.feed_token``), renewed from the
settings page. The portal's public feed is registry/public/portal/calendar.py; both are written by
registry/core/calendars.py (all-day events: dates, not times).
"""
from django.utils.translation import gettext

from registry.core.calendars import all_day, new_calendar
from registry.staff.coming_up import coming_up

FEED_ENDING_DAYS = 365


def user_calendar(user, base_url=""):
    """The user's coming events, as they may see them."""
    calendar = new_calendar(gettext("Overseas Base Registry: coming up"))
    for event in coming_up(user, ending_days=FEED_ENDING_DAYS):
        summary = f"{event.title}（{event.date_display}）" if event.precision != "day" else event.title
        calendar.add_component(all_day(event.uid, summary, event.date, url=base_url + event.link if event.link else ""))
    return calendar
