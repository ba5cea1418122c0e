"""Free-text partnership ties as clerks write them.

Expected form: 「相手先(国・州・日付種類)」, e.g.
バトルクリーク市(アメリカ合衆国ミシガン州・S56.7.1姉妹都市提携).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from .countries import split_country_prefix
from .dates import DateParseError, Precision, parse_partial_date
from .eras import ERA_TOKEN_PATTERN
from .text import normalize_cell, split_outside_brackets


class TieType(StrEnum):
    """The kinds of tie; ``registry.models.AgreementType`` gives them their labels."""

    SISTER_CITY = "sister_city"
    FRIENDSHIP = "friendship"
    MOU = "mou"
    ECONOMIC = "economic"
    OTHER = "other"


# Checked in order; the first keyword found in the text decides the type,
# so 「友好交流に関する覚書」 is a memorandum rather than a friendship tie.
_TYPE_KEYWORDS = (
    (TieType.MOU, ("覚書", "mou", "memorandum")),
    (TieType.ECONOMIC, ("経済",)),
    (TieType.SISTER_CITY, ("姉妹", "sister")),
    (TieType.FRIENDSHIP, ("友好", "friendship")),
)

REGION_SUFFIXES = ("州", "省", "県", "市", "区", "郡", "町", "村", "道", "府", "地域", "地方", "自治区")

# A date at the start of a segment: 'S56.7.1', '平成元年', '2007.10.25'.
_LEADING_DATE_RE = re.compile(
    rf"(?:(?:{ERA_TOKEN_PATTERN})\s*\.?\s*(?:元|\d)|\d)(?:\s*[\d./\-年月日])*",
    re.IGNORECASE,
)

EXPECTED_FORM = (
    "「相手先(国・州・日付種類)」の形で入力してください"
    "（例: バトルクリーク市(アメリカ合衆国ミシガン州・S56.7.1姉妹都市提携)）"
)


class TieParseError(ValueError):
    """Tie text that does not follow the expected form."""

    def __init__(self, text, reason: str = ""):
        self.text = text
        detail = f"（{reason}）" if reason else ""
        super().__init__(f"提携情報を読み取れません: {text!r}{detail}。{EXPECTED_FORM}")


@dataclass
class TieParts:
    partner_name: str
    country_code: str | None
    region: str
    signed: date | None
    precision: Precision
    agreement_type: str
    raw: str


def agreement_type(text: str) -> str:
    """Map 姉妹都市提携 / 友好交流 / 覚書 / 経済交流協定 ... to a type constant."""
    folded = normalize_cell(text).casefold()
    for type_code, keywords in _TYPE_KEYWORDS:
        if any(keyword in folded for keyword in keywords):
            return type_code
    return TieType.OTHER


def parse_tie(text) -> TieParts:
    """Parse one tie such as 'ドバイ(アラブ首長国連邦・H14.10.29友好提携)'."""
    raw = "" if text is None else str(text).strip()
    cleaned = normalize_cell(raw)
    partner, inner = _split_trailing_group(cleaned, raw)
    segments = [s.strip() for s in inner.split("・") if s.strip()]
    if not segments:
        raise TieParseError(raw, "括弧の中が空です")
    country, regions, rest = _take_country(segments)
    signed, precision, type_texts = None, Precision.UNKNOWN, []
    for position, segment in enumerate(rest):
        date_text, remainder = _split_leading_date(segment)
        if date_text:
            signed, precision = _parse_date(date_text, raw)
            type_texts.append(remainder)
        elif _is_type_text(segment, is_last=position == len(rest) - 1):
            type_texts.append(segment)
        else:
            regions.append(segment)
    type_text = " ".join(t for t in type_texts if t)
    return TieParts(
        partner_name=partner,
        country_code=country,
        region="・".join(regions),
        signed=signed,
        precision=precision,
        agreement_type=agreement_type(type_text),
        raw=raw,
    )


def _split_trailing_group(text: str, raw: str) -> tuple[str, str]:
    """Split 'name(inner)' at the bracket group that closes the text."""
    if not text.endswith(")"):
        raise TieParseError(raw, "末尾に括弧がありません")
    depth = 0
    for index in range(len(text) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(text[index], 0)
        if depth == 0:
            partner = text[:index].strip()
            if not partner:
                raise TieParseError(raw, "相手先の名前がありません")
            return partner, text[index + 1:-1]
    raise TieParseError(raw, "括弧が閉じていません")


def _take_country(segments: list[str]) -> tuple[str | None, list[str], list[str]]:
    """Find the country at the start; a country name may itself contain ・."""
    for count in range(1, len(segments) + 1):
        found = split_country_prefix("・".join(segments[:count]))
        if found:
            code, region = found
            return code, [region] if region else [], segments[count:]
    return None, [], segments


def _split_leading_date(segment: str) -> tuple[str, str]:
    match = _LEADING_DATE_RE.match(segment)
    if not match:
        return "", segment
    return match.group().strip().rstrip("./-"), segment[match.end():].strip()


def _parse_date(date_text: str, raw: str) -> tuple[date | None, Precision]:
    try:
        return parse_partial_date(date_text)
    except DateParseError as exc:
        raise TieParseError(raw, f"日付 {date_text!r} が不正です: {exc}") from None


def _is_type_text(segment: str, is_last: bool) -> bool:
    if agreement_type(segment) != TieType.OTHER:
        return True
    return is_last and not segment.endswith(REGION_SUFFIXES)


def parse_ties(cell) -> list[TieParts]:
    """Parse a cell holding several ties separated by newlines, 、 or ;."""
    text = unicodedata.normalize("NFKC", "" if cell is None else str(cell))
    return [parse_tie(item) for item in _split_ties(text) if normalize_cell(item)]


def _split_ties(text: str) -> list[str]:
    """Ties are separated by a line break, 、 ; / or a space after a closing bracket, outside brackets."""
    return split_outside_brackets(text, _is_tie_separator, brackets={"(": ")"})


def _is_tie_separator(text: str, index: int, chunk: list) -> bool:
    ch = text[index]
    return ch in "\n、;/" or (ch.isspace() and "".join(chunk).rstrip().endswith(")"))
