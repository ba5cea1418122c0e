"""The home page (/): everyone lands there after signing in and finds their next step; one header everywhere."""
import datetime

import pytest
from django.urls import reverse

from registry.models import Base, ImportRecord, SurveyRound
from registry.core.permissions import Role
from tests.support.factories import make_base
from tests.support.roles import make_user

pytestmark = pytest.mark.django_db


def nav_labels(page):
    """The labels of the header's navigation, in order."""
    import re

    nav = page.split('<nav aria-label="メインメニュー">', 1)[1].split("</nav>", 1)[0]
    return re.findall(r">([^<]+)</a>", nav)


def test_signing_in_lands_on_the_home_page(client, organization):
    make_user(Role.CLERK, organization("大阪府"), username="osaka")
    page = client.get(reverse("admin:login")).content.decode()
    assert 'name="next" value="/"' in page
    response = client.post(reverse("admin:login"), {"username": "osaka", "password": "correct-horse-battery",
                                                    "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_clerk_sees_their_bases_ties_and_the_rounds_to_do(client, organization):
    osaka = organization("大阪府")
    make_base(osaka, number=1, name="上海事務所", countries=["CN"])
    make_base(organization("札幌市"), number=1, name="札幌の拠点", countries=["KR"])
    SurveyRound.objects.create(reference_date=datetime.date(2019, 9, 30), status="open")
    client.force_login(make_user(Role.CLERK, osaka))
    page = client.get("/").content.decode()
    assert "上海事務所" in page and "札幌の拠点" not in page
    assert "拠点 1 件" in page and "提携 0 件" in page
    assert reverse("registry:survey_review", args=["2019-09-30"]) in page
    assert 'id="round-todo"' in page  # the round's to-do (registry/rounds/_todo.html)
    assert "次にすること" in page
    assert nav_labels(page) == ["ホーム", "拠点", "提携", "委託先", "調査", "変更履歴", "アカウント", "管理画面"]
    assert "最近の取込" not in page and "最近の変更" not in page


def test_coordinator_sees_rounds_progress_and_last_imports(client, organization):
    survey_round = SurveyRound.objects.create(reference_date=datetime.date(2019, 9, 30), status="open")
    make_base(organization("大阪府"), name="上海事務所")
    ImportRecord.objects.create(survey_round=survey_round, file_name="2019.xlsx", sha256="0" * 64,
                                user_name="coordinator", counts={"new": 3})
    client.force_login(make_user(Role.COORDINATOR))
    page = client.get("/").content.decode()
    assert "調査票を取り込む" in page and reverse("admin:registry_base_import") in page
    assert 'id="home-progress"' in page
    assert "2019-09-30 調査の取込 #" in page
    assert "上海事務所" not in page  # no organization of their own: no clerk section


def test_supervisor_sees_recent_changes_and_import_groups(client, organization):
    base = make_base(organization("大阪府"), name="上海事務所")
    base.name = "上海代表処"
    base.save()
    from registry.core.history import Source, change_context

    record = ImportRecord.objects.create(file_name="2019.xlsx", sha256="0" * 64, counts={"new": 2})
    with change_context(source=Source.IMPORT, import_record=record, actor_name="coordinator"):
        make_base(organization("大阪府"), number=2, name="取込1")
        make_base(organization("大阪府"), number=3, name="取込2")
    client.force_login(make_user(Role.SUPERVISOR))
    page = client.get("/").content.decode()
    group = Base.history.get(name="取込1").change_group
    assert f'?group={group}">{record.label}</a> <span class="muted">— 新規 2</span>' in page  # one line per import
    assert "最近の変更" in page and "上海代表処" in page
    assert reverse("admin:registry_base_history", args=[base.pk]) in page
    assert "最近の取込" in page
    assert "調査票を取り込む" not in page


@pytest.mark.parametrize("url", ["/", "/bases/", "/history/", "/admin/", "/admin/registry/base/"])
def test_one_header_on_staff_and_admin_pages(client, organization, url):
    client.force_login(make_user(Role.SUPERVISOR))
    page = client.get(url).content.decode()
    assert page.count('id="site-header"') == 1
    assert nav_labels(page) == ["ホーム", "拠点", "提携", "委託先", "調査", "変更履歴", "アカウント", "管理画面"]
    assert "ログアウト" in page


def test_the_current_section_is_marked(client):
    client.force_login(make_user(Role.SUPERVISOR))
    page = client.get("/bases/").content.decode()
    assert '<a href="/bases/" class="current" aria-current="page">拠点</a>' in page
    assert '<a href="/" class="current"' not in page
