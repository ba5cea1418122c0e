"""Form fields shared by the admin forms and the list pages' filters."""
from django import forms

from registry.parsing.eras import EraError, format_fiscal_year, parse_fiscal_year


class FiscalYearField(forms.CharField):
    """A fiscal year as people write it (H14, 平成14年度, 令和元年度, 2002); keeps the Gregorian year."""

    def prepare_value(self, value):
        if isinstance(value, int):
            return format_fiscal_year(value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        if text and "(" in text and text.endswith(")"):
            text = text.split("(")[0]  # the form shows "2002(平成14年度)"
        try:
            return parse_fiscal_year(text)
        except EraError as error:
            raise forms.ValidationError(str(error), code="era") from error
