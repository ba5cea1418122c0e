"""Issue 16: whatever a cell holds, the readers and parsers answer with a value or one of the project's own errors.

Property-based (hypothesis): the inputs are drawn from the characters sheets really contain (era letters,
full-width digits, brackets, separators, quotes, control characters) plus anything at all.
"""
import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.parsing.countries import UnknownCountry, resolve_countries
from registry.parsing.dates import DateParseError, Precision, parse_partial_date
from registry.parsing.eras import FISCAL_YEAR_MAX, FISCAL_YEAR_MIN, EraError, parse_fiscal_year
from registry.parsing.text import clean_control_characters, normalize_cell, parse_int_cell, plain_text, split_multi
from registry.parsing.ties import TieParseError, parse_ties

SHEET_CHARACTERS = (
    "0123456789０１２３４５６７８９明大昭平令元MTSHRmtshr年月日度頃上中下旬春夏秋冬.-/~〜ー－()（）[]「」【】、,，・/／;；"
    " 　\t\n\"'=+@#%&*上海市ソウル大阪府姉妹都市友好提携MOU協定中国韓国アメリカ合衆国台湾香港USA~①②"
    "\x00\x0b\x0c\x1b\x7f"
)
sheet_text = st.text(alphabet=SHEET_CHARACTERS, max_size=40)
any_text = st.text(max_size=60)
cell_text = st.one_of(sheet_text, any_text)
cell_value = st.one_of(
    cell_text, st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True), st.dates(), st.datetimes(),
)
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
REFUSED = object()


def answer(call, *own_errors):
    """What ``call()`` returns, or REFUSED when it raised one of ``own_errors`` with a message; anything else fails."""
    try:
        return call()
    except own_errors as error:
        assert str(error)
        return REFUSED


@FAST
@given(cell_value)
def test_fiscal_years_are_in_range_or_an_era_error(value):
    year = answer(lambda: parse_fiscal_year(value), EraError)
    assert year is REFUSED or year is None or FISCAL_YEAR_MIN <= year <= FISCAL_YEAR_MAX


@FAST
@given(st.sampled_from(["S", "H", "R", "T", "M", "昭和", "平成", "令和", "大正", "明治", "Ｈ", "㍻"]),
       st.integers(min_value=-5, max_value=200), st.sampled_from(["", "年", "年度", "年度頃"]))
def test_era_years_of_any_number_read_or_explain(era, number, suffix):
    year = answer(lambda: parse_fiscal_year(f"{era}{number}{suffix}"), EraError)
    assert year is REFUSED or FISCAL_YEAR_MIN <= year <= FISCAL_YEAR_MAX


@FAST
@given(cell_value)
def test_dates_are_a_date_with_its_precision_or_a_date_error(value):
    result = answer(lambda: parse_partial_date(value), DateParseError)
    if result is not REFUSED:
        parsed, precision = result
        assert (parsed is None or isinstance(parsed, datetime.date)) and precision in set(Precision)


@FAST
@given(cell_text)
def test_free_text_ties_are_parts_or_a_tie_error(text):
    ties = answer(lambda: parse_ties(text), TieParseError)
    assert ties is REFUSED or isinstance(ties, list)


@FAST
@given(cell_text, cell_text)
def test_countries_resolve_or_name_the_unknown_one(country, city):
    codes = answer(lambda: resolve_countries(country, city), UnknownCountry)
    assert codes is REFUSED or all(isinstance(code, str) and code for code in codes)


@FAST
@given(cell_value)
def test_cells_always_clean_to_text(value):
    assert isinstance(normalize_cell(value), str)
    assert isinstance(plain_text(value), str)
    assert all(isinstance(part, str) for part in split_multi(value))


@FAST
@given(cell_value)
def test_counts_are_whole_numbers_or_a_value_error_that_says_why(value):
    number = answer(lambda: parse_int_cell(value), ValueError)
    assert number is REFUSED or number is None or (isinstance(number, int) and number >= 0)


@FAST
@given(any_text)
def test_control_characters_never_survive_cleaning(text):
    cleaned = clean_control_characters(text)
    assert not any(ord(ch) < 32 and ch not in "\t\n\r" or ord(ch) == 127 or ch in "\ufffe\uffff" for ch in cleaned)


@pytest.mark.django_db
class TestReaders:
    """The sheet reader and both layouts, fed arbitrary bytes and arbitrary delimited text."""

    @FAST
    @given(st.binary(max_size=400))
    def test_any_bytes_read_or_give_a_read_error(self, content):
        check_reader(content, "sheet.csv")

    @FAST
    @given(st.lists(st.lists(cell_text, max_size=8), max_size=12), st.sampled_from(["\t", ",", ";"]),
           st.sampled_from(["utf-8", "utf-8-sig", "cp932"]))
    def test_any_delimited_text_reads_or_gives_a_read_error(self, rows, delimiter, encoding):
        text = "\n".join(delimiter.join(cells) for cells in rows)
        try:
            content = text.encode(encoding)
        except UnicodeEncodeError:
            content = text.encode("utf-8")
        check_reader(content, "sheet.tsv")


def check_reader(content, file_name):
    from registry.sheets.agreements.layout import parse_agreement_table
    from registry.sheets.reader import SheetLayoutError, SheetReadError, read_table
    from registry.sheets.survey.layout import parse_survey_table

    table = answer(lambda: read_table(content, file_name), SheetReadError)
    if table is not REFUSED:
        for parse in (parse_survey_table, parse_agreement_table):
            answer(lambda: parse(table), SheetLayoutError, SheetReadError)


@pytest.mark.parametrize("text", ["1e999999999", "9" * 5000, "1E+5000"])
def test_huge_numbers_are_refused_at_once(text):
    with pytest.raises(ValueError):
        parse_int_cell(text)
    assert isinstance(normalize_cell(float("1e300")), str)
