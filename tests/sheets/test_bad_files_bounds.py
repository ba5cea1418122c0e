"""Issue 26 items 5 and 6: what a bad file may cost before it is refused.

- A table of shared strings far larger than the sheet (a "shared-string bomb": a million unused strings in a
  2.6 MB xlsx) is refused while streaming it, before openpyxl loads it, in seconds and without the memory.
- A file whose every row names an unknown organization is refused listing the first 200 errors and the count
  of the others; each distinct name is looked up for suggestions once.
"""
import datetime
import io
import time
import tracemalloc
import zipfile

import pytest
from django.core.management import call_command

from registry.models import Base, ImportRecord
from tests.support import sheets
from tests.sheets.test_bad_files import good_rows, survey_xlsx

pytestmark = pytest.mark.django_db


def with_shared_strings(content, count):
    """The xlsx ``content`` with a table of ``count`` shared strings no cell uses (compressed: small on disk)."""
    items = b"".join(b"<si><t>unused text %d</t></si>" % number for number in range(count))
    table = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
             + items + b"</sst>")
    declared = {  # the package names the table, as Excel writes it (openpyxl finds it through the manifest)
        "[Content_Types].xml": (b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                             b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'),
        "xl/_rels/workbook.xml.rels": (b"</Relationships>", b'<Relationship Id="rIdStrings" Type="http://schemas.'
                                       b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
                                       b'Target="sharedStrings.xml"/>'),
    }
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename in declared:
                end, addition = declared[info.filename]
                data = data.replace(end, addition + end)
            target.writestr(info.filename, data)
        target.writestr("xl/sharedStrings.xml", table, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return buffer.getvalue()


@pytest.fixture(scope="module", params=[1_000_000, 400_000], ids=["1M-strings", "400k-strings-under-30MB"])
def string_bomb(request):
    """A million strings (over the unpacked size allowed), or 400,000 (within it: refused by counting them)."""
    content = with_shared_strings(survey_xlsx(good_rows(2)), request.param)
    assert len(content) < 5_000_000  # within every size limit
    return content


def import_refused(tmp_path, capsys, content, name="sheet.xlsx"):
    """Run the command a user runs; the message it printed (it must stop with status 1)."""
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SystemExit) as stopped:
        call_command("import_survey", str(path), "--survey-date", "2019-09-30")
    output = capsys.readouterr()
    assert stopped.value.code == 1
    return output.out + output.err


def test_a_million_unused_shared_strings_are_refused_in_seconds_with_a_japanese_message(tmp_path, capsys,
                                                                                        string_bomb):
    started = time.monotonic()
    printed = import_refused(tmp_path, capsys, string_bomb)
    elapsed = time.monotonic() - started
    assert "共有文字列" in printed and "300,000件" in printed, printed[-2000:]
    assert "Traceback" not in printed
    assert elapsed <= 5, f"refused after {elapsed:.1f} s"
    assert not Base.objects.exists() and not ImportRecord.objects.exists()


def test_refusing_a_shared_string_bomb_takes_little_memory(tmp_path, capsys, string_bomb):
    tracemalloc.start()
    try:
        import_refused(tmp_path, capsys, string_bomb)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100_000_000, f"{peak / 1e6:.0f} MB"


def test_a_sheet_with_its_usual_shared_strings_still_imports(tmp_path):
    """The check reads the table a normal workbook has (every text cell is a shared string) and lets it pass."""
    from registry.sheets.survey.importing import import_survey_file

    outcome = import_survey_file(survey_xlsx(good_rows(3)), "sheet.xlsx", datetime.date(2019, 9, 30))
    assert outcome.new == 3 and not outcome.errors


def test_the_shared_strings_declared_size_is_checked_before_streaming(tmp_path, capsys, settings):
    settings.SHEET_MAX_SHARED_STRINGS_BYTES = 1_000_000
    printed = import_refused(tmp_path, capsys, with_shared_strings(survey_xlsx(good_rows(2)), 60_000))
    assert "共有文字列" in printed and "1 MB" in printed, printed[-2000:]
    assert not Base.objects.exists()


# -- unknown organizations: errors capped, suggestions looked up once per name -----------------------------

def unknown_organizations(count):
    rows = [sheets.base_row(org_no=str(index % 50 + 1), number=str(index // 50 + 1), org=f"架空市{index % 50}",
                            name=f"事務所{index}")
            for index in range(count)]
    return sheets.as_text(rows)


def test_a_file_of_unknown_organizations_lists_200_errors_and_counts_the_others(tmp_path, capsys):
    started = time.monotonic()
    printed = import_refused(tmp_path, capsys, unknown_organizations(5_000), name="sheet.tsv")
    elapsed = time.monotonic() - started
    errors = [line for line in printed.splitlines() if line.startswith("row ")]
    assert len(errors) == 200, len(errors)
    assert "架空市0" in errors[0] and "ほか 4,800 件のエラー" in printed and "errors=5000" in printed
    assert not Base.objects.exists() and not ImportRecord.objects.exists()
    assert elapsed < 30, f"{elapsed:.0f} s"


def test_a_file_of_distinct_unknown_names_is_refused_quickly_suggesting_for_the_listed_ones(tmp_path, capsys):
    """Every row a different unknown name: each is resolved once, and only the listed ones get suggestions."""
    rows = [sheets.base_row(org_no=str(index + 1), number="1", org=f"大阪府架空の町{index}", name=f"事務所{index}")
            for index in range(5_000)]
    started = time.monotonic()
    printed = import_refused(tmp_path, capsys, sheets.as_text(rows), name="sheet.tsv")
    elapsed = time.monotonic() - started
    errors = [line for line in printed.splitlines() if line.startswith("row ")]
    assert len(errors) == 200 and all("候補:" in line and "…" not in line for line in errors), errors[:3]
    assert "ほか 4,800 件のエラー" in printed and elapsed < 30, f"{elapsed:.0f} s"


def test_the_preview_and_a_jobs_stored_outcome_are_bounded_too(admin_client):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from registry.sheets.survey.importing import import_survey_file

    outcome = import_survey_file(unknown_organizations(1_000), "sheet.tsv", datetime.date(2019, 9, 30),
                                 dry_run=True)
    data = outcome.as_data()
    assert len(data["errors"]) == 200 and data["more_errors"] == 800 and outcome.counts["errors"] == 1_000
    assert type(outcome).from_data(data).error_lines()[-1] == "ほか 800 件のエラー"
    page = admin_client.post(reverse("admin:registry_base_import"), {
        "format": 0, "resource": 0, "survey_date": "2019-09-30",
        "import_file": SimpleUploadedFile("sheet.tsv", unknown_organizations(1_000))}).content.decode()
    assert page.count("架空市") == 200 and "ほか 800 件のエラー" in page and "<td>1000</td>" in page
