"""Records and parsed exports for the list and survey page tests."""
import csv
import io

from registry.models import BaseRoundRecord
from registry.rounds.records import COPIED_FIELDS


def record_for(survey_round, base, **overrides):
    """The round's record of a base as it stands now, with any figures overridden."""
    values = {name: getattr(base, name) for name in COPIED_FIELDS}
    values.update(overrides)
    return BaseRoundRecord.objects.create(survey_round=survey_round, base=base, **values)


def body(response):
    """The bytes of a response, streamed (downloads) or not."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(response):
    content = body(response)
    assert content.startswith(b"\xef\xbb\xbf"), "CSV starts with a UTF-8 BOM"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def xlsx_rows(response):
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(body(response))).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()], sheet
