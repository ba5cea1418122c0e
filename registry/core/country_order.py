"""Country and region names in Japanese, ordered by their reading (あいうえお), for pickers and filters.

django-countries gives the Japanese names; pykakasi reads the ones written in kanji (中国 → ちゅうごく,
韓国 → かんこく, 香港 → ほんこん), and READINGS corrects the few it reads wrong. Katakana names read as
written. The order is the Japanese dictionary order of the readings, not the English alphabet.

The readings are generated once into ``country_readings.json`` (``manage.py country_readings``): loading
pykakasi's dictionary takes over a second, which the first page with a country picker used to pay.
"""
import functools
import json
import unicodedata
from pathlib import Path

from django.utils.translation import get_language
from django_countries import countries

# Readings pykakasi gets wrong (it reads 米領 as こめりょう).
READINGS = {"AS": "べいりょうさもあ", "UM": "がっしゅうこくりょうゆうしょうりとう"}
READINGS_FILE = Path(__file__).with_name("country_readings.json")


@functools.cache
def _kakasi():
    import pykakasi

    return pykakasi.kakasi()


def to_hiragana(text):
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


@functools.lru_cache(maxsize=1024)
def reading(name):
    """How a Japanese name is read, in hiragana (katakana and kanji alike)."""
    text = unicodedata.normalize("NFKC", str(name))
    return to_hiragana("".join(part["hira"] for part in _kakasi().convert(text)))


def computed_readings():
    """{code: reading} for every country, from its Japanese name (the language must be Japanese)."""
    return {country.code: READINGS.get(country.code) or reading(country.name) for country in countries}


@functools.cache
def stored_readings():
    return json.loads(READINGS_FILE.read_text(encoding="utf-8"))


def reading_of(code):
    return stored_readings().get(code) or READINGS.get(code) or reading(countries.name(code))


def sort_key(code):
    name = str(countries.name(code))
    if get_language() and get_language().startswith("ja"):
        return (reading_of(code), name)
    return (name.casefold(), name)


def country_choices(codes=None):
    """(code, name) for these codes (every country when None), ordered by reading in Japanese."""
    if codes is None:
        codes = [country.code for country in countries]
    codes = [code for code in dict.fromkeys(codes) if code and countries.name(code)]
    return [(code, str(countries.name(code))) for code in sorted(codes, key=sort_key)]


def codes_in(values):
    """The distinct codes of comma-separated country values (``CountryField(multiple=True)`` columns)."""
    codes = set()
    for value in values:
        codes.update(code for code in str(value or "").split(",") if code)
    return codes
