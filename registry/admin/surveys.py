from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from registry.models import ImportRecord, SurveyRound

from .scoping import LogAdmin, ScopedAdmin

COUNT_LABELS = {"new": _("New"), "updated": _("Updated"), "unchanged": _("Unchanged"),
                "missing": _("Not reported this round"), "errors": _("Errors")}


@admin.register(SurveyRound)
class SurveyRoundAdmin(ScopedAdmin):
    """Title and notes only: a round's state changes through its steps (the progress page, ``manage.py round``)."""

    list_display = ["reference_date", "title", "status", "due_date"]
    list_filter = ["status"]
    search_fields = ["title"]
    date_hierarchy = "reference_date"
    readonly_fields = ["status", "opened_at", "closed_at", "published_at"]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (["reference_date"] if obj is not None and obj.status != "preparing" else [])


@admin.register(ImportRecord)
class ImportRecordAdmin(LogAdmin):
    list_display = ["id", "kind", "survey_round", "file_name", "user_name", "created_at", "counts_table",
                    "change_log"]
    list_filter = ["kind", "survey_round"]
    list_select_related = ["survey_round"]
    readonly_fields = [f.name for f in ImportRecord._meta.fields if f.name != "counts"] + ["counts_table",
                                                                                           "change_log"]

    @admin.display(description=_("counts"))
    def counts_table(self, obj):
        counts = obj.counts or {}
        labels = [(COUNT_LABELS.get(name, name), counts[name]) for name in counts]
        return format_html(
            '<table class="import-counts"><tr>{}</tr><tr>{}</tr></table>',
            format_html_join("", "<th>{}</th>", ((label,) for label, _count in labels)),
            format_html_join("", "<td>{}</td>", ((count,) for _label, count in labels)),
        )

    @admin.display(description=_("changes"))
    def change_log(self, obj):
        url = reverse("registry:history") + f"?import_record={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Review the changes of this import"))
