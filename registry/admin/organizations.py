from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from registry.models import Agreement, Base, Membership, Organization, OrganizationAlias

from .scoping import ScopedAdmin, ScopedInline


class BaseInline(ScopedInline, admin.TabularInline):
    model = Base
    fields = ["number", "name", "countries", "cities", "form", "status"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class AgreementInline(ScopedInline, admin.TabularInline):
    model = Agreement
    fields = ["partner", "agreement_type", "signed_on", "signed_precision", "ends_on"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("partner")

    def has_add_permission(self, request, obj=None):
        return False


class AliasInline(ScopedInline, admin.TabularInline):
    model = OrganizationAlias
    fields = ["name", "note"]
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(ScopedAdmin):
    list_display = ["code", "name", "name_kana", "name_en", "kind", "prefecture", "region_display"]
    list_filter = ["kind", "prefecture"]
    search_fields = ["code", "name", "name_kana", "name_en", "aliases__name"]
    list_select_related = ["prefecture"]
    autocomplete_fields = ["prefecture"]
    inlines = [AliasInline, BaseInline, AgreementInline]
    readonly_fields = ["region_display"]

    @admin.display(description=_("region"))
    def region_display(self, obj):
        return obj.get_region_display()


@admin.register(OrganizationAlias)
class OrganizationAliasAdmin(ScopedAdmin):
    list_display = ["name", "organization", "note"]
    search_fields = ["name", "organization__name"]
    list_select_related = ["organization", "organization__prefecture"]
    autocomplete_fields = ["organization"]


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    list_display = ["user", "organization"]
    search_fields = ["user__username", "organization__name", "organization__code"]
    list_select_related = ["user", "organization", "organization__prefecture"]
    autocomplete_fields = ["organization"]
