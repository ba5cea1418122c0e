"""The change log: filters, exports, diffs as people read them, scope, and a constant query count."""
import csv
import datetime
import io

import openpyxl
import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst

from registry.core.history import Source, change_context
from registry.core.history.log import HistoryFilters, entry_keys, history_querysets
from registry.models import (
    Agreement,
    AgreementType,
    Base,
    BaseRoundRecord,
    Contractor,
    ImportRecord,
    Membership,
    OperatingForm,
    Organization,
    Partner,
    SurveyRound,
)
from registry.core.permissions import Role
from registry.staff.views import history as history_views
from tests.support.factories import make_base, make_contractor
from tests.support.lists_helpers import body as response_body
from tests.support.roles import client_for, make_user

pytestmark = pytest.mark.django_db


def make_clerk(django_user_model, organization, username="clerk", extra_perms=()):
    """A 担当者 of one organization with view permissions (the real role setup lives elsewhere)."""
    user = django_user_model.objects.create_user(username, password="correct-horse-battery", is_staff=True)
    group, _created = Group.objects.get_or_create(name=Role.GROUP_NAMES[Role.CLERK])
    group.permissions.add(*Permission.objects.filter(content_type__app_label="registry", codename__startswith="view_"))
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="registry", codename__in=extra_perms))
    user.groups.add(group)
    Membership.objects.create(user=user, organization=organization)
    return user


def keys_for(user, **filters):
    return set(entry_keys(history_querysets(user, HistoryFilters(**filters))))


def keys_of(queryset):
    return {(queryset.model, row.history_id) for row in queryset}


def log_page(client, **params):
    response = client.get(reverse("registry:history"), params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def seeded(superuser, organization):
    osaka, kyoto = organization("大阪府"), organization("京都府")
    with change_context(user=superuser, source=Source.ADMIN, reason="新設"):
        osaka_base = make_base(osaka, name="上海事務所", established_fy=2002, countries=["CN"])
    with change_context(user=superuser, source=Source.ADMIN, reason="名称の訂正"):
        osaka_base.name = "上海代表処"
        osaka_base.form = OperatingForm.CONTRACTED
        osaka_base.contractor = make_contractor("上海諮詢有限公司")
        osaka_base.countries = ["CN", "HK"]
        osaka_base.established_fy = 2019
        osaka_base.save()
    with change_context(actor_name="command: test", source=Source.COMMAND):
        kyoto_base = make_base(kyoto, name="パリ事務所", countries=["FR"])
    record = ImportRecord.objects.create(file_name="2019.xlsx", sha256="0" * 64)
    with change_context(source=Source.IMPORT, import_record=record, reason=record.label, user=superuser):
        imported = make_base(osaka, number=2, name="取込拠点")
    with change_context(user=superuser, reason="重複"):
        gone = make_base(osaka, number=3, name="削除予定")
        gone.delete()
    return {"osaka": osaka, "kyoto": kyoto, "osaka_base": osaka_base, "kyoto_base": kyoto_base,
            "imported": imported, "import": record}


def test_newest_first_with_differences_as_people_read_them(admin_client, seeded):
    page = log_page(admin_client, organization="大阪府", record_type="base")
    assert page.index("重複") < page.index("取込拠点") < page.index("上海代表処")  # 重複: a line, opened on demand
    assert "<del>2002(平成14年度)</del> → <ins>2019(令和元年度)</ins>" in page
    assert "<del>中国</del> → <ins>中国、香港</ins>" in page
    assert f"<del>{OperatingForm.OWN_OFFICE.label}</del> → <ins>{OperatingForm.CONTRACTED.label}</ins>" in page
    assert "<ins>上海諮詢有限公司</ins>" in page
    label = capfirst(str(Base._meta.get_field("established_fy").verbose_name))
    assert f"<strong>{label}</strong>" in page
    assert "established_fy" not in page


def test_filters_select_exactly_the_matching_entries(superuser, seeded):
    osaka, osaka_base = seeded["osaka"], seeded["osaka_base"]
    osaka_rows = keys_of(Base.history.filter(organization=osaka)) | keys_of(osaka.history.all())
    assert keys_for(superuser, organization=osaka) == osaka_rows
    assert keys_for(superuser, model=Contractor) == keys_of(Contractor.history.all())
    assert keys_for(superuser, actor="command: test") == keys_of(seeded["kyoto_base"].history.all())
    assert keys_for(superuser, action="delete") == keys_of(Base.history.filter(history_type="-"))
    assert keys_for(superuser, action="update", model=Base) == keys_of(osaka_base.history.filter(history_type="~"))
    assert keys_for(superuser, import_id=seeded["import"].pk) == keys_of(seeded["imported"].history.all())
    corrected = keys_of(osaka_base.history.filter(history_type="~")) | keys_of(Contractor.history.all())
    assert keys_for(superuser, reason="訂正") == corrected
    group = osaka_base.history.first().change_group
    assert keys_for(superuser, group=group) == keys_of(Base.history.filter(change_group=group)) | keys_of(
        Contractor.history.all()
    )

    old = osaka_base.history.last()
    Base.history.filter(history_id=old.history_id).update(history_date=timezone.now() - datetime.timedelta(days=30))
    last_month = timezone.localdate() - datetime.timedelta(days=30)
    assert keys_for(superuser, model=Base, date_from=last_month, date_to=last_month) == {(type(old), old.history_id)}
    assert (type(old), old.history_id) not in keys_for(superuser, model=Base, date_from=timezone.localdate())


def test_revert_entries_have_their_own_action(admin_client, superuser, seeded):
    osaka_base = seeded["osaka_base"]
    first = osaka_base.history.last()
    admin_client.post(reverse("admin:registry_base_simple_history", args=[osaka_base.pk, first.history_id]),
                      {"reason": "戻す"})
    reverted = keys_of(Base.history.filter(change_source=Source.REVERT))
    assert len(reverted) == 1
    assert keys_for(superuser, action="revert") == reverted
    assert not reverted & keys_for(superuser, action="update")


def test_unknown_organization_is_a_clear_error(admin_client, seeded):
    page = log_page(admin_client, organization="存在しない市")
    assert "存在しない市" in page and "history-entry" not in page


def test_an_import_is_reviewed_as_one_list(admin_client, seeded):
    record = seeded["import"]
    page = log_page(admin_client, import_record=record.pk)
    assert page.count('class="history-entry"') == 1 and "取込拠点" in page
    admin_page = admin_client.get(reverse("admin:registry_importrecord_change", args=[record.pk])).content.decode()
    assert f"{reverse('registry:history')}?import_record={record.pk}" in admin_page


def test_csv_export_has_exactly_the_filtered_entries(admin_client, seeded):
    response = admin_client.get(reverse("registry:history_export", args=["csv"]), {"organization": "大阪府",
                                                                                   "record_type": "base"})
    assert response.status_code == 200
    content = response_body(response).decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content[1:])))
    header, body = rows[0], rows[1:]
    expected = Base.history.filter(organization=seeded["osaka"])
    assert sorted(int(row[header.index(str(history_views.EXPORT_HEADERS[2]))]) for row in body) == sorted(
        row.id for row in expected
    )
    assert len(body) == expected.count() == 5
    changes = [row[-1] for row in body if "上海代表処" in row[3]]
    assert any("2002(平成14年度) → 2019(令和元年度)" in text for text in changes)


def test_xlsx_export_has_the_same_entries_as_csv(admin_client, seeded):
    params = {"import_record": seeded["import"].pk}
    response = admin_client.get(reverse("registry:history_export", args=["xlsx"]), params)
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response_body(response))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][3] == str(seeded["imported"])
    assert rows[1][9] == seeded["import"].pk


def test_clerk_sees_only_their_organizations_history(client, django_user_model, seeded):
    osaka_base, kyoto_base = seeded["osaka_base"], seeded["kyoto_base"]
    survey = SurveyRound.objects.create(reference_date=datetime.date(2019, 9, 30))
    BaseRoundRecord.objects.create(survey_round=survey, base=osaka_base, form="a", name="大阪の記録")
    BaseRoundRecord.objects.create(survey_round=survey, base=kyoto_base, form="a", name="京都の記録")
    clerk = make_clerk(django_user_model, seeded["osaka"], extra_perms=["change_base"])
    client.force_login(clerk)

    page = log_page(client)
    assert "上海代表処" in page and "重複" in page and "大阪の記録" in page
    deleted_group = Base.history.filter(name="削除予定").first().change_group  # an action of two entries: opened
    assert "削除予定" in client.get(reverse("registry:history_action", args=[deleted_group])).content.decode()
    assert "パリ事務所" not in page and "京都の記録" not in page
    assert not any(model.instance_type is Contractor for model, _id in keys_for(clerk))
    assert "パリ事務所" not in log_page(client, organization="京都府")
    export = response_body(client.get(reverse("registry:history_export", args=["csv"]))).decode("utf-8")
    assert "上海代表処" in export and "パリ事務所" not in export

    kyoto_version = kyoto_base.history.first()
    assert client.get(reverse("admin:registry_base_history", args=[kyoto_base.pk])).status_code == 404
    revert = reverse("admin:registry_base_simple_history", args=[kyoto_base.pk, kyoto_version.history_id])
    assert client.get(revert).status_code == 404
    assert client.post(revert, {"reason": "x"}).status_code == 404
    assert kyoto_base.history.count() == 1


def test_user_without_any_permission_is_refused(client, django_user_model):
    user = django_user_model.objects.create_user("nobody", password="correct-horse-battery", is_staff=True)
    client.force_login(user)
    assert client.get(reverse("registry:history")).status_code == 403


def seed_activity(osaka, user, count, start):
    """``count`` actions, each creating a base (and its round record) and an agreement serving it."""
    survey = SurveyRound.objects.get_or_create(reference_date=datetime.date(2019, 9, 30))[0]
    partner = Partner.objects.get_or_create(name_ja="上海市", country="CN")[0]
    contractor = Contractor.objects.get_or_create(name="株式会社テスト")[0]
    for number in range(start, start + count):
        with change_context(user=user, reason="seed"):
            base = make_base(osaka, number=number, established_fy=2000)
            base.contractor = contractor
            base.form = "c"
            base.save()
            BaseRoundRecord.objects.create(survey_round=survey, base=base, form="c", contractor=contractor)
            agreement = Agreement.objects.create(organization=osaka, partner=partner,
                                                 agreement_type=AgreementType.FRIENDSHIP)
            agreement.bases.add(base)


def page_queries(client, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("registry:history"), {"user": "root", **params})
    assert response.status_code == 200
    return len(queries), response.content.decode().count('class="action-line"')


def test_page_query_count_does_not_depend_on_rows_or_page_size(admin_client, superuser, organization, monkeypatch):
    osaka = organization("大阪府")
    seed_activity(osaka, superuser, 2, start=1)
    few, shown = page_queries(admin_client)
    assert shown == 2
    seed_activity(osaka, superuser, 120, start=3)
    many, shown = page_queries(admin_client)
    assert shown == 50
    assert many == few
    assert page_queries(admin_client, page=3) == (few, 22)
    monkeypatch.setattr(history_views, "PAGE_SIZE", 10)
    assert page_queries(admin_client) == (few, 10)


def test_an_action_is_one_line_with_its_real_changes_first(admin_client, superuser, organization):
    """An import or bulk action reads as one line; its entries open below, round bookkeeping folded."""
    osaka = organization("大阪府")
    survey = SurveyRound.objects.create(reference_date=datetime.date(2019, 9, 30))
    record = ImportRecord.objects.create(file_name="2019.xlsx", sha256="0" * 64, survey_round=survey,
                                         user_name="coordinator", counts={"new": 3, "updated": 7, "missing": 5})
    with change_context(source=Source.IMPORT, import_record=record, reason=record.label, actor_name="coordinator"):
        for number in range(1, 4):
            base = make_base(osaka, number=number, name=f"新拠点{number}")
            BaseRoundRecord.objects.create(survey_round=survey, base=base, form="c", name=f"新拠点{number}")
    with change_context(user=superuser, reason="単独の訂正"):
        make_base(osaka, number=9, name="単独の拠点")
    page = log_page(admin_client)
    lines = page.split('class="action-line"')[1:]
    assert "単独の拠点" in lines[0] and "<details" not in lines[0]  # a lone edit is its own entry
    assert "新拠点" not in lines[1] and "<details" in lines[1]  # the import: one line, its entries read when opened
    assert f"2019-09-30 調査の取込 #{record.pk}</span>\n          — coordinator — 新規 3・更新 7・未回答 5" in page
    assert "ほかに調査回の記録 3 件" in page
    group = Base.history.filter(import_record=record).first().change_group
    assert f'href="?group={group}"' in page
    action = log_page(admin_client, group=group)
    assert action.index("新拠点1") < action.index("調査回の記録（自動更新） 3 件")
    assert "単独の拠点" not in action and "未回答 5" in action


def test_organization_and_user_filters_match_part_of_the_name(admin_client, seeded, organization):
    with change_context(actor_name="osaka_clerk", source=Source.ADMIN):
        make_base(organization("大阪市"), name="大阪市の拠点")
    page = log_page(admin_client, organization="大阪")
    assert "大阪市の拠点" in page and "上海代表処" in page and "パリ事務所" not in page
    by_user = log_page(admin_client, user="clerk")
    assert "大阪市の拠点" in by_user and "上海代表処" not in by_user


def test_history_scope_follows_any_past_owner():
    """A clerk does not see entries of a record that belongs to another organization now."""
    base = make_base("大阪府", 7, name="誤登録")
    base.organization = Organization.objects.get(name="京都府")
    base.save()  # a coordinator corrects the base's organization
    survey_round = SurveyRound.objects.create(reference_date=datetime.date(2020, 9, 30))
    with change_context(reason="京都府の更新"):
        BaseRoundRecord.objects.create(survey_round=survey_round, base=base, form="a", staff_dispatched=9,
                                       staff_local=0, countries=["CN"], cities="上海", name="誤登録")
    c = client_for(make_user(Role.CLERK, "大阪府"))
    assert "京都府の更新" not in c.get("/history/").content.decode()
    assert "京都府の更新" not in response_body(c.get("/history/export.csv")).decode("utf-8-sig")


@pytest.mark.parametrize("url", [
    "/history/?date_to=9999-12-31", "/history/export.csv?date_to=9999-12-31",
    "/history/?page=99999999999999999999",
    "/history/?import_record=99999999999999999999",  # SQLite only
])
def test_no_server_error(url):
    SurveyRound.objects.create(reference_date=datetime.date(2019, 9, 30))
    response = client_for(make_user(Role.CLERK, "大阪府")).get(url)
    assert response.status_code < 500


def test_the_summaries_of_a_page_cost_one_query_whatever_the_record_types(superuser, organization,
                                                                            django_assert_num_queries):
    """Each action's counts come from one query over every table (they were two queries per record type the
    user may read)."""
    from registry.staff.story import group_summaries

    osaka = organization("大阪府")
    seed_activity(osaka, superuser, 3, start=1)
    with change_context(user=superuser, reason="多数"):
        for number in range(10, 22):
            make_base(osaka, number=number)
    querysets = history_querysets(superuser, HistoryFilters())
    assert len(querysets) > 5
    groups = set(Base.history.exclude(change_group=None).values_list("change_group", flat=True))
    with django_assert_num_queries(1):
        summaries = group_summaries(querysets, list(groups))
    expected = {}
    for index, queryset in enumerate(querysets):
        for entry in queryset.filter(change_group__in=groups):
            key = (entry.change_group, entry.history_type, index)
            expected[key] = expected.get(key, 0) + 1
    assert {(row["change_group"], row["history_type"], row["record_type_index"]): row["n"]
            for row in summaries} == expected


def test_actions_that_run_across_read_windows_are_listed_once_in_order(superuser, organization, monkeypatch):
    """The change log reads the entries a window at a time (grouped in the database): with windows of three
    entries, actions that span windows, and more actions after them, list exactly as one walk over every
    entry, newest first, would list them — page after page."""
    from registry.staff.story import ActionLines

    osaka = organization("大阪府")
    with change_context(reason="一括登録", user=superuser):
        bases = [make_base(osaka, number) for number in range(1, 6)]
    for number, base in enumerate(bases[:3], start=1):
        with change_context(reason=f"修正{number}", user=superuser):
            base.remarks = f"備考{number}"
            base.save()
    with change_context(reason="二回目の一括", user=superuser):
        for base in bases[:4]:
            base.staff_local = 7
            base.save()
    base = bases[4]
    base.department = "国際課"
    base.save()  # outside any action: an entry of its own
    only_bases = HistoryFilters(model=Base)  # the organizations' own loading is 1,788 more entries to walk
    querysets = history_querysets(superuser, only_bases)
    walked = sorted(((row.history_date, row.history_id, index, row.change_group)
                     for index, queryset in enumerate(querysets) for row in queryset),
                    key=lambda entry: (entry[0], entry[1]), reverse=True)
    expected = []
    for date, history_id, index, group in walked:
        key = group if group is not None else (querysets[index].model, history_id)
        if key not in [found for found, _date in expected]:
            expected.append((key, date))
    assert len(expected) == 6
    monkeypatch.setattr(ActionLines, "LAST_CHUNK", 3)
    for page_size in (1, 2, 4):
        listed = []
        for page in range(1, len(expected) + 1):
            lines = ActionLines(history_querysets(superuser, only_bases), page_size, page)
            # the actions up to the page and one more (which tells that a next page exists)
            assert lines.keys() == expected[:page * page_size + 1]
            listed += lines.keys()[(page - 1) * page_size:page * page_size]
        assert listed == expected
