"""Survey import and export in the admin: django-import-export's two-step preview/confirm with a round date."""
from django import forms
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.forms import ConfirmImportForm, ImportForm

from registry.importers.formats import SurveySheetFormat
from registry.importers.session import ImportSession
from registry.resources import SurveyBaseResource


class SurveyImportForm(ImportForm):
    survey_date = forms.DateField(
        label=_("Survey reference date"), help_text=_("e.g. 2019-09-30: the date the round's figures refer to")
    )


class SurveyConfirmForm(ConfirmImportForm):
    survey_date = forms.DateField(widget=forms.HiddenInput)


class SurveyImportExportMixin(ImportExportMixin):
    resource_classes = [SurveyBaseResource]
    formats = [SurveySheetFormat]
    import_form_class = SurveyImportForm
    confirm_form_class = SurveyConfirmForm
    import_template_name = "admin/registry/survey_import.html"

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["survey_date"] = import_form.cleaned_data["survey_date"]
        return initial

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        cleaned = getattr(form, "cleaned_data", {}) if form is not None else {}
        return {"session": ImportSession(survey_date=cleaned.get("survey_date"), user=request.user,
                                         file_name=cleaned.get("original_file_name") or "")}

    def get_export_resource_kwargs(self, request, **kwargs):
        return {}

    def get_export_queryset(self, request):
        from registry.exports import survey_export_queryset

        return survey_export_queryset(queryset=super().get_export_queryset(request))
