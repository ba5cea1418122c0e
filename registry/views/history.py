import datetime
"""The change log: every history entry the user may read, newest first, filtered and exportable."""
from django import forms
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.downloads import download_response
from registry.history.log import (
    ACTION_CHOICES,
    HistoryFilters,
    entry_keys,
    history_querysets,
    load_entries,
    visible_models,
)
from registry.models import Organization

PAGE_SIZE = 50
EXPORT_BATCH = 500


class ChangeLogFilterForm(forms.Form):
    organization = forms.CharField(
        label=gettext_lazy("Organization"), required=False, help_text=gettext_lazy("Code or name")
    )
    record_type = forms.ChoiceField(label=gettext_lazy("Record type"), required=False)
    user = forms.CharField(
        label=gettext_lazy("User"), required=False, help_text=gettext_lazy("Exact user name, or command: NAME")
    )
    action = forms.ChoiceField(
        label=gettext_lazy("Action"), required=False, choices=[("", "---------")] + ACTION_CHOICES
    )
    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                              validators=[MaxValueValidator(datetime.date(9999, 12, 30))])
    import_record = forms.IntegerField(label=gettext_lazy("Import #"), required=False, min_value=1,
                                       max_value=2**31 - 1)
    reason = forms.CharField(label=gettext_lazy("Reason contains"), required=False)
    group = forms.UUIDField(label=gettext_lazy("Change group"), required=False)

    def __init__(self, *args, models, **kwargs):
        super().__init__(*args, **kwargs)
        self.models = {model._meta.model_name: model for model in models}
        self.fields["record_type"].choices = [("", "---------")] + [
            (name, capfirst(model._meta.verbose_name)) for name, model in self.models.items()
        ]

    def clean_organization(self):
        text = self.cleaned_data["organization"].strip()
        if not text:
            return None
        found = list(Organization.objects.filter(Q(code=text) | Q(name=text))[:2])
        if len(found) != 1:
            message = _("No organization has the code or name “%(text)s”.") if not found else _(
                "Several organizations are called “%(text)s”: give the code."
            )
            raise forms.ValidationError(message % {"text": text})
        return found[0]

    def filters(self):
        data = self.cleaned_data
        return HistoryFilters(
            organization=data["organization"],
            model=self.models.get(data["record_type"]),
            actor=data["user"].strip(),
            action=data["action"],
            date_from=data["date_from"],
            date_to=data["date_to"],
            import_id=data["import_record"],
            reason=data["reason"].strip(),
            group=data["group"],
        )


def _filter_form(request):
    models = visible_models(request.user)
    if not models:
        raise PermissionDenied
    params = request.GET.copy()
    params.pop("page", None)
    return ChangeLogFilterForm(params, models=models), params


MAX_PAGE = 1_000_000  # beyond any history; keeps the OFFSET within the database's integer range


def _page_number(request):
    try:
        return min(max(int(request.GET.get("page", 1)), 1), MAX_PAGE)
    except ValueError:
        return 1


@staff_member_required
def change_log(request):
    form, params = _filter_form(request)
    page = _page_number(request)
    entries, has_next = [], False
    if form.is_valid():
        querysets = history_querysets(request.user, form.filters())
        # One entry more than the page tells whether there is a next page without counting millions of rows.
        keys = entry_keys(querysets, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE + 1)
        has_next = len(keys) > PAGE_SIZE
        entries = load_entries(keys[:PAGE_SIZE])
    query = urlencode([(k, v) for k, v in params.items() if v])
    page_url = f"?{query}&page=" if query else "?page="
    context = {
        "title": _("Change log"),
        "form": form,
        "entries": entries,
        "page": page,
        "previous_url": f"{page_url}{page - 1}" if page > 1 else "",
        "next_url": f"{page_url}{page + 1}" if has_next else "",
        "csv_url": f"{reverse('registry:history_export', args=['csv'])}?{query}",
        "xlsx_url": f"{reverse('registry:history_export', args=['xlsx'])}?{query}",
    }
    return render(request, "registry/history/change_log.html", context)


EXPORT_HEADERS = [
    gettext_lazy("Date/time"),
    gettext_lazy("Record type"),
    gettext_lazy("Record ID"),
    gettext_lazy("Record"),
    gettext_lazy("Organization"),
    gettext_lazy("Action"),
    gettext_lazy("Through"),
    gettext_lazy("User"),
    gettext_lazy("Reason"),
    gettext_lazy("Import #"),
    gettext_lazy("Change group"),
    gettext_lazy("Changes"),
]


def export_rows(entries):
    for entry in entries:
        record = entry.record
        yield [
            timezone.localtime(record.history_date).strftime("%Y-%m-%d %H:%M:%S"),
            str(entry.record_type),
            entry.object_id,
            entry.label,
            entry.organization_name,
            str(entry.action_label),
            str(record.get_change_source_display()),
            record.actor_name,
            record.history_change_reason or "",
            record.import_record_id or "",
            str(record.change_group or ""),
            entry.changes_text,
        ]


def all_entries(querysets):
    keys = entry_keys(querysets)
    for start in range(0, len(keys), EXPORT_BATCH):
        yield from load_entries(keys[start:start + EXPORT_BATCH])


@staff_member_required
def export_change_log(request, file_format):
    form, _params = _filter_form(request)
    if not form.is_valid():
        return HttpResponse("\n".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()), status=400,
                            content_type="text/plain; charset=utf-8")
    rows = export_rows(all_entries(history_querysets(request.user, form.filters())))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return download_response(file_format, EXPORT_HEADERS, rows, f"change-log-{stamp}", title=_("Change log"))
