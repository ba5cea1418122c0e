"""The calendar feeds: a user's private, revocable feed of what they may see, and the portal's public one."""
import datetime

import pytest
from django.urls import reverse
from icalendar import Calendar

from registry.staff.coming_up import coming_up
from registry.models import Agreement, AgreementType, NotificationSettings, Partner, SurveyRound
from registry.core.permissions import Role
from tests.support.factories import make_base
from tests.support.roles import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(organization):
    today = datetime.date.today()
    osaka, sapporo = organization("大阪府"), organization("札幌市")

    def tie(org, name, signed, precision="day", **fields):
        return Agreement.objects.create(organization=org, partner=Partner.objects.create(name_ja=name, country="US"),
                                        agreement_type=AgreementType.SISTER_CITY, signed_on=signed,
                                        signed_precision=precision, **fields)

    tie(osaka, "大阪の30周年", today.replace(year=today.year - 30) + datetime.timedelta(days=10))
    tie(osaka, "大阪の年のみ", datetime.date(today.year - 19, 1, 1), "year")
    tie(osaka, "大阪の終了", today.replace(year=today.year - 2), ends_on=today + datetime.timedelta(days=40))
    tie(sapporo, "札幌の10周年", today.replace(year=today.year - 10) + datetime.timedelta(days=5))
    make_base(sapporo, number=3, name="札幌の委託", form="c", status="closed",
              closed_on=today + datetime.timedelta(days=20))
    SurveyRound.objects.create(reference_date=today - datetime.timedelta(days=30), status="open",
                               due_date=today + datetime.timedelta(days=14))
    return {"osaka": osaka, "sapporo": sapporo}


def feed_of(client, user):
    token = NotificationSettings.of(user).feed_token
    response = client.get(reverse("registry:calendar_feed", args=[token]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def summaries(calendar):
    return sorted(str(event["summary"]) for event in calendar.walk("VEVENT"))


def test_the_feed_parses_and_holds_exactly_what_the_clerk_may_see(client, records):
    clerk = make_user(Role.CLERK, records["osaka"])
    calendar = feed_of(client, clerk)  # not signed in: the key is the credential
    events = calendar.walk("VEVENT")
    text = " ".join(summaries(calendar))
    assert "大阪の30周年: 30周年" in text and "大阪の年のみ: 20周年" in text and "大阪の終了" in text
    assert "回答期限" in text
    assert "札幌" not in text
    assert len(events) == len(coming_up(clerk, ending_days=365)) == 4
    for event in events:  # all-day: dates, not times
        start = event.decoded("dtstart")
        assert isinstance(start, datetime.date) and not isinstance(start, datetime.datetime)
        assert event.decoded("dtend") == start + datetime.timedelta(days=1)
    assert len({str(event["uid"]) for event in events}) == len(events)
    year_only = next(event for event in events if "大阪の年のみ" in str(event["summary"]))
    assert "（月日不明）" in str(year_only["summary"])


def test_a_coordinator_feed_holds_every_organizations_events(client, records):
    text = " ".join(summaries(feed_of(client, make_user(Role.COORDINATOR))))
    assert "札幌の10周年" in text and "札幌の委託" in text and "大阪の終了" in text


def test_renewing_the_address_revokes_the_old_one(client, records):
    clerk = make_user(Role.CLERK, records["osaka"])
    old = reverse("registry:calendar_feed", args=[NotificationSettings.of(clerk).feed_token])
    assert client.get(old).status_code == 200
    client.force_login(clerk)
    page = client.get(reverse("registry:notification_settings")).content.decode()
    assert old in page and 'id="feed-download"' in page
    client.post(reverse("registry:notification_settings"), {"action": "renew_feed"})
    client.logout()
    assert client.get(old).status_code == 404
    new = reverse("registry:calendar_feed", args=[NotificationSettings.of(clerk).feed_token])
    assert new != old and client.get(new).status_code == 200
    assert client.get(reverse("registry:calendar_feed", args=["no-such-key"])).status_code == 404


def test_a_deactivated_users_feed_answers_404(client, records):
    clerk = make_user(Role.CLERK, records["osaka"])
    url = reverse("registry:calendar_feed", args=[NotificationSettings.of(clerk).feed_token])
    clerk.is_active = False
    clerk.save()
    assert client.get(url).status_code == 404


def test_the_public_feed_holds_the_published_rounds_dates(client, records):
    published = SurveyRound.objects.create(reference_date=datetime.date(2017, 9, 30), status="published",
                                           published_at=datetime.datetime(2018, 3, 1, 3, 0, tzinfo=datetime.UTC))
    response = client.get(reverse("portal:calendar"))
    calendar = Calendar.from_ical(response.content)
    starts = sorted(event.decoded("dtstart") for event in calendar.walk("VEVENT"))
    assert starts == [published.reference_date, datetime.date(2018, 3, 1)]
    assert "大阪" not in response.content.decode()  # nothing of the open round nor of ties


def test_an_open_rounds_due_date_stays_in_the_feed_after_it_passed(client, records):
    """The round is still open, its answers still owed: the day does not vanish from a subscribed calendar."""
    SurveyRound.objects.filter(status="open").update(due_date=datetime.date.today() - datetime.timedelta(days=3))
    clerk = make_user(Role.CLERK, records["osaka"])
    due = [event for event in feed_of(client, clerk).walk("VEVENT") if "回答期限" in str(event["summary"])]
    assert [event.decoded("dtstart") for event in due] == [datetime.date.today() - datetime.timedelta(days=3)]
