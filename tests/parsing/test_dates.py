from datetime import date, datetime

import pytest

from registry.parsing.dates import (
    DateParseError,
    Precision,
    format_partial_date,
    format_partial_date_iso,
    parse_partial_date,
)

DAY, MONTH, YEAR, UNKNOWN = Precision.DAY, Precision.MONTH, Precision.YEAR, Precision.UNKNOWN


@pytest.mark.parametrize(
    "text, expected, precision",
    [
        ("1980-11-21", date(1980, 11, 21), DAY),
        ("1980/11/21", date(1980, 11, 21), DAY),
        ("1980年11月21日", date(1980, 11, 21), DAY),
        ("１９８０年１１月２１日", date(1980, 11, 21), DAY),
        ("S55.11.21", date(1980, 11, 21), DAY),
        ("S55.11", date(1980, 11, 1), MONTH),
        ("S55", date(1980, 1, 1), YEAR),
        ("昭和55年11月21日", date(1980, 11, 21), DAY),
        ("平成元年", date(1989, 1, 1), YEAR),
        ("平成元年4月", date(1989, 4, 1), MONTH),
        ("R1.5.1", date(2019, 5, 1), DAY),
        ("2023年10月", date(2023, 10, 1), MONTH),
        ("2023-10", date(2023, 10, 1), MONTH),
        ("2023", date(2023, 1, 1), YEAR),
        (2023, date(2023, 1, 1), YEAR),
        ("October 2023", date(2023, 10, 1), MONTH),
        ("Oct 2023", date(2023, 10, 1), MONTH),
        ("Nov 21, 1980", date(1980, 11, 21), DAY),
        ("November 21, 1980", date(1980, 11, 21), DAY),
        ("21 November 1980", date(1980, 11, 21), DAY),
        ("October 3rd, 2019", date(2019, 10, 3), DAY),
        ("Sept. 1, 2001", date(2001, 9, 1), DAY),
        ("2019-10-03", date(2019, 10, 3), DAY),
        ("2007.10.25", date(2007, 10, 25), DAY),
    ],
)
def test_parse_partial_date(text, expected, precision):
    assert parse_partial_date(text) == (expected, precision)


@pytest.mark.parametrize("blank", [None, "", " ", "-", "－", "ー"])
def test_blank_is_unknown(blank):
    assert parse_partial_date(blank) == (None, UNKNOWN)


def test_date_objects_have_day_precision():
    assert parse_partial_date(date(2020, 2, 29)) == (date(2020, 2, 29), DAY)
    assert parse_partial_date(datetime(2020, 2, 29, 13, 5)) == (date(2020, 2, 29), DAY)


@pytest.mark.parametrize(
    "text",
    ["2023-02-30", "2023-13", "2023年13月", "平成32年", "S0.1.1", "昭和65年1月1日", "Foo 2023", "yesterday", "2023-10-3-1"],
)
def test_invalid_dates_raise_with_text(text):
    with pytest.raises(DateParseError) as info:
        parse_partial_date(text)
    assert repr(text) in str(info.value)


def test_precision_values_are_plain_strings():
    assert Precision.DAY == "day"
    assert [p.value for p in Precision] == ["day", "month", "year", "unknown"]


@pytest.mark.parametrize(
    "value, precision, ja, en, iso",
    [
        (date(1980, 11, 21), DAY, "1980年11月21日", "November 21, 1980", "1980-11-21"),
        (date(2023, 10, 1), MONTH, "2023年10月", "October 2023", "2023-10"),
        (date(2002, 1, 1), YEAR, "2002年", "2002", "2002"),
        (None, UNKNOWN, "", "", ""),
        (date(2002, 1, 1), UNKNOWN, "", "", ""),
    ],
)
def test_formatting(value, precision, ja, en, iso):
    assert format_partial_date(value, precision) == ja
    assert format_partial_date(value, precision, lang="en") == en
    assert format_partial_date_iso(value, precision) == iso


@pytest.mark.parametrize(
    "value, precision",
    [(date(1980, 11, 21), DAY), (date(2023, 10, 1), MONTH), (date(2002, 1, 1), YEAR), (None, UNKNOWN)],
)
def test_formats_round_trip(value, precision):
    assert parse_partial_date(format_partial_date_iso(value, precision)) == (value, precision)
    assert parse_partial_date(format_partial_date(value, precision)) == (value, precision)
    assert parse_partial_date(format_partial_date(value, precision, "en")) == (value, precision)


def test_format_accepts_plain_string_precision():
    assert format_partial_date(date(2023, 10, 1), "month") == "2023年10月"


def test_format_rejects_unknown_language():
    with pytest.raises(ValueError):
        format_partial_date(date(2023, 10, 1), DAY, lang="fr")
