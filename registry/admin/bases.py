from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.utils.translation import gettext_lazy as _

from registry.core.country_order import country_choices
from registry.staff.filters import base_country_codes, base_text_search, base_values
from registry.parsing.eras import format_fiscal_year
from registry.models import Base, BaseRoundRecord, Closure

from .actions import mark_closed_today
from .base_returns import back_to_the_todo, completed_answer, number_proposal, tell_if_reopened
from .forms import BaseAdminForm
from .scoping import ScopedAdmin, ScopedInline, SharedSearchMixin
from .importing import SurveyImportExportMixin


class CountryFilter(admin.SimpleListFilter):
    """Countries are stored several to a row, so the admin's field filter cannot list them."""

    title = _("country/region")
    parameter_name = "country"

    def lookups(self, request, model_admin):
        """The countries of the bases the user may see, ordered by reading (あいうえお)."""
        return country_choices(base_country_codes(request))

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(countries__contains=self.value())
        return queryset


class ClosureFilter(admin.SimpleListFilter):
    """廃止予定 (proposed in the open round) and 閉鎖, as on /bases/."""

    title = _("Closing")
    parameter_name = "closure"

    def lookups(self, request, model_admin):
        return Closure.choices

    def queryset(self, request, queryset):
        return queryset.closure(self.value()) if self.value() else queryset


class EstablishedYearFilter(admin.SimpleListFilter):
    """The fiscal years of the bases the user may see (kept between views, as the countries are)."""

    title = _("fiscal year established")
    parameter_name = "established_fy"
    UNKNOWN = "unknown"

    def lookups(self, request, model_admin):
        years = base_values(request, "established_fy")
        choices = [(str(year), format_fiscal_year(year)) for year in sorted(year for year in years if year)]
        if None in years:
            choices.append((self.UNKNOWN, _("Unknown")))
        return choices

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        if self.value() == self.UNKNOWN:
            return queryset.filter(established_fy__isnull=True)
        try:
            return queryset.filter(established_fy=int(self.value()))
        except ValueError as error:
            raise IncorrectLookupParameters(error) from error


class RoundRecordInline(ScopedInline, admin.TabularInline):
    model = BaseRoundRecord
    fields = ["survey_round", "form", "staff_dispatched", "staff_local", "status", "review_state"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("survey_round")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Base)
class BaseAdmin(SurveyImportExportMixin, SharedSearchMixin, ScopedAdmin):
    form = BaseAdminForm
    actions = [mark_closed_today]
    list_display_links = ["name"]
    list_display = [
        "organization",
        "number",
        "name",
        "country_list",
        "cities",
        "form",
        "contractor",
        "established",
        "staff_dispatched",
        "staff_local",
        "staff_total",
        "status_badge",
    ]
    list_filter = ["form", "status", ClosureFilter, CountryFilter, "organization__kind", EstablishedYearFilter]
    # Shown as the search box's help; the search itself is base_text_search (the list page's).
    search_fields = ["name", "cities", "organization__name", "contractor__name", "reason", "activities", "remarks"]
    list_select_related = ["organization", "organization__prefecture", "contractor"]
    autocomplete_fields = ["organization", "contractor", "host_agency", "joint_office"]
    readonly_fields = ["staff_total"]
    inlines = [RoundRecordInline]
    fieldsets = [
        (None, {"fields": ["organization", "number", "name", "countries", "cities", "status"]}),
        (_("Form"), {"fields": ["form", "form_detail", "contractor", "host_agency", "joint_office"]}),
        (
            _("Details"),
            {"fields": ["established_fy", "department", "staff_dispatched", "staff_local", "staff_total",
                        "reason", "activities", "url", "remarks"]},
        ),
        (_("Closing"), {"fields": ["closed_on", "closing_reason"]}),
    ]

    # --- the yearly work: the next free number, back to the to-do, 回答完了 reopened -----------------

    def organization_asked(self, request):
        """The organization the add link names (``?organization=<id>``, the to-do's and the home's), or None."""
        value = request.GET.get("organization", "")
        return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        proposed, _hint = number_proposal(request, self.organization_asked(request))
        if proposed is not None:
            initial.setdefault("number", proposed)
        return initial

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None and "number" in form.base_fields:
            form.base_fields["number"].help_text = number_proposal(request, self.organization_asked(request))[1]
        return form

    def save_model(self, request, obj, form, change):
        organization_id = obj.organization_id
        was_completed = organization_id is not None and completed_answer(organization_id) is not None
        super().save_model(request, obj, form, change)
        tell_if_reopened(request, organization_id, was_completed)

    def response_add(self, request, obj, post_url_continue=None):
        return back_to_the_todo(request, super().response_add(request, obj, post_url_continue))

    def response_change(self, request, obj):
        return back_to_the_todo(request, super().response_change(request, obj))

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """Reverting a base says what it does to the rounds: an open round follows, a closed one does not."""
        from django.contrib.admin.utils import unquote

        from registry.survey.progress import round_effects

        try:
            effects = round_effects(int(unquote(object_id)))
        except ValueError:
            effects = []
        return super().history_form_view(
            request, object_id, version_id, extra_context={"round_effects": effects, **(extra_context or {})}
        )

    def get_queryset(self, request):
        return super().get_queryset(request).with_closure()

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        from django.utils.html import format_html

        label = obj.closure_label
        if not label:
            return obj.get_status_display()
        return format_html('<span class="badge closure-{}">{}</span>', obj.status, label)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return queryset.select_related("organization"), may_have_duplicates  # each result names its organization

    def search_condition(self, request, term):
        return base_text_search(term, request.user)

    @admin.display(description=_("countries/regions"))
    def country_list(self, obj):
        return "、".join(country.name for country in obj.countries)

    @admin.display(description=_("fiscal year established"), ordering="established_fy")
    def established(self, obj):
        return obj.established_display

    @admin.display(description=_("staff total"))
    def staff_total(self, obj):
        return obj.staff_total


@admin.register(BaseRoundRecord)
class BaseRoundRecordAdmin(ScopedAdmin):
    list_display = ["survey_round", "base", "form", "staff_dispatched", "staff_local", "status", "review_state"]
    list_filter = ["survey_round", "form", "status", "review_state"]
    search_fields = ["base__name", "base__organization__name"]
    list_select_related = ["survey_round", "base", "base__organization", "base__organization__prefecture"]
    # Newest round first, then by base, along the (round, base) unique index: the model's ordering (round date,
    # organization code, base number) sorted all 131,000 records through three joins for every page (~250 ms).
    ordering = ["-survey_round_id", "-base_id"]

    def get_readonly_fields(self, request, obj=None):
        """Read-only here: registry.survey writes round figures (review steps, imports, corrections)."""
        return [field.name for field in self.model._meta.fields]
