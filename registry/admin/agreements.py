from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from registry.models import Agreement, AgreementRenewal, Partner

from .base import ScopedAdmin, ScopedInline


class RenewalInline(ScopedInline, admin.TabularInline):
    model = AgreementRenewal
    fields = ["renewed_on", "renewed_precision", "valid_until", "notes"]
    extra = 0


@admin.register(Partner)
class PartnerAdmin(ScopedAdmin):
    list_display = ["name_ja", "name_native", "name_en", "country", "kind"]
    list_filter = ["kind", "country"]
    search_fields = ["name_ja", "name_native", "name_en"]


@admin.register(Agreement)
class AgreementAdmin(ScopedAdmin):
    list_display = ["organization", "partner", "partner_country", "agreement_type", "signed", "ends_on", "active"]
    list_filter = ["agreement_type", "partner__country", "signed_precision"]
    search_fields = ["organization__name", "partner__name_ja", "partner__name_en", "partner__name_native", "fields"]
    list_select_related = ["organization", "organization__prefecture", "partner"]
    autocomplete_fields = ["organization", "partner", "bases"]
    inlines = [RenewalInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("renewals")

    @admin.display(description=_("country/region"))
    def partner_country(self, obj):
        return obj.partner.country.name

    @admin.display(description=_("signed"), ordering="signed_on")
    def signed(self, obj):
        return obj.signed_display

    @admin.display(description=_("active"), boolean=True)
    def active(self, obj):
        return obj.is_active
