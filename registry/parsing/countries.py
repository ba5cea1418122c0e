"""Country and region names from the survey sheets -> ISO 3166-1 alpha-2 codes.

Names come from ALIASES (the spellings the sheets use) plus, once the app is ready, django-countries' names in
Japanese and English, which the app hands in (``use_country_names``, from RegistryConfig.ready()): this module
does not import Django, and names read before then use ALIASES only.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from .text import normalize_cell, per_text, split_multi

ALIASES = {
    "KR": ("韓国", "大韓民国", "Korea", "South Korea", "Republic of Korea"),
    "CN": ("中国", "中華人民共和国", "China", "PRC"),
    "TW": ("台湾", "臺灣", "中華民国", "中華民国(台湾)", "Taiwan"),
    "HK": ("香港", "香港特別行政区", "Hong Kong", "Hongkong"),
    "MO": ("マカオ", "澳門", "マカオ特別行政区", "Macau", "Macao"),
    "US": ("米国", "アメリカ", "アメリカ合衆国", "USA", "US", "United States",
           "United States of America", "America"),
    "GB": ("英国", "イギリス", "United Kingdom", "UK", "Great Britain", "Britain"),
    "VN": ("ベトナム", "ヴィエトナム", "ベトナム社会主義共和国", "Vietnam", "Viet Nam"),
    "RU": ("ロシア", "ロシア連邦", "Russia", "Russian Federation"),
    "AE": ("アラブ首長国連邦", "UAE", "United Arab Emirates"),
    "TH": ("タイ", "タイ王国", "Thailand"),
    "DE": ("ドイツ", "ドイツ連邦共和国", "独国", "Germany"),
    "FR": ("フランス", "フランス共和国", "仏国", "France"),
    "IT": ("イタリア", "イタリア共和国", "Italy"),
    "AU": ("オーストラリア", "豪州", "オーストラリア連邦", "Australia"),
    "ID": ("インドネシア", "インドネシア共和国", "Indonesia"),
    "MY": ("マレーシア", "Malaysia"),
    "PH": ("フィリピン", "フィリピン共和国", "Philippines"),
    "SG": ("シンガポール", "シンガポール共和国", "Singapore"),
    "IN": ("インド", "インド共和国", "India"),
    "MM": ("ミャンマー", "ミャンマー連邦共和国", "Myanmar"),
    "KH": ("カンボジア", "カンボジア王国", "Cambodia"),
    "BR": ("ブラジル", "ブラジル連邦共和国", "Brazil"),
    "CA": ("カナダ", "Canada"),
    "MX": ("メキシコ", "メキシコ合衆国", "Mexico"),
    "NZ": ("ニュージーランド", "New Zealand"),
}

# How each code is written back into the survey sheet, when it differs from
# the django-countries Japanese name.
SHEET_LABELS = {
    "CN": "中国", "KR": "韓国", "TW": "台湾", "HK": "香港", "MO": "マカオ",
    "US": "アメリカ", "GB": "イギリス", "RU": "ロシア", "VN": "ベトナム",
}

# Regions that the survey records as country 中国 with the city naming them.
CHINA_CITY_REGIONS = frozenset({"HK"})

_IGNORED_IN_KEY = re.compile(r"[\s.・]")
_TWO_LETTERS = re.compile(r"[A-Z]{2}")


class UnknownCountry(ValueError):
    """A country or region name that is not in the table."""

    def __init__(self, name):
        self.name = name
        super().__init__(f"国・地域名が分かりません: {name!r}")


@per_text
def _key(name: str) -> str:
    return _IGNORED_IN_KEY.sub("", unicodedata.normalize("NFKC", name)).casefold()


# The names handed in beside ALIASES: "pairs" () -> ((name, code), ...), "display_name" (code, lang) -> name.
_NAME_SOURCES = {}


def use_country_names(pairs, display_name):
    """Read countries by the names ``pairs()`` gives too, and name codes with ``display_name(code, lang)``."""
    _NAME_SOURCES["pairs"], _NAME_SOURCES["display_name"] = functools.cache(pairs), display_name
    for cached in (_known_names, _index, _known_codes):
        cached.cache_clear()


def _handed_in_pairs() -> tuple[tuple[str, str], ...]:
    return _NAME_SOURCES["pairs"]()


def _handed_in() -> bool:
    """Whether names were handed in (names and codes read before the app is ready leave them out)."""
    return "pairs" in _NAME_SOURCES


def known_names() -> tuple[tuple[str, str], ...]:
    """All (name, code) pairs; aliases come last so they take precedence."""
    return _known_names(_handed_in())


# Keyed by whether names were handed in, not by the pairs themselves: a tuple of hundreds of pairs is hashed anew at
# every call, and a sheet asks for every cell.
@functools.cache
def _known_names(handed_in: bool) -> tuple[tuple[str, str], ...]:
    handed_pairs = _handed_in_pairs() if handed_in else ()
    pairs = [(unicodedata.normalize("NFKC", name), code) for name, code in handed_pairs]
    pairs += [(name, code) for code, names in ALIASES.items() for name in names]
    return tuple(pairs)


@functools.cache
def _index(handed_in: bool) -> dict[str, str]:
    return {_key(name): code for name, code in _known_names(handed_in)}


@functools.cache
def _known_codes(handed_in: bool) -> frozenset[str]:
    return frozenset(ALIASES) | {code for _name, code in (_handed_in_pairs() if handed_in else ())}


def country_code(name) -> str | None:
    """Return the ISO alpha-2 code for a country name, or None if unknown."""
    text = normalize_cell(name)
    if not text:
        return None
    ready = _handed_in()
    if _TWO_LETTERS.fullmatch(text) and text in _known_codes(ready):
        return text
    return _index(ready).get(_key(text))


def split_country_prefix(text: str) -> tuple[str, str] | None:
    """Split 'アメリカ合衆国ミシガン州' into ('US', 'ミシガン州') using the longest
    known country name at the start of the text; None if no name matches."""
    text = normalize_cell(text)
    folded = text.casefold()
    best = None
    for name, code in known_names():
        if folded.startswith(name.casefold()) and (best is None or len(name) >= len(best[0])):
            best = (name, code)
    if best is None:
        return None
    return best[1], text[len(best[0]):].strip()


def require_country_code(name) -> str:
    """Like country_code() but raise UnknownCountry instead of returning None."""
    code = country_code(name)
    if code is None:
        raise UnknownCountry(name)
    return code


def resolve_countries(country_cell, city_cell) -> list[str]:
    """Apply the survey rule: 中国 whose cities are all 香港 means HK."""
    codes: list[str] = []
    for name in split_multi(country_cell):
        code = require_country_code(name)
        if code not in codes:
            codes.append(code)
    if codes == ["CN"]:
        region = _single_city_region(city_cell)
        if region:
            return [region]
    return codes


def _single_city_region(city_cell) -> str | None:
    """The China region (HK) that every city in the cell names, if any."""
    regions = {country_code(city) for city in split_multi(city_cell)}
    if len(regions) == 1:
        region = regions.pop()
        if region in CHINA_CITY_REGIONS:
            return region
    return None


def country_display_name(code: str, lang: str = "ja") -> str:
    """The name of a code in the given language (django-countries', once the app has handed it in)."""
    display_name = _NAME_SOURCES.get("display_name")
    if display_name is None:
        return SHEET_LABELS.get(code, code)
    return display_name(code, lang) or code


def country_label(code: str) -> str:
    """The spelling written back to a sheet; re-imports to the same code."""
    label = SHEET_LABELS.get(code)
    if label is None:
        label = country_display_name(code, "ja").replace(" ", "")
    if split_multi(label) != [label] or country_code(label) != code:
        return code
    return label


def sheet_country_cell(codes, cities=()) -> str:
    """Write codes as a sheet country cell ('/'-joined).

    ['HK'] with cities ['香港'] becomes '中国', as the survey writes it;
    resolve_countries() turns that back into ['HK'].
    """
    codes = list(codes)
    city_cell = "/".join(cities)
    if len(codes) == 1 and codes[0] in CHINA_CITY_REGIONS and _single_city_region(city_cell) == codes[0]:
        return SHEET_LABELS["CN"]
    return "/".join(country_label(code) for code in codes)
