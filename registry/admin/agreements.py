import datetime

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from registry.models import Agreement, AgreementRenewal, ImportRecord, Partner
from registry.core.search import AGREEMENTS
from registry.parsing.dates import Precision, format_partial_date
from registry.sheets.agreements.cells import renewal_order
from registry.sheets.agreements.layout import AgreementSheetFormat
from registry.sheets.agreements.resource import AgreementResource
from registry.sheets.reader import SheetLayoutError

from .forms import WebAddressFormMixin
from .importing import SheetImportMixin
from .scoping import ReasonForm, ScopedAdmin, ScopedInline, SharedSearchMixin, country_name


class RenewalInline(ScopedInline, admin.TabularInline):
    model = AgreementRenewal
    fields = ["renewed_on", "renewed_precision", "valid_until", "notes"]
    extra = 0


class PartnerAgreementInline(ScopedInline, admin.TabularInline):
    """The ties a partner has with the organizations the user may see."""

    model = Agreement
    fields = ["organization", "agreement_type", "signed_display"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = _("ties with Japanese organizations")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organization")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("signed"))
    def signed_display(self, obj):
        return obj.signed_display


@admin.register(Partner)
class PartnerAdmin(ScopedAdmin):
    list_display = ["name_ja", "name_native", "name_en", country_name, "region", "kind"]
    list_filter = ["kind", "country"]
    search_fields = ["name_ja", "name_native", "name_en", "region"]
    inlines = [PartnerAgreementInline]


class PartnerCountryFilter(admin.SimpleListFilter):
    """Only the countries that have a tie, not all 250."""

    title = _("country/region")
    parameter_name = "country"

    def lookups(self, request, model_admin):
        codes = model_admin.get_queryset(request).order_by().values_list("partner__country", flat=True).distinct()
        from django_countries import countries

        return sorted(((code, countries.name(code)) for code in codes if code), key=lambda item: str(item[1]))

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(partner__country=self.value())
        return queryset


class SignedDecadeFilter(admin.SimpleListFilter):
    title = _("decade signed")
    parameter_name = "decade"
    UNKNOWN = "unknown"

    def lookups(self, request, model_admin):
        years = model_admin.get_queryset(request).filter(signed_on__isnull=False).dates("signed_on", "year")
        decades = sorted({year.year // 10 * 10 for year in years})
        choices = [(str(decade), _("%(decade)ss") % {"decade": decade}) for decade in decades]
        return choices + [(self.UNKNOWN, _("date unknown"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.UNKNOWN:
            return queryset.filter(signed_on__isnull=True)
        if value and value.isascii() and value.isdigit():
            # Any decade asked for by URL, even one no date can fall in (0, 9990, 30 digits), is an answer.
            start = int(value)
            if start > datetime.MAXYEAR:
                return queryset.none()
            queryset = queryset.filter(signed_on__gte=datetime.date(max(start, datetime.MINYEAR), 1, 1))
            if start + 10 <= datetime.MAXYEAR:
                queryset = queryset.filter(signed_on__lt=datetime.date(start + 10, 1, 1))
            return queryset
        return queryset


class ActiveFilter(admin.SimpleListFilter):
    title = _("in force")
    parameter_name = "in_force"

    def lookups(self, request, model_admin):
        return [("active", _("In force")), ("ended", _("Ended"))]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.in_force()
        if self.value() == "ended":
            return queryset.ended()
        return queryset


class AgreementForm(WebAddressFormMixin, ReasonForm):
    web_address_fields = ("source_url",)

    class Meta:
        model = Agreement
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        organization, bases = cleaned.get("organization"), cleaned.get("bases")
        if organization and bases:
            foreign = [base for base in bases if base.organization_id != organization.pk]
            if foreign:
                self.add_error("bases", _("These bases belong to another organization: %(bases)s")
                               % {"bases": "、".join(str(base) for base in foreign)})
        return cleaned


class AgreementImportExportMixin(SheetImportMixin):
    """Import with preview (new / updated / unchanged / errors) and confirm; export in the same layout."""

    resource_classes = [AgreementResource]
    formats = [AgreementSheetFormat]
    record_label = _("Agreement")
    import_kind = ImportRecord.Kind.AGREEMENTS
    layout_errors = (SheetLayoutError,)
    background_kind = "agreements"  # a long list is previewed and applied as a job (registry/sheets/jobs.py)


@admin.register(Agreement)
class AgreementAdmin(AgreementImportExportMixin, SharedSearchMixin, ScopedAdmin):
    form = AgreementForm
    list_display = ["organization", "partner", "partner_country", "agreement_type", "signed", "ends_on", "active"]
    list_filter = ["agreement_type", PartnerCountryFilter, SignedDecadeFilter, ActiveFilter, "signed_precision"]
    # Shown as the search box's help; the search itself is registry.core.search.AGREEMENTS (the list page's and the API's).
    search_fields = ["organization__name", "partner__name_ja", "partner__name_en", "partner__name_native", "fields",
                     "intermediaries", "source_title", "notes"]
    list_select_related = ["organization", "organization__prefecture", "partner"]
    autocomplete_fields = ["organization", "partner", "bases"]
    readonly_fields = ["timeline"]
    fieldsets = [
        (None, {"fields": ["organization", "partner", "agreement_type"]}),
        (_("Dates"), {"fields": [("signed_on", "signed_precision"), ("ends_on", "ends_precision"), "timeline"]}),
        (_("Cooperation"), {"fields": ["fields", "intermediaries", "bases", "notes"]}),
        (_("Source"), {"fields": ["source_title", "source_url", "source_language"]}),
    ]
    inlines = [RenewalInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("renewals")

    def search_condition(self, request, term):
        return AGREEMENTS.condition(term, request.user)

    @admin.display(description=_("country/region"))
    def partner_country(self, obj):
        return obj.partner.country.name

    @admin.display(description=_("signed"), ordering="signed_on")
    def signed(self, obj):
        return obj.signed_display

    @admin.display(description=_("active"), boolean=True)
    def active(self, obj):
        return obj.in_force_on(datetime.date.today())

    @admin.display(description=_("timeline"))
    def timeline(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        return format_html('<ol class="agreement-timeline">{}</ol>',
                           format_html_join("", "<li><strong>{}</strong> {}</li>", timeline_steps(obj)))


def timeline_steps(agreement):
    """(event, when) from signing through each renewal to the end, in order."""
    signed = agreement.signed_display or gettext("date unknown")
    steps = [(gettext("Signed"), signed)]
    for renewal in sorted(agreement.renewals.all(), key=renewal_order):
        renewed = format_partial_date(renewal.renewed_on, renewal.renewed_precision) or gettext("date unknown")
        if renewal.valid_until:
            renewed = gettext("%(date)s, valid until %(until)s") % {
                "date": renewed, "until": format_partial_date(renewal.valid_until, Precision.DAY)}
        steps.append((gettext("Renewed"), renewed))
    end = agreement.current_end
    if end is None:
        steps.append((gettext("In force"), gettext("no end date")))
    else:
        if end == agreement.ends_on:
            end_text = format_partial_date(end, agreement.ends_precision)
        else:
            end_text = format_partial_date(end, Precision.DAY)
        steps.append((gettext("Ends") if agreement.in_force_on(datetime.date.today()) else gettext("Ended"), end_text))
    return steps
