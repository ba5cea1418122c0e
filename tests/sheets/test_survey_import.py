"""The survey sheet in: formats, clean-up rules, errors, all-or-nothing, a round's semantics, the 2017 file."""
import datetime
import io

import pytest
from django.core.management import call_command

from registry.models import Base, BaseRoundRecord, Contractor, ImportRecord, JointOffice, ReviewState, SurveyRound
from registry.core.permissions import Role
from registry.sheets.survey.importing import import_survey_file
from registry.survey.summary import survey_summary
from tests.conftest import SURVEY_2017
from tests.support.roles import make_user
from tests.support.sheets import as_text, as_xlsx, base_row

pytestmark = pytest.mark.django_db
ROUND = datetime.date(2019, 9, 30)


def run(content, file_name="sheet.tsv", dry_run=False, survey_date=ROUND):
    return import_survey_file(content, file_name, survey_date, dry_run=dry_run)


def history_rows():
    return Base.history.count() + Contractor.history.count() + BaseRoundRecord.history.count()


def only_base(**lookup):
    return Base.objects.get(**lookup)


# -- the real 2017 sheet -------------------------------------------------------------------

@pytest.fixture
def imported_2017():
    outcome = run(SURVEY_2017.read_bytes(), SURVEY_2017.name, survey_date=datetime.date(2017, 9, 30))
    assert not outcome.errors, outcome.report_lines()
    return outcome


def test_2017_sheet_imports_as_it_is_and_gives_the_sheets_own_summary(imported_2017):
    assert imported_2017.counts == {"new": 194, "updated": 0, "unchanged": 0, "missing": 0, "errors": 0}
    summary = survey_summary(SurveyRound.objects.get(reference_date=datetime.date(2017, 9, 30)))
    assert summary["organizations"] == 66
    assert summary["bases"] == 195
    assert summary["countries"] == 15
    assert summary["forms"] == {"a": 60, "b": 21, "c": 113, "d": 1}
    assert summary["staff"] == {"total": 336, "dispatched": 121, "local": 215}
    assert summary["average"] == {"total": 1.7, "dispatched": 0.6, "local": 1.1}


def test_2017_command_line_summary_json(imported_2017, capsys):
    import json

    call_command("survey_summary", "--survey-date", "2017-09-30", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["bases"] == 195 and data["staff"]["total"] == 336 and data["cities"] == 42


def test_reimporting_the_same_file_changes_and_writes_nothing(imported_2017):
    before = (history_rows(), ImportRecord.objects.count(), Contractor.objects.count())
    again = run(SURVEY_2017.read_bytes(), SURVEY_2017.name, survey_date=datetime.date(2017, 9, 30))
    assert (again.new, again.updated, again.unchanged) == (0, 0, 194)
    assert not again.changed_anything
    assert (history_rows(), ImportRecord.objects.count(), Contractor.objects.count()) == before


def test_export_then_reimport_reports_no_change(imported_2017, tmp_path):
    target = tmp_path / "out.xlsx"
    call_command("export_survey", "--survey-date", "2017-09-30", "-o", str(target))
    before = history_rows()
    outcome = run(target.read_bytes(), "out.xlsx", survey_date=datetime.date(2017, 9, 30))
    assert not outcome.errors
    assert (outcome.new, outcome.updated, outcome.unchanged) == (0, 0, 194)
    assert history_rows() == before


def test_export_of_one_organization_is_the_survey_layout_with_numbers(imported_2017, tmp_path):
    import openpyxl

    target = tmp_path / "osaka.xlsx"
    call_command("export_survey", "--survey-date", "2017-09-30", "-o", str(target), "--organization", "270008")
    sheet = openpyxl.load_workbook(target).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "自治体の海外拠点一覧(平成29年9月30日現在)"
    assert rows[2][:3] == ("団体No", "拠点No", "団体名") and rows[2][10] == "⑧職員数"
    assert rows[3][10:13] == ("計(a)+(b) 自動計算", "派遣(a)", "現地(b)")
    data = [row for row in rows[4:] if row[2]]
    assert {row[2] for row in data} == {"大阪府"} and len(data) == 8
    shanghai = next(row for row in data if row[1] == 3)
    assert shanghai[8] == "S60" and shanghai[10:13] == (5, 3, 2)


def test_2017_special_rows(imported_2017):
    niigata = only_base(organization__name="新潟市", number=2)  # a shifted row
    assert (niigata.form, niigata.department, niigata.staff_dispatched, niigata.staff_local) == ("a", "国際課", 2, 2)
    assert niigata.url == "http://city.niigata.org.cn/"
    assert only_base(organization__name="青森県", number=3).countries == ["HK"]
    assert only_base(organization__name="青森県", number=5).countries == ["CN"]
    assert only_base(organization__name="神戸市", number=7).countries == ["ID", "MY"]
    assert only_base(organization__name="美祢市", number=1).name == "美祿市台北観光・交流事務所"
    assert only_base(organization__name="北海道", number=1).established_fy == 2002
    seoul = JointOffice.objects.get(name="北東北3県・北海道ソウル事務所")
    assert sorted(seoul.bases.values_list("organization__name", flat=True)) == ["北海道", "岩手県", "秋田県", "青森県"]
    assert only_base(organization__name="札幌市", number=1).host_agency == only_base(
        organization__name="北海道", number=3).host_agency
    assert only_base(organization__name="宮城県", number=3).contractor == only_base(
        organization__name="長崎県", number=7).contractor  # ㈱フォーバル = 株式会社フォーバル


def test_2017_warns_that_organization_number_44_is_shared(imported_2017):
    assert any("44" in w and "沖縄県" in w and "札幌市" in w for w in imported_2017.warnings)
    assert only_base(organization__name="沖縄県", number=1).organization != only_base(
        organization__name="札幌市", number=1).organization


# -- formats and encodings -----------------------------------------------------------------

ROWS = [base_row(), base_row(number="4", name="マレーシア・大阪ビジネスサポートデスク", country="マレーシア",
                             city="スパン・ジャヤ", form="c 業務委託", contractor="㈱テスト商事", year="H29",
                             total="0", dispatched="0", local="0")]


@pytest.mark.parametrize("content, description", [
    (as_text(ROWS), "tsv, utf-8, tab"),
    (as_text(ROWS, ",", "utf-8-sig"), "csv, utf-8 (BOM), comma"),
    (as_text(ROWS, ","), "csv, utf-8, comma"),
    (as_text(ROWS, ",", "cp932"), "csv, cp932, comma"),
    (as_xlsx(ROWS), "xlsx"),
], ids=["tsv", "csv-bom", "csv-utf8", "csv-cp932", "xlsx"])
def test_each_format_and_encoding_imports_the_same_bases(content, description):
    outcome = run(content)
    assert not outcome.errors, outcome.report_lines()
    assert outcome.source_description == description
    assert outcome.new == 2
    desk = only_base(organization__name="大阪府", number=4)
    assert desk.cities == "スパン・ジャヤ" and desk.contractor.name == "㈱テスト商事" and desk.established_fy == 2017
    assert only_base(organization__name="大阪府", number=3).staff_total == 5


def test_page_furniture_repeated_headers_blank_rows_and_summary_are_skipped():
    from tests.support.sheets import HEADER, SUBHEADER, TITLE

    rows = [base_row(), [""], [TITLE], HEADER, SUBHEADER, base_row(number="4", name="二つ目")]
    outcome = run(as_text(rows))
    assert not outcome.errors, outcome.report_lines()
    assert outcome.new == 2


def test_full_width_text_dashes_and_era_forms_are_understood():
    rows = [
        base_row(number="１", year="Ｈ２７", total="５", dispatched="３", local="２", name="-"),
        base_row(number="2", year="平成元"), base_row(number="3", year="R1"), base_row(number="4", year="令和元"),
        base_row(number="5", year="2019"), base_row(number="6", year="平成30"), base_row(number="7", year="S53"),
        base_row(number="8", year="-"),
    ]
    outcome = run(as_text(rows))
    assert not outcome.errors, outcome.report_lines()
    years = dict(Base.objects.values_list("number", "established_fy"))
    assert years == {1: 2015, 2: 1989, 3: 2019, 4: 2019, 5: 2019, 6: 2018, 7: 1978, 8: None}
    assert only_base(number=1).name == "" and only_base(number=1).staff_total == 5


@pytest.mark.parametrize("country, city, countries, cities", [
    ("インドネシア/マレーシア", "ジャカルタ/クアラルンプール", ["ID", "MY"], "ジャカルタ、クアラルンプール"),
    ("ベトナム", "ホーチミン、ハノイ", ["VN"], "ホーチミン、ハノイ"),
    ("韓国", "ソウル 釜山", ["KR"], "ソウル、釜山"),
    ("中国", "上海・香港", ["CN"], "上海、香港"),
    ("中国", "香港", ["HK"], "香港"),
])
def test_several_countries_or_cities_in_one_cell(country, city, countries, cities):
    outcome = run(as_text([base_row(country=country, city=city)]))
    assert not outcome.errors, outcome.report_lines()
    base = only_base(number=3)
    assert [str(c) for c in base.countries] == countries
    assert base.cities == cities


def test_form_text_names_the_host_agency_and_contractors_match_by_key():
    Contractor.objects.create(name="株式会社フォーバル")
    rows = [base_row(form="b 機関等派遣(JETRO)"),
            base_row(number="4", form="b 機関等派遣 (一般財団法人日中経済協会)"),
            base_row(number="5", form="c 業務委託契約", contractor="㈱フォーバル", total="0", dispatched="0", local="0")]
    outcome = run(as_text(rows))
    assert not outcome.errors, outcome.report_lines()
    assert only_base(number=3).form == "b" and only_base(number=3).host_agency.name == "JETRO"
    assert only_base(number=3).form_detail == "機関等派遣(JETRO)"
    assert only_base(number=4).host_agency.name == "一般財団法人日中経済協会"
    assert only_base(number=5).contractor.name == "株式会社フォーバル"
    assert Contractor.objects.filter(kind="host_agency").count() == 2


def test_shifted_row_is_realigned():
    shifted = ["47", "2", "新潟市", "新潟市北京事務所", "中国", "北京", "a", "独自海外事務所", "H19", "国際課", "",
               "4", "2", "2", "理由", "活動", "http://city.niigata.org.cn/", ""]
    outcome = run(as_text([shifted]))
    assert not outcome.errors, outcome.report_lines()
    base = only_base(organization__name="新潟市", number=2)
    assert (base.form, base.form_detail, base.contractor) == ("a", "独自海外事務所", None)
    assert (base.staff_total, base.reason, base.url) == (4, "理由", "http://city.niigata.org.cn/")
    assert any("row 6" in notice for notice in outcome.notices)


def test_joint_office_links_rows_of_several_organizations():
    rows = [base_row(org="武雄市", number="1", name="日本自治体等連合シンガポール事務所", country="シンガポール",
                     city="シンガポール", total="1", dispatched="1", local="0"),
            base_row(org="三条市", number="1", name="日本自治体等連合シンガポール事務所", country="シンガポール",
                     city="シンガポール", total="0", dispatched="0", local="0")]
    assert not run(as_text(rows)).errors
    office = JointOffice.objects.get()
    assert office.bases.count() == 2


# -- errors -----------------------------------------------------------------------------------

@pytest.mark.parametrize("row, column, words", [
    (base_row(total="6"), "⑧職員数", "6"),
    (base_row(dispatched="三"), "⑧職員数", "三"),
    (base_row(local="-2", total="1"), "⑧職員数", "負"),
    (base_row(org="美禰市"), "団体名", "美祢市?"),
    (base_row(org="府中市"), "団体名", "東京都府中市"),
    (base_row(year="平成99"), "⑥設置年度", "平成99"),
    (base_row(number=""), "拠点No", ""),
    (base_row(form=""), "④拠点形態", ""),
    (base_row(country=""), "②拠点設置国・地域", ""),
], ids=["total", "non-numeric", "negative", "unknown-org", "ambiguous-org", "era", "no-number", "no-form", "no-country"])
def test_each_error_names_file_row_and_column_and_nothing_is_written(row, column, words):
    outcome = run(as_text([base_row(number="1"), row]))
    messages = [str(p) for p in outcome.errors]
    assert any(m.startswith(f"row 7, column {column}") and words in m for m in messages), messages
    assert Base.objects.count() == 0 and ImportRecord.objects.count() == 0
    assert SurveyRound.objects.count() == 0


def test_unknown_organization_suggests_the_closest_names():
    from registry.models import OrganizationAlias

    OrganizationAlias.objects.filter(name="美祿市").delete()
    outcome = run(as_text([base_row(org="美祿市")]))
    [problem] = outcome.errors
    assert str(problem).startswith("row 6, column 団体名: 不明な団体名「美祿市」(候補: 美祢市?")


def test_repeated_base_number_within_an_organization_is_an_error():
    outcome = run(as_text([base_row(), base_row(name="別の拠点")]))
    assert [str(p) for p in outcome.errors] == [
        "row 7, column 拠点No: 拠点番号3は同じ団体の6行目で既に使われています"]
    assert Base.objects.count() == 0


def test_one_bad_row_among_many_writes_nothing_at_all():
    rows = [base_row(number=str(n)) for n in range(1, 30)] + [base_row(number="30", total="99")]
    before = history_rows()
    outcome = run(as_text(rows))
    assert len(outcome.errors) == 1
    assert Base.objects.count() == 0 and Contractor.objects.count() == 0
    assert history_rows() == before


def test_dry_run_previews_everything_and_writes_nothing():
    before = history_rows()
    outcome = run(as_text([base_row(), base_row(number="4", contractor="新しい会社", form="c 業務委託")]), dry_run=True)
    assert (outcome.new, outcome.errors) == (2, [])
    assert Base.objects.count() == 0 and Contractor.objects.count() == 0 and SurveyRound.objects.count() == 0
    assert history_rows() == before and ImportRecord.objects.count() == 0


# -- a round's semantics ---------------------------------------------------------------------

def test_next_round_reports_updates_field_by_field_and_missing_bases():
    first = [base_row(), base_row(number="4", name="閉じる拠点")]
    assert not run(as_text(first), survey_date=datetime.date(2018, 9, 30)).errors
    second = [base_row(total="6", dispatched="4", local="2", year="S61")]
    outcome = run(as_text(second))
    assert (outcome.new, outcome.updated, outcome.unchanged) == (0, 1, 0)
    row, label, changes = outcome.updated_rows[0]
    assert row == 6 and "大阪府 #3" in label
    assert ("職員数 (派遣)" not in [c[0] for c in changes])
    assert {(c[1], c[2]) for c in changes} >= {("3", "4"), ("1985(昭和60年度)", "1986(昭和61年度)")}
    assert [base.number for base in outcome.missing] == [4]
    closing = Base.objects.get(number=4)
    assert closing.status == "active"  # proposed only, never deleted or closed by an import
    record = BaseRoundRecord.objects.get(base=closing, survey_round__reference_date=ROUND)
    assert record.review_state == ReviewState.CLOSING
    earlier = BaseRoundRecord.objects.get(base__number=3, survey_round__reference_date=datetime.date(2018, 9, 30))
    assert (earlier.staff_dispatched, earlier.established_fy) == (3, 1985)  # the earlier round stays intact


def test_applied_import_is_recorded_and_stamps_its_history():
    content = as_text([base_row()])
    outcome = run(content)
    record = ImportRecord.objects.get()
    assert outcome.import_record == record
    assert record.counts["new"] == 1 and record.survey_round.reference_date == ROUND
    import hashlib

    assert record.sha256 == hashlib.sha256(content).hexdigest()
    entry = Base.history.get()
    assert entry.import_record == record
    assert entry.history_change_reason == f"2019-09-30 調査の取込 #{record.pk}"


# -- command line -----------------------------------------------------------------------------

def test_import_command_exit_status_and_summary_line(tmp_path, capsys):
    good = tmp_path / "good.tsv"
    good.write_bytes(as_text([base_row()]))
    call_command("import_survey", str(good), "--survey-date", "2019-09-30", "--dry-run")
    assert capsys.readouterr().out.strip().endswith("new=1 updated=0 unchanged=0 missing=0 errors=0")
    assert Base.objects.count() == 0
    bad = tmp_path / "bad.tsv"
    bad.write_bytes(as_text([base_row(org="存在しない市")]))
    with pytest.raises(SystemExit) as exit_status:
        call_command("import_survey", str(bad), "--survey-date", "2019-09-30")
    assert exit_status.value.code == 1
    out = capsys.readouterr().out
    assert "row 6, column 団体名: 不明な団体名「存在しない市」" in out and out.strip().endswith("errors=1")


def test_export_never_writes_a_formula_and_the_text_comes_back(tmp_path):
    import openpyxl

    assert not run(as_text([base_row(remarks="=HYPERLINK(\"http://x\")", activities="+81 6 1234")])).errors
    target = tmp_path / "out.xlsx"
    call_command("export_survey", "--survey-date", "2019-09-30", "-o", str(target))
    sheet = openpyxl.load_workbook(target).active
    remarks = sheet.cell(row=5, column=17)
    assert (remarks.value, remarks.data_type) == ("=HYPERLINK(\"http://x\")", "s")
    assert sheet.cell(row=5, column=15).data_type == "s"
    again = run(target.read_bytes(), "out.xlsx")
    assert (again.new, again.updated, again.unchanged) == (0, 0, 1)


def test_a_year_that_excel_turned_into_a_date_is_read_as_its_fiscal_year():
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(as_xlsx([base_row(), base_row(number="4")])))
    sheet = workbook.active
    sheet.cell(row=5, column=9).value = datetime.datetime(1985, 4, 1)
    sheet.cell(row=6, column=9).value = datetime.datetime(1986, 3, 31)
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert not run(buffer.getvalue(), "sheet.xlsx").errors
    assert dict(Base.objects.values_list("number", "established_fy")) == {3: 1985, 4: 1985}


def test_survey_import_applies_user_scope():
    clerk = make_user(Role.CLERK, "大阪府")
    outcome = import_survey_file(as_text([base_row(org="京都府", org_no="26", number="1")]), "x.tsv",
                                 datetime.date(2019, 9, 30), user=clerk)
    assert outcome.errors
    assert not Base.objects.filter(organization__name="京都府").exists()


def test_long_contractor_name_names_its_column():
    """Over-long names: a message naming the column (not raw database text, not silently stored)."""
    outcome = import_survey_file(as_text([base_row(form="c", contractor="あ" * 300)]), "x.tsv",
                                 datetime.date(2019, 9, 30))
    assert outcome.errors and all(p.column != "-" for p in outcome.errors), outcome.report_lines()
