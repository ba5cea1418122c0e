"""Survey pages: the rounds, a round's report, its update progress and the clerks' review."""
import datetime
import re

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, ListView, TemplateView, View

from registry.core.downloads import XLSX_CONTENT_TYPE
from registry.models import BaseRoundRecord, Organization, ReviewState, RoundCorrection, SurveyRound
from registry.survey.report import compare_rounds, survey_report
from registry.survey import lifecycle
from registry.survey.progress import (
    current_round,
    STATE_ORDER,
    pending_bases,
    progress_totals,
    records_by_base,
    reviewable_bases,
    round_progress,
    round_todo,
)
from registry.survey.records import RoundRefused
from registry.survey.reminders import remind_round
from registry.sheets.survey.published import published_sheet_xlsx
from registry.sheets.survey.export import export_survey_xlsx
from registry.staff.views.lists import StaffPageMixin

STATE_LABELS = dict(ReviewState.choices)


def xlsx_response(content, file_name):
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


def record_id(text):
    """A primary key from a request parameter, or None (ASCII digits only, within the key's range)."""
    if text and re.fullmatch(r"[0-9]{1,18}", text):
        return int(text)
    return None


class SurveyRoundListView(StaffPageMixin, ListView):
    template_name = "registry/survey_rounds.html"

    def get_queryset(self):
        return SurveyRound.objects.restrict(self.request.user, "view")

    def get_context_data(self, **kwargs):
        can_open = self.request.user.has_perm("registry.change_surveyround")
        return super().get_context_data(
            title=_("Survey rounds"), open_form=OpenRoundForm() if can_open else None, **kwargs
        )


class CurrentRoundView(StaffPageMixin, View):
    """The open round: a clerk's to-do, or the progress for those who steer or read it."""

    def get(self, request, *args, **kwargs):
        survey_round = current_round()
        if survey_round is None:
            return HttpResponseRedirect(reverse("registry:survey_rounds"))
        steers = request.user.has_perm("registry.change_surveyround") or not request.user.has_perm(
            "registry.change_base")
        name = "registry:survey_progress" if steers else "registry:survey_review"
        return HttpResponseRedirect(reverse(name, args=[survey_round.reference_date]))


class OpenRoundForm(forms.Form):
    reference_date = forms.DateField(label=_("reference date"), widget=forms.DateInput(attrs={"type": "date"}))
    due_date = forms.DateField(label=_("due date"), widget=forms.DateInput(attrs={"type": "date"}))


class CoordinatorMixin:
    """Steps of the round itself (open, close, publish, remind, return, correct): for coordinators."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm("registry.change_surveyround"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class OpenRoundView(CoordinatorMixin, StaffPageMixin, View):
    def post(self, request, *args, **kwargs):
        form = OpenRoundForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return HttpResponseRedirect(reverse("registry:survey_rounds"))
        try:
            result = lifecycle.open_round(
                form.cleaned_data["reference_date"], form.cleaned_data["due_date"], user=request.user
            )
        except RoundRefused as refusal:
            messages.error(request, str(refusal))
            return HttpResponseRedirect(reverse("registry:survey_rounds"))
        messages.success(request, gettext("%(round)s is open: %(count)d bases to review.")
                         % {"round": result.survey_round, "count": result.counts["bases"]})
        return HttpResponseRedirect(reverse("registry:survey_progress", args=[result.survey_round.reference_date]))


class RoundMixin(StaffPageMixin):
    """Pages of one round, named by its reference date in the URL."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.survey_round = get_object_or_404(
                SurveyRound.objects.restrict(request.user, "view"), reference_date=kwargs["reference_date"]
            )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["survey_round"] = self.survey_round
        return context


class SurveyReportView(RoundMixin, TemplateView):
    template_name = "registry/survey_report.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["title"] = gettext("Survey report: %(round)s") % {"round": self.survey_round}
        context["report"] = survey_report(self.survey_round, user)
        context["corrections"] = (
            RoundCorrection.objects.restrict(user, "view").filter(record__survey_round=self.survey_round)
            .select_related("record__base__organization")
        )
        context["other_rounds"] = SurveyRound.objects.restrict(user, "view").exclude(pk=self.survey_round.pk)
        context.update(self.comparison_context(context["report"]["summary"]))
        return context

    def comparison_context(self, summary):
        text = self.request.GET.get("compare", "").strip()
        if not text:
            return {}
        try:
            reference_date = datetime.date.fromisoformat(text)
        except ValueError:
            return {"compare_error": gettext("Give the other round's date as YYYY-MM-DD.")}
        other = SurveyRound.objects.restrict(self.request.user, "view").filter(reference_date=reference_date).first()
        if other is None:
            return {"compare_error": gettext("There is no survey round dated %(date)s.") % {"date": text}}
        if other == self.survey_round:
            return {"compare_error": gettext("Choose a different round to compare with.")}
        return {"comparison": compare_rounds(self.survey_round, other, self.request.user, summary)}


class SurveyListView(RoundMixin, TemplateView):
    """The round's list and summary as CLAIR prints them, from the round's own figures (printable)."""

    template_name = "registry/rounds/list.html"

    def get_context_data(self, **kwargs):
        from registry.survey.printable import printable_list

        context = super().get_context_data(**kwargs)
        context.update(
            title=gettext("Overseas bases of local governments: %(round)s") % {"round": self.survey_round},
            can_correct=self.survey_round.is_frozen and self.request.user.has_perm("registry.change_surveyround"),
            **printable_list(self.survey_round, self.request.user),
        )
        return context


class SurveyProgressView(RoundMixin, TemplateView):
    """Per organization, a page at a time (all 1,788 at once made an 800 KB page); totals count them all."""

    template_name = "registry/survey_progress.html"
    paginate_by = 100

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        progress = round_progress(self.survey_round, self.request.user)
        page = Paginator(progress, self.paginate_by).get_page(self.request.GET.get("page"))
        context.update(
            title=gettext("Update progress: %(round)s") % {"round": self.survey_round},
            progress=page.object_list,
            page_obj=page,
            is_paginated=page.has_other_pages(),
            totals=progress_totals(progress),
            state_labels=[STATE_LABELS[state] for state in STATE_ORDER],
            pending_count=sum(1 for row in progress if not row.done),
            can_steer=self.request.user.has_perm("registry.change_surveyround"),
            reminders=self.survey_round.reminders.restrict(self.request.user, "view").select_related("organization")[:20],
        )
        return context


class PendingSheetView(RoundMixin, View):
    """The pre-filled survey sheet for the organizations that have not finished the round."""

    def get(self, request, *args, **kwargs):
        bases = pending_bases(self.survey_round, request.user)
        content = export_survey_xlsx(bases, self.survey_round.reference_date)
        return xlsx_response(content, f"survey_{self.survey_round.reference_date:%Y-%m-%d}_pending.xlsx")


class PublishedSheetView(RoundMixin, View):
    """The published sheet (xlsx in the survey's layout) from the round's frozen figures."""

    def get(self, request, *args, **kwargs):
        if not self.survey_round.is_published:
            raise Http404
        content = published_sheet_xlsx(self.survey_round, request.user)
        return xlsx_response(content, f"survey_{self.survey_round.reference_date:%Y-%m-%d}_published.xlsx")


class RoundStepView(CoordinatorMixin, RoundMixin, View):
    """Close, publish or remind: one POST, one message, back to the progress page."""

    def post(self, request, *args, **kwargs):
        step = kwargs["step"]
        try:
            if step == "close":
                result = lifecycle.close_round(self.survey_round, user=request.user)
                message = gettext("%(round)s is closed: %(count)d closures applied, figures frozen.") % {
                    "round": self.survey_round, "count": result.counts["closed_bases"]}
            elif step == "publish":
                lifecycle.publish_round(self.survey_round, user=request.user)
                message = gettext("%(round)s is published.") % {"round": self.survey_round}
            else:
                result = remind_round(self.survey_round, request.user)
                message = gettext("Reminders sent to %(organizations)d organizations (%(mails)d e-mails).") % {
                    "organizations": result.organizations, "mails": result.mails}
        except RoundRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, message)
        return HttpResponseRedirect(reverse("registry:survey_progress", args=[self.survey_round.reference_date]))


class ReviewerMixin(RoundMixin):
    """Reviewing a round edits bases: for those who may change bases (not supervisors, who only read)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm("registry.change_base"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class SurveyReviewView(ReviewerMixin, TemplateView):
    """A clerk's to-do for the round: per base 変更なし, 編集, 廃止を提案; 新規拠点を追加; 回答完了."""

    template_name = "registry/survey_review.html"

    def bases(self):
        bases = reviewable_bases(self.request.user)
        organization_id = record_id(self.request.GET.get("organization"))
        if organization_id:
            bases = bases.filter(organization_id=organization_id)
        return bases

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        bases = list(self.bases())
        records = records_by_base(self.survey_round, bases)
        rows = [(base, records.get(base.pk)) for base in bases]
        todo = round_todo(self.request.user, self.survey_round)
        todo["rows"] = rows
        shown = {base.organization_id for base in bases}
        todo["organizations"] = [(org, row) for org, row in todo["organizations"] if org.pk in shown]
        context.update(
            title=gettext("Review for %(round)s") % {"round": self.survey_round},
            rows=rows,
            todo=todo,
            organizations=Organization.objects.filter(
                pk__in=reviewable_bases(self.request.user).values("organization")
            ).select_related("prefecture"),
            selected_organization=self.request.GET.get("organization", ""),
        )
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action", "")
        if action in ("complete", "return"):
            return self.answer(request, action)
        requested = {record_id(pk) for pk in request.POST.getlist("base")} - {None}
        bases = list(reviewable_bases(request.user).filter(pk__in=requested))
        if len(bases) != len(requested):
            raise PermissionDenied
        if action != "unchanged" or not bases:
            messages.error(request, gettext("Select the bases to confirm."))
            return HttpResponseRedirect(request.get_full_path())
        try:
            count = lifecycle.confirm_unchanged(self.survey_round, bases, request.user)
        except RoundRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, gettext("%(count)d bases confirmed for this round.") % {"count": count})
        return HttpResponseRedirect(request.get_full_path())

    def answer(self, request, action):
        organization = get_object_or_404(
            Organization.objects.filter(pk__in=reviewable_bases(request.user).values("organization")),
            pk=record_id(request.POST.get("organization")),
        )
        try:
            if action == "complete":
                lifecycle.complete_answer(self.survey_round, organization, request.user)
                messages.success(request, gettext("%(organization)s: answer completed.") % {
                    "organization": organization})
            else:
                if not request.user.has_perm("registry.change_surveyround"):
                    raise PermissionDenied
                lifecycle.return_answer(self.survey_round, organization, request.POST.get("reason", ""), request.user)
                messages.success(request, gettext("%(organization)s: answer returned.") % {
                    "organization": organization})
        except RoundRefused as refusal:
            messages.error(request, str(refusal))
        return HttpResponseRedirect(request.POST.get("next") if request.POST.get("next", "").startswith("/survey/")
                                    else request.get_full_path())


class ClosingForm(forms.Form):
    closing_on = forms.DateField(label=_("Closing date"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason for closing"), widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))


class ProposeClosingView(ReviewerMixin, FormView):
    template_name = "registry/survey_propose_closing.html"
    form_class = ClosingForm

    def get_base(self):
        return get_object_or_404(reviewable_bases(self.request.user), pk=self.kwargs["base_id"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            base=self.get_base(), title=gettext("Propose closing a base"), **kwargs
        )

    def form_valid(self, form):
        base = self.get_base()
        try:
            lifecycle.propose_closing(
                self.survey_round, base, form.cleaned_data["closing_on"], form.cleaned_data["reason"],
                self.request.user,
            )
        except RoundRefused as refusal:
            form.add_error(None, str(refusal))
            return self.form_invalid(form)
        messages.success(self.request, gettext("Closing proposed for %(base)s.") % {"base": base})
        return HttpResponseRedirect(
            reverse("registry:survey_review", args=[self.survey_round.reference_date])
            + f"?organization={base.organization_id}"
        )


class CorrectionForm(forms.Form):
    staff_dispatched = forms.IntegerField(label=_("staff dispatched"), min_value=0)
    staff_local = forms.IntegerField(label=_("staff hired locally"), min_value=0)
    reason = forms.CharField(label=_("reason for the correction"), widget=forms.Textarea(attrs={"rows": 3}))


class CorrectionView(CoordinatorMixin, RoundMixin, FormView):
    """訂正: the coordinator changes a closed or published round's figures for one base, with a reason."""

    template_name = "registry/rounds/correct.html"
    form_class = CorrectionForm

    def get_record(self):
        return get_object_or_404(
            BaseRoundRecord.objects.restrict(self.request.user, "change").select_related("base__organization"),
            survey_round=self.survey_round, pk=self.kwargs["record_id"],
        )

    def get_initial(self):
        record = self.get_record()
        return {"staff_dispatched": record.staff_dispatched, "staff_local": record.staff_local}

    def get_context_data(self, **kwargs):
        return super().get_context_data(record=self.get_record(), title=gettext("Correct the round's figures"),
                                        **kwargs)

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        reason = data.pop("reason")
        try:
            lifecycle.correct(self.get_record(), data, reason, self.request.user)
        except RoundRefused as refusal:
            form.add_error(None, str(refusal))
            return self.form_invalid(form)
        messages.success(self.request, gettext("The correction is recorded."))
        return HttpResponseRedirect(reverse("registry:survey_report", args=[self.survey_round.reference_date]))
