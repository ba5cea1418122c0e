"""Records and parsed exports for the list and survey page tests."""
import csv
import io
from collections import Counter

from registry.models import BaseRoundRecord
from registry.parsing.text import split_multi
from registry.survey.summary import one_decimal
from registry.survey.records import COPIED_FIELDS


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


def counted_one_by_one(records):
    """The survey's counting rules applied to each record in turn (as the report counted before issue 14): the
    summary, and the weighted counts by country, fiscal year and prefecture name. Records need ``base``,
    ``countries``, ``cities``, ``form``, ``established_fy`` and the staff figures."""
    records = list(records)
    bases, countries, forms, years, prefectures, cities = 0, Counter(), Counter(), Counter(), Counter(), set()
    for record in records:
        codes = [str(code) for code in record.countries] or ["??"]
        bases += len(codes)
        countries.update(codes)
        forms[record.form] += len(codes)
        years[record.established_fy] += len(codes)
        prefectures[record.base.organization.home_prefecture.name] += len(codes)
        cities.update(split_multi(record.cities))
    dispatched = sum(record.staff_dispatched for record in records)
    local = sum(record.staff_local for record in records)
    summary = {
        "organizations": len({record.base.organization_id for record in records}),
        "bases": bases,
        "countries": len(countries),
        "cities": len(cities),
        "forms": {letter: forms[letter] for letter in "abcd"},
        "staff": {"total": dispatched + local, "dispatched": dispatched, "local": local},
        "average": {"total": one_decimal(dispatched + local, bases), "dispatched": one_decimal(dispatched, bases),
                    "local": one_decimal(local, bases)},
    }
    return summary, countries, years, prefectures
