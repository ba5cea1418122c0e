"""大阪府's lead (取りまとめ担当) through a round, in a real browser over the demo data (issue 24).

The coordinator opens the round → 大阪府's lead sees 大阪府 and its municipalities' progress (never 札幌市), reminds
堺市, enters 変更なし on behalf of 千早赤阪村, returns 東大阪市's answer with a comment → 東大阪市's clerk sees the
comment on their home page, fixes the base and answers again → the lead marks it 確認済み → the coordinator's progress
shows exactly that; the supervisor's change log tells the entries on behalf apart.
"""
import pytest

from .conftest import WIDE, log_in
from .live import DEMO_PASSWORD, manage

pytestmark = pytest.mark.browser
ROUND = "2019-09-30"
# The demo survey has no base of these municipalities of 大阪府: each gets one, and 東大阪市 and 堺市 a clerk.
SETUP = f"""
from django.contrib.auth import get_user_model
from registry.models import Base, Organization
from registry.core.permissions import Role
from registry.accounts.roles import grant_role
for code, name in (("271403", "堺市ソウル事務所"), ("272272", "東大阪市デュッセルドルフ事務所"),
                   ("273830", "千早赤阪村交流デスク")):
    Base.objects.create(organization=Organization.objects.get(code=code), number=1, name=name, countries=["KR"],
                        cities="ソウル", form="a", staff_dispatched=1)
for username, code in (("higashiosaka_clerk", "272272"), ("sakai_clerk", "271403")):
    user = get_user_model().objects.create_user(username, username + "@example.jp", "{DEMO_PASSWORD}")
    grant_role(user, Role.CLERK, [Organization.objects.get(code=code)], actor_name="tests")
"""


def page_for(chromium, site, username):
    context = chromium.new_context(viewport=WIDE, locale="ja-JP", timezone_id="Asia/Tokyo")
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, site, username)
    return page


def progress_row(page, name):
    return page.locator("table.progress tbody tr", has=page.locator("td:first-child", has_text=name)).first


def test_a_prefecture_gathers_its_municipalities(live_site, chromium):
    manage(live_site.database, "shell", "-c", SETUP)
    coordinator = page_for(chromium, live_site, "coordinator")
    coordinator.goto(f"{live_site.url}/survey/")
    coordinator.fill("#id_reference_date", ROUND)
    coordinator.fill("#id_due_date", "2019-11-30")
    coordinator.click("text=受付開始")
    assert f"/survey/{ROUND}/progress/" in coordinator.url

    # The lead's progress: 大阪府 and its municipalities, nothing of 北海道.
    lead = page_for(chromium, live_site, "osaka_lead")
    lead.click("text=管内の市区町村の進捗を見る")
    assert f"/survey/{ROUND}/progress/" in lead.url
    names = [name.strip() for name in lead.locator("table.progress tbody tr td:first-child").all_inner_texts()]
    assert "大阪府" in names and any(name.startswith("堺市") for name in names)
    assert not any("札幌" in name or "北海道" in name for name in names)

    # 督促 to 堺市 only.
    progress_row(lead, "堺市").locator("a.remind-one").click()
    assert "送り先: 1 団体" in lead.inner_text("#remind-summary")
    lead.locator("main form button[type=submit]").click()
    assert "1" in lead.inner_text("ul.messages")
    assert "sakai_clerk@example.jp" in lead.inner_text("main")

    # 代理入力 for 千早赤阪村: 変更なし, then 回答完了.
    progress_row(lead, "千早赤阪村").locator("text=代理入力").click()
    lead.locator("table.todo tbody tr", has_text="千早赤阪村交流デスク").locator("button.unchanged-one").click()
    assert "変更なし" in lead.locator("table.todo tbody tr", has_text="千早赤阪村交流デスク").inner_text()
    lead.locator("form.answer-form", has_text="千早赤阪村").locator("button[value=complete]").click()
    assert "回答完了" in lead.locator("form.answer-form", has_text="千早赤阪村").inner_text()

    # 東大阪市 answers; the lead returns it with a comment.
    clerk = page_for(chromium, live_site, "higashiosaka_clerk")
    clerk.locator("table.todo tbody tr", has_text="デュッセルドルフ").locator("button.unchanged-one").click()
    clerk.click("button[value=complete]")
    lead.goto(f"{live_site.url}/survey/{ROUND}/progress/")
    row = progress_row(lead, "東大阪市")
    row.locator("input[name=reason]").fill("現地職員数を確認してください")
    row.locator("button[value=return]").click()
    assert "差し戻し" in progress_row(lead, "東大阪市").inner_text()

    # The clerk sees the comment at home, fixes the base and answers again.
    clerk.goto(f"{live_site.url}/")
    assert "現地職員数を確認してください" in clerk.inner_text("#round-todo")
    clerk.locator("table.todo tbody tr", has_text="デュッセルドルフ").locator("text=編集").click()
    clerk.fill("#id_staff_local", "3")
    clerk.fill("#id_change_reason", "府の確認を受けて現地職員数を訂正")
    clerk.click("input[name=_save]")
    clerk.goto(f"{live_site.url}/")
    clerk.click("button[value=complete]")
    assert "回答完了" in clerk.inner_text("#round-todo")

    # The lead marks it 確認済み; the coordinator's progress shows exactly that.
    lead.goto(f"{live_site.url}/survey/{ROUND}/progress/")
    progress_row(lead, "東大阪市").locator("button[value=check]").click()
    coordinator.goto(f"{live_site.url}/survey/{ROUND}/progress/")
    checked = [(row.locator("td:first-child").inner_text().strip(), row.locator("td.checked").inner_text())
               for row in coordinator.locator("table.progress tbody tr").all()]
    assert [name for name, text in checked if "確認済み" in text] == ["東大阪市（大阪府）"]
    assert "回答完了" in progress_row(coordinator, "千早赤阪村").locator("td.answer").inner_text()

    # The change log tells the entries on behalf apart from the clerks' own.
    supervisor = page_for(chromium, live_site, "supervisor")
    supervisor.goto(f"{live_site.url}/history/?user=osaka_lead")
    log = supervisor.inner_text("main")
    assert "大阪府 取りまとめ (代理)" in log and "大阪府 取りまとめ" in log
    supervisor.goto(f"{live_site.url}/history/?user=higashiosaka_clerk")
    assert "代理" not in supervisor.inner_text("main")
