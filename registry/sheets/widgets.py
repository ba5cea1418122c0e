"""import-export widgets that read and write survey cells."""
from import_export.widgets import Widget

from registry.models.bases import CITY_SEPARATOR
from registry.parsing.countries import UnknownCountry, resolve_countries, sheet_country_cell
from registry.parsing.eras import EraError, parse_fiscal_year, short_era_code
from registry.parsing.text import normalize_cell, parse_int_cell, split_multi

from .values import ValueProblem


class CountNumberWidget(Widget):
    """A whole number ≥ 0 (staff counts, base numbers); '-' or empty is None."""

    def clean(self, value, row=None, **kwargs):
        try:
            return parse_int_cell(value)
        except ValueError as error:
            raise ValueProblem(str(error)) from error

    def render(self, value, obj=None, **kwargs):
        return value


class FiscalYearWidget(Widget):
    def clean(self, value, row=None, **kwargs):
        try:
            return parse_fiscal_year(value)
        except EraError as error:
            raise ValueProblem(str(error)) from error

    def render(self, value, obj=None, **kwargs):
        return short_era_code(value) if value else ""


class CountriesWidget(Widget):
    """The 設置国・地域 cell; 中国 with the single city 香港 is the region Hong Kong."""

    def __init__(self, cities_column):
        super().__init__()
        self.cities_column = cities_column

    def clean(self, value, row=None, **kwargs):
        cities = (row or {}).get(self.cities_column, "")
        try:
            codes = resolve_countries(value, cities)
        except UnknownCountry as error:
            raise ValueProblem(str(error)) from error
        if not codes:
            raise ValueProblem("国・地域が空です")
        return codes

    def render(self, value, obj=None, **kwargs):
        codes = [str(code) for code in (value or [])]
        return sheet_country_cell(codes, obj.city_list if obj is not None else ())


class CitiesWidget(Widget):
    def clean(self, value, row=None, **kwargs):
        return CITY_SEPARATOR.join(split_multi(value))

    def render(self, value, obj=None, **kwargs):
        return value or ""


class TextWidget(Widget):
    def clean(self, value, row=None, **kwargs):
        return "" if value is None else str(value).strip()

    def render(self, value, obj=None, **kwargs):
        return value or ""


class NamedRecordWidget(Widget):
    """A related record written by its name (and found by name through ``lookup``, when importing)."""

    def __init__(self, lookup=None, attribute="name"):
        super().__init__()
        self.lookup = lookup
        self.attribute = attribute

    def clean(self, value, row=None, **kwargs):
        text = normalize_cell(value) if value is not None and not isinstance(value, str) else (value or "").strip()
        return self.lookup(text, row) if text else None

    def render(self, value, obj=None, **kwargs):
        return getattr(value, self.attribute, "") if value is not None else ""
