"""Values as people read them: era years, country names, choice labels, related records."""
from django.db import models
from django_countries.fields import CountryField

from registry.parsing.eras import format_fiscal_year

FISCAL_YEAR_FIELDS = {"established_fy"}


def display_value(model_field, value):
    if value is None or value == "":
        return ""
    if model_field.name in FISCAL_YEAR_FIELDS:
        return format_fiscal_year(value)
    if isinstance(model_field, CountryField):
        countries = value if isinstance(value, (list, tuple)) else [value]
        return "、".join(str(getattr(c, "name", c)) for c in countries)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return "✓" if value else "✗"
    return str(value)
