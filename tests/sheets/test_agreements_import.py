"""The agreement sheet in: date forms, free-text ties, partner de-duplication, renewals, errors, history, round trip."""
import datetime

import pytest
from django.core.management import call_command

from registry.core.history import Source
from registry.models import Agreement, AgreementRenewal, ImportRecord, Partner
from registry.parsing.dates import Precision
from registry.core.permissions import Role
from registry.sheets.agreements.plan import import_agreement_file
from tests.support.agreement_sheets import LAYOUT, as_text, as_xlsx, tie_row
from tests.conftest import ROOT
from tests.support.roles import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]
FIXTURE = ROOT / "fixtures" / "partnership_agreements.tsv"
FIRST_ROW = 4  # title, blank line, header


def run(content, file_name="ties.tsv", **options):
    return import_agreement_file(content, file_name, **options)


def run_rows(rows, **options):
    outcome = run(as_text(rows), **options)
    assert not outcome.errors, outcome.report_lines()
    return outcome


def history_rows():
    return Agreement.history.count() + Partner.history.count() + AgreementRenewal.history.count()


# -- dates as people write them ------------------------------------------------------------

@pytest.mark.parametrize("written, stored, precision, shown", [
    ("1980-11-21", datetime.date(1980, 11, 21), Precision.DAY, "1980年11月21日"),
    ("1980年11月21日", datetime.date(1980, 11, 21), Precision.DAY, "1980年11月21日"),
    ("S55.11.21", datetime.date(1980, 11, 21), Precision.DAY, "1980年11月21日"),
    ("昭和55年11月21日", datetime.date(1980, 11, 21), Precision.DAY, "1980年11月21日"),
    ("平成元年", datetime.date(1989, 1, 1), Precision.YEAR, "1989年"),
    ("2023年10月", datetime.date(2023, 10, 1), Precision.MONTH, "2023年10月"),
    ("October 2023", datetime.date(2023, 10, 1), Precision.MONTH, "2023年10月"),
    ("Nov 21, 1980", datetime.date(1980, 11, 21), Precision.DAY, "1980年11月21日"),
    ("", None, Precision.UNKNOWN, ""),
])
def test_every_date_form_is_stored_with_its_precision(written, stored, precision, shown):
    run_rows([tie_row(signed=written, **{"終了日": written})])
    agreement = Agreement.objects.get()
    assert (agreement.signed_on, agreement.signed_precision) == (stored, precision)
    assert (agreement.ends_on, agreement.ends_precision) == (stored, precision)
    assert agreement.signed_display == shown


def test_a_date_cell_of_a_workbook_is_a_day():
    run(as_xlsx([[datetime.datetime(1980, 11, 21) if cell == "S55.11.21" else cell
                  for cell in tie_row(signed="S55.11.21")]]), "ties.xlsx")
    agreement = Agreement.objects.get()
    assert (agreement.signed_on, agreement.signed_precision) == (datetime.date(1980, 11, 21), Precision.DAY)


def test_an_impossible_date_names_row_and_column():
    outcome = run(as_text([tie_row(), tie_row(partner="ソウル特別市", country="韓国", signed="S55.13.21")]))
    assert [str(problem) for problem in outcome.errors] == [
        f"row {FIRST_ROW + 1}, column 提携日: 存在しない日付です: 'S55.13.21' (month must be in 1..12)"]
    assert Agreement.objects.count() == 0


# -- the free-text form 「相手先(国・州・和暦日付+種類)」 ----------------------------------------

TIE_CASES = [
    ("バトルクリーク市(アメリカ合衆国ミシガン州・S56.7.1姉妹都市提携)",
     "バトルクリーク市", "US", "ミシガン州", datetime.date(1981, 7, 1), "day", "sister_city"),
    ("上海市(中華人民共和国・S55.11.21友好都市提携)", "上海市", "CN", "", datetime.date(1980, 11, 21), "day", "friendship"),
    ("サンパウロ州(ブラジル・S45.9.21姉妹州)", "サンパウロ州", "BR", "", datetime.date(1970, 9, 21), "day", "sister_city"),
    ("江蘇省(中国・平成2年友好提携)", "江蘇省", "CN", "", datetime.date(1990, 1, 1), "year", "friendship"),
    ("ドバイ(アラブ首長国連邦・H14.10.29友好提携)", "ドバイ", "AE", "", datetime.date(2002, 10, 29), "day", "friendship"),
    ("ジャカルタ特別州(インドネシア・友好交流)", "ジャカルタ特別州", "ID", "", None, "unknown", "friendship"),
    ("クイーンズランド州（オーストラリア・S63.5.4 友好提携）",
     "クイーンズランド州", "AU", "", datetime.date(1988, 5, 4), "day", "friendship"),
    ("リヨン市(フランス・2007.10.25経済交流協定)", "リヨン市", "FR", "", datetime.date(2007, 10, 25), "day", "economic"),
    ("ホーチミン市(ベトナム・H19.10.25友好交流に関する覚書)",
     "ホーチミン市", "VN", "", datetime.date(2007, 10, 25), "day", "mou"),
    ("ポートランド市(アメリカ合衆国・オレゴン州・S34.11.7姉妹都市)",
     "ポートランド市", "US", "オレゴン州", datetime.date(1959, 11, 7), "day", "sister_city"),
    ("大邱広域市(大韓民国・平成元年4月姉妹都市提携)", "大邱広域市", "KR", "", datetime.date(1989, 4, 1), "month", "sister_city"),
    ("サラエボ市(ボスニア・ヘルツェゴビナ・R2.3.1MOU)", "サラエボ市", "BA", "", datetime.date(2020, 3, 1), "day", "mou"),
]


@pytest.mark.parametrize("text, partner, country, region, signed, precision, kind", TIE_CASES,
                         ids=[case[1] for case in TIE_CASES])
def test_a_free_text_tie_fills_partner_country_region_date_and_type(text, partner, country, region, signed,
                                                                    precision, kind):
    outcome = run(as_text([["大阪府", text]], header=["団体名", "友好提携"]))
    assert not outcome.errors, outcome.report_lines()
    agreement = Agreement.objects.select_related("partner").get()
    assert (agreement.partner.name_ja, agreement.partner.country.code, agreement.partner.region) == (
        partner, country, region)
    assert (agreement.signed_on, agreement.signed_precision, agreement.agreement_type) == (signed, precision, kind)


def test_a_cell_listing_several_ties_gives_one_agreement_each_on_the_same_row():
    cell = "バトルクリーク市(アメリカ合衆国ミシガン州・S56.7.1姉妹都市提携)\nドバイ(アラブ首長国連邦・H14.10.29友好提携)"
    outcome = run(as_text([["202029", f'"{cell}"']], header=["団体コード", "提携"], delimiter=","))
    assert not outcome.errors, outcome.report_lines()
    assert [row for row, _label in outcome.new_rows] == [FIRST_ROW, FIRST_ROW]
    assert sorted(Agreement.objects.values_list("organization__name", "partner__name_ja")) == [
        ("松本市", "ドバイ"), ("松本市", "バトルクリーク市")]


def test_separate_columns_win_over_the_free_text():
    header = ["団体名", "提携", "相手先(英語)", "提携日"]
    run(as_text([["大阪府", "バトルクリーク市(アメリカ合衆国ミシガン州・S56.7.1姉妹都市提携)", "Battle Creek", "1981-07-02"]],
                header=header))
    agreement = Agreement.objects.select_related("partner").get()
    assert agreement.partner.name_en == "Battle Creek"
    assert agreement.signed_on == datetime.date(1981, 7, 2)


@pytest.mark.parametrize("text, message", [
    ("バトルクリーク市 アメリカ合衆国 S56.7.1", "提携情報を読み取れません"),
    ("ミシガン州立大学(ミシガン州・S56.7.1姉妹提携)", "is not recognised: write it in the column 相手国・地域"),
    ("バトルクリーク市(アメリカ合衆国・S56.13.1姉妹都市)", "不正です"),
])
def test_an_unreadable_tie_is_an_error_in_its_column(text, message):
    outcome = run(as_text([["大阪府", text]], header=["団体名", "友好提携"]))
    assert len(outcome.errors) == 1
    assert str(outcome.errors[0]).startswith(f"row {FIRST_ROW}, column 友好提携: ")
    assert message in str(outcome.errors[0])
    assert Agreement.objects.count() == 0 and Partner.objects.count() == 0


# -- one partner however many ties and languages ---------------------------------------------

def test_the_same_partner_tied_to_several_organizations_is_one_record_with_its_names_filled():
    run_rows([tie_row(org="大阪府", partner="上海市")])
    run_rows([tie_row(org="大阪市", partner="上海市", kind="姉妹都市", **{"相手先(英語)": "Shanghai"})])
    run_rows([tie_row(org="横浜市", partner="", kind="友好提携", **{"相手先(英語)": "SHANGHAI",
                                                                 "相手先(現地語)": "上海市"})])
    partner = Partner.objects.get()
    assert (partner.name_ja, partner.name_en, partner.name_native) == ("上海市", "Shanghai", "上海市")
    assert sorted(partner.agreements.values_list("organization__name", flat=True)) == ["大阪市", "大阪府", "横浜市"]


def test_filling_a_missing_name_is_an_update_of_the_tie_and_a_partner_history_row():
    run_rows([tie_row()])
    outcome = run_rows([tie_row(**{"相手先(英語)": "Shanghai"})])
    assert (outcome.new, outcome.updated, outcome.unchanged) == (0, 1, 0)
    assert outcome.updated_rows[0][2] == [("相手先(英語)", "", "Shanghai")]
    latest = Partner.history.first()
    assert latest.name_en == "Shanghai" and latest.import_record == outcome.import_record


def test_a_sheet_never_removes_or_respells_a_partner_name():
    run_rows([tie_row(**{"相手先(英語)": "Shanghai"})])
    outcome = run_rows([tie_row(org="大阪市", **{"相手先(英語)": "Shanghai Municipality"})])
    assert Partner.objects.get().name_en == "Shanghai"
    assert any("Shanghai Municipality" in notice and "kept" in notice for notice in outcome.notices)
    again = run_rows([tie_row()])  # the English cell empty
    assert again.unchanged == 1 and Partner.objects.get().name_en == "Shanghai"


def test_the_same_name_in_another_country_is_another_partner():
    run_rows([tie_row(partner="", country="オーストラリア", **{"相手先(英語)": "Victoria"}),
              tie_row(partner="", country="カナダ", **{"相手先(英語)": "Victoria"})])
    assert sorted(Partner.objects.values_list("country", flat=True)) == ["AU", "CA"]


def test_a_new_partner_takes_its_kind_from_the_sheet_or_its_name():
    run_rows([tie_row(partner="バトルクリーク市", country="アメリカ", **{"相手先の種類": ""}),
              tie_row(partner="ミシガン州", country="アメリカ", **{"相手先の種類": ""}),
              tie_row(partner="デュッセルドルフ商工会議所", country="ドイツ", **{"相手先の種類": ""}),
              tie_row(partner="ドバイ", country="UAE", **{"相手先の種類": "都市"})])
    kinds = dict(Partner.objects.values_list("name_ja", "kind"))
    assert kinds == {"バトルクリーク市": "city", "ミシガン州": "region", "デュッセルドルフ商工会議所": "organization",
                     "ドバイ": "city"}


# -- renewals -----------------------------------------------------------------------------

RENEWED = "2005-10-29~2008-10-28; 2008-10-29~2011-10-28"


def test_renewals_are_read_kept_and_extended():
    run_rows([tie_row(partner="ドバイ", country="アラブ首長国連邦", signed="H14.10.29", **{"更新": RENEWED})])
    agreement = Agreement.objects.get()
    first_ids = list(agreement.renewals.order_by("renewed_on").values_list("pk", flat=True))
    assert list(agreement.renewals.order_by("renewed_on").values_list("renewed_on", "valid_until")) == [
        (datetime.date(2005, 10, 29), datetime.date(2008, 10, 28)),
        (datetime.date(2008, 10, 29), datetime.date(2011, 10, 28))]
    assert agreement.current_end == datetime.date(2011, 10, 28) and not agreement.in_force_on(datetime.date.today())

    same = run_rows([tie_row(partner="ドバイ", country="アラブ首長国連邦", signed="H14.10.29",
                             **{"更新": '"2008-10-29〜2011-10-28\n2005年10月29日~H20.10.28"'})])
    assert same.unchanged == 1

    longer = run_rows([tie_row(partner="ドバイ", country="アラブ首長国連邦", signed="H14.10.29",
                               **{"更新": RENEWED + "; 2011-10-29~2099-10"})])
    assert longer.updated == 1
    agreement = Agreement.objects.get()
    renewals = list(agreement.renewals.order_by("renewed_on"))
    assert [r.pk for r in renewals[:2]] == first_ids
    assert renewals[2].valid_until == datetime.date(2099, 10, 31)  # a month runs to its last day
    assert agreement.in_force_on(datetime.date.today())


def test_a_sheet_without_the_renewal_column_leaves_renewals_alone():
    run_rows([tie_row(**{"更新": RENEWED})])
    header = [label for label in LAYOUT if label != "更新"]
    row = [cell for label, cell in zip(LAYOUT, tie_row(**{"備考": "更新は別表"})) if label != "更新"]
    outcome = run(as_text([row], header=header))
    assert outcome.updated == 1 and AgreementRenewal.objects.count() == 2


def test_removing_a_renewal_from_the_sheet_deletes_it_with_history():
    run_rows([tie_row(**{"更新": RENEWED})])
    outcome = run_rows([tie_row(**{"更新": "2005-10-29~2008-10-28"})])
    assert AgreementRenewal.objects.count() == 1
    deleted = AgreementRenewal.history.filter(history_type="-").get()
    assert deleted.valid_until == datetime.date(2011, 10, 28) and deleted.import_record == outcome.import_record


def test_a_renewal_without_any_date_is_an_error():
    outcome = run(as_text([tie_row(**{"更新": "~"})]))
    assert [str(p) for p in outcome.errors] == [
        f"row {FIRST_ROW}, column 更新: 「~」 gives neither a renewal date nor a date it runs to"]


def test_a_renewal_that_runs_out_before_it_was_renewed_is_an_error():
    outcome = run(as_text([tie_row(**{"更新": "2008-10-29~2005-10-28"})]))
    assert [str(p) for p in outcome.errors] == [
        f"row {FIRST_ROW}, column 更新: 「2008-10-29~2005-10-28」 runs out before it was renewed"]
    assert AgreementRenewal.objects.count() == 0


# -- errors, preview, all or nothing, history ---------------------------------------------

def test_errors_name_row_and_column_and_nothing_is_written():
    rows = [
        tie_row(),
        tie_row(org="美弥市"),
        tie_row(org="大阪市", **{"団体コード": "271004"}),
        tie_row(org="大阪府", **{"団体コード": "271004"}),
        tie_row(partner="ソウル特別市", country="ナルニア"),
        tie_row(partner="ソウル特別市", country="韓国", kind=""),
        tie_row(partner="ソウル特別市", country="韓国", **{"出典URL": "www.example"}),
        tie_row(partner="ソウル特別市", country="韓国", kind="姉妹都市", **{"出典言語": "日本"}),
        tie_row(),
        tie_row(partner="ソウル特別市", country="韓国", kind="MOU", signed="2000-01-01", **{"終了日": "1999-12-31"}),
    ]
    outcome = run(as_text(rows))
    assert [str(problem) for problem in outcome.errors] == [
        f"row {FIRST_ROW + 1}, column 団体名: unknown organization 「美弥市」 (did you mean: 美馬市?、美祿市?、美祢市?)",
        f"row {FIRST_ROW + 3}, column 団体名: 「大阪府」 is not the organization with code 271004 (大阪市)",
        f"row {FIRST_ROW + 4}, column 相手国・地域: unknown country or region 「ナルニア」",
        f"row {FIRST_ROW + 5}, column 提携の種類: the type is missing: write 姉妹都市、友好提携、MOU、経済交流協定、その他",
        f"row {FIRST_ROW + 6}, column 出典URL: 「www.example」 is not a web address (http://… or https://…)",
        f"row {FIRST_ROW + 7}, column 出典言語: 「日本」 is not a language: write a code such as ja, en, vi",
        f"row {FIRST_ROW + 8}, column 相手先: the same tie (organization, partner and type) as row {FIRST_ROW}",
        f"row {FIRST_ROW + 9}, column 終了日: The end date is before the signing date.",
    ]
    assert outcome.summary_line == "new=2 updated=0 unchanged=0 errors=8"  # rows read; none written
    assert (Agreement.objects.count(), Partner.objects.count(), ImportRecord.objects.count(), history_rows()) == (
        0, 0, 0, 0)


def test_preview_writes_nothing_and_apply_writes_what_it_showed():
    rows = [tie_row(), tie_row(partner="ドバイ", country="アラブ首長国連邦", **{"更新": RENEWED})]
    preview = run(as_text(rows), dry_run=True)
    assert preview.counts == {"new": 2, "updated": 0, "unchanged": 0, "errors": 0}
    assert preview.import_record is None
    assert (Agreement.objects.count(), Partner.objects.count(), ImportRecord.objects.count(), history_rows()) == (
        0, 0, 0, 0)
    applied = run(as_text(rows))
    assert applied.counts == preview.counts
    assert Agreement.objects.count() == 2 and AgreementRenewal.objects.count() == 2


def test_every_change_of_an_import_has_a_history_row_with_its_import_record(django_user_model):
    user = django_user_model.objects.create_superuser("coordinator", "c@example.jp", "pw-12345-long")
    outcome = run(as_text([tie_row(**{"更新": RENEWED})]), user=user)
    record = ImportRecord.objects.get()
    assert outcome.import_record == record and record.kind == ImportRecord.Kind.AGREEMENTS
    assert record.counts == {"new": 1, "updated": 0, "unchanged": 0, "errors": 0}
    assert record.user == user and record.file_name == "ties.tsv"
    rows = list(Agreement.history.all()) + list(Partner.history.all()) + list(AgreementRenewal.history.all())
    assert len(rows) == 4
    for row in rows:
        assert (row.import_record, row.change_source, row.history_user) == (record, Source.IMPORT, user)
        assert row.history_change_reason == f"{record.get_kind_display()}の取込 #{record.pk}"

    changed = run(as_text([tie_row(signed="1980-11", **{"更新": RENEWED})]), user=user)
    latest = Agreement.history.first()
    assert latest.import_record == changed.import_record != record
    assert changed.updated_rows[0][2] == [("提携日", "1980年11月21日", "1980年11月")]


def test_reimporting_the_same_file_changes_and_writes_nothing():
    content = as_text([tie_row(**{"更新": RENEWED, "相手先(英語)": "Shanghai"}), tie_row(partner="ドバイ", country="UAE")])
    run(content)
    before = (history_rows(), ImportRecord.objects.count())
    again = run(content)
    assert again.counts == {"new": 0, "updated": 0, "unchanged": 2, "errors": 0}
    assert not again.changed_anything
    assert (history_rows(), ImportRecord.objects.count()) == before


@pytest.mark.parametrize("encoding, delimiter, described", [
    ("utf-8", "\t", "tsv, utf-8, tab"),
    ("utf-8-sig", ",", "csv, utf-8 (BOM), comma"),
    ("cp932", ",", "csv, cp932, comma"),
])
def test_text_sheets_in_each_encoding(encoding, delimiter, described):
    outcome = run(as_text([tie_row(partner="ソウル特別市", country="韓国")], delimiter=delimiter, encoding=encoding),
                  "ties.csv")
    assert outcome.source_description == described and outcome.new == 1
    assert Partner.objects.get().name_ja == "ソウル特別市"


def test_a_sheet_without_the_header_row_is_refused():
    from registry.sheets.reader import SheetLayoutError

    with pytest.raises(SheetLayoutError):
        run(as_text([tie_row()], header=["名前", "国"]))


def test_an_import_under_a_clerk_refuses_the_rows_of_other_organizations():
    clerk = make_user(Role.CLERK, "大阪府")
    outcome = run(as_text([tie_row(), tie_row(org="大阪市", kind="姉妹都市")]), user=clerk)
    assert [str(p) for p in outcome.errors] == [
        f"row {FIRST_ROW + 1}, column 団体名: you may not change the agreements of 大阪市"]
    assert Agreement.objects.count() == 0
    assert run(as_text([tie_row()]), user=clerk).new == 1


# -- export in the same layout --------------------------------------------------------------

def test_export_then_reimport_changes_nothing(tmp_path):
    run_rows([
        tie_row(signed="S55.11.21", **{"相手先(英語)": "Shanghai", "相手先(現地語)": "上海市", "相手先の種類": "都市",
                                       "分野": "経済、観光", "備考": "=1+1 は数式ではない"}),
        tie_row(partner="ドバイ", country="アラブ首長国連邦", signed="平成14年", **{"更新": RENEWED}),
        tie_row(org="東大阪市", partner="", country="ドイツ", kind="その他", signed="October 2023",
                **{"相手先(英語)": "IHK Düsseldorf", "仲介": "AHK Japan", "出典URL": "https://example.jp/a",
                   "出典言語": "en", "終了日": "2025年3月"}),
        tie_row(org="大阪市", partner="バトルクリーク市", country="アメリカ", kind="姉妹都市", signed="",
                **{"州・省": "ミシガン州"}),
    ])
    target = tmp_path / "agreements.xlsx"
    call_command("export_agreements", "-o", str(target))
    before = history_rows()
    outcome = run(target.read_bytes(), "agreements.xlsx")
    assert outcome.counts == {"new": 0, "updated": 0, "unchanged": 4, "errors": 0}, outcome.report_lines()
    assert history_rows() == before


def test_export_of_one_organization_is_the_layout_with_its_ties(tmp_path):
    import openpyxl

    run_rows([tie_row(**{"更新": RENEWED}), tie_row(org="大阪市", kind="姉妹都市", signed="S49.4.18")])
    target = tmp_path / "osaka.xlsx"
    call_command("export_agreements", "-o", str(target), "--organization", "270008")
    rows = list(openpyxl.load_workbook(target).active.iter_rows(values_only=True))
    assert rows[0][0] == "友好提携・姉妹都市等一覧"
    assert list(rows[2]) == LAYOUT
    data = [dict(zip(LAYOUT, row)) for row in rows[3:]]
    assert len(data) == 1
    assert {key: data[0][key] for key in ("団体コード", "団体名", "相手先", "相手国・地域", "提携の種類", "提携日", "更新")} == {
        "団体コード": "270008", "団体名": "大阪府", "相手先": "上海市", "相手国・地域": "中国", "提携の種類": "友好提携",
        "提携日": "1980-11-21", "更新": RENEWED}


# -- commands -----------------------------------------------------------------------------

def test_import_command_prints_errors_and_counts_and_exits_1(tmp_path, capsys):
    bad = tmp_path / "bad.tsv"
    bad.write_bytes(as_text([tie_row(signed="昭和99年")]))
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_agreements", str(bad))
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert f"row {FIRST_ROW}, column 提携日: 和暦の年が範囲外です" in out
    assert out.strip().endswith("new=0 updated=0 unchanged=0 errors=1")


def test_import_command_dry_run_and_user(tmp_path, capsys, django_user_model):
    django_user_model.objects.create_superuser("coordinator", "c@example.jp", "pw-12345-long")
    sheet = tmp_path / "ties.tsv"
    sheet.write_bytes(as_text([tie_row()]))
    call_command("import_agreements", str(sheet), "--dry-run")
    assert capsys.readouterr().out.strip().endswith("new=1 updated=0 unchanged=0 errors=0")
    assert Agreement.objects.count() == 0
    call_command("import_agreements", str(sheet), "--user", "coordinator")
    assert ImportRecord.objects.get().user_name == "coordinator"
    call_command("import_agreements", str(sheet))
    out = capsys.readouterr().out
    assert "nothing changed" in out and out.strip().endswith("new=0 updated=0 unchanged=1 errors=0")


# -- the fixture from ../shared/data/partnership_sources -----------------------------------

OSAKA_FRIENDSHIPS = {
    "Shanghai": datetime.date(1980, 11, 21),
    "East Java": datetime.date(1984, 11, 26),
    "Val d'Oise": datetime.date(1987, 7, 21),
    "Queensland": datetime.date(1988, 5, 4),
    "Primorsky Krai": datetime.date(1992, 12, 8),
    "California": datetime.date(1994, 11, 15),
    "Lombardy": datetime.date(2002, 7, 9),
    "Dubai": datetime.date(2002, 10, 29),
    "Ho Chi Minh City": datetime.date(2007, 10, 25),
    "Jiangsu Province": None,
}


@pytest.fixture
def fixture_loaded(capsys):
    call_command("import_agreements", str(FIXTURE))
    assert capsys.readouterr().out.strip().endswith("new=12 updated=0 unchanged=0 errors=0")


def test_fixture_holds_osakas_ten_friendship_regions_with_their_dates(fixture_loaded):
    ties = Agreement.objects.filter(organization__name="大阪府", agreement_type="friendship").select_related("partner")
    assert {tie.partner.name_en: tie.signed_on for tie in ties} == OSAKA_FRIENDSHIPS
    jiangsu = ties.get(partner__name_en="Jiangsu Province")
    assert (jiangsu.signed_precision, jiangsu.partner.country.code) == (Precision.UNKNOWN, "CN")
    assert all(tie.signed_precision == Precision.DAY for tie in ties if tie.signed_on)
    for tie in ties:
        assert tie.source_language == "en" and "osaka_prefecture_friendship_regions.txt" in tie.source_title
        assert tie.partner.name_ja and tie.partner.name_native and tie.partner.name_en


def test_fixture_holds_higashiosaka_and_ihk_duesseldorf_and_the_tjpo_mou(fixture_loaded):
    ihk = Agreement.objects.select_related("partner").get(organization__name="東大阪市")
    assert ihk.partner.name_native == "IHK Düsseldorf" and ihk.partner.country.code == "DE"
    assert (ihk.signed_on, ihk.signed_precision, ihk.signed_display) == (
        datetime.date(2023, 10, 1), Precision.MONTH, "2023年10月")
    assert "AHK Japan" in ihk.intermediaries
    assert all(word in ihk.fields for word in ("金属製品", "環境機器", "照明器具", "電子部品"))
    tjpo = Agreement.objects.select_related("partner").get(agreement_type="mou")
    assert (tjpo.organization.name, tjpo.partner.country.code, tjpo.signed_on) == (
        "大阪府", "TW", datetime.date(2019, 10, 3))
    assert "TJPO" in tjpo.partner.name_en
    assert all(word in tjpo.fields for word in ("バイオテクノロジー・製薬", "電子", "金属加工"))


def test_fixture_records_the_vietnamese_text_as_a_note_not_as_an_agreement(fixture_loaded):
    hcmc = Agreement.objects.get(partner__name_en="Ho Chi Minh City")
    assert "hcmc_clair_meeting_vi.txt" in hcmc.notes and "廃棄物管理" in hcmc.notes and "ハイテク農業" in hcmc.notes
    assert Agreement.objects.count() == 12
    assert not Partner.objects.filter(name_en__icontains="CLAIR").exists()


def test_fixture_reimports_unchanged(fixture_loaded):
    outcome = run(FIXTURE.read_bytes(), FIXTURE.name)
    assert outcome.counts == {"new": 0, "updated": 0, "unchanged": 12, "errors": 0}


def test_long_partner_name_names_its_column():
    outcome = import_agreement_file(as_text([tie_row(partner="あ" * 300)]), "a.tsv")
    assert outcome.errors and all(p.column != "-" for p in outcome.errors), outcome.report_lines()


def test_clerk_import_does_not_change_partner():
    """A clerk's agreement import leaves shared partners, which the clerk may not change, as they are."""
    clerk = make_user(Role.CLERK, "大阪府")
    assert not clerk.has_perm("registry.change_partner")
    partner = Partner.objects.create(name_ja="上海市", country="CN", kind="city")
    import_agreement_file(as_text([tie_row(**{"相手先(英語)": "Shanghai", "州・省": "x"})]), "a.tsv", user=clerk)
    partner.refresh_from_db()
    assert (partner.name_en, partner.region) == ("", "")
