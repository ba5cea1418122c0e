"""The tie list on the import engine: a preview writes nothing, queries do not grow with rows, the bulk apply
equals one-by-one edits, a broken cell is one error, and the admin's confirm applies only what was previewed."""
import pytest
from django.contrib.messages import get_messages
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from registry.core.history import Source, change_context
from registry.models import Agreement, AgreementRenewal, ImportRecord, Partner
from registry.sheets.agreements.plan import import_agreement_file, plan_agreements
from registry.sheets.session import ImportSession
from tests.support.agreement_sheets import as_text, tie_row
from tests.support.import_checks import history_left, writes_in
from tests.admin.test_agreements_admin import confirm, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]
RENEWED = "2005-10-29~2008-10-28; 2008-10-29~2011-10-28"



def load_first_list():
    outcome = import_agreement_file(as_text([
        tie_row(**{"更新": RENEWED}),
        tie_row(partner="ドバイ", country="アラブ首長国連邦", signed="H14.10.29"),
        tie_row(org="大阪市", partner="サンパウロ州", country="ブラジル", kind="姉妹都市", signed="S45.9.21"),
    ]), "first.tsv")
    assert not outcome.errors, outcome.report_lines()


SECOND_LIST = as_text([
    tie_row(signed="1980-11", **{"更新": "2005-10-29~2008-10-28; 2011-10-29~2099-10", "相手先(英語)": "Shanghai"}),
    tie_row(partner="ドバイ", country="アラブ首長国連邦", signed="H14.10.29"),                      # unchanged
    tie_row(org="大阪市", partner="サンパウロ州", country="ブラジル", kind="姉妹都市", signed="S45.9.21",
            **{"分野": "経済、観光", "終了日": "2030年3月"}),                                        # updated
    tie_row(org="大阪市", partner="上海市", kind="姉妹都市", signed="S49.4.18"),                   # existing partner
    tie_row(org="横浜市", partner="バンクーバー市", country="カナダ", kind="姉妹都市", signed="1965-07-01",
            **{"更新": "2015-07-01~2025-06-30"}),                                                    # new partner
    tie_row(org="神戸市", partner="バンクーバー市", country="カナダ", kind="友好提携", signed="1970-01-01"),
])


# -- a preview writes nothing -----------------------------------------------------------------------

def test_the_tie_preview_performs_no_insert_update_or_delete():
    load_first_list()
    with CaptureQueriesContext(connection) as queries:
        outcome = import_agreement_file(SECOND_LIST, "second.tsv", dry_run=True)
    assert (outcome.new, outcome.updated, outcome.unchanged, len(outcome.errors)) == (3, 2, 1, 0)
    assert writes_in(queries.captured_queries) == []


def test_the_admin_tie_preview_performs_no_insert_update_or_delete(admin_client):
    load_first_list()
    with CaptureQueriesContext(connection) as queries:
        preview = upload(admin_client, SECOND_LIST)
    assert preview.context["confirm_form"] is not None
    assert writes_in(queries.captured_queries) == []


def test_plan_queries_do_not_grow_with_the_number_of_ties():
    def plan_queries(count):
        rows = [tie_row(**{"更新": RENEWED})]  # an existing tie with renewals
        rows += [tie_row(org=("大阪市", "横浜市", "神戸市")[n % 3], partner=f"都市{n}", country=("中国", "韓国")[n % 2],
                         kind="姉妹都市", signed=f"{1960 + n % 50}-04-01", **{"更新": "2015-07-01~2025-06-30"})
                 for n in range(count)]
        with CaptureQueriesContext(connection) as queries:
            plan = plan_agreements(as_text(rows), "ties.tsv", ImportSession(kind=ImportRecord.Kind.AGREEMENTS))
        assert not plan.outcome.errors, plan.outcome.report_lines()
        assert plan.outcome.new == count
        return len(queries.captured_queries)

    load_first_list()
    assert plan_queries(5) == plan_queries(120)


def test_a_broken_cell_is_one_error_and_no_check_depends_on_it():
    outcome = import_agreement_file(as_text([tie_row(signed="S55.13.21", **{"終了日": "1970-01-01"})]), "ties.tsv")
    assert [str(p) for p in outcome.errors] == [
        "row 4, column 提携日: 存在しない日付です: 'S55.13.21' (month must be in 1..12)"]


# -- bulk apply = one-by-one edits ------------------------------------------------------------------

def partner_key(partner_id):
    partner = Partner.objects.get(pk=partner_id)
    return (partner.country.code, partner.name_ja)


def agreement_key(agreement_id):
    agreement = Agreement.objects.select_related("organization").get(pk=agreement_id)
    return (agreement.organization.code, partner_key(agreement.partner_id), agreement.agreement_type)


def fields_of(row, model):
    skip = {"id", "organization", "partner", "agreement"}
    values = {f.attname: str(getattr(row, f.attname)) for f in model._meta.concrete_fields if f.name not in skip}
    if model is Agreement:
        values["key"] = (row.organization_id, partner_key(row.partner_id), row.agreement_type)
    if model is AgreementRenewal:
        values["agreement"] = agreement_key(row.agreement_id)
    return values


def state_of_the_registry(import_record):
    """Every partner, tie and renewal, and the history the import left, by natural keys."""
    state, groups = {}, set()
    for model in (Partner, Agreement, AgreementRenewal):
        state[model.__name__] = sorted(repr(fields_of(r, model)) for r in model.objects.all())
        history = [(entry.history_type, entry) for entry in model.history.filter(import_record=import_record)]
        state[f"{model.__name__} history"], left = history_left(history, import_record, lambda entry: (
            fields_of(entry.instance, model) if entry.history_type != "-" else entry.instance.valid_until))
        groups |= left
    state["one group"] = len(groups) == 1 and None not in groups
    state["counts"] = import_record.counts
    return state


def apply_one_by_one(plan):
    """The same plan written the slow way: one save() or delete() per record, history through the signal."""
    session = plan.session
    with transaction.atomic(), change_context(source=Source.IMPORT, user=session.user,
                                              actor_name=f"import: {session.user_name}"):
        session.ensure_record()
        for record in plan.new_partners + plan.changed_partners + plan.new_agreements + plan.changed_agreements:
            record.save()
        for renewal in plan.old_renewals:
            renewal.delete()
        for renewal in plan.new_renewals:
            renewal.save()
        plan.outcome.save_counts(session.record)
    return session.record


def test_bulk_apply_yields_the_same_ties_partners_renewals_and_history_as_one_by_one_edits(superuser):
    load_first_list()
    with transaction.atomic():
        outcome = import_agreement_file(SECOND_LIST, "second.tsv", user=superuser)
        assert (outcome.new, outcome.updated, outcome.unchanged, len(outcome.errors)) == (3, 2, 1, 0)
        bulk = state_of_the_registry(outcome.import_record)
        transaction.set_rollback(True)
    assert not Partner.objects.filter(name_ja="バンクーバー市").exists()
    plan = plan_agreements(SECOND_LIST, "second.tsv", ImportSession(kind=ImportRecord.Kind.AGREEMENTS, user=superuser,
                                                                    file_name="second.tsv"))
    one_by_one = state_of_the_registry(apply_one_by_one(plan))
    assert bulk == one_by_one
    assert bulk["one group"] and len(bulk["Agreement history"]) == 5 and len(bulk["Partner history"]) == 2
    assert sum("'-'" in entry for entry in bulk["AgreementRenewal history"]) == 1


def test_the_updated_rows_list_every_field_old_and_new():
    load_first_list()
    outcome = import_agreement_file(SECOND_LIST, "second.tsv", dry_run=True)
    changes = {row: changes for row, _label, changes in outcome.updated_rows}
    assert changes[4] == [("相手先(英語)", "", "Shanghai"), ("提携日", "1980年11月21日", "1980年11月"),
                          ("更新", RENEWED, "2005-10-29~2008-10-28; 2011-10-29~2099-10-31")]
    assert changes[6] == [("終了日", "", "2030年3月"), ("分野", "", "経済、観光")]


# -- the admin applies what it previewed -----------------------------------------------------------

def test_a_tie_reimport_preview_says_nothing_changes_and_offers_no_apply_button(admin_client):
    sheet = as_text([tie_row(**{"更新": RENEWED})])
    confirm(admin_client, upload(admin_client, sheet))
    assert Agreement.objects.count() == 1
    with override_settings(LANGUAGE_CODE="ja"):  # the staff pages speak the site's language, not the browser's
        again = upload(admin_client, sheet, "again.tsv")
    assert again.status_code == 200 and again.context.get("confirm_form") is None
    assert "変更はありません" in again.content.decode()
    assert again.context["result"].outcome.counts == {"new": 0, "updated": 0, "unchanged": 1, "errors": 0}


def test_the_tie_confirm_refuses_when_the_data_changed_after_the_preview(admin_client):
    load_first_list()
    preview = upload(admin_client, SECOND_LIST)
    agreement = Agreement.objects.get(partner__name_ja="サンパウロ州")
    agreement.fields = "プレビューの後に編集"
    agreement.save()  # someone edits the registry between preview and confirm
    records = ImportRecord.objects.count()
    response = confirm(admin_client, preview)
    assert response.status_code == 302
    shown = [str(message) for message in get_messages(response.wsgi_request)]
    assert any("changed after the preview" in message for message in shown), shown
    assert ImportRecord.objects.count() == records
    assert not Partner.objects.filter(name_ja="バンクーバー市").exists()


# -- a long list runs as a background job, with the same result as in the request -------------------------

def tie_snapshot(record):
    ties = sorted((a.organization.name, a.partner.name_ja, a.agreement_type, str(a.signed_on))
                  for a in Agreement.objects.select_related("organization", "partner"))
    history = sorted((model.__name__, entry.history_type, entry.history_user_id, entry.actor_name, entry.change_source,
                      entry.history_change_reason.replace(f"#{record.pk}", "#N"))
                     for model in (Partner, Agreement, AgreementRenewal)
                     for entry in model.history.filter(import_record=record))
    return ties, history


def test_a_long_tie_list_is_previewed_and_applied_by_the_worker_as_the_request_would(admin_client):
    from django.test import override_settings
    from django.urls import reverse

    from registry.models import ImportJob
    from tests.sheets.test_import_jobs import follow, run_db_worker

    content = as_text([tie_row(org=("大阪府", "大阪市", "横浜市")[n % 3], partner=f"都市{n}", kind="姉妹都市",
                               **{"更新": "2015-07-01~2025-06-30"} if n % 4 == 0 else {}) for n in range(30)])
    with transaction.atomic(), override_settings(IMPORT_BACKGROUND_ROWS=10_000):
        confirm(admin_client, upload(admin_client, content))
        expected = tie_snapshot(ImportRecord.objects.get())
        transaction.set_rollback(True)
    assert not Agreement.objects.exists() and len(expected[0]) == 30

    with override_settings(IMPORT_BACKGROUND_ROWS=20):
        started = upload(admin_client, content)
        job = ImportJob.objects.get()
        assert started["Location"] == reverse("admin:registry_agreement_import_job", args=[job.pk])
        run_db_worker()
        job.refresh_from_db()
        assert (job.state, job.done, job.total) == ("done", 30, 30) and not Agreement.objects.exists()
        preview = admin_client.get(started["Location"])
        assert "confirm_form" in preview.context and "都市29" in preview.content.decode()
        applying = confirm(admin_client, preview)
        assert not Agreement.objects.exists()
        run_db_worker()
    assert tie_snapshot(ImportRecord.objects.get()) == expected
    finished = follow(admin_client, admin_client.get(applying["Location"]))
    assert finished.status_code == 200 and Agreement.objects.count() == 30
