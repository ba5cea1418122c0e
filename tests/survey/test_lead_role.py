"""The prefecture's lead (取りまとめ担当, issue 24): 大阪府's lead sees 大阪府 and its municipalities, never another
prefecture's; runs its part of the round (progress, 督促, 差し戻し, 確認済み); enters on a municipality's behalf
(代理入力) with the history saying so; never imports the survey, reverts or publishes."""
import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import CommandError
from django.urls import reverse

from registry.accounts import invitations

from registry.core.history.log import HistoryFilters, entry_keys, history_querysets, load_entries
from registry.models import Base, BaseRoundRecord, Invitation, Organization, ReviewState, RoundReminder, RoundResponse
from registry.core.permissions import Role, can_manage_accounts_of, organization_ids_in_scope
from registry.survey.report import survey_report
from registry.survey import lifecycle
from tests.support.accounts_helpers import sheet
from tests.support.factories import make_base
from tests.support.roles import client_for, make_user

OSAKA, SAKAI, HIGASHIOSAKA, CHIHAYAAKASAKA, SAPPORO, HOKKAIDO = (
    "270008", "271403", "272272", "273830", "011002", "010006")


def org(code):
    return Organization.objects.get(code=code)


@pytest.fixture
def world(db):
    bases = {code: make_base(org(code), number=1, staff_dispatched=1) for code in
             (OSAKA, SAKAI, HIGASHIOSAKA, CHIHAYAAKASAKA, SAPPORO)}
    users = {
        "lead": make_user(Role.LEAD, OSAKA, username="osaka_lead"),
        "higashiosaka": make_user(Role.CLERK, HIGASHIOSAKA, username="higashiosaka_clerk"),
        "sakai": make_user(Role.CLERK, SAKAI, username="sakai_clerk"),
        "coord": make_user(Role.COORDINATOR, username="coordinator"),
    }
    survey_round = lifecycle.open_round(datetime.date(2018, 9, 1), datetime.date(2018, 11, 30)).survey_round
    return {"bases": bases, "users": users, "round": survey_round}


def test_grant_role_lead_takes_a_prefecture(db):
    make_user(username="tanaka")
    call_command("grant_role", "tanaka", "lead", "--organization", OSAKA, stdout=open("/dev/null", "w"))
    user = get_user_model().objects.get(username="tanaka")
    scope = organization_ids_in_scope(user)
    assert org(OSAKA).pk in scope and org(SAKAI).pk in scope and org(CHIHAYAAKASAKA).pk in scope
    assert org(SAPPORO).pk not in scope and org(HOKKAIDO).pk not in scope
    make_user(username="suzuki")
    with pytest.raises(CommandError, match="prefecture"):
        call_command("grant_role", "suzuki", "lead", "--organization", SAKAI, stdout=open("/dev/null", "w"))


def test_the_lead_sees_its_prefecture_and_municipalities_only(world):
    lead = world["users"]["lead"]
    seen = set(Base.objects.restrict(lead).values_list("organization__code", flat=True))
    assert seen == {OSAKA, SAKAI, HIGASHIOSAKA, CHIHAYAAKASAKA}
    assert not Base.objects.restrict(lead, "change").filter(organization__code=SAPPORO).exists()
    client = client_for(lead)
    assert client.get(reverse("admin:registry_base_change", args=[world["bases"][SAKAI].pk])).status_code == 200
    assert client.get(reverse("admin:registry_base_change", args=[world["bases"][SAPPORO].pk])).status_code == 404


def test_can_manage_accounts_of_answers_for_the_leads_municipalities(world):
    lead = world["users"]["lead"]
    assert can_manage_accounts_of(lead, org(SAKAI)) and can_manage_accounts_of(lead, org(OSAKA))
    assert not can_manage_accounts_of(lead, org(SAPPORO))
    assert not can_manage_accounts_of(world["users"]["sakai"], org(SAKAI))
    assert not can_manage_accounts_of(world["users"]["coord"], org(SAKAI))


def test_progress_is_narrowed_to_the_prefecture(world):
    client = client_for(world["users"]["lead"])
    page = client.get(reverse("registry:survey_progress", args=[world["round"].reference_date]))
    names = [row.organization.code for row in page.context["progress"]]
    assert names == [OSAKA, SAKAI, HIGASHIOSAKA, CHIHAYAAKASAKA]
    assert "札幌市" not in page.content.decode()


def test_the_lead_reminds_one_municipality_or_all_of_its_own(world):
    client = client_for(world["users"]["lead"])
    url = reverse("registry:survey_remind", args=[world["round"].reference_date])
    assert client.post(url, {"organization": org(SAKAI).pk}).status_code == 302
    assert list(RoundReminder.objects.values_list("organization__code", flat=True)) == [SAKAI]
    assert [m.to for m in mail.outbox] == [["sakai_clerk@example.jp"]]
    assert client.post(url, {"organization": org(SAPPORO).pk}).status_code == 404
    client.post(url)
    reminded = set(RoundReminder.objects.values_list("organization__code", flat=True))
    assert reminded == {OSAKA, SAKAI, HIGASHIOSAKA, CHIHAYAAKASAKA}
    assert client.post(reverse("registry:survey_close", args=[world["round"].reference_date])).status_code == 403
    assert client.post(reverse("registry:survey_publish", args=[world["round"].reference_date])).status_code == 403


def answer(user, survey_round, code, base):
    client = client_for(user)
    url = reverse("registry:survey_review", args=[survey_round.reference_date])
    client.post(url, {"action": "unchanged", "base": [base.pk]})
    return client.post(url, {"action": "complete", "organization": org(code).pk})


def test_return_with_a_comment_then_check(world):
    survey_round, users = world["round"], world["users"]
    answer(users["higashiosaka"], survey_round, HIGASHIOSAKA, world["bases"][HIGASHIOSAKA])
    lead = client_for(users["lead"])
    url = reverse("registry:survey_review", args=[survey_round.reference_date])
    lead.post(url, {"action": "return", "organization": org(HIGASHIOSAKA).pk, "reason": "職員数を確認してください"})
    response = RoundResponse.objects.get(organization__code=HIGASHIOSAKA)
    assert not response.completed and response.returned_reason == "職員数を確認してください"
    home = client_for(users["higashiosaka"]).get(reverse("registry:home")).content.decode()
    assert "職員数を確認してください" in home
    answer(users["higashiosaka"], survey_round, HIGASHIOSAKA, world["bases"][HIGASHIOSAKA])
    lead.post(url, {"action": "check", "organization": org(HIGASHIOSAKA).pk})
    response.refresh_from_db()
    assert response.checked and response.checked_by == users["lead"]
    row = response.history.order_by("-history_id").first()
    assert row.actor_name == "osaka_lead (大阪府 取りまとめ)" and row.history_change_reason == "都道府県の確認済み"
    progress = client_for(users["coord"]).get(reverse("registry:survey_progress", args=[survey_round.reference_date]))
    checked = {row.organization.code: row.checked for row in progress.context["progress"]}
    assert checked[HIGASHIOSAKA] and not checked[SAKAI]
    # Never another prefecture's, and only the lead checks (a coordinator returns, but does not check).
    assert lead.post(url, {"action": "check", "organization": org(SAPPORO).pk}).status_code == 404
    coordinator = client_for(users["coord"])
    assert coordinator.post(url, {"action": "check", "organization": org(HIGASHIOSAKA).pk}).status_code == 403
    assert client_for(users["sakai"]).post(url, {"action": "return", "organization": org(SAKAI).pk}).status_code == 403


def test_entries_on_behalf_say_so_in_the_history(world):
    survey_round, lead = world["round"], world["users"]["lead"]
    village_base = world["bases"][CHIHAYAAKASAKA]
    answer(lead, survey_round, CHIHAYAAKASAKA, village_base)
    record = BaseRoundRecord.objects.get(survey_round=survey_round, base=village_base)
    assert record.review_state == ReviewState.UNCHANGED
    actors = set(record.history.values_list("actor_name", flat=True))
    assert "osaka_lead (大阪府 取りまとめ (代理))" in actors
    response = RoundResponse.objects.get(organization__code=CHIHAYAAKASAKA)
    assert response.history.latest("history_id").actor_name == "osaka_lead (大阪府 取りまとめ (代理))"
    # The prefecture's own records are the lead's own work: no 代理.
    answer(lead, survey_round, OSAKA, world["bases"][OSAKA])
    own = BaseRoundRecord.objects.get(survey_round=survey_round, base=world["bases"][OSAKA])
    assert own.history.latest("history_id").actor_name == "osaka_lead"
    # An admin edit on behalf is named the same way, and the lead may not revert it.
    client = client_for(lead)
    base = world["bases"][SAKAI]
    history = base.history.order_by("history_id").first()
    assert client.get(reverse("admin:registry_base_simple_history", args=[base.pk, history.history_id])).status_code == 403


def test_the_change_log_tells_on_behalf_entries_apart(world):
    survey_round, users = world["round"], world["users"]
    answer(users["sakai"], survey_round, SAKAI, world["bases"][SAKAI])
    answer(users["lead"], survey_round, CHIHAYAAKASAKA, world["bases"][CHIHAYAAKASAKA])
    supervisor = make_user(Role.SUPERVISOR, username="supervisor")
    page = client_for(supervisor).get(reverse("registry:history") + "?model=roundresponse").content.decode()
    assert "osaka_lead (大阪府 取りまとめ (代理))" in page and "sakai_clerk" in page
    # The lead's change log holds no row of another prefecture.
    entries = load_entries(entry_keys(history_querysets(users["lead"], HistoryFilters())))
    assert entries and all(entry.organization_name != "札幌市" for entry in entries)


def test_report_is_narrowed_to_the_prefecture(world):
    survey_round, lead = world["round"], world["users"]["lead"]
    assert survey_report(survey_round, lead)["summary"]["organizations"] == 4
    page = client_for(lead).get(reverse("registry:survey_report", args=[survey_round.reference_date]))
    assert page.context["prefecture"] == org(OSAKA)
    assert page.context["report"]["summary"]["bases"] == 4
    coord = client_for(world["users"]["coord"])
    national = coord.get(reverse("registry:survey_report", args=[survey_round.reference_date]))
    assert national.context["report"]["summary"]["bases"] == 5
    narrowed = coord.get(reverse("registry:survey_report", args=[survey_round.reference_date]) + "?prefecture=27")
    assert narrowed.context["report"]["summary"]["bases"] == 4
    assert narrowed.context["report"]["summary"] == survey_report(survey_round, lead)["summary"]


def test_the_lead_never_imports_the_survey_sheet(world):
    client = client_for(world["users"]["lead"])
    assert client.get(reverse("admin:registry_base_import")).status_code == 403


def test_the_lead_invites_clerks_of_its_area_only(world, django_capture_on_commit_callbacks):
    """One at a time: a clerk of 堺市 is invited (the e-mail goes out); one of 札幌市 is refused with a message
    naming it, and nothing is written; the lead is offered the clerk's role only."""
    client = client_for(world["users"]["lead"])
    page = client.get(reverse("registry:organization_accounts", args=[SAKAI])).content.decode()
    assert "担当者を招待する" in page
    form = client.get(reverse("registry:invite")).context["form"]
    assert [value for value, _label in form.fields["role"].choices] == [Role.CLERK]
    with django_capture_on_commit_callbacks(execute=True):
        invited = client.post(reverse("registry:invite"), {"name": "堺 花子", "email": "hanako@sakai.example.jp",
                                                           "role": Role.CLERK, "organizations": SAKAI})
    assert invited.status_code == 302 and len(mail.outbox) == 1
    assert list(Invitation.objects.get().organizations.values_list("code", flat=True)) == [SAKAI]
    refused = client.post(reverse("registry:invite"), {"name": "札幌 一郎", "email": "ichiro@sapporo.example.jp",
                                                       "role": Role.CLERK, "organizations": SAPPORO})
    assert refused.status_code == 200 and "011002 札幌市" in refused.content.decode()
    coordinator = client.post(reverse("registry:invite"), {"name": "調査 次郎", "email": "jiro@example.jp",
                                                           "role": Role.COORDINATOR, "organizations": ""})
    assert coordinator.status_code == 200
    assert Invitation.objects.count() == 1 and len(mail.outbox) == 1


def test_the_lead_resends_and_withdraws_its_areas_invitations_not_anothers(world):
    ours = invitations.invite("堺 花子", "hanako@sakai.example.jp", Role.CLERK, [org(SAKAI)])
    theirs = invitations.invite("札幌 一郎", "ichiro@sapporo.example.jp", Role.CLERK, [org(SAPPORO)])
    client = client_for(world["users"]["lead"])
    page = client.get(reverse("registry:organization_accounts", args=[SAKAI])).content.decode()
    assert reverse("registry:invitation_action", args=[ours.pk, "withdraw"]) in page
    assert reverse("registry:handover", args=[world["users"]["sakai"].pk]) in page  # its area's clerk
    assert client.post(reverse("registry:invitation_action", args=[theirs.pk, "withdraw"])).status_code == 404
    assert client.post(reverse("registry:invitation_action", args=[ours.pk, "withdraw"])).status_code == 302
    ours.refresh_from_db(), theirs.refresh_from_db()
    assert ours.withdrawn_at and not theirs.withdrawn_at


def sheet_preview(user, *rows):
    """The bulk invitation page after ``user`` sends a sheet of these rows for its preview."""
    upload = SimpleUploadedFile("invite.csv", sheet(*rows))
    return client_for(user).post(reverse("registry:bulk_invite"), {"file": upload}).content.decode()


def test_the_leads_sheet_of_invitations_names_the_row_of_another_prefecture_and_writes_nothing(world):
    page = sheet_preview(world["users"]["lead"], ("271403", "堺 花子", "hanako@sakai.example.jp", "担当者"),
                         ("011002", "札幌 一郎", "ichiro@sapporo.example.jp", "担当者"))
    assert "3行目、「団体コード」列：団体コード「011002」（札幌市）の担当者は招待できません" in page
    assert 'value="apply"' not in page and not Invitation.objects.exists()


def test_a_coordinator_invites_a_prefectures_lead_who_then_sees_its_municipalities(world,
                                                                                  django_capture_on_commit_callbacks):
    """The lead role is granted in the accounts UI too: invited with its prefecture, and a city is refused."""
    client = client_for(world["users"]["coord"])
    form = client.get(reverse("registry:invite")).context["form"]
    assert Role.LEAD in [value for value, _label in form.fields["role"].choices]
    city = client.post(reverse("registry:invite"), {"name": "堺 次郎", "email": "jiro@example.jp",
                                                    "role": Role.LEAD, "organizations": SAKAI})
    assert city.status_code == 200 and "都道府県の団体コード" in city.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        invited = client.post(reverse("registry:invite"), {"name": "大阪 三郎", "email": "saburo@example.jp",
                                                           "role": Role.LEAD, "organizations": OSAKA})
    assert invited.status_code == 302 and len(mail.outbox) == 1
    lead = invitations.accept(Invitation.objects.get(), "osaka-lead-pass-2026")
    scope = organization_ids_in_scope(lead)
    assert org(SAKAI).pk in scope and org(OSAKA).pk in scope and org(SAPPORO).pk not in scope


def test_a_sheet_invites_a_lead_with_its_prefecture_only(world):
    page = sheet_preview(world["users"]["coord"], ("271403", "堺 次郎", "jiro@example.jp", "取りまとめ担当"),
                         ("270008", "大阪 三郎", "saburo@example.jp", "取りまとめ担当"))
    assert "2行目、「団体コード」列：取りまとめ担当の団体は都道府県です（「271403」は堺市）" in page
    assert not Invitation.objects.exists()
