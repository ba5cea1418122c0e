from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.core.validators import URLValidator
from django.utils.text import capfirst
from import_export.forms import SelectableFieldsExportForm
from django.utils.translation import gettext_lazy as _

from registry.core.form_fields import FiscalYearField
from registry.models import Base

from .scoping import ReasonForm
from .widgets import use_country_picker


def web_address(text):
    """A typed web address, checked: http(s) only; ``www.example.jp`` is taken as ``https://www.example.jp``."""
    text = text.strip()
    if text and "://" not in text and " " not in text and "." in text:
        text = f"https://{text}"
    URLValidator(schemes=["http", "https"],
                 message=_("Enter a web address beginning with http:// or https:// (e.g. https://www.example.jp/)."))(text)
    return text


class WebAddressFormMixin:
    """Checks the web addresses someone typed. The columns stay free text (older survey rows hold other
    notes there), so an old value left as it is is kept as it is."""

    web_address_fields = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.web_address_fields:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["inputmode"], attrs["size"] = "url", 60

    def clean(self):
        cleaned = super().clean()
        for name in self.web_address_fields:
            if name in self.changed_data and cleaned.get(name):
                try:
                    cleaned[name] = web_address(cleaned[name])
                except forms.ValidationError as error:
                    self.add_error(name, error)
        return cleaned


class BaseAdminForm(WebAddressFormMixin, ReasonForm):
    web_address_fields = ("url",)

    established_fy = FiscalYearField(
        label=_("fiscal year established"),
        required=False,
        help_text=_("e.g. H14, 平成14年度, 令和元年度 or 2002"),
    )

    class Meta:
        model = Base
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_country_picker(self, "countries")


class SheetExportForm(SelectableFieldsExportForm):
    """The export page lists each column by its header in the sheet (Japanese), not its English field name."""

    def _get_field_label(self, resource, field_name):
        field = resource.fields.get(field_name)
        if field is None or not field.column_name:
            return field_name
        if field.column_name == field.attribute:  # a plain model field: its Japanese name
            try:
                return capfirst(resource._meta.model._meta.get_field(field.attribute).verbose_name)
            except FieldDoesNotExist:
                pass
        return str(field.column_name)
