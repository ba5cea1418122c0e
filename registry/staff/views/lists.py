"""List pages for signed-in staff: filter, sort, page through and download bases, agreements, contractors."""
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView

from registry.core.downloads import export_response
from registry.staff.columns import AGREEMENT_COLUMNS, BASE_COLUMNS, CONTRACTOR_COLUMNS
from registry.staff.filters import AgreementFilterSet, BaseFilterSet, ContractorFilterSet
from registry.models import Agreement, Base, Contractor
from registry.models.querysets import related_count
from registry.core.paging import KeysFirstPaginator
from registry.core.permissions import has_model_permission

EXPORT_FORMATS = ("csv", "xlsx")


class StaffPageMixin(LoginRequiredMixin):
    login_url = "admin:login"


class FilteredListView(StaffPageMixin, ListView):
    """A list narrowed to the user's scope, then by the FilterSet; ``?export=csv|xlsx`` downloads it."""

    paginate_by = 50
    paginator_class = KeysFirstPaginator
    filterset_class = None
    export_columns = ()
    export_file_stem = "list"
    title = ""

    def get(self, request, *args, **kwargs):
        if not has_model_permission(request.user, self.model, "view"):
            raise PermissionDenied
        self.filterset = self.filterset_class(request.GET, queryset=self.scoped_queryset(), request=request)
        export_format = request.GET.get("export")
        if export_format in EXPORT_FORMATS:
            if not self.filterset.is_valid():
                return self.refused_export(request, *args, **kwargs)
            return export_response(export_format, self.export_columns, self.filterset.qs, self.export_file_stem,
                                   title=self.title)
        return super().get(request, *args, **kwargs)

    def refused_export(self, request, *args, **kwargs):
        """A download with a filter value that is wrong or out of the user's scope: the list page itself (400),
        the errors beside the filters and a message above, never a plain-text answer."""
        messages.error(request, "条件に誤りがあるため、ダウンロードできません。条件を直してからもう一度ダウンロードしてください。"
                                f"（{self.error_text()}）")
        response = super().get(request, *args, **kwargs)
        response.status_code = 400
        return response

    def scoped_queryset(self):
        return self.model.objects.restrict(self.request.user, "view")

    def get_queryset(self):
        if not self.filterset.is_valid():
            return self.filterset.qs.none()
        return self.filterset.qs

    def error_text(self):
        fields = self.filterset.form.fields
        return "\n".join(
            f"{fields[name].label if name in fields else name}: {' '.join(messages)}"
            for name, messages in self.filterset.form.errors.items()
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["title"] = self.title
        context["result_count"] = context["paginator"].count if context.get("paginator") else 0
        return context


class BaseListView(FilteredListView):
    model = Base
    filterset_class = BaseFilterSet
    export_columns = BASE_COLUMNS
    export_file_stem = "bases"
    template_name = "registry/base_list.html"
    title = _("Overseas bases")

    def scoped_queryset(self):
        return (
            super()
            .scoped_queryset()
            .select_related("organization__prefecture", "contractor", "host_agency", "joint_office")
        )


class AgreementListView(FilteredListView):
    model = Agreement
    filterset_class = AgreementFilterSet
    export_columns = AGREEMENT_COLUMNS
    export_file_stem = "agreements"
    template_name = "registry/agreement_list.html"
    title = _("Partnership agreements")

    def scoped_queryset(self):
        return super().scoped_queryset().select_related("organization__prefecture", "partner")


class ContractorListView(FilteredListView):
    model = Contractor
    filterset_class = ContractorFilterSet
    export_columns = CONTRACTOR_COLUMNS
    export_file_stem = "contractors"
    template_name = "registry/contractor_list.html"
    title = _("Contractors / host agencies")

    def scoped_queryset(self):
        # Counts only bases the user may see: a clerk learns nothing about other organizations.
        bases = Base.objects.restrict(self.request.user, "view")
        return (
            super()
            .scoped_queryset()
            .annotate(
                contracted_count=related_count(bases, "contractor"),
                hosted_count=related_count(bases, "host_agency"),
            )
            .annotate(base_count=F("contracted_count") + F("hosted_count"))
        )
