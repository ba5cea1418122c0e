"""Country and region names from the survey sheets -> ISO 3166-1 alpha-2 codes.

Names come from django-countries (Japanese and English) plus ALIASES for the
spellings the sheets use. The django-countries part is built lazily, so this
module can be imported before Django is set up.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from django.core.exceptions import AppRegistryNotReady, ImproperlyConfigured

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


@functools.cache
def _django_names() -> tuple[tuple[str, str], ...]:
    """(name, code) pairs from django-countries in Japanese and English."""
    from django.utils.translation import override
    from django_countries import countries

    pairs = []
    for language in ("ja", "en"):
        with override(language):
            pairs += [(str(country.name), country.code) for country in countries]
    return tuple(pairs)


def _django_ready() -> bool:
    """Whether django-countries can be asked (names and codes read before Django is set up leave it out)."""
    try:
        _django_names()
    except (AppRegistryNotReady, ImproperlyConfigured):
        return False
    return True


def known_names() -> tuple[tuple[str, str], ...]:
    """All (name, code) pairs; aliases come last so they take precedence."""
    return _known_names(_django_ready())


# Keyed by whether Django is ready, not by the pairs themselves: a tuple of hundreds of pairs is hashed anew at
# every call, and a sheet asks for every cell.
@functools.cache
def _known_names(with_django: bool) -> tuple[tuple[str, str], ...]:
    django_pairs = _django_names() if with_django else ()
    pairs = [(unicodedata.normalize("NFKC", name), code) for name, code in django_pairs]
    pairs += [(name, code) for code, names in ALIASES.items() for name in names]
    return tuple(pairs)


@functools.cache
def _index(with_django: bool) -> dict[str, str]:
    return {_key(name): code for name, code in _known_names(with_django)}


@functools.cache
def _known_codes(with_django: bool) -> frozenset[str]:
    return frozenset(ALIASES) | {code for _name, code in (_django_names() if with_django else ())}


def country_code(name) -> str | None:
    """Return the ISO alpha-2 code for a country name, or None if unknown."""
    text = normalize_cell(name)
    if not text:
        return None
    ready = _django_ready()
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
    """The django-countries name of a code in the given language."""
    from django.utils.translation import override
    from django_countries import countries

    try:
        with override(lang):
            return str(countries.name(code)) or code
    except (AppRegistryNotReady, ImproperlyConfigured):
        return SHEET_LABELS.get(code, code)


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
