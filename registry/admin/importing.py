"""Imports in the admin: django-import-export's two steps (preview, then confirm) for our sheets."""
import datetime
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import BINARY_FORMATS
from import_export.forms import ConfirmImportForm, ImportForm

from registry.models import ImportJob, ImportRecord, SurveyRound
from registry.sheets import jobs
from registry.sheets.engine import plan_fingerprint
from registry.sheets.formats import SurveySheetFormat
from registry.sheets.reader import SheetLayoutError, SheetLimits, SheetReadError
from registry.sheets.session import ImportSession
from registry.sheets.uploads import sweep_stale_uploads
from registry.sheets.adapter import engine_result
from registry.sheets.survey.resource import SurveyBaseResource

from .forms import SheetExportForm


PREVIEWS = "sheet_import_previews"  # session key: what each preview showed, by its uploaded file


class SheetImportForm(ImportForm):
    """The upload, refused by its size before anything reads it (SHEET_MAX_UPLOAD_BYTES)."""

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        try:
            SheetLimits.from_settings().check_upload(upload.size)
        except SheetReadError as error:
            raise forms.ValidationError(str(error)) from error
        return upload


class SheetImportMixin(ImportExportMixin):
    """What both sheet imports share: the session, clear file-level errors, and honest results.

    The confirm step applies exactly what the preview showed: the round, the file's hash and a digest of the
    planned changes are kept on the server at preview time (the browser's hidden fields are not trusted);
    if the file or the data no longer give the same plan, nothing is written and the user is told so.
    A second confirm of the same preview is told it was already applied.
    """

    export_form_class = SheetExportForm
    import_template_name = "admin/registry/sheet_import.html"
    import_form_class = SheetImportForm
    import_kind = None  # ImportRecord.Kind of the records this import writes
    record_label = None  # the preview's heading for the records, e.g. 「拠点」
    layout_errors = ()  # the reader's exceptions that explain themselves to the user

    def session_for(self, request, cleaned):
        return ImportSession(kind=self.import_kind, user=request.user,
                             file_name=cleaned.get("original_file_name") or "")

    def get_import_context_data(self, **kwargs):
        return {**super().get_import_context_data(**kwargs), "record_label": self.record_label}

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        cleaned = getattr(form, "cleaned_data", {}) if form is not None else {}
        resource_kwargs = {"session": self.session_for(request, cleaned)}
        previewed = getattr(request, "sheet_preview", None)
        if previewed is not None:
            resource_kwargs["expected"] = (previewed["sha256"], previewed["fingerprint"])
        return resource_kwargs

    # -- preview: remember what was shown -------------------------------------------------------

    def import_action(self, request, **kwargs):
        sweep_stale_uploads()  # previews left more than an hour ago (registry/sheets/uploads.py)
        if request.method == "POST" and self.background_kind:
            started = self.preview_in_background(request)
            if started is not None:
                return started
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        result, confirm_form = context.get("result"), context.get("confirm_form")
        outcome = getattr(result, "outcome", None)
        if confirm_form is not None and outcome is not None:
            if not outcome.would_change:
                del context["confirm_form"]  # 「変更はありません」: nothing to apply
            else:
                self.remember_preview(request, confirm_form.initial["import_file_name"], plan_fingerprint(outcome),
                                      getattr(result, "sha256", ""), self.previewed_round(context.get("form")))
        return response

    def remember_preview(self, request, upload_name, fingerprint, sha256, survey_date):
        previews = request.session.get(PREVIEWS, {})
        previews[upload_name] = {"fingerprint": fingerprint, "sha256": sha256, "survey_date": survey_date}
        request.session[PREVIEWS] = previews

    def previewed_round(self, import_form):
        return None

    # -- long files: preview and apply as a background job (registry/sheets/jobs.py) ------------------

    background_kind = None  # the sheet kind of registry/sheets/jobs.py, for imports that may run as a job

    def preview_in_background(self, request):
        """A long file's preview starts a job and shows its progress; None lets the request preview it."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        import_form = self.create_import_form(request)
        if not import_form.is_valid():
            return None
        upload = import_form.cleaned_data["import_file"]
        if not jobs.runs_in_background(b"".join(upload.chunks())):
            return None
        input_format = self.get_import_formats()[int(import_form.cleaned_data["format"])]()
        upload.tmp_storage_name = self.write_to_tmp_storage(upload, input_format).name
        confirm = {key: str(value) for key, value in self.get_confirm_form_initial(request, import_form).items()}
        job = jobs.start_job(kind=self.background_kind, step=ImportJob.Step.PLAN, user=request.user,
                             file_name=upload.name, upload_name=upload.tmp_storage_name,
                             options={"survey_date": self.previewed_round(import_form), "confirm": confirm})
        return HttpResponseRedirect(self.job_url(job))

    def apply_in_background(self, request, confirm_form, previewed):
        job = jobs.start_job(
            kind=self.background_kind, step=ImportJob.Step.APPLY, user=request.user,
            file_name=confirm_form.cleaned_data["original_file_name"],
            upload_name=confirm_form.cleaned_data["import_file_name"],
            options={"survey_date": previewed["survey_date"], "expected": [previewed["sha256"], previewed["fingerprint"]],
                     **self.confirm_options(confirm_form)})
        return HttpResponseRedirect(self.job_url(job))

    def confirm_options(self, confirm_form):
        """What the confirm step chose (e.g. which side wins a conflict), for an apply job."""
        return {}

    def job_url(self, job, name="import_job"):
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_{name}", args=[job.pk])

    def get_urls(self):
        if not self.background_kind:
            return super().get_urls()
        opts = self.model._meta
        prefix = f"{opts.app_label}_{opts.model_name}"
        return [
            path("import/job/<uuid:job_id>/", self.admin_site.admin_view(self.import_job_view),
                 name=f"{prefix}_import_job"),
            path("import/job/<uuid:job_id>/progress/", self.import_job_progress, name=f"{prefix}_import_job_progress"),
        ] + super().get_urls()

    def users_job(self, request, job_id):
        """Only the user who started a job sees it (and only while they may import): anyone else gets 404."""
        job = ImportJob.objects.filter(pk=job_id, kind=self.background_kind, user_id=request.user.pk).first()
        if job is None or not self.has_import_permission(request):
            raise Http404
        if not job.finished and jobs.fail_dead_jobs(ImportJob.objects.filter(pk=job.pk)):  # its worker died
            job.refresh_from_db()
        return job

    def import_job_progress(self, request, job_id):
        """The progress bar's data, polled by the job page (JSON; 403 without a signed-in staff user)."""
        if not (request.user.is_active and request.user.is_staff):
            return JsonResponse({"error": gettext("Sign in to follow this import.")}, status=403)
        job = self.users_job(request, job_id)
        phase, done, total = jobs.job_progress(job)
        return JsonResponse({"state": job.state, "phase": str(jobs.PHASES.get(phase, "")), "done": done,
                             "total": total, "finished": job.finished})

    def import_job_view(self, request, job_id):
        """While the job runs, its progress; then the preview (plan) or the import's result (apply)."""
        job = self.users_job(request, job_id)
        opts = self.model._meta
        if not job.finished:
            phase, done, total = jobs.job_progress(job)
            context = {**self.admin_site.each_context(request), "opts": opts, "job": job,
                       "title": job.get_step_display(), "phase": jobs.PHASES.get(phase, ""), "done": done,
                       "total": total, "progress_url": self.job_url(job, "import_job_progress")}
            request.current_app = self.admin_site.name
            return TemplateResponse(request, "admin/registry/import_job.html", context)
        if job.state == ImportJob.State.FAILED:
            messages.error(request, job.error)
            if job.step == ImportJob.Step.APPLY:
                if not jobs.applied_before_failing(job):
                    messages.error(request, gettext("Nothing was imported."))
                return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_import"))
        outcome = jobs.job_outcome(job)
        if job.step == ImportJob.Step.APPLY:
            if job.reported:
                return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
            job.reported = True
            job.save(update_fields=["reported", "updated_at"])
            return self.process_result(engine_result(outcome, None), request)
        return self.job_preview(request, job, outcome)

    def job_preview(self, request, job, outcome):
        """The preview page of a planned job, as the request would have shown it."""
        confirm = job.options["confirm"]
        import_form = self.create_import_form(request)
        context = {**self.get_import_context_data(), **self.admin_site.each_context(request),
                   "title": gettext("Import"), "form": import_form, "opts": self.model._meta,
                   "result": engine_result(outcome, None), "import_error_display": self.import_error_display,
                   "fields_list": [], "media": self.media + import_form.media}
        if not outcome.errors and outcome.would_change:
            context["confirm_form"] = self.get_confirm_form_class(request)(initial=confirm)
            self.remember_preview(request, confirm["import_file_name"], job.result["fingerprint"],
                                  job.result["sha256"], job.options.get("survey_date"))
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)

    # -- confirm: apply what was previewed, or refuse clearly ------------------------------------

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        sweep_stale_uploads()  # a preview swept here reads as "no longer available" below
        confirm_form = self.create_confirm_form(request)
        request.confirm_form = confirm_form  # session_for reads the per-row choices from it
        if not confirm_form.is_valid():
            return super().process_import(request, **kwargs)
        previews = request.session.get(PREVIEWS, {})
        previewed = previews.pop(confirm_form.cleaned_data["import_file_name"], None)
        request.session[PREVIEWS] = previews
        storage = None
        if previewed is not None:
            input_format = self.get_import_formats()[int(confirm_form.cleaned_data["format"])](
                encoding=self.from_encoding)
            storage = self.get_tmp_storage_class()(
                name=confirm_form.cleaned_data["import_file_name"],
                encoding=None if input_format.is_binary() else self.from_encoding,
                read_mode=input_format.get_read_mode(), **self.get_tmp_storage_class_kwargs())
            try:
                content = storage.read()
                if self.background_kind and jobs.runs_in_background(content):
                    return self.apply_in_background(request, confirm_form, previewed)
                dataset = input_format.create_dataset(content)
            except (OSError, SheetReadError, *self.layout_errors):
                previewed = None
        if previewed is None:
            messages.warning(request, gettext(
                "This import was already applied, or its preview is no longer available: nothing was imported. "
                "Preview the file again."))
            opts = self.model._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_import"))
        request.sheet_preview = previewed
        result = self.process_dataset(dataset, confirm_form, request, **kwargs)
        storage.remove()
        return self.process_result(result, request)

    def add_success_message(self, result, request):
        outcome = result.outcome
        counts = outcome.counts
        parts = [gettext("new %(count)s") % {"count": counts["new"]},
                 gettext("updated %(count)s") % {"count": counts["updated"]},
                 gettext("unchanged %(count)s") % {"count": counts["unchanged"]}]
        if "missing" in counts:
            parts.append(gettext("not reported %(count)s") % {"count": counts["missing"]})
        text = gettext("Imported: %(counts)s.") % {"counts": "・".join(parts)}
        record = outcome.import_record
        if record is None:
            messages.info(request, gettext("Nothing changed: the registry already holds this file."))
            return
        links = [(reverse("registry:history") + "?" + urlencode({"import_record": record.pk}),
                  gettext("the changes of this import"))]
        if record.survey_round_id:
            links.insert(0, (reverse("registry:survey_report", args=[record.survey_round.reference_date]),
                             gettext("the round's report")))
        message = format_html("{} " + " ".join(["<a href=\"{}\">{}</a>"] * len(links)), text,
                              *[part for link in links for part in link])
        messages.success(request, message)

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
        for line in outcome.error_lines():
            messages.error(request, line)
        messages.error(request, gettext("Nothing was imported."))
        opts = self.model._meta
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))


class SurveyImportForm(SheetImportForm):
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


def conflict_choices(confirm_form):
    """Which side wins, per row of the preview's conflicts (radios ``conflict-<row>``); without them, the one
    choice for every row (``conflicts``, as the command and older forms give it)."""
    per_row = {key.removeprefix("conflict-"): value for key, value in confirm_form.data.items()
               if key.startswith("conflict-") and value in ("sheet", "clerk")}
    return per_row or (confirm_form.cleaned_data.get("conflicts") or "")


class SurveyImportExportMixin(SheetImportMixin):
    resource_classes = [SurveyBaseResource]
    formats = [SurveySheetFormat]
    import_form_class = SurveyImportForm
    confirm_form_class = SurveyConfirmForm
    record_label = _("Base")

    layout_errors = (SheetLayoutError,)
    import_kind = ImportRecord.Kind.SURVEY
    background_kind = "survey"

    def confirm_options(self, confirm_form):
        return {"conflicts": conflict_choices(confirm_form)}

    def previewed_round(self, import_form):
        survey_date = getattr(import_form, "cleaned_data", {}).get("survey_date")
        return survey_date.isoformat() if survey_date else None

    def get_import_resource_kwargs(self, request, **kwargs):
        resource_kwargs = super().get_import_resource_kwargs(request, **kwargs)
        previewed = getattr(request, "sheet_preview", None)
        if previewed is not None:  # the confirm step: the round is the one previewed, not the hidden field's
            resource_kwargs["session"].survey_date = datetime.date.fromisoformat(previewed["survey_date"])
        return resource_kwargs

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["survey_date"] = import_form.cleaned_data["survey_date"]
        return initial

    def session_for(self, request, cleaned):
        session = super().session_for(request, cleaned)
        session.survey_date = cleaned.get("survey_date")
        form = getattr(request, "confirm_form", None)
        session.conflicts = conflict_choices(form) if form is not None else (cleaned.get("conflicts") or "")
        return session

    # -- export: 「海外拠点_2019-09-30.xlsx」, the round's date in the title row ----------------------

    def export_round_date(self):
        latest = SurveyRound.objects.order_by("-reference_date").first()
        return latest.reference_date if latest else timezone.localdate()

    def get_export_data(self, file_format, request, queryset, **kwargs):
        if not self.has_export_permission(request):
            raise PermissionDenied
        data = self.get_data_for_export(request, queryset, force_native_type=type(file_format) in BINARY_FORMATS,
                                        **kwargs)
        return file_format.export_data(data, reference_date=self.export_round_date())

    def get_export_filename(self, request, queryset, file_format):
        return f"海外拠点_{self.export_round_date():%Y-%m-%d}.{file_format.get_extension()}"

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        response = super()._do_file_export(file_format, request, queryset, export_form=export_form)
        response["Content-Disposition"] = content_disposition_header(
            True, self.get_export_filename(request, queryset, file_format))
        return response

    def get_export_queryset(self, request):
        from registry.sheets.survey.export import survey_export_queryset

        return survey_export_queryset(queryset=super().get_export_queryset(request))
