"""Form widgets of the admin pages."""
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from registry.core.country_order import country_choices, reading_of


class CountryPicker(forms.SelectMultiple):
    """Countries picked by typing (韓国, かんこく or KR) and removed with ×, without Ctrl-click.

    The admin's own Select2 (the one its autocomplete fields use) over the Japanese names ordered by
    reading; each option carries its reading so that kana finds kanji names.
    """

    def __init__(self, attrs=None, multiple=True):
        super().__init__({"class": "country-picker", "data-placeholder": _("Type a country or region"),
                          "data-width": "32em", **(attrs or {})})
        self.allow_multiple_selected = multiple

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        if value:
            option["attrs"]["data-reading"] = reading_of(value)
        return option

    @property
    def media(self):
        extra = "" if settings.DEBUG else ".min"
        return forms.Media(
            js=[f"admin/js/vendor/jquery/jquery{extra}.js", f"admin/js/vendor/select2/select2.full{extra}.js",
                "admin/js/vendor/select2/i18n/ja.js", "admin/js/jquery.init.js", "registry/country_picker.js"],
            css={"screen": [f"admin/css/vendor/select2/select2{extra}.css", "admin/css/autocomplete.css",
                            "registry/country_picker.css"]},
        )


def use_country_picker(form, field_name, multiple=True):
    """Give a form's country field the picker and the reading order."""
    field = form.fields.get(field_name)
    if field is None:
        return
    field.choices = ([] if multiple else [("", "---------")]) + country_choices()
    field.widget = CountryPicker(multiple=multiple)
    field.widget.choices = field.choices
