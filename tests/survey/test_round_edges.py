"""The round's rules behind the rough edges of issue 25 (the browser tests in tests/browser/test_year_edges.py
show them as the people meet them): figures back where they were are not 変更あり, a change after 回答完了
reopens it and tells the other clerks, a reminder names who it cannot reach, the import's per-base choices."""
import datetime

import pytest

from registry.core.history import change_context, restore_version
from registry.models import Notification, ReviewState, RoundResponse
from registry.core.permissions import Role
from registry.survey import lifecycle
from registry.survey.reminders import remind_round
from registry.sheets.session import ImportSession
from tests.support.factories import make_base
from tests.support.roles import make_user

pytestmark = pytest.mark.django_db
THIS_YEAR = datetime.date(2018, 9, 30)


@pytest.fixture
def osaka_round(organization):
    osaka = organization("大阪府")
    base = make_base(osaka, 1, name="上海事務所", staff_dispatched=2, staff_local=3)
    survey_round = lifecycle.open_round(THIS_YEAR, datetime.date(2018, 11, 30)).survey_round
    return survey_round, osaka, base


def state(survey_round, base):
    return survey_round.records.get(base=base).review_state


def edit(base, user, **values):
    with change_context(user=user, reason="編集"):
        for name, value in values.items():
            setattr(base, name, value)
        base.save()


def test_figures_put_back_are_the_state_they_had_with_them(osaka_round):
    survey_round, osaka, base = osaka_round
    clerk = make_user(Role.CLERK, osaka)
    edit(base, clerk, staff_local=4)
    assert state(survey_round, base) == ReviewState.CHANGED
    edit(base, clerk, staff_local=3)
    assert state(survey_round, base) == ReviewState.NOT_REVIEWED

    lifecycle.confirm_unchanged(survey_round, [base], clerk)
    edit(base, clerk, staff_local=9)
    assert state(survey_round, base) == ReviewState.CHANGED
    version = base.history.filter(staff_local=3).order_by("-history_id").first()
    restore_version(version, "誤入力のため", user=make_user(Role.SUPERVISOR))
    assert state(survey_round, base) == ReviewState.UNCHANGED


def test_a_change_after_the_answer_reopens_it_and_tells_the_other_clerks(osaka_round):
    survey_round, osaka, base = osaka_round
    clerk, colleague = make_user(Role.CLERK, osaka), make_user(Role.CLERK, osaka, username="colleague")
    lifecycle.confirm_unchanged(survey_round, [base], clerk)
    lifecycle.complete_answer(survey_round, osaka, clerk)
    edit(base, clerk, staff_local=5)
    response = RoundResponse.objects.get(survey_round=survey_round, organization=osaka)
    assert not response.completed
    assert "上海事務所" in response.returned_reason
    assert response.history.latest().history_change_reason.startswith("回答完了の後の拠点の変更")
    assert not Notification.objects.filter(user=clerk).exists()  # the page they land on says it
    told = Notification.objects.get(user=colleague)
    assert "回答完了を取り消しました" in told.text and told.details["organizations"] == [osaka.pk]
    # A change before 回答完了 reopens nothing.
    edit(base, clerk, staff_local=6)
    assert Notification.objects.filter(user=colleague).count() == 1


def test_a_reminder_names_the_organizations_it_cannot_reach(osaka_round, organization):
    survey_round, osaka, _base = osaka_round
    make_base(organization("札幌市"), 1, name="北京事務所")
    make_user(Role.CLERK, osaka)  # has an address
    nobody = make_user(Role.CLERK, organization("札幌市"))
    nobody.email = ""
    nobody.save()
    result = remind_round(survey_round)
    assert result.mails == 1
    assert [organization.name for organization in result.unreachable] == ["札幌市"]


def test_an_imports_choice_per_row():
    session = ImportSession(conflicts={"12": "sheet", "13": "clerk"})
    assert [session.conflict_winner(row) for row in (12, 13, 14)] == ["sheet", "clerk", ""]
    assert ImportSession(conflicts="clerk").conflict_winner(99) == "clerk"
