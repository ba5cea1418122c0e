"""Dates as people write them (「S55.11.21」, 「2023年10月」, "Oct 2023"), with precision."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime
from enum import StrEnum

from .eras import ERA_TOKEN_PATTERN, ERA_YEAR_PATTERN, EraError, to_gregorian
from .text import normalize_cell, per_text


class Precision(StrEnum):
    """How much of a partial date is known; missing parts are stored as 1."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"
    UNKNOWN = "unknown"


class DateParseError(ValueError):
    """A date cell that cannot be read or names an impossible date."""


MONTH_NAMES_EN = (
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
)
_MONTHS_BY_PREFIX = {name[:3].lower(): number for number, name in enumerate(MONTH_NAMES_EN, 1)}
_MONTH = r"(?P<month_name>[A-Za-z]{3,9})\.?"
_ORDINAL = r"(?:st|nd|rd|th)?"

_NUMERIC_PATTERNS = (
    # 1980-11-21, 1980/11/21, 2023-10, 2023
    r"(?P<year>\d{4})(?:[-/.](?P<month>\d{1,2})(?:[-/.](?P<day>\d{1,2}))?)?",
    # 1980年11月21日, 2023年10月, 2002年
    r"(?P<year>\d{4})年(?:(?P<month>\d{1,2})月(?:(?P<day>\d{1,2})日)?)?",
    # S55.11.21, S55.11, S55, 平成元
    rf"(?P<era>{ERA_TOKEN_PATTERN})\.?(?P<era_year>{ERA_YEAR_PATTERN})"
    rf"(?:[-/.](?P<month>\d{{1,2}})(?:[-/.](?P<day>\d{{1,2}}))?)?",
    # 昭和55年11月21日, 平成元年4月
    rf"(?P<era>{ERA_TOKEN_PATTERN})(?P<era_year>{ERA_YEAR_PATTERN})年"
    rf"(?:(?P<month>\d{{1,2}})月(?:(?P<day>\d{{1,2}})日)?)?",
)
_ENGLISH_PATTERNS = (
    # October 2023, Oct. 2023
    rf"{_MONTH},?\s+(?P<year>\d{{4}})",
    # November 21, 1980 / October 3rd, 2019
    rf"{_MONTH}\s+(?P<day>\d{{1,2}}){_ORDINAL},?\s+(?P<year>\d{{4}})",
    # 21 November 1980
    rf"(?P<day>\d{{1,2}}){_ORDINAL}\s+{_MONTH},?\s+(?P<year>\d{{4}})",
)
_NUMERIC_RES = tuple(re.compile(p, re.IGNORECASE) for p in _NUMERIC_PATTERNS)
_ENGLISH_RES = tuple(re.compile(p, re.IGNORECASE) for p in _ENGLISH_PATTERNS)


@per_text
def parse_partial_date(value) -> tuple[date | None, Precision]:
    """Return (date, precision); (None, UNKNOWN) for a blank cell."""
    if isinstance(value, datetime):
        return value.date(), Precision.DAY
    if isinstance(value, date):
        return value, Precision.DAY
    text = normalize_cell(value)
    if not text:
        return None, Precision.UNKNOWN
    for pattern in _NUMERIC_RES:
        match = pattern.fullmatch(text.replace(" ", ""))
        if match:
            return _build_date(match, value)
    for pattern in _ENGLISH_RES:
        match = pattern.fullmatch(text)
        if match:
            return _build_date(match, value)
    raise DateParseError(f"日付を読み取れません: {value!r}（例: 1980-11-21, S55.11.21, 2023年10月）")


def _build_date(match: re.Match, original) -> tuple[date, Precision]:
    parts = match.groupdict()
    year = _year_of(parts, original)
    month = _month_of(parts, original)
    day = int(parts["day"]) if parts.get("day") else None
    if day is not None:
        precision = Precision.DAY
    elif month is not None:
        precision = Precision.MONTH
    else:
        precision = Precision.YEAR
    try:
        return date(year, month or 1, day or 1), precision
    except ValueError as exc:
        raise DateParseError(f"存在しない日付です: {original!r} ({exc})") from None


def _year_of(parts: dict, original) -> int:
    if not parts.get("era"):
        return int(parts["year"])
    try:
        return to_gregorian(parts["era"], parts["era_year"], original)
    except EraError as exc:
        raise DateParseError(f"和暦の年が範囲外です: {original!r} ({exc})") from None


def _month_of(parts: dict, original) -> int | None:
    if parts.get("month_name"):
        number = _MONTHS_BY_PREFIX.get(parts["month_name"][:3].lower())
        if number is None or not _is_month_name(parts["month_name"]):
            raise DateParseError(f"月の名前を読み取れません: {original!r}")
        return number
    return int(parts["month"]) if parts.get("month") else None


def _is_month_name(word: str) -> bool:
    word = word.lower()
    return any(name.lower().startswith(word) for name in MONTH_NAMES_EN)


def format_partial_date(value: date | None, precision: str, lang: str = "ja") -> str:
    """Render a partial date for people: '1980年11月21日' or 'November 21, 1980'."""
    if value is None or precision == Precision.UNKNOWN:
        return ""
    if lang == "ja":
        return _format_ja(value, precision)
    if lang == "en":
        return _format_en(value, precision)
    raise ValueError(f"unsupported language: {lang!r}")


def _format_ja(value: date, precision: str) -> str:
    if precision == Precision.DAY:
        return f"{value.year}年{value.month}月{value.day}日"
    if precision == Precision.MONTH:
        return f"{value.year}年{value.month}月"
    return f"{value.year}年"


def _format_en(value: date, precision: str) -> str:
    month = MONTH_NAMES_EN[value.month - 1]
    if precision == Precision.DAY:
        return f"{month} {value.day}, {value.year}"
    if precision == Precision.MONTH:
        return f"{month} {value.year}"
    return str(value.year)


def format_partial_date_iso(value: date | None, precision: str) -> str:
    """'1980-11-21', '2023-10' or '2002' — re-parses to the same value."""
    if value is None or precision == Precision.UNKNOWN:
        return ""
    if precision == Precision.DAY:
        return value.isoformat()
    if precision == Precision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return f"{value.year:04d}"


def period_end(value: date, precision: str) -> date:
    """The last day of the period a partial date stands for: 「2008年10月」 → 2008-10-31, 「2008年」 → 2008-12-31."""
    if precision == Precision.YEAR:
        return date(value.year, 12, 31)
    if precision == Precision.MONTH:
        return value.replace(day=calendar.monthrange(value.year, value.month)[1])
    return value


def period_start(value: date, precision: str) -> date:
    """The first day of the period a partial date stands for: 「2008年10月」 → 2008-10-01, 「2008年」 → 2008-01-01."""
    if precision == Precision.YEAR:
        return date(value.year, 1, 1)
    if precision == Precision.MONTH:
        return value.replace(day=1)
    return value


def add_years(value: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return value.replace(year=value.year + years)
    except ValueError:
        return value.replace(year=value.year + years, day=28)


def format_partial_date_noting_unknown(value: date, precision: str) -> str:
    """'2027年5月3日', '2027年5月（日不明）', '2027年（月日不明）': what is not known is said."""
    if precision == Precision.MONTH:
        return f"{value.year}年{value.month}月（日不明）"
    if precision == Precision.YEAR:
        return f"{value.year}年（月日不明）"
    return _format_ja(value, precision)
