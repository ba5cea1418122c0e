from django import forms
from django.utils.translation import gettext_lazy as _

from registry.models import Base
from registry.parsing.eras import EraError, format_fiscal_year, parse_fiscal_year

from .scoping import ReasonForm


class FiscalYearField(forms.CharField):
    """Takes a fiscal year as people write it (H14, 平成14年度, 2002) and keeps the Gregorian year."""

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


class BaseAdminForm(ReasonForm):
    established_fy = FiscalYearField(
        label=_("fiscal year established"),
        required=False,
        help_text=_("e.g. H14, 平成14年度, 令和元年度 or 2002"),
    )

    class Meta:
        model = Base
        fields = "__all__"
