from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from registry.models import Place

from .scoping import ScopedAdmin, country_name


class LocatedFilter(admin.SimpleListFilter):
    title = _("coordinates")
    parameter_name = "located"

    def lookups(self, request, model_admin):
        return [("no", _("To pin by hand")), ("yes", _("Located"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(latitude__isnull=True)
        if self.value() == "yes":
            return queryset.filter(latitude__isnull=False)
        return queryset


@admin.register(Place)
class PlaceAdmin(ScopedAdmin):
    """Places of bases' cities and partners; those GeoNames did not find are pinned here by hand."""

    list_display = ["name", country_name, "source", "geonames_name", "latitude", "longitude"]
    list_filter = [LocatedFilter, "source", "country"]
    search_fields = ["name", "geonames_name"]
    readonly_fields = ["country", "name", "geonames_id", "geonames_name", "source"]
    fields = ["country", "name", "latitude", "longitude", "geonames_id", "geonames_name", "source"]

    def save_model(self, request, obj, form, change):
        if {"latitude", "longitude"} & set(form.changed_data):
            obj.source = Place.Source.MANUAL if obj.located else Place.Source.UNRESOLVED
            obj.geonames_id, obj.geonames_name = None, ""
        super().save_model(request, obj, form, change)
