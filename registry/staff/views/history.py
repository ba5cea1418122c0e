import datetime
"""The change log: every history entry the user may read, newest first, filtered and exportable."""
from django import forms
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator
from django.db.models import Q
from django.http import HttpResponse
from django.views.generic import ListView, View
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.accounts.listing import can_read_audit
from registry.core.downloads import download_response
from registry.core.history.log import (
    ACTION_CHOICES,
    HistoryFilters,
    entry_keys,
    history_querysets,
    load_entries,
    visible_models,
)
from registry.core.history.story import BOOKKEEPING_MODELS, ActionLines, split_bookkeeping
from registry.core.history.labels import actor_label, reason_label
from registry.models import Organization
from registry.staff.views.lists import StaffPageMixin

PAGE_SIZE = 50
EXPORT_BATCH = 500


class ChangeLogFilterForm(forms.Form):
    organization = forms.CharField(
        label=gettext_lazy("Organization"), required=False, help_text=gettext_lazy("Code, or part of the name (大阪)")
    )
    record_type = forms.ChoiceField(label=gettext_lazy("Record type"), required=False)
    user = forms.CharField(
        label=gettext_lazy("User"), required=False, help_text=gettext_lazy("Part of the user name")
    )
    action = forms.ChoiceField(
        label=gettext_lazy("Action"), required=False, choices=[("", "---------")] + ACTION_CHOICES
    )
    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                              validators=[MaxValueValidator(datetime.date(9999, 12, 30))])
    # An import or an action is chosen from its line (a link), and shown by its summary, not as a raw id.
    import_record = forms.IntegerField(label=gettext_lazy("Import #"), required=False, min_value=1,
                                       max_value=2**31 - 1, widget=forms.HiddenInput)
    reason = forms.CharField(label=gettext_lazy("Reason contains"), required=False)
    group = forms.UUIDField(label=gettext_lazy("Change group"), required=False, widget=forms.HiddenInput)

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
        exact = list(Organization.objects.filter(Q(code=text) | Q(name=text)))
        found = exact or list(Organization.objects.filter(name__contains=text))
        if not found:
            raise forms.ValidationError(_("No organization has the code or name “%(text)s”.") % {"text": text})
        return found

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


MAX_PAGE = 1_000_000  # beyond any history; keeps the walk and the OFFSET within reason


def page_number(text):
    try:
        return min(max(int(text or 1), 1), MAX_PAGE)
    except ValueError:
        return 1


class EntrySequence:
    """Entries for the paginator: an action's or an import's real changes first, then the round bookkeeping."""

    def __init__(self, querysets):
        real = [qs for qs in querysets if not issubclass(qs.model.instance_type, BOOKKEEPING_MODELS)]
        bookkeeping = [qs for qs in querysets if issubclass(qs.model.instance_type, BOOKKEEPING_MODELS)]
        self.keys = entry_keys(real) + entry_keys(bookkeeping)

    def count(self):
        return len(self.keys)

    def __len__(self):
        return len(self.keys)

    def __getitem__(self, index):
        keys = self.keys[index] if isinstance(index, slice) else [self.keys[index]]
        return load_entries(keys)


class ChangeLogView(StaffPageMixin, ListView):
    """The change log: one line per action (newest first, expandable), or one action's or import's entries."""

    template_name = "registry/history/change_log.html"

    def get_paginate_by(self, queryset):
        return PAGE_SIZE

    def get(self, request, *args, **kwargs):
        self.form, self.params = _filter_form(request)
        return super().get(request, *args, **kwargs)

    def one_action(self):
        return self.form.is_valid() and bool(self.form.cleaned_data["group"] or self.form.cleaned_data["import_record"])

    def get_queryset(self):
        if not self.form.is_valid():
            return []
        querysets = history_querysets(self.request.user, self.form.filters())
        if self.one_action():
            return EntrySequence(querysets)
        return ActionLines(querysets, PAGE_SIZE, page_number(self.request.GET.get("page")))

    def paginate_queryset(self, queryset, page_size):
        # Out-of-range page numbers show the last page rather than a 404 (shared links outlive their pages).
        paginator = self.get_paginator(queryset, page_size, allow_empty_first_page=True)
        page = paginator.get_page(self.request.GET.get("page"))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = urlencode([(k, v) for k, v in self.params.items() if v])
        one_action = self.one_action()
        context.update(
            title=_("Change log"),
            form=self.form,
            one_action=one_action,
            csv_url=f"{reverse('registry:history_export', args=['csv'])}?{query}",
            xlsx_url=f"{reverse('registry:history_export', args=['xlsx'])}?{query}",
            account_events=can_read_audit(self.request.user),
        )
        if one_action:
            real, bookkeeping = split_bookkeeping(list(context["page_obj"].object_list))
            context.update(entries=real, bookkeeping_entries=bookkeeping)
            group = self.form.cleaned_data["group"]
            if group:
                lines = ActionLines(history_querysets(self.request.user, HistoryFilters(group=group)), 1)
                context["action"] = lines[0] if lines.count() else None
        return context


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
            actor_label(record.actor_name),
            reason_label(record.history_change_reason),
            record.import_record_id or "",
            str(record.change_group or ""),
            entry.changes_text,
        ]


def all_entries(querysets):
    keys = entry_keys(querysets)
    for start in range(0, len(keys), EXPORT_BATCH):
        yield from load_entries(keys[start:start + EXPORT_BATCH])


class ChangeLogExportView(StaffPageMixin, View):
    """Every entry matching the filters (not only one page), as CSV or xlsx."""

    def get(self, request, file_format):
        form, _params = _filter_form(request)
        if not form.is_valid():
            return HttpResponse("\n".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()), status=400,
                                content_type="text/plain; charset=utf-8")
        rows = export_rows(all_entries(history_querysets(request.user, form.filters())))
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return download_response(file_format, EXPORT_HEADERS, rows, f"change-log-{stamp}", title=_("Change log"))
