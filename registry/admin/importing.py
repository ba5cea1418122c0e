"""Imports in the admin: django-import-export's two steps (preview, then confirm) for our sheets."""
from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.forms import ConfirmImportForm, ImportForm

from registry.models import ImportRecord
from registry.sheets.formats import SurveySheetFormat
from registry.sheets.reader import SheetLayoutError, SheetReadError
from registry.sheets.session import ImportSession
from registry.sheets.survey.resource import SurveyBaseResource

from .forms import SheetExportForm


class SheetImportMixin(ImportExportMixin):
    export_form_class = SheetExportForm
    """What both sheet imports share: the session, clear file-level errors, and honest results."""

    import_kind = None  # ImportRecord.Kind of the records this import writes
    layout_errors = ()  # the reader's exceptions that explain themselves to the user

    def session_for(self, request, cleaned):
        return ImportSession(kind=self.import_kind, user=request.user,
                             file_name=cleaned.get("original_file_name") or "")

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        cleaned = getattr(form, "cleaned_data", {}) if form is not None else {}
        return {"session": self.session_for(request, cleaned)}

    def get_export_resource_kwargs(self, request, **kwargs):
        return {}

    def add_data_read_fail_error_to_form(self, form, error):
        if isinstance(error, (SheetReadError, *self.layout_errors)):
            form.add_error("import_file", str(error))
        else:
            super().add_data_read_fail_error_to_form(form, error)

    def process_result(self, result, request):
        """The file may have changed since its preview: report errors instead of a success message."""
        outcome = getattr(result, "outcome", None)
        if outcome is None or not outcome.errors:
            return super().process_result(result, request)
        for problem in outcome.errors:
            messages.error(request, str(problem))
        messages.error(request, gettext("Nothing was imported."))
        opts = self.model._meta
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))


class SurveyImportForm(ImportForm):
    survey_date = forms.DateField(
        label=_("Survey reference date"), help_text=_("e.g. 2019-09-30: the date the round's figures refer to")
    )

    def clean_survey_date(self):
        from registry.sheets.session import round_refusal

        survey_date = self.cleaned_data["survey_date"]
        refusal = round_refusal(survey_date)
        if refusal:
            raise forms.ValidationError(refusal)
        return survey_date


class SurveyConfirmForm(ConfirmImportForm):
    survey_date = forms.DateField(widget=forms.HiddenInput)
    conflicts = forms.ChoiceField(
        label=_("Where the sheet and a clerk's answer in this round disagree"),
        choices=[("sheet", _("the sheet wins")), ("clerk", _("the clerk's answer wins"))],
        widget=forms.RadioSelect, required=False,
    )


class SurveyImportExportMixin(SheetImportMixin):
    resource_classes = [SurveyBaseResource]
    formats = [SurveySheetFormat]
    import_form_class = SurveyImportForm
    confirm_form_class = SurveyConfirmForm
    import_template_name = "admin/registry/survey_import.html"

    layout_errors = (SheetLayoutError,)
    import_kind = ImportRecord.Kind.SURVEY

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["survey_date"] = import_form.cleaned_data["survey_date"]
        return initial

    def session_for(self, request, cleaned):
        session = super().session_for(request, cleaned)
        session.survey_date = cleaned.get("survey_date")
        session.conflicts = cleaned.get("conflicts") or ""
        return session

    def get_export_queryset(self, request):
        from registry.sheets.survey.export import survey_export_queryset

        return survey_export_queryset(queryset=super().get_export_queryset(request))
