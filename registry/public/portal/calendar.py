"""The portal's calendar feed: the published rounds' dates, for everyone."""
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext

from registry.core.calendars import all_day, ics_response, new_calendar
from registry.models import SurveyRound


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


def public_feed(request):
    """The portal's feed of the published rounds' dates (for everyone)."""
    if request.method != "GET":
        return HttpResponse(status=405)
    return ics_response(public_calendar(), "published-surveys.ics")
