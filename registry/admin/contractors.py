from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from import_export.formats.base_formats import CSV, XLSX

from registry.models import Base, Contractor, ImportRecord, JointOffice
from registry.models.querysets import related_count
from registry.sheets.contractors import ContractorResource, ContractorSheetFormat
from registry.sheets.reader import SheetLayoutError

from .importing import SheetImportMixin
from .scoping import ScopedAdmin, country_name


@admin.register(Contractor)
class ContractorAdmin(SheetImportMixin, ScopedAdmin):
    resource_classes = [ContractorResource]
    import_formats = [ContractorSheetFormat]
    export_formats = [XLSX, CSV]
    import_kind = ImportRecord.Kind.CONTRACTORS
    layout_errors = (SheetLayoutError,)
    record_label = _("Contractor")
    background_kind = "contractors"  # a long list is previewed and applied as a job (registry/sheets/jobs.py)
    list_display = ["name", "kind", country_name, "base_count"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "match_key"]
    readonly_fields = ["match_key"]

    def get_queryset(self, request):
        visible_bases = Base.objects.restrict(request.user, "view")
        return super().get_queryset(request).annotate(
            contracted_count=related_count(visible_bases, "contractor"),
            hosted_count=related_count(visible_bases, "host_agency"),
        )

    @admin.display(description=_("bases run or hosted"))
    def base_count(self, obj):
        return obj.contracted_count + obj.hosted_count


@admin.register(JointOffice)
class JointOfficeAdmin(ScopedAdmin):
    list_display = ["name", country_name, "city", "member_count"]
    search_fields = ["name", "city"]
    readonly_fields = ["match_key"]

    def get_queryset(self, request):
        visible_bases = Base.objects.restrict(request.user, "view")
        return super().get_queryset(request).annotate(member_count=related_count(visible_bases, "joint_office"))

    @admin.display(description=_("organizations"))
    def member_count(self, obj):
        return obj.member_count
