import pytest

from registry.parsing.eras import (
    EraError,
    era_name_for_fiscal_year,
    format_fiscal_year,
    parse_fiscal_year,
    short_era_code,
    to_gregorian,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("S53", 1978),
        ("H14", 2002),
        ("h14", 2002),
        ("Ｈ２７", 2015),
        ("㍻27", 2015),
        ("平成30", 2018),
        ("平成30年度", 2018),
        ("平成元", 1989),
        ("平成元年度", 1989),
        ("平成31年度", 2019),
        ("R1", 2019),
        ("R元", 2019),
        ("令和元", 2019),
        ("令和元年度", 2019),
        ("令和5年度", 2023),
        ("2019", 2019),
        ("2019年度", 2019),
        ("H.14", 2002),
        ("S 53", 1978),
        (" 昭和64年 ", 1989),
        ("明治元年", 1868),
        (2019, 2019),
        (2019.0, 2019),
        ("2019.0", 2019),
    ],
)
def test_parse_fiscal_year_accepts_common_spellings(text, expected):
    assert parse_fiscal_year(text) == expected


@pytest.mark.parametrize("blank", [None, "", "  ", "-", "－", "ー", "—"])
def test_parse_fiscal_year_blank_is_none(blank):
    assert parse_fiscal_year(blank) is None


@pytest.mark.parametrize(
    "text",
    ["昭和65", "平成32", "平成0", "H0", "大正16", "X14", "平成", "abc", "1867", "2101", "2019.5", 1800, "H14年4月"],
)
def test_parse_fiscal_year_rejects_invalid(text):
    with pytest.raises(EraError) as info:
        parse_fiscal_year(text)
    assert f"「{text}」" in str(info.value)


def test_era_error_is_value_error():
    assert issubclass(EraError, ValueError)


def test_reiwa_is_open_ended():
    assert parse_fiscal_year("令和82年度") == 2100


def test_to_gregorian():
    assert to_gregorian("平成", "元") == 1989
    assert to_gregorian("s", 55) == 1980


@pytest.mark.parametrize(
    "year, expected",
    [
        (2002, "平成14年度"),
        (2018, "平成30年度"),
        (2019, "令和元年度"),
        (2020, "令和2年度"),
        (1989, "平成元年度"),
        (1988, "昭和63年度"),
        (1926, "昭和元年度"),
        (1925, "大正14年度"),
        (1912, "大正元年度"),
        (1868, "明治元年度"),
    ],
)
def test_era_name_for_fiscal_year(year, expected):
    assert era_name_for_fiscal_year(year) == expected


def test_format_fiscal_year():
    assert format_fiscal_year(2002) == "2002(平成14年度)"
    assert format_fiscal_year(None) == ""


@pytest.mark.parametrize("year, code", [(2002, "H14"), (1978, "S53"), (2019, "R1"), (1989, "H1"), (2024, "R6")])
def test_short_era_code(year, code):
    assert short_era_code(year) == code


@pytest.mark.parametrize("year", range(1868, 2101))
def test_short_era_code_and_era_name_round_trip(year):
    assert parse_fiscal_year(short_era_code(year)) == year
    assert parse_fiscal_year(era_name_for_fiscal_year(year)) == year


def test_era_name_out_of_range():
    with pytest.raises(EraError):
        era_name_for_fiscal_year(1867)
