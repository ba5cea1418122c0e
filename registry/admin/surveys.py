from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from registry.models import ImportRecord, SurveyRound

from .scoping import LogAdmin, ScopedAdmin


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
    list_display = ["id", "kind", "survey_round", "file_name", "user_name", "created_at", "counts", "change_log"]
    list_filter = ["kind", "survey_round"]
    list_select_related = ["survey_round"]
    readonly_fields = [f.name for f in ImportRecord._meta.fields] + ["change_log"]

    @admin.display(description=_("changes"))
    def change_log(self, obj):
        url = reverse("registry:history") + f"?import_record={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Review the changes of this import"))
