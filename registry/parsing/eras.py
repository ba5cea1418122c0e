"""Japanese era (和暦) handling for fiscal years such as 「H14」 or 「令和元年度」."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .text import normalize_cell, per_text

FISCAL_YEAR_MIN = 1868
FISCAL_YEAR_MAX = 2100


@dataclass(frozen=True)
class Era:
    name: str  # 平成
    letter: str  # H
    start: date  # first day of the era (明治 approximated as 1 January)
    last_year: int | None  # last era year in use; None while the era is current

    @property
    def offset(self) -> int:
        """Add this to an era year to get the Gregorian year."""
        return self.start.year - 1


ERAS = (
    Era("明治", "M", date(1868, 1, 1), 45),
    Era("大正", "T", date(1912, 7, 30), 15),
    Era("昭和", "S", date(1926, 12, 25), 64),
    Era("平成", "H", date(1989, 1, 8), 31),
    Era("令和", "R", date(2019, 5, 1), None),
)

# Regex fragment matching an era token: a kanji name or its initial letter.
ERA_TOKEN_PATTERN = "|".join(
    [era.name for era in ERAS] + ["[" + "".join(era.letter for era in ERAS) + "]"]
)
ERA_YEAR_PATTERN = r"元|\d{1,2}"

_ERA_FISCAL_RE = re.compile(
    rf"(?P<era>{ERA_TOKEN_PATTERN})\.?(?P<year>{ERA_YEAR_PATTERN})(?:年度?)?",
    re.IGNORECASE,
)
_GREGORIAN_FISCAL_RE = re.compile(r"(?P<year>\d{4})(?:\.0+)?(?:年度?)?")


class EraError(ValueError):
    """A fiscal year or era year that cannot be understood."""

    def __init__(self, text, reason: str = ""):
        self.text = text
        detail = f"（{reason}）" if reason else ""
        super().__init__(f"年度「{text}」を解釈できません{detail}。例: H14, 平成14年度, 令和元年度, 2002")


def era_by_token(token: str) -> Era:
    """Return the era for a kanji name (平成) or a letter (H/h)."""
    for era in ERAS:
        if token == era.name or token.upper() == era.letter:
            return era
    raise EraError(token, "不明な元号")


def to_gregorian(era_token: str, era_year: int | str, text=None) -> int:
    """Convert e.g. ('H', 14) or ('平成', '元') to a Gregorian year."""
    era = era_by_token(era_token)
    number = 1 if era_year == "元" else int(era_year)
    if number < 1 or (era.last_year is not None and number > era.last_year):
        raise EraError(
            text if text is not None else f"{era_token}{era_year}",
            f"{era.name}は1〜{era.last_year}年" if era.last_year else f"{era.name}は1年から",
        )
    return era.offset + number


@per_text
def parse_fiscal_year(value) -> int | None:
    """Return the Gregorian fiscal year for a cell value, None if blank."""
    text = normalize_cell(value).replace(" ", "")
    if not text:
        return None
    match = _ERA_FISCAL_RE.fullmatch(text)
    if match:
        year = to_gregorian(match["era"], match["year"], value)
    else:
        match = _GREGORIAN_FISCAL_RE.fullmatch(text)
        if not match:
            raise EraError(value)
        year = int(match["year"])
    if not FISCAL_YEAR_MIN <= year <= FISCAL_YEAR_MAX:
        raise EraError(value, f"{FISCAL_YEAR_MIN}〜{FISCAL_YEAR_MAX}年度の範囲外")
    return year


def era_for_fiscal_year(year: int) -> Era:
    """Return the era that names fiscal year `year` (April to next March).

    The latest era whose first year is `year` or earlier wins, so FY2019 is
    令和元年度, FY1989 平成元年度, FY1926 昭和元年度, and FY1988 stays 昭和63年度
    (an era that starts in the following January does not name the year).
    """
    if not FISCAL_YEAR_MIN <= year <= FISCAL_YEAR_MAX:
        raise EraError(year, f"{FISCAL_YEAR_MIN}〜{FISCAL_YEAR_MAX}年度の範囲外")
    return [era for era in ERAS if era.start.year <= year][-1]


def _era_year_text(number: int) -> str:
    return "元" if number == 1 else str(number)


def era_name_for_fiscal_year(year: int) -> str:
    """2002 -> '平成14年度', 2019 -> '令和元年度'."""
    era = era_for_fiscal_year(year)
    return f"{era.name}{_era_year_text(year - era.offset)}年度"


def format_fiscal_year(year: int | None) -> str:
    """2002 -> '2002(平成14年度)', None -> ''."""
    if year is None:
        return ""
    return f"{year}({era_name_for_fiscal_year(year)})"


def era_date(day: date) -> str:
    """date(2017, 9, 30) -> '平成29年9月30日', date(2019, 5, 1) -> '令和元年5月1日' (by the era in force that day)."""
    era = [candidate for candidate in ERAS if candidate.start <= day][-1]
    return f"{era.name}{_era_year_text(day.year - era.offset)}年{day.month}月{day.day}日"


def short_era_code(year: int) -> str:
    """2002 -> 'H14', 2019 -> 'R1' (the survey sheet spelling)."""
    era = era_for_fiscal_year(year)
    return f"{era.letter}{year - era.offset}"


def era_year_name(year: int, on: date | None = None) -> str:
    """The 和暦 year: 2026 -> '令和8年', 2019 -> '令和元年'; with ``on``, the era in force that day
    (1989-01-07 -> '昭和64年'), else the era that began in or before that year."""
    candidates = [era for era in ERAS if (era.start <= on if on else era.start.year <= year)]
    if not candidates:
        return ""
    era = candidates[-1]
    return f"{era.name}{_era_year_text(year - era.offset)}年"
